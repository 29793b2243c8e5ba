// venoflow: sparse LU refactoring on a fixed pivot order, KLU for ordering and pivoting
// (numerics/sparse_lu.hpp).
#include "numerics/sparse_lu.hpp"

#include <klu.h>

#include <algorithm>
#include <cmath>
#include <cstring>
#include <limits>
#include <stdexcept>
#include <string>

namespace venoflow {

static_assert(sizeof(SuiteSparse_long) == sizeof(int64_t), "KLU's long API takes 64-bit indices");

struct RefactoringLU::Klu {
  klu_l_common common;
  klu_l_symbolic* symbolic = nullptr;
};

namespace {

SuiteSparse_long* klu_index(std::vector<int64_t>& v) {
  return reinterpret_cast<SuiteSparse_long*>(v.data());
}

// Sum of |v|: not finite if an entry is not (NaN and infinity propagate; a vectorisable pass).
double abs_sum(const std::vector<double>& v) {
  double s = 0.0;
  for (double x : v) s += std::abs(x);
  return s;
}

}  // namespace

RefactoringLU::RefactoringLU() : klu_(new Klu) {
  klu_l_defaults(&klu_->common);
  klu_->common.btf = 0;       // one block: the factors are one L and one U
  klu_->common.ordering = 0;  // AMD on A + A^T (a network's matrix is structurally symmetric)
  klu_->common.scale = 2;     // rows scaled by their largest |a_ij| for the pivot choice
  klu_->common.tol = kPivotTolerance;
}

RefactoringLU::~RefactoringLU() {
  release_klu();
  delete klu_;
}

void RefactoringLU::release_klu() {
  if (klu_->symbolic) klu_l_free_symbolic(&klu_->symbolic, &klu_->common);
  klu_->symbolic = nullptr;
}

void RefactoringLU::analyse(int64_t n, const int64_t* col_ptr, const int64_t* row_idx) {
  factored_ = false;
  have_order_ = false;
  release_klu();
  n_ = 0;
  a_col_ptr_.clear();
  a_row_idx_.clear();
  if (n < 0) throw std::invalid_argument("sparse LU: negative matrix size " + std::to_string(n));
  if (n >= std::numeric_limits<Index>::max())
    throw std::invalid_argument("sparse LU: matrix size " + std::to_string(n) + " too large");
  if (col_ptr[0] != 0)
    throw std::invalid_argument("sparse LU: the first column pointer is " +
                                std::to_string(col_ptr[0]) + ", expected 0");
  std::vector<int64_t> seen(n, -1);
  for (int64_t c = 0; c < n; ++c) {
    if (col_ptr[c + 1] < col_ptr[c])
      throw std::invalid_argument("sparse LU: column pointers decrease at column " +
                                  std::to_string(c));
    for (int64_t e = col_ptr[c]; e < col_ptr[c + 1]; ++e) {
      const int64_t r = row_idx[e];
      if (r < 0 || r >= n)
        throw std::invalid_argument("sparse LU: row index " + std::to_string(r) + " of column " +
                                    std::to_string(c) + " outside [0, " + std::to_string(n) + ")");
      if (seen[r] == c)
        throw std::invalid_argument("sparse LU: row " + std::to_string(r) + " twice in column " +
                                    std::to_string(c));
      seen[r] = c;
    }
  }
  if (col_ptr[n] >= std::numeric_limits<Index>::max())
    throw std::invalid_argument("sparse LU: too many entries (" + std::to_string(col_ptr[n]) + ")");
  a_col_ptr_.assign(col_ptr, col_ptr + n + 1);
  a_row_idx_.assign(row_idx, row_idx + col_ptr[n]);
  n_ = n;
  work_.assign(n, 0.0);
  row_scale_.assign(n, 0.0);
  ++counts_.analyses;
  if (n == 0) return;
  klu_->symbolic = klu_l_analyze(n, klu_index(a_col_ptr_), klu_index(a_row_idx_), &klu_->common);
  if (!klu_->symbolic) {
    n_ = 0;
    a_col_ptr_.clear();
    a_row_idx_.clear();
    throw std::runtime_error("sparse LU: KLU's analysis failed (status " +
                             std::to_string(klu_->common.status) + ")");
  }
}

bool RefactoringLU::analysed_for(int64_t n, const int64_t* col_ptr, const int64_t* row_idx) const {
  if (n != n_ || static_cast<int64_t>(a_col_ptr_.size()) != n + 1) return false;
  if (std::memcmp(col_ptr, a_col_ptr_.data(), (n + 1) * sizeof(int64_t)) != 0) return false;
  return std::memcmp(row_idx, a_row_idx_.data(), a_row_idx_.size() * sizeof(int64_t)) == 0;
}

bool RefactoringLU::factor(const double* values) {
  factored_ = false;
  if (n_ == 0) {
    factored_ = !a_col_ptr_.empty();
    return factored_;
  }
  if (have_order_ && refactor(values, true)) {
    ++counts_.refactorisations;
    factored_ = true;
    return true;
  }
  factored_ = pivoting_factor(values);
  return factored_;
}

bool RefactoringLU::refactor(const double* a, bool check_pivots) {
  const Index n = static_cast<Index>(n_);
  const int64_t nnz = static_cast<int64_t>(a_row_idx_.size());
  // Row scales (KLU's scale = 2): 1 / max_j |a_ij|, 1 for an empty row; and every value finite.
  double* rs = row_scale_.data();
  std::fill(rs, rs + n, 0.0);
  double total = 0.0;
  const Index* apr = a_pivot_row_.data();
  for (int64_t e = 0; e < nnz; ++e) {
    const double v = std::abs(a[e]);
    total += v;
    if (v > rs[apr[e]]) rs[apr[e]] = v;
  }
  if (!std::isfinite(total)) return false;
  for (Index i = 0; i < n; ++i) rs[i] = rs[i] > 0.0 ? 1.0 / rs[i] : 1.0;

  double* x = work_.data();
  const Index *bp = b_ptr_.data(), *bs = b_source_.data(), *br = b_row_.data();
  const Index *lp = l_ptr_.data(), *li = l_row_.data(), *up = u_ptr_.data(), *ui = u_row_.data();
  double *lx = l_value_.data(), *ux = u_value_.data(), *dinv = inverse_diagonal_.data();
  double smallest = std::numeric_limits<double>::infinity(), largest = 0.0;
  for (Index k = 0; k < n; ++k) {
    for (Index e = bp[k]; e < bp[k + 1]; ++e) x[br[e]] = a[bs[e]];
    for (Index p = up[k]; p < up[k + 1]; ++p) {
      const Index j = ui[p];
      const double ujk = x[j];
      x[j] = 0.0;
      ux[p] = ujk;
      for (Index q = lp[j]; q < lp[j + 1]; ++q) x[li[q]] -= lx[q] * ujk;
    }
    const double pivot = x[k];
    x[k] = 0.0;
    const double inverse = 1.0 / pivot;
    double candidate = 0.0;  // largest scaled |entry| below the pivot
    for (Index q = lp[k]; q < lp[k + 1]; ++q) {
      const Index i = li[q];
      const double v = x[i];
      x[i] = 0.0;
      lx[q] = v * inverse;
      const double s = std::abs(v) * rs[i];
      candidate = s > candidate ? s : candidate;
    }
    const double scaled = std::abs(pivot) * rs[k];
    if (!(scaled > 0.0) || !std::isfinite(pivot) ||
        (check_pivots && scaled < kPivotTolerance * candidate)) {
      // Column k's entries are already gathered (zeroed) and later columns not scattered:
      // the work column is clean again.
      return false;
    }
    dinv[k] = inverse;
    smallest = std::min(smallest, scaled);
    largest = std::max(largest, scaled);
  }
  // SUNDIALS' KLU interface re-pivots when KLU's reciprocal condition estimate (smallest over
  // largest scaled pivot) falls below eps^(2/3) (sunlinsol_klu.c, SUNLinSolSetup_KLU).
  static const double kRcondLimit = std::pow(std::numeric_limits<double>::epsilon(), 2.0 / 3.0);
  if (check_pivots && smallest < kRcondLimit * largest) return false;
  return std::isfinite(abs_sum(l_value_) + abs_sum(u_value_));
}

bool RefactoringLU::pivoting_factor(const double* values) {
  have_order_ = false;
  ++counts_.pivoting_factorisations;
  klu_l_common& common = klu_->common;
  // KLU takes non-const arrays; it does not write them.
  klu_l_numeric* numeric = klu_l_factor(klu_index(a_col_ptr_), klu_index(a_row_idx_),
                                        const_cast<double*>(values), klu_->symbolic, &common);
  if (!numeric) return false;     // out of memory, or invalid
  if (common.status != KLU_OK) {  // KLU_SINGULAR: a zero pivot in every candidate row
    klu_l_free_numeric(&numeric, &common);
    return false;
  }
  const int64_t n = n_;
  const int64_t lnz = numeric->lnz, unz = numeric->unz;
  std::vector<int64_t> Lp(n + 1), Li(lnz), Up(n + 1), Ui(unz), P(n), Q(n);
  std::vector<double> Lx(lnz), Ux(unz);
  const SuiteSparse_long ok =
      klu_l_extract(numeric, klu_->symbolic, klu_index(Lp), klu_index(Li), Lx.data(), klu_index(Up),
                    klu_index(Ui), Ux.data(), nullptr, nullptr, nullptr, klu_index(P), klu_index(Q),
                    nullptr, nullptr, &common);
  klu_l_free_numeric(&numeric, &common);
  if (!ok) return false;
  if (lnz >= std::numeric_limits<Index>::max() || unz >= std::numeric_limits<Index>::max())
    throw std::length_error("sparse LU: the factors have too many entries");

  // The flat structure, rows renumbered in pivot order (KLU's L and U already are).
  std::vector<Index> pivot_of_row(n);
  row_perm_.resize(n);
  col_perm_.resize(n);
  for (int64_t k = 0; k < n; ++k) {
    row_perm_[k] = static_cast<Index>(P[k]);
    col_perm_[k] = static_cast<Index>(Q[k]);
    pivot_of_row[P[k]] = static_cast<Index>(k);
  }
  a_pivot_row_.resize(a_row_idx_.size());
  for (size_t e = 0; e < a_row_idx_.size(); ++e) a_pivot_row_[e] = pivot_of_row[a_row_idx_[e]];
  b_ptr_.assign(1, 0);
  b_source_.clear();
  b_row_.clear();
  for (int64_t k = 0; k < n; ++k) {
    for (int64_t e = a_col_ptr_[Q[k]]; e < a_col_ptr_[Q[k] + 1]; ++e) {
      b_source_.push_back(static_cast<Index>(e));
      b_row_.push_back(a_pivot_row_[e]);
    }
    b_ptr_.push_back(static_cast<Index>(b_source_.size()));
  }
  // L and U without their diagonals (KLU stores L's unit diagonal and U's pivot with them).
  l_ptr_.assign(1, 0);
  l_row_.clear();
  u_ptr_.assign(1, 0);
  u_row_.clear();
  auto malformed = [] { throw std::logic_error("sparse LU: KLU's factors are not triangular"); };
  for (int64_t k = 0; k < n; ++k) {
    for (int64_t q = Lp[k]; q < Lp[k + 1]; ++q) {
      if (Li[q] < k) malformed();
      if (Li[q] > k) l_row_.push_back(static_cast<Index>(Li[q]));
    }
    l_ptr_.push_back(static_cast<Index>(l_row_.size()));
    const size_t first = u_row_.size();
    for (int64_t q = Up[k]; q < Up[k + 1]; ++q) {
      if (Ui[q] > k) malformed();
      if (Ui[q] < k) u_row_.push_back(static_cast<Index>(Ui[q]));
    }
    std::sort(u_row_.begin() + first, u_row_.end());  // a topological order of the update
    u_ptr_.push_back(static_cast<Index>(u_row_.size()));
  }
  // The patterns must hold every entry of P A Q and every update's fill, or the dense work
  // column would keep stale values: checked once per pivot order (a symbolic factorisation).
  {
    std::vector<int64_t> mark(n, -1);
    for (int64_t k = 0; k < n; ++k) {
      mark[k] = k;
      for (Index q = l_ptr_[k]; q < l_ptr_[k + 1]; ++q) mark[l_row_[q]] = k;
      for (Index q = u_ptr_[k]; q < u_ptr_[k + 1]; ++q) mark[u_row_[q]] = k;
      for (Index e = b_ptr_[k]; e < b_ptr_[k + 1]; ++e)
        if (mark[b_row_[e]] != k) malformed();
      for (Index p = u_ptr_[k]; p < u_ptr_[k + 1]; ++p)
        for (Index q = l_ptr_[u_row_[p]]; q < l_ptr_[u_row_[p] + 1]; ++q)
          if (mark[l_row_[q]] != k) malformed();
    }
  }
  l_value_.assign(l_row_.size(), 0.0);
  u_value_.assign(u_row_.size(), 0.0);
  inverse_diagonal_.assign(n, 0.0);
  have_order_ = true;
  // KLU chose this order on these values: accept its pivots (our arithmetic may differ from
  // its scaled one in the last bits, at the threshold), check only that they are usable.
  return refactor(values, false);
}

bool RefactoringLU::solve(double* b) {
  if (!factored_) return false;
  const Index n = static_cast<Index>(n_);
  double* w = work_.data();
  const Index *lp = l_ptr_.data(), *li = l_row_.data(), *up = u_ptr_.data(), *ui = u_row_.data();
  const double *lx = l_value_.data(), *ux = u_value_.data(), *dinv = inverse_diagonal_.data();
  const Index *rp = row_perm_.data(), *cp = col_perm_.data();
  for (Index k = 0; k < n; ++k) w[k] = b[rp[k]];
  for (Index j = 0; j < n; ++j) {  // L y = P b, by columns
    const double wj = w[j];
    for (Index q = lp[j]; q < lp[j + 1]; ++q) w[li[q]] -= lx[q] * wj;
  }
  for (Index k = n - 1; k >= 0; --k) {  // U z = y, by columns
    const double wk = w[k] * dinv[k];
    w[k] = 0.0;  // the work column is all zero between calls
    b[cp[k]] = wk;
    for (Index q = up[k]; q < up[k + 1]; ++q) w[ui[q]] -= ux[q] * wk;
  }
  return true;
}

}  // namespace venoflow
