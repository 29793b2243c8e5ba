// venoflow: compiled copies of SUNDIALS' serial vector operations (numerics/serial_vector_ops.hpp).
// Each function follows SUNDIALS 6.4.1 src/nvector/serial/nvector_serial.c and
// src/sunmatrix/sparse/sunmatrix_sparse.c (Copyright (c) 2002-2022, Lawrence Livermore National
// Security and Southern Methodist University; BSD-3-Clause, the license text is in
// numerics/SUNDIALS-LICENSE): the same special cases and the same order of operations, so the
// results are identical to the last bit, except the weighted sum of squares (wsqr_sum), which adds
// in eight interleaved partial sums (see there). No -ffast-math here, and no contraction of a
// multiply and an add into an FMA (fp-contract=off: AVX-512 has FMA instructions), so every
// element sees the library's roundings. GCC vectorises these loops only at -O3 (at -O2 its "very
// cheap" cost model refuses loops of unknown length): element-wise SIMD arithmetic is exact per
// lane.
#if defined(__GNUC__) && !defined(__clang__)
#pragma GCC optimize("O3", "fp-contract=off")
#endif

#include "numerics/serial_vector_ops.hpp"

#include "numerics/simd_clones.hpp"

#include <nvector/nvector_serial.h>
#include <sunmatrix/sunmatrix_sparse.h>

#include <algorithm>
#include <cmath>
#include <cstring>
#include <vector>

namespace venoflow {

namespace {

using Index = sunindextype;

Index len(N_Vector v) { return NV_LENGTH_S(v); }
double* data(N_Vector v) { return NV_DATA_S(v); }

VENOFLOW_SIMD_CLONES void axpy(double a, N_Vector x, N_Vector y) {  // y <- a x + y (Vaxpy_Serial)
  const Index n = len(x);
  const double* xd = data(x);
  double* yd = data(y);
  if (a == 1.0) {
    for (Index i = 0; i < n; ++i) yd[i] += xd[i];
    return;
  }
  if (a == -1.0) {
    for (Index i = 0; i < n; ++i) yd[i] -= xd[i];
    return;
  }
  for (Index i = 0; i < n; ++i) yd[i] += a * xd[i];
}

VENOFLOW_SIMD_CLONES void linear_sum(double a, N_Vector x, double b, N_Vector y, N_Vector z) {
  if (b == 1.0 && z == y) return axpy(a, x, y);
  if (a == 1.0 && z == x) return axpy(b, y, x);
  const Index n = len(x);
  const double* xd = data(x);
  const double* yd = data(y);
  double* zd = data(z);
  if (a == 1.0 && b == 1.0) {  // VSum
    for (Index i = 0; i < n; ++i) zd[i] = xd[i] + yd[i];
    return;
  }
  if ((a == 1.0 && b == -1.0) || (a == -1.0 && b == 1.0)) {  // VDiff(v2, v1)
    const bool test = a == 1.0 && b == -1.0;
    const double* v2 = test ? xd : yd;
    const double* v1 = test ? yd : xd;
    for (Index i = 0; i < n; ++i) zd[i] = v2[i] - v1[i];
    return;
  }
  if (a == 1.0 || b == 1.0) {  // VLin1: z = c v1 + v2
    const bool test = a == 1.0;
    const double c = test ? b : a;
    const double* v1 = test ? yd : xd;
    const double* v2 = test ? xd : yd;
    for (Index i = 0; i < n; ++i) zd[i] = (c * v1[i]) + v2[i];
    return;
  }
  if (a == -1.0 || b == -1.0) {  // VLin2: z = c v1 - v2
    const bool test = a == -1.0;
    const double c = test ? b : a;
    const double* v1 = test ? yd : xd;
    const double* v2 = test ? xd : yd;
    for (Index i = 0; i < n; ++i) zd[i] = (c * v1[i]) - v2[i];
    return;
  }
  if (a == b) {  // VScaleSum
    for (Index i = 0; i < n; ++i) zd[i] = a * (xd[i] + yd[i]);
    return;
  }
  if (a == -b) {  // VScaleDiff
    for (Index i = 0; i < n; ++i) zd[i] = a * (xd[i] - yd[i]);
    return;
  }
  for (Index i = 0; i < n; ++i) zd[i] = (a * xd[i]) + (b * yd[i]);
}

VENOFLOW_SIMD_CLONES void constant(double c, N_Vector z) {
  const Index n = len(z);
  double* zd = data(z);
  for (Index i = 0; i < n; ++i) zd[i] = c;
}

VENOFLOW_SIMD_CLONES void prod(N_Vector x, N_Vector y, N_Vector z) {
  const Index n = len(x);
  const double *xd = data(x), *yd = data(y);
  double* zd = data(z);
  for (Index i = 0; i < n; ++i) zd[i] = xd[i] * yd[i];
}

VENOFLOW_SIMD_CLONES void div(N_Vector x, N_Vector y, N_Vector z) {
  const Index n = len(x);
  const double *xd = data(x), *yd = data(y);
  double* zd = data(z);
  for (Index i = 0; i < n; ++i) zd[i] = xd[i] / yd[i];
}

VENOFLOW_SIMD_CLONES void scale(double c, N_Vector x, N_Vector z) {
  const Index n = len(x);
  const double* xd = data(x);
  double* zd = data(z);
  if (z == x) {  // VScaleBy
    for (Index i = 0; i < n; ++i) zd[i] *= c;
  } else if (c == 1.0) {  // VCopy
    for (Index i = 0; i < n; ++i) zd[i] = xd[i];
  } else if (c == -1.0) {  // VNeg
    for (Index i = 0; i < n; ++i) zd[i] = -xd[i];
  } else {
    for (Index i = 0; i < n; ++i) zd[i] = c * xd[i];
  }
}

VENOFLOW_SIMD_CLONES void abs_value(N_Vector x, N_Vector z) {
  const Index n = len(x);
  const double* xd = data(x);
  double* zd = data(z);
  for (Index i = 0; i < n; ++i) zd[i] = std::fabs(xd[i]);
}

VENOFLOW_SIMD_CLONES void inv(N_Vector x, N_Vector z) {
  const Index n = len(x);
  const double* xd = data(x);
  double* zd = data(z);
  for (Index i = 0; i < n; ++i) zd[i] = 1.0 / xd[i];
}

VENOFLOW_SIMD_CLONES void add_const(N_Vector x, double b, N_Vector z) {
  const Index n = len(x);
  const double* xd = data(x);
  double* zd = data(z);
  for (Index i = 0; i < n; ++i) zd[i] = xd[i] + b;
}

// The fused operations (N_VScaleAddMulti, N_VLinearCombination) work block by block: a block of
// 512 doubles of every operand stays in the level-1 data cache while the sums run over it, so the
// shared operand crosses the level-2 cache once instead of once per vector (CVODE's
// cvCompleteStep adds l_j acor to each of the q + 1 history vectors every step). Every component
// sees the operations, and the order, of the unfused sequence that SUNDIALS runs when a vector
// has no fused operation (src/sundials/sundials_nvector.c), which is why aliased arguments need
// no special case: an element-wise sequence touches component i of each vector only.
constexpr Index kFusedBlock = 512;

// Z_k = a_k x + Y_k, k = 0..nvec-1: the sequence N_VLinearSum(a_k, x, 1, Y_k, Z_k).
VENOFLOW_SIMD_CLONES void scale_add_blocks(int nvec, const double* a, const double* x,
                                           double* const* y, double* const* z, Index n) {
  for (Index b = 0; b < n; b += kFusedBlock) {
    const Index m = std::min(kFusedBlock, n - b);
    for (int k = 0; k < nvec; ++k) {
      const double ak = a[k];
      const double* xb = x + b;
      const double* yb = y[k] + b;
      double* zb = z[k] + b;
      for (Index i = 0; i < m; ++i) zb[i] = ak * xb[i] + yb[i];
    }
  }
}

// z = c_0 X_0, then z = z + c_k X_k for k = 1..nvec-1: N_VScale and the N_VLinearSum sequence.
VENOFLOW_SIMD_CLONES void combine_blocks(int nvec, const double* c, const double* const* x,
                                         double* z, Index n) {
  for (Index b = 0; b < n; b += kFusedBlock) {
    const Index m = std::min(kFusedBlock, n - b);
    double* zb = z + b;
    const double c0 = c[0];
    const double* x0 = x[0] + b;
    for (Index i = 0; i < m; ++i) zb[i] = c0 * x0[i];
    for (int k = 1; k < nvec; ++k) {
      const double ck = c[k];
      const double* xb = x[k] + b;
      for (Index i = 0; i < m; ++i) zb[i] += ck * xb[i];
    }
  }
}

// The same with the shared operand in a register, four components at a time, for up to six
// vectors (CVODE's corrector update at BDF orders up to 5): x is loaded once per component, not
// once per vector. Every z_k is written before a later y_k is read, component by component, as
// in the blocks above; x must not be one of the z_k (it would then change between the sums).
// (last and before_last, if given, receive the new z_(N-1) and z_(N-2).)
template <int N, class T>
[[gnu::always_inline]] inline void scale_add_component(const double* a, const double* x,
                                                       double* const* y, double* const* z, Index i,
                                                       T* last = nullptr,
                                                       T* before_last = nullptr) {
  T xi;
  std::memcpy(&xi, x + i, sizeof(T));
#pragma GCC unroll 6
  for (int k = 0; k < N; ++k) {
    T yk;
    std::memcpy(&yk, y[k] + i, sizeof(T));
    const T zk = a[k] * xi + yk;
    std::memcpy(z[k] + i, &zk, sizeof(T));
    if (last && k == N - 1) *last = zk;
    if (before_last && k == N - 2) *before_last = zk;
  }
}

template <int N>
[[gnu::always_inline]] inline void scale_add_in_registers(const double* a, const double* x,
                                                          double* const* y, double* const* z,
                                                          Index n) {
  using Four = double __attribute__((vector_size(32)));
  double ak[N];
  double *yk[N], *zk[N];  // in registers: a store through one cannot change them
  for (int k = 0; k < N; ++k) ak[k] = a[k], yk[k] = y[k], zk[k] = z[k];
  Index i = 0;
  for (; i + 4 <= n; i += 4) scale_add_component<N, Four>(ak, x, yk, zk, i);
  for (; i < n; ++i) scale_add_component<N, double>(ak, x, yk, zk, i);
}

#define VENOFLOW_SCALE_ADD(N)                                                                 \
  VENOFLOW_SIMD_CLONES void scale_add_##N(const double* a, const double* x, double* const* y, \
                                          double* const* z, Index n) {                        \
    scale_add_in_registers<N>(a, x, y, z, n);                                                 \
  }
VENOFLOW_SCALE_ADD(1)
VENOFLOW_SCALE_ADD(2)
VENOFLOW_SCALE_ADD(3)
VENOFLOW_SCALE_ADD(4)
VENOFLOW_SCALE_ADD(5)
VENOFLOW_SCALE_ADD(6)
#undef VENOFLOW_SCALE_ADD

constexpr void (*kScaleAddInRegisters[6])(const double*, const double*, double* const*,
                                          double* const*, Index) = {
    scale_add_1, scale_add_2, scale_add_3, scale_add_4, scale_add_5, scale_add_6};

// Up to CVODE's largest use (q + 1 <= 13 vectors); more goes through the unfused sequence.
constexpr int kMaxFused = 16;

int scale_add_multi(int nvec, double* a, N_Vector x, N_Vector* Y, N_Vector* Z) {
  if (nvec < 1) return -1;
  if (nvec > kMaxFused) {
    for (int k = 0; k < nvec; ++k) linear_sum(a[k], x, 1.0, Y[k], Z[k]);
    return 0;
  }
  double* y[kMaxFused];
  double* z[kMaxFused];
  bool x_written = false;
  for (int k = 0; k < nvec; ++k) {
    y[k] = data(Y[k]), z[k] = data(Z[k]);
    x_written = x_written || z[k] == data(x);
  }
  if (nvec <= 6 && !x_written)
    kScaleAddInRegisters[nvec - 1](a, data(x), y, z, len(x));
  else
    scale_add_blocks(nvec, a, data(x), y, z, len(x));
  return 0;
}

// z = c_0 X_0 + c_1 X_1 + ... with the sum in a register, four components at a time, for up to
// eight vectors (ARKODE's stage sums: up to five stages; CVODE's interpolation at an output
// time: q + 1 <= 6): each component's products are added in the order of the blocks above, so
// the same bits, but z is stored once instead of loaded and stored once per vector. No X_k with
// k >= 1 may be z (the blocks read such an X_k after z's first pass has overwritten it).
template <int N, class T>
[[gnu::always_inline]] inline void combine_component(const double* c, const double* const* x,
                                                     double* z, Index i) {
  T acc, xk;
  std::memcpy(&xk, x[0] + i, sizeof(T));
  acc = c[0] * xk;
#pragma GCC unroll 8
  for (int k = 1; k < N; ++k) {
    std::memcpy(&xk, x[k] + i, sizeof(T));
    acc += c[k] * xk;
  }
  std::memcpy(z + i, &acc, sizeof(T));
}

template <int N>
[[gnu::always_inline]] inline void combine_in_registers(const double* c, const double* const* x,
                                                        double* z, Index n) {
  using Four = double __attribute__((vector_size(32)));
  double ck[N];
  const double* xk[N];  // in registers: a store through z cannot change them
  for (int k = 0; k < N; ++k) ck[k] = c[k], xk[k] = x[k];
  Index i = 0;
  for (; i + 4 <= n; i += 4) combine_component<N, Four>(ck, xk, z, i);
  for (; i < n; ++i) combine_component<N, double>(ck, xk, z, i);
}

#define VENOFLOW_COMBINE(N)                                                                 \
  VENOFLOW_SIMD_CLONES void combine_##N(const double* c, const double* const* x, double* z, \
                                        Index n) {                                          \
    combine_in_registers<N>(c, x, z, n);                                                    \
  }
VENOFLOW_COMBINE(2)
VENOFLOW_COMBINE(3)
VENOFLOW_COMBINE(4)
VENOFLOW_COMBINE(5)
VENOFLOW_COMBINE(6)
VENOFLOW_COMBINE(7)
VENOFLOW_COMBINE(8)
#undef VENOFLOW_COMBINE

constexpr void (*kCombineInRegisters[7])(const double*, const double* const*, double*, Index) = {
    combine_2, combine_3, combine_4, combine_5, combine_6, combine_7, combine_8};

int linear_combination(int nvec, double* c, N_Vector* X, N_Vector z) {
  if (nvec < 1) return -1;
  if (nvec > kMaxFused) {
    scale(c[0], X[0], z);
    for (int k = 1; k < nvec; ++k) linear_sum(c[k], X[k], 1.0, z, z);
    return 0;
  }
  const double* x[kMaxFused];
  bool z_read_later = false;
  for (int k = 0; k < nvec; ++k) {
    x[k] = data(X[k]);
    z_read_later = z_read_later || (k >= 1 && x[k] == data(z));
  }
  if (nvec >= 2 && nvec <= 8 && !z_read_later)
    kCombineInRegisters[nvec - 2](c, x, data(z), len(z));
  else
    combine_blocks(nvec, c, x, data(z), len(z));
  return 0;
}

double max_norm(N_Vector x) {
  const Index n = len(x);
  const double* xd = data(x);
  double m = 0.0;
  for (Index i = 0; i < n; ++i)
    if (std::fabs(xd[i]) > m) m = std::fabs(xd[i]);
  return m;
}

// The eight partial sums added pairwise, in the one order every weighted sum of squares here uses.
[[gnu::always_inline]] inline double combine_partial_sums(const double* s) {
  return ((s[0] + s[4]) + (s[2] + s[6])) + ((s[1] + s[5]) + (s[3] + s[7]));
}

/// sum_i (x_i w_i)^2 in eight interleaved partial sums (element i into partial i mod 8), added
/// pairwise at the end: ((s0 + s4) + (s2 + s6)) + ((s1 + s5) + (s3 + s7)). SUNDIALS sums in index
/// order, one dependent addition per element, so its loop runs at the latency of an addition (4
/// cycles per element); eight independent chains fill the vector lanes. The result differs from
/// the library's in the last bits (a different rounding of the same sum; the pairwise order is, if
/// anything, the more accurate: Higham 2002, "Accuracy and Stability of Numerical Algorithms",
/// sec. 4.2), it is the same on every processor (each lane's arithmetic is exact IEEE double, the
/// combination order is fixed), and it only weighs CVODE's error and convergence tests.
VENOFLOW_SIMD_CLONES double wsqr_sum(N_Vector x, N_Vector w) {
  const Index n = len(x);
  const double *xd = data(x), *wd = data(w);
  double s[8] = {0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0};
  const Index n8 = n - n % 8;
  for (Index i = 0; i < n8; i += 8)
    for (int k = 0; k < 8; ++k) {
      const double p = xd[i + k] * wd[i + k];
      s[k] += p * p;
    }
  for (Index i = n8; i < n; ++i) {
    const double p = xd[i] * wd[i];
    s[i - n8] += p * p;
  }
  return combine_partial_sums(s);
}

double wrms_norm(N_Vector x, N_Vector w) { return wrms_from_wsqr_sum(wsqr_sum(x, w), len(x)); }

// The corrector update z_k += a_k x (k = 0..nvec-1) and the weighted sums of squares of the
// updated z_(nvec-1) and z_(nvec-2), in one pass: eight components at a time, the squares summed
// in the lanes of wsqr_sum (component i into partial sum i mod 8, lanes 0-3 and 4-7 in two
// registers) and combined in its order, so each sum is wsqr_sum's to the bit.
template <int N>
[[gnu::always_inline]] inline void scale_add_with_norms(const double* a, const double* x,
                                                        double* const* z, const double* w, Index n,
                                                        double* sums) {
  static_assert(N >= 2);
  using Four = double __attribute__((vector_size(32)));
  double ak[N];
  double* zk[N];
  for (int k = 0; k < N; ++k) ak[k] = a[k], zk[k] = z[k];
  Four last_lo = {}, last_hi = {}, before_lo = {}, before_hi = {};
  const Index n8 = n - n % 8;
  for (Index i = 0; i < n8; i += 8) {
    Four l0, l1, b0, b1, w0, w1;
    scale_add_component<N, Four>(ak, x, zk, zk, i, &l0, &b0);
    scale_add_component<N, Four>(ak, x, zk, zk, i + 4, &l1, &b1);
    std::memcpy(&w0, w + i, sizeof(Four));
    std::memcpy(&w1, w + i + 4, sizeof(Four));
    const Four pl0 = l0 * w0, pl1 = l1 * w1, pb0 = b0 * w0, pb1 = b1 * w1;
    last_lo += pl0 * pl0;
    last_hi += pl1 * pl1;
    before_lo += pb0 * pb0;
    before_hi += pb1 * pb1;
  }
  double sl[8], sb[8];
  for (int k = 0; k < 4; ++k) {
    sl[k] = last_lo[k], sl[k + 4] = last_hi[k];
    sb[k] = before_lo[k], sb[k + 4] = before_hi[k];
  }
  for (Index i = n8; i < n; ++i) {
    double l, b;
    scale_add_component<N, double>(ak, x, zk, zk, i, &l, &b);
    const double pl = l * w[i], pb = b * w[i];
    sl[i - n8] += pl * pl;
    sb[i - n8] += pb * pb;
  }
  sums[0] = combine_partial_sums(sl);
  sums[1] = combine_partial_sums(sb);
}

#define VENOFLOW_SCALE_ADD_NORMS(N)                                                         \
  VENOFLOW_SIMD_CLONES void scale_add_norms_##N(const double* a, const double* x,           \
                                                double* const* z, const double* w, Index n, \
                                                double* sums) {                             \
    scale_add_with_norms<N>(a, x, z, w, n, sums);                                           \
  }
VENOFLOW_SCALE_ADD_NORMS(2)
VENOFLOW_SCALE_ADD_NORMS(3)
VENOFLOW_SCALE_ADD_NORMS(4)
VENOFLOW_SCALE_ADD_NORMS(5)
VENOFLOW_SCALE_ADD_NORMS(6)
#undef VENOFLOW_SCALE_ADD_NORMS

constexpr void (*kScaleAddNorms[5])(const double*, const double*, double* const*, const double*,
                                    Index, double*) = {
    scale_add_norms_2, scale_add_norms_3, scale_add_norms_4, scale_add_norms_5, scale_add_norms_6};

double min_value(N_Vector x) {
  const Index n = len(x);
  const double* xd = data(x);
  double m = xd[0];
  for (Index i = 1; i < n; ++i)
    if (xd[i] < m) m = xd[i];
  return m;
}

// ---- sparse matrices: SUNDIALS 6.4.1 src/sunmatrix/sparse/sunmatrix_sparse.c ----

int matrix_zero(SUNMatrix A) {
  const Index nnz = SM_NNZ_S(A), np = SM_NP_S(A);
  double* x = SM_DATA_S(A);
  Index* ri = SM_INDEXVALS_S(A);
  Index* cp = SM_INDEXPTRS_S(A);
  for (Index i = 0; i < nnz; ++i) {
    x[i] = 0.0;
    ri[i] = 0;
  }
  for (Index i = 0; i <= np; ++i) cp[i] = 0;
  return SUNMAT_SUCCESS;
}

/// B = A. The library's copy when the matrices differ in kind or shape (it reports the error) or
/// B must grow; otherwise its result: B zeroed over its whole storage, then A's entries. When B
/// already holds A's pattern in exactly A's storage (CVODE copies its saved Jacobian into the
/// iteration matrix at every setup, always with the same pattern), zeroing and rewriting the
/// indices would give the indices B has: only the values are copied.
int matrix_copy(SUNMatrix A, SUNMatrix B) {
  const Index a_nz = SM_INDEXPTRS_S(A)[SM_NP_S(A)];
  if (SUNMatGetID(B) != SUNMATRIX_SPARSE || SM_SPARSETYPE_S(A) != SM_SPARSETYPE_S(B) ||
      SM_ROWS_S(A) != SM_ROWS_S(B) || SM_COLUMNS_S(A) != SM_COLUMNS_S(B) || SM_NNZ_S(B) < a_nz)
    return SUNMatCopy_Sparse(A, B);
  const double* ax = SM_DATA_S(A);
  const Index* ai = SM_INDEXVALS_S(A);
  const Index* ap = SM_INDEXPTRS_S(A);
  double* bx = SM_DATA_S(B);
  Index* bi = SM_INDEXVALS_S(B);
  Index* bp = SM_INDEXPTRS_S(B);
  const Index np = SM_NP_S(A);
  if (SM_NNZ_S(B) == a_nz && std::equal(ap, ap + np + 1, bp) && std::equal(ai, ai + a_nz, bi)) {
    std::copy(ax, ax + a_nz, bx);
    return SUNMAT_SUCCESS;
  }
  matrix_zero(B);
  for (Index i = 0; i < a_nz; ++i) {
    bx[i] = ax[i];
    bi[i] = ai[i];
  }
  for (Index i = 0; i < np; ++i) bp[i] = ap[i];
  bp[np] = a_nz;
  return SUNMAT_SUCCESS;
}

VENOFLOW_SIMD_CLONES void scale_values(double c, double* x, Index n) {
  for (Index i = 0; i < n; ++i) x[i] *= c;
}

// The diagonal positions of the pattern last seen, with that pattern's column pointers, and a
// check that they are those of pattern (ap, ai): the same column pointers (so position d_j,
// found within column j, still is), and row j at d_j. Sound for any pattern (no key that a
// pattern changed in place could fool); per column one load and compare instead of a search.
struct DiagonalPositions {
  std::vector<Index> at, col_ptr;
  // n: the pattern's columns (ap has n + 1 entries), k <= n.
  VENOFLOW_SIMD_CLONES bool fit(Index k, Index n, const Index* ap, const Index* ai) const {
    if (k == 0 || static_cast<Index>(at.size()) != k ||
        static_cast<Index>(col_ptr.size()) != n + 1 ||
        std::memcmp(ap, col_ptr.data(), col_ptr.size() * sizeof(Index)) != 0)
      return false;
    const Index* d = at.data();
    bool ok = true;
    for (Index j = 0; j < k; ++j) ok &= ai[d[j]] == j;
    return ok;
  }
  // Searches every column; false if one has no diagonal entry.
  bool find(Index k, Index n, const Index* ap, const Index* ai) {
    at.resize(static_cast<std::size_t>(k));
    col_ptr.assign(ap, ap + n + 1);
    for (Index j = 0; j < k; ++j) {
      Index found = -1;
      for (Index i = ap[j]; i < ap[j + 1]; ++i)
        if (ai[i] == j) {
          found = i;
          break;
        }
      if (found < 0) {
        at.clear();
        col_ptr.clear();
        return false;
      }
      at[static_cast<std::size_t>(j)] = found;
    }
    return true;
  }
};

/// A = c A + I. When every diagonal entry is stored (venoflow's patterns hold the diagonal):
/// the library's case 1, in place; otherwise the library's function, which inserts them. The
/// diagonal positions depend only on the pattern: those of the previous call are checked
/// against this pattern (DiagonalPositions::fit) and searched again only if they do not fit,
/// before anything changes; then one pass scales all values and one adds 1 at the diagonal
/// positions: (c a) + 1, the library's 1 + c a to the bit.
int matrix_scale_add_identity(double c, SUNMatrix A) {
  const bool csc = SM_SPARSETYPE_S(A) == CSC_MAT;
  const Index m = csc ? SM_ROWS_S(A) : SM_COLUMNS_S(A);
  const Index n = csc ? SM_COLUMNS_S(A) : SM_ROWS_S(A);
  const Index* ap = SM_INDEXPTRS_S(A);
  const Index* ai = SM_INDEXVALS_S(A);
  double* ax = SM_DATA_S(A);
  if (!ap || !ai || !ax) return SUNMatScaleAddI_Sparse(c, A);
  const Index k = m < n ? m : n;
  thread_local DiagonalPositions diagonal;
  if (!diagonal.fit(k, n, ap, ai) && !diagonal.find(k, n, ap, ai))
    return SUNMatScaleAddI_Sparse(c, A);
  scale_values(c, ax, ap[n]);
  const Index* d = diagonal.at.data();
  for (Index j = 0; j < k; ++j) ax[d[j]] += 1.0;
  return SUNMAT_SUCCESS;
}

SUNMatrix matrix_clone(SUNMatrix A) {  // CVODE's saved Jacobian is a clone
  SUNMatrix B = SUNMatClone_Sparse(A);
  if (B) use_compiled_matrix_ops(B);
  return B;
}

}  // namespace

void use_compiled_matrix_ops(SUNMatrix A) {
  SUNMatrix_Ops ops = A->ops;
  ops->zero = matrix_zero;
  ops->copy = matrix_copy;
  ops->scaleaddi = matrix_scale_add_identity;
  ops->clone = matrix_clone;
}

double wrms_from_wsqr_sum(double sum, sunindextype n) {
  return std::sqrt(sum / static_cast<double>(n));
}

bool uses_compiled_vector_ops(N_Vector v) {
  return v && N_VGetVectorID(v) == SUNDIALS_NVEC_SERIAL && v->ops->nvwrmsnorm == wrms_norm &&
         v->ops->nvscaleaddmulti == scale_add_multi;
}

bool scale_add_and_last_wsqr_sums(int nvec, const double* a, N_Vector x, N_Vector* z, N_Vector w,
                                  double* sum_last, double* sum_before_last) {
  if (nvec < 2 || nvec > 6 || !uses_compiled_vector_ops(x) || !uses_compiled_vector_ops(w))
    return false;
  const Index n = len(x);
  double* zd[6];
  for (int k = 0; k < nvec; ++k) {
    // Each z_k its own vector of x's length, none of them x or w (the pass reads both after
    // writing some z_k, and the norms are those of the vectors' own operations).
    if (!uses_compiled_vector_ops(z[k]) || len(z[k]) != n || z[k] == x || z[k] == w) return false;
    for (int j = 0; j < k; ++j)
      if (z[j] == z[k]) return false;
    zd[k] = data(z[k]);
  }
  if (len(w) != n) return false;
  double sums[2];
  kScaleAddNorms[nvec - 2](a, data(x), zd, data(w), n, sums);
  *sum_last = sums[0];
  *sum_before_last = sums[1];
  return true;
}

void use_compiled_vector_ops(N_Vector v) {
  N_Vector_Ops ops = v->ops;
  ops->nvlinearsum = linear_sum;
  ops->nvconst = constant;
  ops->nvprod = prod;
  ops->nvdiv = div;
  ops->nvscale = scale;
  ops->nvabs = abs_value;
  ops->nvinv = inv;
  ops->nvaddconst = add_const;
  ops->nvmaxnorm = max_norm;
  ops->nvwrmsnorm = wrms_norm;
  ops->nvwsqrsumlocal = wsqr_sum;
  ops->nvmin = min_value;
  ops->nvscaleaddmulti = scale_add_multi;
  ops->nvlinearcombination = linear_combination;
}

}  // namespace venoflow
