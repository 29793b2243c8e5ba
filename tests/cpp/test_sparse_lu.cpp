// The refactoring sparse LU (numerics/sparse_lu.hpp) and its SUNLinearSolver
// (numerics/sunlinsol_refactoring_lu.hpp) against a dense LU with partial pivoting written here
// and against the residual ||A x - b||: random matrices on tree-like (structurally symmetric)
// and unsymmetric patterns, pivot orders that must change between factorisations, singular
// and non-finite matrices.
#include <gtest/gtest.h>
#include <nvector/nvector_serial.h>
#include <sundials/sundials_context.h>
#include <sunmatrix/sunmatrix_sparse.h>

#include <algorithm>
#include <bit>
#include <cmath>
#include <cstdint>
#include <limits>
#include <random>
#include <set>
#include <stdexcept>
#include <vector>

#include "numerics/sparse_lu.hpp"
#include "numerics/sunlinsol_refactoring_lu.hpp"

using namespace venoflow;

namespace {

struct Csc {
  int64_t n = 0;
  std::vector<int64_t> col_ptr, row_idx;
  std::vector<double> values;

  double& at(int64_t r, int64_t c) {
    for (int64_t e = col_ptr[c]; e < col_ptr[c + 1]; ++e)
      if (row_idx[e] == r) return values[e];
    throw std::out_of_range("no such entry");
  }
  std::vector<double> dense() const {  // row-major
    std::vector<double> d(n * n, 0.0);
    for (int64_t c = 0; c < n; ++c)
      for (int64_t e = col_ptr[c]; e < col_ptr[c + 1]; ++e) d[row_idx[e] * n + c] = values[e];
    return d;
  }
  std::vector<double> times(const std::vector<double>& x) const {
    std::vector<double> y(n, 0.0);
    for (int64_t c = 0; c < n; ++c)
      for (int64_t e = col_ptr[c]; e < col_ptr[c + 1]; ++e) y[row_idx[e]] += values[e] * x[c];
    return y;
  }
};

// A pattern from per-column row sets (rows unsorted on purpose: the CSC order is free).
Csc from_columns(const std::vector<std::set<int64_t>>& cols, std::mt19937_64& gen) {
  Csc a;
  a.n = static_cast<int64_t>(cols.size());
  a.col_ptr.push_back(0);
  for (const auto& rows : cols) {
    std::vector<int64_t> r(rows.begin(), rows.end());
    std::shuffle(r.begin(), r.end(), gen);
    a.row_idx.insert(a.row_idx.end(), r.begin(), r.end());
    a.col_ptr.push_back(static_cast<int64_t>(a.row_idx.size()));
  }
  a.values.assign(a.row_idx.size(), 0.0);
  return a;
}

// A binary tree of n nodes (node i's parent (i - 1) / 2), each edge both ways, and the
// diagonal: the structure of a vessel tree's Jacobian.
Csc tree_pattern(int64_t n, std::mt19937_64& gen) {
  std::vector<std::set<int64_t>> cols(n);
  for (int64_t i = 0; i < n; ++i) {
    cols[i].insert(i);
    if (i > 0) {
      cols[i].insert((i - 1) / 2);
      cols[(i - 1) / 2].insert(i);
    }
  }
  return from_columns(cols, gen);
}

// Unsymmetric: the diagonal and about `per_column` random rows in each column.
Csc random_pattern(int64_t n, int per_column, std::mt19937_64& gen) {
  std::vector<std::set<int64_t>> cols(n);
  std::uniform_int_distribution<int64_t> row(0, n - 1);
  for (int64_t c = 0; c < n; ++c) {
    cols[c].insert(c);
    for (int k = 0; k < per_column; ++k) cols[c].insert(row(gen));
  }
  return from_columns(cols, gen);
}

// Random values in [-1, 1]; the diagonal 1 + the column's absolute sum if `dominant`.
void fill_random(Csc& a, bool dominant, std::mt19937_64& gen) {
  std::uniform_real_distribution<double> u(-1.0, 1.0);
  for (double& v : a.values) v = u(gen);
  if (!dominant) return;
  for (int64_t c = 0; c < a.n; ++c) {
    double s = 0.0;
    for (int64_t e = a.col_ptr[c]; e < a.col_ptr[c + 1]; ++e)
      if (a.row_idx[e] != c) s += std::abs(a.values[e]);
    a.at(c, c) = 1.0 + s;
  }
}

// Dense Gaussian elimination with partial pivoting (the reference, independent of the code).
std::vector<double> dense_solve(std::vector<double> d, std::vector<double> b) {
  const int64_t n = static_cast<int64_t>(b.size());
  for (int64_t k = 0; k < n; ++k) {
    int64_t p = k;
    for (int64_t i = k + 1; i < n; ++i)
      if (std::abs(d[i * n + k]) > std::abs(d[p * n + k])) p = i;
    if (p != k) {
      for (int64_t j = 0; j < n; ++j) std::swap(d[k * n + j], d[p * n + j]);
      std::swap(b[k], b[p]);
    }
    for (int64_t i = k + 1; i < n; ++i) {
      const double f = d[i * n + k] / d[k * n + k];
      if (f == 0.0) continue;
      for (int64_t j = k; j < n; ++j) d[i * n + j] -= f * d[k * n + j];
      b[i] -= f * b[k];
    }
  }
  for (int64_t k = n - 1; k >= 0; --k) {
    double s = b[k];
    for (int64_t j = k + 1; j < n; ++j) s -= d[k * n + j] * b[j];
    b[k] = s / d[k * n + k];
  }
  return b;
}

std::vector<double> random_vector(int64_t n, std::mt19937_64& gen) {
  std::uniform_real_distribution<double> u(-1.0, 1.0);
  std::vector<double> v(n);
  for (double& x : v) x = u(gen);
  return v;
}

double norm_inf(const std::vector<double>& v) {
  double m = 0.0;
  for (double x : v) m = std::max(m, std::abs(x));
  return m;
}

// ||A x - b|| / (||A|| ||x|| + ||b||): backward error, round-off (n eps) for a stable solve.
double backward_error(const Csc& a, const std::vector<double>& x, const std::vector<double>& b) {
  std::vector<double> r = a.times(x);
  for (int64_t i = 0; i < a.n; ++i) r[i] -= b[i];
  double anorm = 0.0;  // infinity norm: largest row sum
  std::vector<double> rows(a.n, 0.0);
  for (int64_t c = 0; c < a.n; ++c)
    for (int64_t e = a.col_ptr[c]; e < a.col_ptr[c + 1]; ++e)
      rows[a.row_idx[e]] += std::abs(a.values[e]);
  for (double s : rows) anorm = std::max(anorm, s);
  return norm_inf(r) / (anorm * norm_inf(x) + norm_inf(b));
}

// Solves with the LU and checks against the dense reference and the residual.
// The backward error allowed: round-off; threshold pivoting lets entries grow by up to 1/tol
// per elimination step, which random unsymmetric values with fill use (about 1e-13 seen).
void expect_accurate(RefactoringLU& lu, const Csc& a, std::mt19937_64& gen, double rel = 1e-10,
                     double backward = 1e-14) {
  const std::vector<double> b = random_vector(a.n, gen);
  std::vector<double> x = b;
  ASSERT_TRUE(lu.solve(x.data()));
  EXPECT_LT(backward_error(a, x, b), backward);
  const std::vector<double> ref = dense_solve(a.dense(), b);
  std::vector<double> diff(a.n);
  for (int64_t i = 0; i < a.n; ++i) diff[i] = x[i] - ref[i];
  EXPECT_LE(norm_inf(diff), rel * norm_inf(ref));
}

void analyse(RefactoringLU& lu, const Csc& a) {
  lu.analyse(a.n, a.col_ptr.data(), a.row_idx.data());
}

// The solve of sparse_lu.hpp written by columns from the factors: forward by columns of L
// ascending, the scaling by 1 / u_kk, backward by columns of D^{-1} U from the last, each
// update b_i += (-v) b_k with v as the code forms it (l_ik; u_ik (1 / u_ii)), in b's numbering.
std::vector<double> solve_by_columns(const RefactoringLU::Factors& f, std::vector<double> b) {
  const int64_t n = static_cast<int64_t>(f.row_perm.size());
  const auto& P = f.row_perm;
  for (int64_t k = 0; k < n; ++k)
    for (int32_t q = f.l_ptr[k]; q < f.l_ptr[k + 1]; ++q)
      b[P[f.l_row[q]]] += -f.l_value[q] * b[P[k]];
  for (int64_t k = 0; k < n; ++k) b[P[k]] *= f.pivot_inverse[k];
  for (int64_t k = n - 1; k >= 0; --k)
    for (int32_t g = f.u_ptr[k]; g < f.u_ptr[k + 1]; ++g) {
      const int32_t i = f.u_row[g];
      b[P[i]] += -(f.u_value[g] * f.pivot_inverse[i]) * b[P[k]];
    }
  std::vector<double> x(n);
  for (int64_t k = 0; k < n; ++k) x[f.col_perm[k]] = b[P[k]];
  return x;
}

}  // namespace

// The solves by rows grouped by level add each row's terms in the order a solve by columns
// does (sparse_lu.hpp): the same result to the bit, on trees (P = Q, rows of U with one and
// two entries), on unsymmetric matrices with fill and on pivot orders chosen by KLU (P != Q).
TEST(SparseLU, SolvesByRowsAreTheSolvesByColumnsToTheBit) {
  std::mt19937_64 gen(20261201);
  struct Case {
    const char* name;
    Csc a;
    bool dominant;
  };
  std::vector<Case> cases;
  cases.push_back({"tree 1023", tree_pattern(1023, gen), true});
  cases.push_back({"tree 255, not dominant", tree_pattern(255, gen), false});
  cases.push_back({"unsymmetric 400", random_pattern(400, 3, gen), true});
  cases.push_back({"unsymmetric 200, not dominant", random_pattern(200, 2, gen), false});
  int with_two = 0, unsymmetric_pivots = 0;
  for (auto& c : cases) {
    SCOPED_TRACE(c.name);
    fill_random(c.a, c.dominant, gen);
    RefactoringLU lu;
    analyse(lu, c.a);
    for (int round = 0; round < 2; ++round) {  // a pivoting factorisation, then a refactorisation
      if (round == 1) fill_random(c.a, c.dominant, gen);
      ASSERT_TRUE(lu.factor(c.a.values.data()));
      const RefactoringLU::Factors f = lu.factors();
      ASSERT_EQ(static_cast<int64_t>(f.row_perm.size()), c.a.n);
      std::vector<int> u_row_entries(c.a.n, 0);
      for (int32_t r : f.u_row) ++u_row_entries[r];
      with_two += std::count_if(u_row_entries.begin(), u_row_entries.end(),
                                [](int k) { return k >= 2; }) > 0;
      unsymmetric_pivots += f.row_perm != f.col_perm;
      for (int trial = 0; trial < 3; ++trial) {
        const std::vector<double> b = random_vector(c.a.n, gen);
        const std::vector<double> expected = solve_by_columns(f, b);
        std::vector<double> x = b;
        ASSERT_TRUE(lu.solve(x.data()));
        for (int64_t i = 0; i < c.a.n; ++i)
          ASSERT_EQ(std::bit_cast<uint64_t>(x[i]), std::bit_cast<uint64_t>(expected[i]))
              << "unknown " << i << ": " << x[i] << " against " << expected[i];
      }
      // and the factors are those of A (backward error seen: 3.9e-14 on the matrix that is not
      // dominant, where threshold pivoting lets entries grow)
      expect_accurate(lu, c.a, gen, 1e-10, c.dominant ? 1e-14 : 1e-12);
    }
  }
  EXPECT_GT(with_two, 0);            // rows of U with several terms, whose order matters, occurred
  EXPECT_GT(unsymmetric_pivots, 0);  // so did the final permutation
}

TEST(SparseLU, TreeDiagonallyDominantRefactorsOnTheKeptOrder) {
  std::mt19937_64 gen(1);
  Csc a = tree_pattern(255, gen);
  RefactoringLU lu;
  analyse(lu, a);
  for (int round = 0; round < 5; ++round) {
    fill_random(a, true, gen);
    ASSERT_TRUE(lu.factor(a.values.data()));
    expect_accurate(lu, a, gen);
  }
  // Diagonal pivots always pass the threshold here: one pivoting factorisation, then refactors.
  EXPECT_EQ(lu.counts().pivoting_factorisations, 1);
  EXPECT_EQ(lu.counts().refactorisations, 4);
  // A tree ordered by AMD has no fill: L and U hold exactly the off-diagonal entries.
  EXPECT_EQ(lu.factor_entries(), static_cast<int64_t>(a.row_idx.size()) - a.n);
}

// A diagonal matrix (a network whose unknowns do not couple, e.g. capacitors on prescribed
// pressures): L and U are empty, so their operation arrays have no storage; the refactorisation
// and the solves must not form pointers into them (UBSan: an offset applied to a null pointer),
// and the solution is b_i / a_ii, exactly.
TEST(SparseLU, DiagonalMatrixHasNoTriangles) {
  std::mt19937_64 gen(10);
  Csc a = from_columns({{0}, {1}, {2}, {3}}, gen);
  const double d[4] = {2.0, -4.0, 0.5, 8.0};
  for (int64_t c = 0; c < 4; ++c) a.at(c, c) = d[c];
  RefactoringLU lu;
  analyse(lu, a);
  for (int round = 0; round < 2; ++round) {  // the pivoting factorisation, then a refactorisation
    ASSERT_TRUE(lu.factor(a.values.data()));
    EXPECT_EQ(lu.factor_entries(), 0);
    std::vector<double> x = {1.0, 2.0, 3.0, 4.0};
    ASSERT_TRUE(lu.solve(x.data()));
    for (int64_t i = 0; i < 4; ++i) EXPECT_EQ(x[i], (i + 1.0) / d[i]) << "i = " << i;
  }
  EXPECT_EQ(lu.counts().refactorisations, 1);
}

// The forward solve runs by rows of L grouped by level and number of entries, with a loop of
// fixed width up to 6 entries and a general one beyond: a chain whose every unknown is also
// coupled to a hub (AMD orders the hub last, so its row of L reads every other unknown, and
// the chain's rows read one or two).
TEST(SparseLU, HubRowWiderThanTheFixedWidths) {
  std::mt19937_64 gen(9);
  const int64_t n = 40, hub = 17;
  std::vector<std::set<int64_t>> cols(n);
  for (int64_t c = 0; c < n; ++c) {
    cols[c] = {c, hub};
    if (c > 0) cols[c].insert(c - 1);
    if (c + 1 < n) cols[c].insert(c + 1);
    if (c == hub)
      for (int64_t r = 0; r < n; ++r) cols[c].insert(r);
  }
  Csc a = from_columns(cols, gen);
  RefactoringLU lu;
  analyse(lu, a);
  for (bool dominant : {true, true, false, true}) {
    fill_random(a, dominant, gen);
    ASSERT_TRUE(lu.factor(a.values.data()));
    expect_accurate(lu, a, gen, dominant ? 1e-10 : 1e-8);
  }
  EXPECT_GT(lu.factor_entries(), 2 * (n - 1));  // the hub's row and column are in the factors
}

TEST(SparseLU, TreeNotDominant) {
  std::mt19937_64 gen(2);
  Csc a = tree_pattern(200, gen);
  RefactoringLU lu;
  analyse(lu, a);
  for (int round = 0; round < 10; ++round) {
    fill_random(a, false, gen);
    ASSERT_TRUE(lu.factor(a.values.data()));
    expect_accurate(lu, a, gen, 1e-8);
  }
}

TEST(SparseLU, UnsymmetricRandomDominantAndNot) {
  for (bool dominant : {true, false}) {
    std::mt19937_64 gen(dominant ? 3 : 4);
    Csc a = random_pattern(150, 3, gen);
    RefactoringLU lu;
    analyse(lu, a);
    for (int round = 0; round < 10; ++round) {
      fill_random(a, dominant, gen);
      ASSERT_TRUE(lu.factor(a.values.data())) << "round " << round;
      expect_accurate(lu, a, gen, 1e-7, dominant ? 1e-14 : 1e-12);
    }
    if (dominant) {
      EXPECT_EQ(lu.counts().pivoting_factorisations, 1);
    } else {  // random values of either sign: some rounds' kept pivots fail the threshold
      EXPECT_GT(lu.counts().pivoting_factorisations, 1);
    }
    EXPECT_GT(lu.counts().refactorisations + lu.counts().pivoting_factorisations, 9);
  }
}

// CVODE's iteration matrix I - gamma J for a wave-like J with a zero diagonal (pairs of
// unknowns coupled antisymmetrically, coupled to their neighbours): near I at small gamma, the
// diagonal pivots are fine; at large gamma the diagonal (1) is tiny beside gamma J and the kept
// order fails the threshold test, a new order is chosen, and the solution stays at round-off
// (with the old order the growth would be ~gamma^2, 1e16).
TEST(SparseLU, PivotOrderChangesWithGamma) {
  std::mt19937_64 gen(5);
  const int64_t n = 64;
  std::vector<std::set<int64_t>> cols(n);
  for (int64_t i = 0; i < n; ++i) {
    cols[i].insert(i);
    cols[i].insert(i ^ 1);
    if (i + 2 < n) cols[i].insert(i + 2), cols[i + 2].insert(i);
  }
  Csc j = from_columns(cols, gen);
  std::uniform_real_distribution<double> u(0.5, 2.0);
  for (int64_t c = 0; c < n; ++c)
    for (int64_t e = j.col_ptr[c]; e < j.col_ptr[c + 1]; ++e) {
      const int64_t r = j.row_idx[e];
      j.values[e] = r == c ? 0.0 : (r == (c ^ 1) ? (r < c ? 1.0 : -1.0) * u(gen) : 0.01 * u(gen));
    }
  auto iteration_matrix = [&](double gamma) {
    Csc m = j;
    for (int64_t c = 0; c < n; ++c)
      for (int64_t e = m.col_ptr[c]; e < m.col_ptr[c + 1]; ++e)
        m.values[e] = (m.row_idx[e] == c ? 1.0 : 0.0) - gamma * j.values[e];
    return m;
  };
  RefactoringLU lu;
  analyse(lu, j);
  const Csc small = iteration_matrix(1e-3);
  ASSERT_TRUE(lu.factor(small.values.data()));
  expect_accurate(lu, small, gen);
  const Csc large = iteration_matrix(1e8);
  ASSERT_TRUE(lu.factor(large.values.data()));
  EXPECT_EQ(lu.counts().pivoting_factorisations, 2);
  expect_accurate(lu, large, gen);
  // And back: the order chosen at large gamma is re-checked at small gamma.
  ASSERT_TRUE(lu.factor(small.values.data()));
  expect_accurate(lu, small, gen);
}

// A diagonal that becomes exactly zero: the kept order's pivot is zero, a new order is found.
TEST(SparseLU, ZeroDiagonalAppears) {
  std::mt19937_64 gen(6);
  Csc a = tree_pattern(31, gen);
  fill_random(a, true, gen);
  RefactoringLU lu;
  analyse(lu, a);
  ASSERT_TRUE(lu.factor(a.values.data()));
  for (int64_t c = 0; c < a.n; ++c) a.at(c, c) = c % 2 ? 0.0 : 1e-3;
  ASSERT_TRUE(lu.factor(a.values.data()));
  EXPECT_EQ(lu.counts().pivoting_factorisations, 2);
  expect_accurate(lu, a, gen, 1e-8);
}

TEST(SparseLU, SingularMatrixFailsWithoutASolution) {
  std::mt19937_64 gen(7);
  Csc a = tree_pattern(15, gen);
  fill_random(a, true, gen);
  RefactoringLU lu;
  analyse(lu, a);
  ASSERT_TRUE(lu.factor(a.values.data()));
  // Column 3 (a leaf's parent's child) all zero: structurally present, numerically singular.
  Csc s = a;
  for (int64_t e = s.col_ptr[3]; e < s.col_ptr[4]; ++e) s.values[e] = 0.0;
  EXPECT_FALSE(lu.factor(s.values.data()));
  EXPECT_FALSE(lu.factored());
  std::vector<double> b(a.n, 1.0), x = b;
  EXPECT_FALSE(lu.solve(x.data()));
  EXPECT_EQ(x, b);
  // Two rows equal (exact in binary: elimination leaves an exact zero).
  Csc d = from_columns({{0, 1}, {0, 1}}, gen);
  d.at(0, 0) = 1.0, d.at(0, 1) = 2.0, d.at(1, 0) = 2.0, d.at(1, 1) = 4.0;
  RefactoringLU lu2;
  analyse(lu2, d);
  EXPECT_FALSE(lu2.factor(d.values.data()));
  // A fresh analysis of the singular one fails too (no kept order to blame).
  RefactoringLU lu3;
  analyse(lu3, s);
  EXPECT_FALSE(lu3.factor(s.values.data()));
  // And the regular values factor again afterwards.
  ASSERT_TRUE(lu.factor(a.values.data()));
  expect_accurate(lu, a, gen);
}

TEST(SparseLU, NonFiniteValuesFail) {
  std::mt19937_64 gen(8);
  Csc a = tree_pattern(15, gen);
  fill_random(a, true, gen);
  RefactoringLU lu;
  analyse(lu, a);
  ASSERT_TRUE(lu.factor(a.values.data()));
  for (double bad :
       {std::numeric_limits<double>::quiet_NaN(), std::numeric_limits<double>::infinity()}) {
    Csc b = a;
    b.at(14, 6) = bad;  // an off-diagonal entry of a leaf's row (not a pivot)
    EXPECT_FALSE(lu.factor(b.values.data()));
    RefactoringLU fresh;
    analyse(fresh, b);
    EXPECT_FALSE(fresh.factor(b.values.data()));
  }
}

TEST(SparseLU, MalformedPatternIsRejected) {
  RefactoringLU lu;
  const std::vector<int64_t> col_ptr{0, 2, 3}, out_of_range{0, 2, 1}, twice{0, 0, 1};
  EXPECT_THROW(lu.analyse(2, col_ptr.data(), out_of_range.data()), std::invalid_argument);
  EXPECT_THROW(lu.analyse(2, col_ptr.data(), twice.data()), std::invalid_argument);
  const std::vector<int64_t> decreasing{0, 2, 1}, rows{0, 1, 1};
  EXPECT_THROW(lu.analyse(2, decreasing.data(), rows.data()), std::invalid_argument);
  EXPECT_FALSE(lu.factored());
}

// The SUNLinearSolver: setup and solve through SUNDIALS' generic calls, a changed pattern, a
// singular matrix (recoverable failure code, no success claimed).
TEST(SparseLU, SundialsLinearSolver) {
  SUNContext ctx = nullptr;
  ASSERT_EQ(SUNContext_Create(nullptr, &ctx), 0);
  std::mt19937_64 gen(9);
  Csc a = random_pattern(40, 2, gen);
  fill_random(a, false, gen);
  auto to_sundials = [&](const Csc& m) {
    SUNMatrix A =
        SUNSparseMatrix(m.n, m.n, static_cast<sunindextype>(m.values.size()), CSC_MAT, ctx);
    std::copy(m.col_ptr.begin(), m.col_ptr.end(), SUNSparseMatrix_IndexPointers(A));
    std::copy(m.row_idx.begin(), m.row_idx.end(), SUNSparseMatrix_IndexValues(A));
    std::copy(m.values.begin(), m.values.end(), SUNSparseMatrix_Data(A));
    return A;
  };
  SUNLinearSolver S = make_refactoring_lu_solver(ctx);
  ASSERT_NE(S, nullptr);
  EXPECT_EQ(SUNLinSolGetType(S), SUNLINEARSOLVER_DIRECT);
  EXPECT_EQ(SUNLinSolGetID(S), SUNLINEARSOLVER_CUSTOM);
  N_Vector x = N_VNew_Serial(a.n, ctx), b = N_VNew_Serial(a.n, ctx);
  EXPECT_EQ(SUNLinSolInitialize(S), SUNLS_SUCCESS);
  auto check_solve = [&](const Csc& m) {
    SUNMatrix A = to_sundials(m);
    ASSERT_EQ(SUNLinSolSetup(S, A), SUNLS_SUCCESS);
    const std::vector<double> rhs = random_vector(m.n, gen);
    std::copy(rhs.begin(), rhs.end(), N_VGetArrayPointer(b));
    ASSERT_EQ(SUNLinSolSolve(S, A, x, b, 0.0), SUNLS_SUCCESS);
    const double* xv = N_VGetArrayPointer(x);
    EXPECT_LT(backward_error(m, std::vector<double>(xv, xv + m.n), rhs), 1e-12);  // not dominant
    EXPECT_EQ(std::vector<double>(N_VGetArrayPointer(b), N_VGetArrayPointer(b) + m.n), rhs);
    // In place (x = b, as CVODE's cvLsSolve calls a direct solver): the same solution, bit for bit.
    ASSERT_EQ(SUNLinSolSolve(S, A, b, b, 0.0), SUNLS_SUCCESS);
    EXPECT_EQ(std::vector<double>(N_VGetArrayPointer(b), N_VGetArrayPointer(b) + m.n),
              std::vector<double>(xv, xv + m.n));
    SUNMatDestroy(A);
  };
  check_solve(a);
  // A different pattern of the same size: analysed afresh.
  std::mt19937_64 gen2(10);
  Csc a2 = random_pattern(40, 2, gen2);
  fill_random(a2, false, gen2);
  const long analyses = refactoring_lu_of(S)->counts().analyses;
  check_solve(a2);
  EXPECT_EQ(refactoring_lu_of(S)->counts().analyses, analyses + 1);
  // A pattern changed in place in the same matrix (same arrays, same addresses): detected,
  // analysed afresh, solved right. Then back to a2's pattern in place: analysed once more.
  {
    std::mt19937_64 gen3(11);
    Csc a3 = random_pattern(40, 2, gen3);
    fill_random(a3, false, gen3);
    const auto nnz = static_cast<sunindextype>(std::max(a2.values.size(), a3.values.size()));
    SUNMatrix A = SUNSparseMatrix(a2.n, a2.n, nnz, CSC_MAT, ctx);
    auto write = [&](const Csc& m) {
      std::copy(m.col_ptr.begin(), m.col_ptr.end(), SUNSparseMatrix_IndexPointers(A));
      std::copy(m.row_idx.begin(), m.row_idx.end(), SUNSparseMatrix_IndexValues(A));
      std::copy(m.values.begin(), m.values.end(), SUNSparseMatrix_Data(A));
    };
    // a2 as analysed last (no new analysis), then a3, then a2 again (one each).
    const Csc* const sequence[3] = {&a2, &a3, &a2};
    for (int i = 0; i < 3; ++i) {
      const Csc* m = sequence[i];
      write(*m);
      const long before = refactoring_lu_of(S)->counts().analyses;
      ASSERT_EQ(SUNLinSolSetup(S, A), SUNLS_SUCCESS);
      EXPECT_EQ(refactoring_lu_of(S)->counts().analyses, before + (i == 0 ? 0 : 1)) << i;
      const std::vector<double> rhs = random_vector(m->n, gen);
      std::copy(rhs.begin(), rhs.end(), N_VGetArrayPointer(b));
      ASSERT_EQ(SUNLinSolSolve(S, A, x, b, 0.0), SUNLS_SUCCESS);
      const double* xv = N_VGetArrayPointer(x);
      EXPECT_LT(backward_error(*m, std::vector<double>(xv, xv + m->n), rhs), 1e-12);
    }
    // Only one entry's row changed (the rest of the pattern as analysed): detected too.
    Csc a4 = a2;
    const int64_t e = a4.col_ptr[3];
    int64_t r = 0;
    while (std::find(a4.row_idx.begin() + a4.col_ptr[3], a4.row_idx.begin() + a4.col_ptr[4], r) !=
           a4.row_idx.begin() + a4.col_ptr[4])
      ++r;
    a4.row_idx[e] = r;
    write(a4);
    const long before = refactoring_lu_of(S)->counts().analyses;
    const int flag = SUNLinSolSetup(S, A);
    EXPECT_EQ(refactoring_lu_of(S)->counts().analyses, before + 1);
    if (flag == SUNLS_SUCCESS) {
      const std::vector<double> rhs = random_vector(a4.n, gen);
      std::copy(rhs.begin(), rhs.end(), N_VGetArrayPointer(b));
      ASSERT_EQ(SUNLinSolSolve(S, A, x, b, 0.0), SUNLS_SUCCESS);
      const double* xv = N_VGetArrayPointer(x);
      EXPECT_LT(backward_error(a4, std::vector<double>(xv, xv + a4.n), rhs), 1e-12);
    }
    SUNMatDestroy(A);
  }
  // A caller that keeps A's pattern equal to its own arrays vouches for them: the first
  // vouched setup compares them with the analysed pattern, the following ones with the same
  // arrays do not; a setup without a vouch compares A's own arrays again (and finds a pattern
  // changed in place), after which a vouch is verified afresh; so are other arrays.
  {
    SUNMatrix A = to_sundials(a2);
    const std::vector<sunindextype> cp(a2.col_ptr.begin(), a2.col_ptr.end());
    const std::vector<sunindextype> ri(a2.row_idx.begin(), a2.row_idx.end());
    auto setup = [&](bool vouch) {
      if (vouch) {
        EXPECT_TRUE(refactoring_lu_vouch_pattern(S, cp.data(), ri.data()));
      }
      return SUNLinSolSetup(S, A);
    };
    auto solves = [&](const Csc& m) {
      const std::vector<double> rhs = random_vector(m.n, gen);
      std::copy(rhs.begin(), rhs.end(), N_VGetArrayPointer(b));
      ASSERT_EQ(SUNLinSolSolve(S, A, x, b, 0.0), SUNLS_SUCCESS);
      const double* xv = N_VGetArrayPointer(x);
      EXPECT_LT(backward_error(m, std::vector<double>(xv, xv + m.n), rhs), 1e-12);
    };
    ASSERT_EQ(setup(false), SUNLS_SUCCESS);
    const long compared = refactoring_lu_pattern_comparisons(S);
    const long analysed = refactoring_lu_of(S)->counts().analyses;
    for (int k = 0; k < 3; ++k) {
      ASSERT_EQ(setup(true), SUNLS_SUCCESS);
      solves(a2);
    }
    EXPECT_EQ(refactoring_lu_pattern_comparisons(S), compared + 1);  // the first vouch only
    EXPECT_EQ(refactoring_lu_of(S)->counts().analyses, analysed);    // the same pattern
    // Changed in place, set up without a vouch: compared, analysed afresh.
    std::swap(SUNSparseMatrix_IndexValues(A)[a2.col_ptr[5]],
              SUNSparseMatrix_IndexValues(A)[a2.col_ptr[5] + 1]);
    std::swap(SUNSparseMatrix_Data(A)[a2.col_ptr[5]], SUNSparseMatrix_Data(A)[a2.col_ptr[5] + 1]);
    ASSERT_EQ(setup(false), SUNLS_SUCCESS);
    EXPECT_EQ(refactoring_lu_pattern_comparisons(S), compared + 2);
    EXPECT_EQ(refactoring_lu_of(S)->counts().analyses, analysed + 1);
    solves(a2);  // the same matrix, its entries of column 5 stored in another order
    // Restored, vouched: verified again (the last setup was not vouched), analysed again.
    std::copy(a2.row_idx.begin(), a2.row_idx.end(), SUNSparseMatrix_IndexValues(A));
    std::copy(a2.values.begin(), a2.values.end(), SUNSparseMatrix_Data(A));
    ASSERT_EQ(setup(true), SUNLS_SUCCESS);
    EXPECT_EQ(refactoring_lu_pattern_comparisons(S), compared + 3);
    EXPECT_EQ(refactoring_lu_of(S)->counts().analyses, analysed + 2);
    solves(a2);
    // Other arrays (a copy, equal): verified once more, no new analysis.
    const std::vector<sunindextype> cp2 = cp, ri2 = ri;
    EXPECT_TRUE(refactoring_lu_vouch_pattern(S, cp2.data(), ri2.data()));
    ASSERT_EQ(SUNLinSolSetup(S, A), SUNLS_SUCCESS);
    EXPECT_EQ(refactoring_lu_pattern_comparisons(S), compared + 4);
    EXPECT_EQ(refactoring_lu_of(S)->counts().analyses, analysed + 2);
    solves(a2);
    // A vouch is for the next setup only, even one that is refused (a matrix by rows): the one
    // after it compares A's own pattern, changed in place, and analyses it.
    EXPECT_TRUE(refactoring_lu_vouch_pattern(S, cp2.data(), ri2.data()));
    SUNMatrix by_rows = SUNSparseMatrix(a2.n, a2.n, 1, CSR_MAT, ctx);
    EXPECT_EQ(SUNLinSolSetup(S, by_rows), SUNLS_ILL_INPUT);
    SUNMatDestroy(by_rows);
    std::swap(SUNSparseMatrix_IndexValues(A)[a2.col_ptr[5]],
              SUNSparseMatrix_IndexValues(A)[a2.col_ptr[5] + 1]);
    std::swap(SUNSparseMatrix_Data(A)[a2.col_ptr[5]], SUNSparseMatrix_Data(A)[a2.col_ptr[5] + 1]);
    ASSERT_EQ(SUNLinSolSetup(S, A), SUNLS_SUCCESS);
    EXPECT_EQ(refactoring_lu_pattern_comparisons(S), compared + 5);
    EXPECT_EQ(refactoring_lu_of(S)->counts().analyses, analysed + 3);
    solves(a2);
    SUNMatDestroy(A);
  }
  // Singular: every entry of a column zero.
  Csc s = a2;
  for (int64_t e = s.col_ptr[7]; e < s.col_ptr[8]; ++e) s.values[e] = 0.0;
  SUNMatrix A = to_sundials(s);
  EXPECT_EQ(SUNLinSolSetup(S, A), SUNLS_LUFACT_FAIL);
  EXPECT_EQ(SUNLinSolLastFlag(S), SUNLS_LUFACT_FAIL);
  EXPECT_NE(SUNLinSolSolve(S, A, x, b, 0.0), SUNLS_SUCCESS);
  SUNMatDestroy(A);
  N_VDestroy(x);
  N_VDestroy(b);
  SUNLinSolFree(S);
  SUNContext_Free(&ctx);
}
