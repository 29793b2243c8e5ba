// venoflow's compiled serial vector operations against SUNDIALS' own: identical to the bit, except
// the weighted sum of squares, which adds in another order (compared with the exact sum).
#include <gtest/gtest.h>
#include <nvector/nvector_serial.h>
#include <sundials/sundials_context.h>
#include <sunmatrix/sunmatrix_sparse.h>

#include <algorithm>
#include <cmath>
#include <cstring>
#include <functional>
#include <random>
#include <string>
#include <vector>

#include "numerics/serial_vector_ops.hpp"

using namespace venoflow;

namespace {

struct Pair {  // the same vectors twice: SUNDIALS' operations and venoflow's
  N_Vector ref, ours;
};

class SerialVectorOps : public ::testing::Test {
 protected:
  void SetUp() override { ASSERT_EQ(SUNContext_Create(nullptr, &ctx_), 0); }
  void TearDown() override {
    for (auto& p : made_) {
      N_VDestroy(p.ref);
      N_VDestroy(p.ours);
    }
    SUNContext_Free(&ctx_);
  }
  // Values spanning the magnitudes of a state (1e-14 .. 1e5), both signs, exact zeros.
  Pair make(unsigned seed, sunindextype n = 1037) {
    std::mt19937_64 gen(seed);
    std::uniform_real_distribution<double> mant(-1.0, 1.0);
    std::uniform_int_distribution<int> expo(-14, 5);
    Pair p{N_VNew_Serial(n, ctx_), N_VNew_Serial(n, ctx_)};
    use_compiled_vector_ops(p.ours);
    for (sunindextype i = 0; i < n; ++i) {
      const double v = i % 97 == 0 ? 0.0 : mant(gen) * std::pow(10.0, expo(gen));
      NV_Ith_S(p.ref, i) = NV_Ith_S(p.ours, i) = v;
    }
    made_.push_back(p);
    return p;
  }
  static void expect_same(const Pair& p, const std::string& what) {
    const auto n = NV_LENGTH_S(p.ref);
    EXPECT_EQ(std::memcmp(NV_DATA_S(p.ref), NV_DATA_S(p.ours), sizeof(double) * n), 0) << what;
  }
  SUNContext ctx_ = nullptr;
  std::vector<Pair> made_;
};

}  // namespace

TEST_F(SerialVectorOps, LinearSumEveryBranchAndAliasing) {
  const double special[] = {1.0, -1.0, 0.0, 0.37, -2.5, 3.1e-7};
  unsigned seed = 1;
  for (double a : special)
    for (double b : special)
      for (int alias = 0; alias < 3; ++alias) {  // z separate, z == x, z == y
        Pair x = make(seed++), y = make(seed++), z = make(seed++);
        Pair& out = alias == 1 ? x : alias == 2 ? y : z;
        N_VLinearSum(a, x.ref, b, y.ref, out.ref);
        N_VLinearSum(a, x.ours, b, y.ours, out.ours);
        expect_same(out, "linear sum a=" + std::to_string(a) + " b=" + std::to_string(b) +
                             " alias=" + std::to_string(alias));
      }
}

TEST_F(SerialVectorOps, ElementwiseOperationsAndReductions) {
  for (double c : {1.0, -1.0, 0.0, 2.75}) {
    Pair x = make(11), z = make(12);
    N_VScale(c, x.ref, z.ref);
    N_VScale(c, x.ours, z.ours);
    expect_same(z, "scale " + std::to_string(c));
    N_VScale(c, x.ref, x.ref);  // in place
    N_VScale(c, x.ours, x.ours);
    expect_same(x, "scale in place " + std::to_string(c));
    N_VConst(c, z.ref);
    N_VConst(c, z.ours);
    expect_same(z, "const");
  }
  Pair x = make(21), y = make(22), z = make(23);
  N_VProd(x.ref, y.ref, z.ref);
  N_VProd(x.ours, y.ours, z.ours);
  expect_same(z, "prod");
  N_VAbs(x.ref, z.ref);
  N_VAbs(x.ours, z.ours);
  expect_same(z, "abs");
  N_VAddConst(x.ref, 0.5, z.ref);
  N_VAddConst(x.ours, 0.5, z.ours);
  expect_same(z, "add const");
  N_VInv(z.ref, y.ref);  // z = x + 0.5 has no zero entry (x is never exactly -0.5 here)
  N_VInv(z.ours, y.ours);
  expect_same(y, "inv");
  N_VDiv(x.ref, z.ref, y.ref);
  N_VDiv(x.ours, z.ours, y.ours);
  expect_same(y, "div");
  // Reductions: the extremes are the same bits; the weighted sum of squares adds in eight partial
  // sums, so it differs from the library's index-order sum by rounding only: both within a few
  // units in the last place of the exactly rounded sum (long double, 64-bit mantissa, accumulated
  // from the exact products' roundings), for every length around the partial-sum blocks.
  for (sunindextype n : {1, 7, 8, 9, 15, 16, 17, 1037}) {
    Pair a = make(24 + static_cast<unsigned>(n), n), w = make(25 + static_cast<unsigned>(n), n);
    long double exact = 0.0L;
    for (sunindextype i = 0; i < n; ++i) {
      const long double p = static_cast<long double>(NV_Ith_S(a.ref, i)) * NV_Ith_S(w.ref, i);
      exact += p * p;
    }
    const double ours = N_VWSqrSumLocal(a.ours, w.ours);
    const double lib = N_VWSqrSumLocal(a.ref, w.ref);
    const double tol = 4.0 * static_cast<double>(n) * 1.1e-16 * static_cast<double>(exact);
    EXPECT_NEAR(ours, static_cast<double>(exact), tol) << "n = " << n;
    EXPECT_NEAR(lib, static_cast<double>(exact), tol) << "n = " << n;
    EXPECT_NEAR(N_VWrmsNorm(a.ours, w.ours), N_VWrmsNorm(a.ref, w.ref),
                1e-15 * N_VWrmsNorm(a.ref, w.ref) * std::sqrt(static_cast<double>(n)));
  }
  // No element lost or counted twice, in the blocks or the tail: x_i = 2^i, w = 1 gives the sum
  // of 4^i, (4^n - 1)/3, exact in doubles for n <= 26.
  for (sunindextype n : {1, 2, 5, 8, 13, 16, 23}) {
    Pair a = make(40, n), w = make(41, n);
    for (sunindextype i = 0; i < n; ++i) {
      NV_Ith_S(a.ours, i) = std::ldexp(1.0, static_cast<int>(i));
      NV_Ith_S(w.ours, i) = 1.0;
    }
    EXPECT_EQ(N_VWSqrSumLocal(a.ours, w.ours), (std::ldexp(1.0, 2 * static_cast<int>(n)) - 1) / 3)
        << "n = " << n;
  }
  EXPECT_EQ(N_VMaxNorm(x.ref), N_VMaxNorm(x.ours));
  EXPECT_EQ(N_VMin(x.ref), N_VMin(x.ours));
}

TEST_F(SerialVectorOps, ClonesInheritTheCompiledOperations) {
  // CVODE's work vectors are clones of the state vector.
  Pair x = make(31);
  N_Vector c = N_VClone(x.ours);
  ASSERT_NE(c, nullptr);
  EXPECT_EQ(c->ops->nvlinearsum, x.ours->ops->nvlinearsum);
  EXPECT_EQ(c->ops->nvwrmsnorm, x.ours->ops->nvwrmsnorm);
  EXPECT_NE(c->ops->nvlinearsum, x.ref->ops->nvlinearsum);
  N_VDestroy(c);
}

// The fused operations against SUNDIALS' unfused sequences (N_VScaleAddMulti: N_VLinearSum(a_k,
// x, 1, Y_k, Z_k) for each k; N_VLinearCombination: N_VScale then N_VLinearSum, in
// src/sundials/sundials_nvector.c), over lengths below, at and across the 512-element blocks,
// with CVODE's in-place use (Z = Y) and the aliasings that make a later term read an earlier
// result (Z_k = x, Y_1 = Z_0; z = X_0 and z = X_2); every count that has a kernel of its own
// (N_VScaleAddMulti 1 to 6 vectors, N_VLinearCombination 2 to 8) and counts beyond.
TEST_F(SerialVectorOps, FusedOperationsAreTheUnfusedSequences) {
  ASSERT_EQ(make(1).ref->ops->nvscaleaddmulti, nullptr) << "the reference must be unfused";
  unsigned seed = 200;
  const double coef[] = {1.0, -1.0, 0.0, 0.37, -2.5, 3.1e-7, 1.0 / 3.0};
  for (sunindextype n : {1, 511, 512, 1037, 3072})
    for (int nvec : {1, 2, 3, 4, 5, 6, 7, 13})
      for (int alias = 0; alias < 4; ++alias) {  // Z separate, Z = Y, Z_1 = x, Y_1 = Z_0
        if (alias >= 2 && nvec < 2) continue;
        std::vector<double> a(nvec);
        for (int k = 0; k < nvec; ++k) a[k] = coef[(k + seed) % 7];
        Pair x = make(seed++, n);
        std::vector<Pair> y, z;
        for (int k = 0; k < nvec; ++k) {
          y.push_back(make(seed++, n));
          z.push_back(alias == 1 ? y.back() : make(seed++, n));
        }
        if (alias == 2) z[1] = x;
        if (alias == 3) y[1] = z[0];
        std::vector<N_Vector> yr, yo, zr, zo;
        for (int k = 0; k < nvec; ++k) {
          yr.push_back(y[k].ref), yo.push_back(y[k].ours);
          zr.push_back(z[k].ref), zo.push_back(z[k].ours);
        }
        ASSERT_EQ(N_VScaleAddMulti(nvec, a.data(), x.ref, yr.data(), zr.data()), 0);
        ASSERT_EQ(N_VScaleAddMulti(nvec, a.data(), x.ours, yo.data(), zo.data()), 0);
        for (int k = 0; k < nvec; ++k)
          expect_same(z[k], "scale-add-multi n=" + std::to_string(n) +
                                " nvec=" + std::to_string(nvec) +
                                " alias=" + std::to_string(alias) + " k=" + std::to_string(k));
        expect_same(x, "scale-add-multi x, alias=" + std::to_string(alias));
      }
  for (sunindextype n : {1, 511, 1037, 3072})
    for (int nvec : {1, 2, 3, 4, 5, 6, 7, 8, 9, 13})
      for (int alias = 0; alias < 3; ++alias) {  // z separate, z = X_0, z = X_2
        if (alias == 2 && nvec < 3) continue;
        std::vector<double> c(nvec);
        for (int k = 0; k < nvec; ++k) c[k] = coef[(k + seed) % 7];
        std::vector<Pair> xs;
        for (int k = 0; k < nvec; ++k) xs.push_back(make(seed++, n));
        Pair z = alias == 1 ? xs[0] : alias == 2 ? xs[2] : make(seed++, n);
        std::vector<N_Vector> xr, xo;
        for (auto& p : xs) xr.push_back(p.ref), xo.push_back(p.ours);
        ASSERT_EQ(N_VLinearCombination(nvec, c.data(), xr.data(), z.ref), 0);
        ASSERT_EQ(N_VLinearCombination(nvec, c.data(), xo.data(), z.ours), 0);
        expect_same(z, "linear combination n=" + std::to_string(n) +
                           " nvec=" + std::to_string(nvec) + " alias=" + std::to_string(alias));
      }
}

namespace {
// A random CSC matrix n x n with `per_col` entries per column; the diagonal stored or not.
SUNMatrix random_csc(SUNContext ctx, sunindextype n, int per_col, bool diagonal, unsigned seed,
                     sunindextype spare = 0) {
  std::mt19937_64 gen(seed);
  std::uniform_real_distribution<double> val(-3.0, 3.0);
  SUNMatrix A = SUNSparseMatrix(n, n, n * per_col + spare, CSC_MAT, ctx);
  sunindextype* cp = SUNSparseMatrix_IndexPointers(A);
  sunindextype* ri = SUNSparseMatrix_IndexValues(A);
  double* x = SUNSparseMatrix_Data(A);
  sunindextype k = 0;
  for (sunindextype j = 0; j < n; ++j) {
    cp[j] = k;
    for (int r = 0; r < per_col; ++r) {
      // rows j - 1, j, j + 1 (wrapped), skipping j without the diagonal
      sunindextype row = (j + n + r - 1 + (!diagonal && r >= 1 ? 1 : 0)) % n;
      ri[k] = row;
      x[k++] = val(gen);
    }
    std::sort(ri + cp[j], ri + k);
  }
  cp[n] = k;
  return A;
}
bool same(SUNMatrix A, SUNMatrix B) {
  const sunindextype n = SUNSparseMatrix_NP(A);
  if (SUNSparseMatrix_NP(B) != n || SUNSparseMatrix_NNZ(A) != SUNSparseMatrix_NNZ(B)) return false;
  const auto nnz = SUNSparseMatrix_NNZ(A);
  return std::memcmp(SUNSparseMatrix_IndexPointers(A), SUNSparseMatrix_IndexPointers(B),
                     sizeof(sunindextype) * (n + 1)) == 0 &&
         std::memcmp(SUNSparseMatrix_IndexValues(A), SUNSparseMatrix_IndexValues(B),
                     sizeof(sunindextype) * nnz) == 0 &&
         std::memcmp(SUNSparseMatrix_Data(A), SUNSparseMatrix_Data(B), sizeof(double) * nnz) == 0;
}
}  // namespace

TEST_F(SerialVectorOps, SparseMatrixCopyShiftAndCloneAsSundials) {
  for (bool diagonal : {true, false}) {
    SUNMatrix ref = random_csc(ctx_, 211, 3, diagonal, 5),
              ours = random_csc(ctx_, 211, 3, diagonal, 5);
    use_compiled_matrix_ops(ours);
    ASSERT_TRUE(same(ref, ours));
    // CVODE's setup: save a copy, shift it by -gamma, restore it from the copy.
    SUNMatrix ref_saved = SUNMatClone(ref), our_saved = SUNMatClone(ours);
    EXPECT_EQ(our_saved->ops->copy, ours->ops->copy) << "the clone keeps the compiled copy";
    ASSERT_EQ(SUNMatCopy(ref, ref_saved), 0);
    ASSERT_EQ(SUNMatCopy(ours, our_saved), 0);
    EXPECT_TRUE(same(ref_saved, our_saved)) << "copy, diagonal " << diagonal;
    ASSERT_EQ(SUNMatScaleAddI(-0.37, ref), 0);
    ASSERT_EQ(SUNMatScaleAddI(-0.37, ours), 0);
    EXPECT_TRUE(same(ref, ours)) << "c A + I, diagonal " << diagonal;
    ASSERT_EQ(SUNMatCopy(ref_saved, ref), 0);
    ASSERT_EQ(SUNMatCopy(our_saved, ours), 0);
    EXPECT_TRUE(same(ref, ours)) << "restored, diagonal " << diagonal;
    ASSERT_EQ(SUNMatZero(ref), 0);
    ASSERT_EQ(SUNMatZero(ours), 0);
    EXPECT_TRUE(same(ref, ours)) << "zero";
    for (SUNMatrix M : {ref, ours, ref_saved, our_saved}) SUNMatDestroy(M);
  }
}

// c A + I keeps the diagonal positions of the previous call: a new pattern in the same matrix
// object (same arrays, same size and entry count) must be found anew. Each shift is compared
// with SUNDIALS' own on a fresh matrix of the same pattern and values.
TEST_F(SerialVectorOps, ShiftFollowsAPatternChangedInPlace) {
  const sunindextype n = 97;
  SUNMatrix ours = random_csc(ctx_, n, 3, true, 11);
  use_compiled_matrix_ops(ours);
  // Rows j + offset, j + offset + 1, j + offset + 2 (wrapped) of each column: the diagonal is
  // the middle entry (offset -1), the first (0), absent (1); values kept.
  auto repattern = [&](SUNMatrix A, int offset) {
    sunindextype* cp = SUNSparseMatrix_IndexPointers(A);
    sunindextype* ri = SUNSparseMatrix_IndexValues(A);
    for (sunindextype j = 0; j < n; ++j) {
      for (int r = 0; r < 3; ++r) ri[cp[j] + r] = (j + n + offset + r) % n;
      std::sort(ri + cp[j], ri + cp[j + 1]);
    }
  };
  auto copy_of = [&](SUNMatrix A) {  // SUNDIALS' own operations
    SUNMatrix B = SUNSparseMatrix(n, n, SUNSparseMatrix_NNZ(A), CSC_MAT, ctx_);
    EXPECT_EQ(SUNMatCopy_Sparse(A, B), 0);
    return B;
  };
  for (int offset : {-1, -1, 0, 0, -1, 1}) {
    repattern(ours, offset);
    SUNMatrix ref = copy_of(ours);
    ASSERT_EQ(SUNMatScaleAddI(-0.37, ref), 0);
    ASSERT_EQ(SUNMatScaleAddI(-0.37, ours), 0);
    EXPECT_TRUE(same(ref, ours)) << "offset " << offset;
    SUNMatDestroy(ref);
    if (offset == 1) break;  // the library inserted the diagonal: a new pattern
  }
  SUNMatDestroy(ours);
}

// CVODE's corrector update with the weighted sums of squares of the last two updated vectors in
// the same pass (scale_add_and_last_wsqr_sums; cvCompleteStep takes the norms that the BDF
// stability limit detection reads from them): the vectors and both sums identical to the bit to
// N_VScaleAddMulti followed by two N_VWSqrSumLocal with the compiled operations, over lengths
// around the eight-component chunks, for every count it takes (2 to 6 vectors); the sums also
// against a sum in long double. Arguments it cannot take are refused with nothing changed.
TEST_F(SerialVectorOps, CorrectorUpdateWithSumsOfSquaresIsTheSequence) {
  const double coef[] = {1.0, -1.0, 0.0, 0.37, -2.5, 3.1e-7, 1.0 / 3.0};
  unsigned seed = 5000;
  for (sunindextype n : {1, 7, 8, 9, 15, 511, 3072, 3077})
    for (int nvec = 2; nvec <= 6; ++nvec) {
      std::vector<double> a(nvec);
      for (int k = 0; k < nvec; ++k) a[k] = coef[(k + seed) % 7];
      // Values over two decades: make()'s nineteen leave a sum of squares to its few largest
      // terms, where another order of the additions rounds alike.
      auto operands = [&](unsigned s) {
        std::vector<N_Vector> v;
        for (int k = 0; k < nvec + 2; ++k) {
          v.push_back(make(s + k, n).ours);
          std::mt19937_64 gen(s + k);
          std::uniform_real_distribution<double> decades(-1.0, 1.0);
          for (sunindextype i = 0; i < n; ++i)
            NV_Ith_S(v.back(), i) = (i % 3 ? 1.0 : -1.0) * std::pow(10.0, decades(gen));
        }
        return v;  // x, w, z_0 .. z_(nvec-1)
      };
      std::vector<N_Vector> seq = operands(seed), fused = operands(seed);
      seed += nvec + 2;
      ASSERT_EQ(N_VScaleAddMulti(nvec, a.data(), seq[0], seq.data() + 2, seq.data() + 2), 0);
      const double last = N_VWSqrSumLocal(seq[nvec + 1], seq[1]);
      const double before_last = N_VWSqrSumLocal(seq[nvec], seq[1]);
      double fused_last = -1.0, fused_before_last = -1.0;
      ASSERT_TRUE(scale_add_and_last_wsqr_sums(nvec, a.data(), fused[0], fused.data() + 2, fused[1],
                                               &fused_last, &fused_before_last));
      const std::string what = "n=" + std::to_string(n) + " nvec=" + std::to_string(nvec);
      for (int k = 0; k < nvec + 2; ++k)
        EXPECT_EQ(std::memcmp(NV_DATA_S(seq[k]), NV_DATA_S(fused[k]), sizeof(double) * n), 0)
            << what << " vector " << k;
      EXPECT_EQ(std::memcmp(&last, &fused_last, sizeof last), 0) << what << " " << last;
      EXPECT_EQ(std::memcmp(&before_last, &fused_before_last, sizeof last), 0) << what;
      for (int which : {nvec + 1, nvec}) {
        long double sum = 0.0L;
        for (sunindextype i = 0; i < n; ++i) {
          const long double p =
              static_cast<long double>(NV_Ith_S(fused[which], i)) * NV_Ith_S(fused[1], i);
          sum += p * p;
        }
        const double got = which == nvec + 1 ? fused_last : fused_before_last;
        EXPECT_NEAR(got, static_cast<double>(sum), 1e-14 * static_cast<double>(sum)) << what;
      }
    }
  // Refused, nothing changed: too few or too many vectors, a z that is x or w or another z, a
  // vector with SUNDIALS' own operations.
  const sunindextype n = 64;
  for (int refusal = 0; refusal < 6; ++refusal) {
    const int nvec = refusal == 0 ? 1 : refusal == 1 ? 7 : 3;
    std::vector<double> a(nvec, 0.5);
    Pair x = make(seed++, n), w = make(seed++, n);
    std::vector<Pair> z;
    for (int k = 0; k < nvec; ++k) z.push_back(make(seed++, n));
    if (refusal == 2) z[1] = x;
    if (refusal == 3) z[2] = w;
    if (refusal == 4) z[0] = z[1];
    std::vector<N_Vector> zs;
    for (auto& p : z) zs.push_back(refusal == 5 && zs.empty() ? p.ref : p.ours);
    double l = -1.0, b = -1.0;
    EXPECT_FALSE(scale_add_and_last_wsqr_sums(nvec, a.data(), x.ours, zs.data(), w.ours, &l, &b))
        << "refusal " << refusal;
    EXPECT_EQ(l, -1.0);
    expect_same(x, "refused x");
    expect_same(w, "refused w");
    for (auto& p : z) expect_same(p, "refused z, refusal " + std::to_string(refusal));
  }
}
