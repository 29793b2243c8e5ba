// venoflow: CVODE's fused integrator kernels for serial vectors.
//
// CVODE 6.4.1 has a switch for "fused" integrator kernels (SUNDIALS_BUILD_PACKAGE_FUSED_KERNELS,
// CVodeSetUseIntegratorFusedKernels): the error weights, the Newton residual and the constraint
// check, each one pass over the vectors instead of a sequence of vector operations. Upstream
// provides them for GPU vectors only; third_party/sundials_cvode (our build of CVODE) accepts
// serial vectors, and adds the predictor (cvPredict) to the set. They are defined here.
//
// Why: on the 1023-vessel tree (bench/peers) a step moves 3072-element vectors through the level-2
// cache some 40 times; each pass costs about 0.7 us whatever the SIMD width, and the predictor's
// q(q+1)/2 linear sums (10 at order 4) were a fifth of the integration. Fused, the predictor reads
// each history vector once and writes it once.
//
// Every kernel performs, for every component, the same floating-point operations in the same
// order as the unfused sequence it replaces (SUNDIALS 6.4.1 src/cvode/cvode_fused_stubs.c and
// cvode.c; our serial operations, numerics/serial_vector_ops.cpp, reproduce N_VLinearSum and
// friends to the bit), with no FMA contraction: results are identical to the last bit
// (tests/cpp/test_cvode_fused_kernels.cpp checks each kernel, and whole runs, bit for bit).
// Where an argument aliases another in a way that would change that order, the kernel falls back
// to the unfused sequence.
#if defined(__GNUC__) && !defined(__clang__)
#pragma GCC optimize("O3", "fp-contract=off")
#endif

#include <nvector/nvector_serial.h>
#include <sundials/sundials_nvector.h>

#include <algorithm>
#include <cmath>
#include <cstring>

#include "numerics/serial_vector_ops.hpp"
#include "numerics/simd_clones.hpp"

namespace {

using Index = sunindextype;

bool serial(N_Vector v) { return N_VGetVectorID(v) == SUNDIALS_NVEC_SERIAL; }
Index len(N_Vector v) { return NV_LENGTH_S(v); }
double* data(N_Vector v) { return NV_DATA_S(v); }

// The predictor of order q <= 5 (BDF's orders, max_order <= 5) keeps a component's q + 1 history
// values in registers while the q(q+1)/2 additions run over them, in cvPredict's order: each
// history vector is read once and written once per step, and the additions do not wait on the
// level-1 cache (15 loads and stores per component at q = 5 otherwise). SIMD lanes are separate
// components, so each sees the scalar sequence.
template <int Q, class T>
[[gnu::always_inline]] inline void predict_component(double* const* z, Index i) {
  T v[Q + 1];
#pragma GCC unroll 6
  for (int j = 0; j <= Q; ++j) std::memcpy(&v[j], z[j] + i, sizeof(T));
#pragma GCC unroll 6
  for (int k = 1; k <= Q; ++k)
#pragma GCC unroll 6
    for (int j = Q; j >= k; --j) v[j - 1] += v[j];
#pragma GCC unroll 6
  for (int j = 0; j < Q; ++j) std::memcpy(z[j] + i, &v[j], sizeof(T));
}

template <int Q>
[[gnu::always_inline]] inline void predict_in_registers(double* const* z, Index n) {
  // Four components at a time (GCC's generic vectors: AVX registers in the AVX2 and AVX-512
  // clones, pairs of SSE2 registers in the baseline), then the rest one by one.
  using Four = double __attribute__((vector_size(32)));
  double* p[Q + 1];  // in registers: a store through one cannot change them
  for (int j = 0; j <= Q; ++j) p[j] = z[j];
  Index i = 0;
  for (; i + 4 <= n; i += 4) predict_component<Q, Four>(p, i);
  for (; i < n; ++i) predict_component<Q, double>(p, i);
}
VENOFLOW_SIMD_CLONES void predict1(double* const* z, Index n) { predict_in_registers<1>(z, n); }
VENOFLOW_SIMD_CLONES void predict2(double* const* z, Index n) { predict_in_registers<2>(z, n); }
VENOFLOW_SIMD_CLONES void predict3(double* const* z, Index n) { predict_in_registers<3>(z, n); }
VENOFLOW_SIMD_CLONES void predict4(double* const* z, Index n) { predict_in_registers<4>(z, n); }
VENOFLOW_SIMD_CLONES void predict5(double* const* z, Index n) { predict_in_registers<5>(z, n); }

// Higher orders (Adams, up to 12) block by block: (q + 1) blocks of 512 doubles stay in the
// level-1 data cache while the q(q+1)/2 additions run over them, so each history vector crosses
// the level-2 cache once per step.
constexpr Index kBlock = 512;

// zn[j-1] <- zn[j-1] + zn[j] for k = 1..q, j = q..k (cvPredict's order).
VENOFLOW_SIMD_CLONES void predict_blocks(int q, double* const* z, Index n) {
  for (Index b = 0; b < n; b += kBlock) {
    const Index m = std::min(kBlock, n - b);
    for (int k = 1; k <= q; ++k)
      for (int j = q; j >= k; --j) {
        double* lo = z[j - 1] + b;
        const double* hi = z[j] + b;
        for (Index i = 0; i < m; ++i) lo[i] += hi[i];
      }
  }
}

void predict(int q, double* const* z, Index n) {
  switch (q) {
    case 0:
      return;
    case 1:
      return predict1(z, n);
    case 2:
      return predict2(z, n);
    case 3:
      return predict3(z, n);
    case 4:
      return predict4(z, n);
    case 5:
      return predict5(z, n);
    default:
      return predict_blocks(q, z, n);
  }
}

// tempv = reltol |y| + atol_i; weight = 1 / tempv (cvEwtSetSV: N_VAbs, N_VLinearSum, N_VInv).
VENOFLOW_SIMD_CLONES void ewt_sv(double reltol, const double* atol, const double* y, double* tempv,
                                 double* weight, Index n) {
  for (Index i = 0; i < n; ++i) {
    const double t = reltol * std::fabs(y[i]) + atol[i];
    tempv[i] = t;
    weight[i] = 1.0 / t;
  }
}

// tempv = reltol |y| + atol; weight = 1 / tempv (cvEwtSetSS: N_VAbs, N_VScale, N_VAddConst,
// N_VInv).
VENOFLOW_SIMD_CLONES void ewt_ss(double reltol, double atol, const double* y, double* tempv,
                                 double* weight, Index n) {
  for (Index i = 0; i < n; ++i) {
    const double t = reltol * std::fabs(y[i]) + atol;
    tempv[i] = t;
    weight[i] = 1.0 / t;
  }
}

// res = rl1 zn1 + ycor, then res = res + ngamma ftemp (cvNlsResidual's two linear sums).
VENOFLOW_SIMD_CLONES void nls_residual(double rl1, double ngamma, const double* zn1,
                                       const double* ycor, const double* ftemp, double* res,
                                       Index n) {
  for (Index i = 0; i < n; ++i) {
    const double r = rl1 * zn1[i] + ycor[i];
    res[i] = r + ngamma * ftemp[i];
  }
}

}  // namespace

// The entry points CVODE declares (third_party/sundials_cvode/cvode.c, cvode_nls.c). CVODE only
// calls them after CVodeSetUseIntegratorFusedKernels accepted its vectors (serial ones); a vector
// of another kind still gets the unfused sequence.
extern "C" {

int cvPredict_fused(int q, N_Vector* zn) {
  constexpr int kMaxOrder = 12;  // Adams' maximum order (CVODE's ADAMS_Q_MAX)
  bool fusable = q <= kMaxOrder;
  for (int j = 0; fusable && j <= q; ++j) fusable = serial(zn[j]);
  if (!fusable) {
    for (int k = 1; k <= q; ++k)
      for (int j = q; j >= k; --j) N_VLinearSum(1.0, zn[j - 1], 1.0, zn[j], zn[j - 1]);
    return 0;
  }
  double* z[kMaxOrder + 1];
  for (int j = 0; j <= q; ++j) z[j] = data(zn[j]);
  predict(q, z, len(zn[0]));
  return 0;
}

// The corrector update zn[j] += l[j] acor (j = 0..q) with the norms of the new zn[q] and
// zn[q-1] that the BDF stability limit detection reads after it (cvBDFStab; cvComputeEtaqm1 reads
// the first too): 0 if done in one pass, with each norm N_VWrmsNorm's to the bit; -1 if the
// vectors do not allow it (then nothing is changed and CVODE runs its own sequence).
int cvCompleteStepNorms_fused(int q, sunrealtype* l, N_Vector acor, N_Vector* zn, N_Vector ewt,
                              sunrealtype* norm_q, sunrealtype* norm_qm1) {
  double sum_q, sum_qm1;
  if (!venoflow::scale_add_and_last_wsqr_sums(q + 1, l, acor, zn, ewt, &sum_q, &sum_qm1)) return -1;
  *norm_q = venoflow::wrms_from_wsqr_sum(sum_q, len(ewt));
  *norm_qm1 = venoflow::wrms_from_wsqr_sum(sum_qm1, len(ewt));
  return 0;
}

int cvEwtSetSS_fused(const sunbooleantype atolmin0, const sunrealtype reltol,
                     const sunrealtype Sabstol, const N_Vector ycur, N_Vector tempv,
                     N_Vector weight) {
  if (!serial(ycur) || !serial(tempv) || !serial(weight)) {
    N_VAbs(ycur, tempv);
    N_VScale(reltol, tempv, tempv);
    N_VAddConst(tempv, Sabstol, tempv);
    if (atolmin0 && N_VMin(tempv) <= 0.0) return -1;
    N_VInv(tempv, weight);
    return 0;
  }
  ewt_ss(reltol, Sabstol, data(ycur), data(tempv), data(weight), len(ycur));
  return 0;  // CVODE tests tempv for non-positive entries itself when atolmin0
}

int cvEwtSetSV_fused(const sunbooleantype atolmin0, const sunrealtype reltol,
                     const N_Vector Vabstol, const N_Vector ycur, N_Vector tempv, N_Vector weight) {
  // Vabstol = tempv: N_VAbs would overwrite the tolerances before the sum reads them.
  if (!serial(ycur) || !serial(tempv) || !serial(weight) || !serial(Vabstol) || Vabstol == tempv) {
    N_VAbs(ycur, tempv);
    N_VLinearSum(reltol, tempv, 1.0, Vabstol, tempv);
    if (atolmin0 && N_VMin(tempv) <= 0.0) return -1;
    N_VInv(tempv, weight);
    return 0;
  }
  ewt_sv(reltol, data(Vabstol), data(ycur), data(tempv), data(weight), len(ycur));
  return 0;  // CVODE tests tempv for non-positive entries itself when atolmin0
}

int cvNlsResid_fused(const sunrealtype rl1, const sunrealtype ngamma, const N_Vector zn1,
                     const N_Vector ycor, const N_Vector ftemp, N_Vector res) {
  // res = ftemp: the second sum reads the first's result, so the two passes stay separate.
  if (!serial(zn1) || !serial(ycor) || !serial(ftemp) || !serial(res) || res == ftemp) {
    N_VLinearSum(rl1, zn1, 1.0, ycor, res);
    N_VLinearSum(ngamma, ftemp, 1.0, res, res);
    return 0;
  }
  nls_residual(rl1, ngamma, data(zn1), data(ycor), data(ftemp), data(res), len(res));
  return 0;
}

// Not a hot path (constraints are checked only when set): the upstream sequence.
int cvCheckConstraints_fused(const N_Vector c, const N_Vector ewt, const N_Vector y,
                             const N_Vector mm, N_Vector tmp) {
  N_VCompare(1.5, c, tmp);               // a[i] = 1 when |c[i]| = 2
  N_VProd(tmp, c, tmp);                  // a c
  N_VDiv(tmp, ewt, tmp);                 // a c wt
  N_VLinearSum(1.0, y, -0.1, tmp, tmp);  // y - 0.1 a c wt
  N_VProd(tmp, mm, tmp);                 // v = mm (y - 0.1 a c wt)
  return 0;
}

}  // extern "C"
