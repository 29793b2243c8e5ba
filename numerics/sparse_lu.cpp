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

// rs_i = 1 / m_i, 1 for m_i = 0, and m_i reset to 0 for the next refactorisation (no separate
// fill): element-wise (SIMD lanes compute what the scalar loop does), compiled for AVX2 and the
// baseline, picked at load time; no-trapping-math lets the lanes divide by the selected 1
// without a branch (no flag is read, the values are the same).
#if defined(__GNUC__) && !defined(__clang__) && defined(__x86_64__) && defined(__linux__)
__attribute__((target_clones("avx2", "default"), optimize("O3", "no-trapping-math")))
#endif
void reciprocal_scales(double* __restrict rs, double* __restrict m, int64_t n) {
  for (int64_t i = 0; i < n; ++i) {
    rs[i] = 1.0 / (m[i] > 0.0 ? m[i] : 1.0);
    m[i] = 0.0;
  }
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
  row_max_.assign(n, 0.0);
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
  const Index nnz = static_cast<Index>(a_row_idx_.size());
  double* x = values_.data();  // A's values in place, then the fill
  // A's values copied in; the largest |a_ij| of each row (KLU's scale = 2 scales row i by
  // 1 / max_j |a_ij|, 1 for an empty row) without a data-dependent branch. One flat pass over
  // A's entries. A value that is not finite is not looked for here: every entry of A is an
  // entry of L, of U or a pivot, and their finiteness is checked below (an infinite row
  // maximum makes the row's scale 0 and its pivot fail too).
  double* rs = row_scale_.data();
  double* row_max = row_max_.data();  // zero: from analyse() or the previous refactorisation
  const Index* apr = a_pivot_row_.data();
#pragma GCC unroll 4
  for (Index e = 0; e < nnz; ++e) {
    const double v = a[e];
    x[e] = v;
    const double m = std::abs(v);
    double& r = row_max[apr[e]];
    r = m > r ? m : r;
  }
  reciprocal_scales(rs, row_max, n);
  std::fill(x + nnz, x + values_.size(), 0.0);
  const Index* diagonal = diagonal_position_.data();
  const Index *lp = l_ptr_.data(), *lpos = l_position_.data();
  const Index *update_target = update_target_.data(), *update_u = update_u_position_.data(),
              *update_l = update_multiplier_.data(), *update_end = update_end_.data();
  Index u = 0;  // the next update
  double* minus_l = minus_l_.data();
  const Index* l_slot = l_slot_.data();
  double* l_value = forward_.value.data();
  double *pinv = pivot_inverse_.data(), *dinv = inverse_diagonal_.data();
  const Index* rp = row_perm_.data();
  const Index* lr = l_row_.data();
  // Every factor entry and pivot finite: 0 * v is 0 for a finite v and NaN otherwise, so the
  // sum stays exactly 0 unless one is not (no overflow of a sum of magnitudes).
  double finite = 0.0;
  // The pivot test, as partial pivoting would choose: each pivot nonzero, and (check_pivots)
  // |pivot| >= tol |candidate| for each candidate below it, row-scaled. Tested entry by entry
  // (fl(tol max s) = max fl(tol s): the same test as against the largest candidate), without
  // a branch; tol = 0 when not checking (then the comparison is false).
  const double tol = check_pivots ? kPivotTolerance : 0.0;
  bool fails = false;
  for (Index j = 0; j < n; ++j) {
    // Column j, left-looking: a_ij -= l_ik u_kj for each u_kj (k ascending: u_kj is final once
    // the updates of the rows above are in) and each l_ik, as a_ij + (-l_ik) u_kj (the stored
    // multipliers are negated). One flat list, no per-entry bookkeeping of U.
    for (const Index end = update_end[j]; u < end; ++u)
      x[update_target[u]] += minus_l[update_l[u]] * x[update_u[u]];
    const double pivot = x[diagonal[j]];
    const double inverse = 1.0 / pivot;
    const double minus_inverse = -inverse;
    const double scaled_pivot = std::abs(pivot) * rs[j];
    fails |= !(scaled_pivot > 0.0);
    for (Index q = lp[j]; q < lp[j + 1]; ++q) {
      const double v = x[lpos[q]];
      fails |= scaled_pivot < tol * (std::abs(v) * rs[lr[q]]);
      const double l = v * minus_inverse;  // -l_ij = -(a_ij / u_jj) as a_ij (1 / u_jj)
      minus_l[q] = l;
      l_value[l_slot[q]] = l;
      finite += 0.0 * l;
    }
    finite += 0.0 * pivot + 0.0 * inverse;
    pinv[j] = inverse;
    dinv[rp[j]] = inverse;  // by original row: the solve works in b's numbering
  }
  if (fails) return false;
  // The unit upper triangle D^{-1} U of the backward solve: u_kj / u_kk, negated.
  const Index *upos = u_position_.data(), *ur = u_row_.data(), *u_slot = u_slot_.data();
  double* u_value = backward_.value.data();
  const Index nu = static_cast<Index>(u_row_.size());
#pragma GCC unroll 4
  for (Index g = 0; g < nu; ++g) {
    const double v = x[upos[g]] * pinv[ur[g]];
    u_value[u_slot[g]] = -v;
    finite += 0.0 * v;
  }
  return finite == 0.0;
}

bool RefactoringLU::pivoting_factor(const double* values) {
  have_order_ = false;
  ++counts_.pivoting_factorisations;
  // The old order's arrays go first: KLU's factors and their extraction need about as much.
  std::vector<double>().swap(values_);
  std::vector<double>().swap(minus_l_);
  forward_ = RowSolve();
  backward_ = RowSolve();
  for (auto* v : {&l_row_, &l_position_, &u_row_, &u_position_, &l_slot_, &u_slot_, &update_end_,
                  &update_target_, &update_u_position_, &update_multiplier_})
    std::vector<Index>().swap(*v);
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
  std::vector<double>().swap(Lx);  // only the patterns are used
  std::vector<double>().swap(Ux);
  if (!ok) return false;
  constexpr int64_t kMaxIndex = std::numeric_limits<Index>::max();
  const int64_t nnz = static_cast<int64_t>(a_row_idx_.size());
  if (nnz + lnz + unz >= kMaxIndex)
    throw std::length_error("sparse LU: the factors have too many entries");

  // Rows renumbered in pivot order (KLU's L and U already are).
  std::vector<Index> pivot_of_row(n);
  row_perm_.resize(n);
  col_perm_.resize(n);
  for (int64_t k = 0; k < n; ++k) {
    row_perm_[k] = static_cast<Index>(P[k]);
    col_perm_[k] = static_cast<Index>(Q[k]);
    pivot_of_row[P[k]] = static_cast<Index>(k);
  }
  a_pivot_row_.resize(nnz);
  for (int64_t e = 0; e < nnz; ++e) a_pivot_row_[e] = pivot_of_row[a_row_idx_[e]];
  // L and U without their diagonals (KLU stores L's unit diagonal and U's pivot with them).
  auto malformed = [] { throw std::logic_error("sparse LU: KLU's factors are inconsistent"); };
  l_ptr_.assign(1, 0);
  l_row_.clear();
  u_ptr_.assign(1, 0);
  u_row_.clear();
  for (int64_t k = 0; k < n; ++k) {
    for (int64_t q = Lp[k]; q < Lp[k + 1]; ++q) {
      if (Li[q] < k || Li[q] >= n) malformed();
      if (Li[q] > k) {
        l_row_.push_back(static_cast<Index>(Li[q]));
      }
    }
    l_ptr_.push_back(static_cast<Index>(l_row_.size()));
    const size_t first = u_row_.size();
    for (int64_t q = Up[k]; q < Up[k + 1]; ++q) {
      if (Ui[q] > k || Ui[q] < 0) malformed();
      if (Ui[q] < k) u_row_.push_back(static_cast<Index>(Ui[q]));
    }
    std::sort(u_row_.begin() + first, u_row_.end());  // a topological order of the updates
    u_ptr_.push_back(static_cast<Index>(u_row_.size()));
  }
  // The forward solve by rows: L's row i reads the columns k < i of its entries.
  {
    std::vector<Index> l_col(l_row_.size());
    for (int64_t k = 0; k < n; ++k)
      for (Index q = l_ptr_[k]; q < l_ptr_[k + 1]; ++q) l_col[q] = static_cast<Index>(k);
    build_row_solve(forward_, l_slot_, n, l_row_, l_col, P.data());
  }
  // The backward solve by rows too: U's row i reads the columns k > i of its entries, which is
  // L's case with the pivots numbered from the last (i' = n - 1 - i). The entries are listed by
  // columns from the last, so that each row reads its columns in descending order: the order
  // in which a backward solve by columns (the last first) adds them to b_i, so the result is
  // the same to the bit.
  {
    const size_t nu = u_row_.size();
    std::vector<Index> row(nu), col(nu), entry_of(nu);
    std::vector<int64_t> P_mirrored(n);
    for (int64_t i = 0; i < n; ++i) P_mirrored[i] = P[n - 1 - i];
    size_t e = 0;
    for (int64_t k = n - 1; k >= 0; --k)
      for (Index g = u_ptr_[k]; g < u_ptr_[k + 1]; ++g, ++e) {
        row[e] = static_cast<Index>(n - 1 - u_row_[g]);
        col[e] = static_cast<Index>(n - 1 - k);
        entry_of[e] = g;
      }
    std::vector<Index> slot_of_e;
    build_row_solve(backward_, slot_of_e, n, row, col, P_mirrored.data());
    u_slot_.assign(nu, 0);
    for (e = 0; e < nu; ++e) u_slot_[entry_of[e]] = slot_of_e[e];
  }
  // Positions: A's entries where A has them, fill after. Column j's pattern is U(:, j), the
  // pivot and L(:, j); it must hold every entry of column j of P A Q and every update's
  // target, or the factorisation would be wrong: checked here (a symbolic factorisation).
  std::vector<int64_t> stamp(n, -1);
  std::vector<Index> position(n, 0);
  l_position_.assign(l_row_.size(), 0);
  u_position_.assign(u_row_.size(), 0);
  diagonal_position_.assign(n, 0);
  update_target_.clear();
  update_u_position_.clear();
  update_multiplier_.clear();
  update_end_.assign(n, 0);
  int64_t next_fill = nnz;
  for (int64_t j = 0; j < n; ++j) {
    auto enter = [&](Index r) {
      if (stamp[r] == j) malformed();  // a row twice in a column
      stamp[r] = j;
      position[r] = -1;
    };
    for (Index g = u_ptr_[j]; g < u_ptr_[j + 1]; ++g) enter(u_row_[g]);
    enter(static_cast<Index>(j));
    for (Index q = l_ptr_[j]; q < l_ptr_[j + 1]; ++q) enter(l_row_[q]);
    const int64_t c = Q[j];
    for (int64_t e = a_col_ptr_[c]; e < a_col_ptr_[c + 1]; ++e) {
      if (stamp[a_pivot_row_[e]] != j) malformed();  // an entry of A outside the pattern
      position[a_pivot_row_[e]] = static_cast<Index>(e);
    }
    auto place = [&](Index r) {
      if (position[r] < 0) position[r] = static_cast<Index>(next_fill++);
      return position[r];
    };
    for (Index g = u_ptr_[j]; g < u_ptr_[j + 1]; ++g) {
      u_position_[g] = place(u_row_[g]);
      const Index k = u_row_[g];
      for (Index q = l_ptr_[k]; q < l_ptr_[k + 1]; ++q) {
        if (stamp[l_row_[q]] != j) malformed();  // fill outside the pattern
        update_target_.push_back(place(l_row_[q]));
        update_u_position_.push_back(u_position_[g]);
        update_multiplier_.push_back(q);
      }
    }
    update_end_[j] = static_cast<Index>(update_target_.size());
    diagonal_position_[j] = place(static_cast<Index>(j));
    for (Index q = l_ptr_[j]; q < l_ptr_[j + 1]; ++q) l_position_[q] = place(l_row_[q]);
  }
  if (next_fill != lnz + unz - n) malformed();  // every position placed once
  values_.assign(next_fill, 0.0);
  minus_l_.assign(l_row_.size(), 0.0);
  pivot_inverse_.assign(n, 0.0);
  inverse_diagonal_.assign(n, 0.0);
  symmetric_pivoting_ = row_perm_ == col_perm_;
  have_order_ = true;
  // KLU chose this order on these values: accept its pivots (our arithmetic may differ from
  // its scaled one in the last bits, at the threshold), check only that they are usable.
  return refactor(values, false);
}

namespace {

// Rows of a fixed number of entries W: one loop per group, the row's sum in a register.
template <int W>
void fixed_rows(const int32_t* target, const int32_t* source, const double* value, int32_t rows,
                double* b) {
  for (int32_t r = 0; r < rows; ++r, source += W, value += W) {
    double sum = b[target[r]];
#pragma GCC unroll 8
    for (int k = 0; k < W; ++k) sum += value[k] * b[source[k]];
    b[target[r]] = sum;
  }
}

void any_rows(int32_t width, const int32_t* target, const int32_t* source, const double* value,
              int32_t rows, double* b) {
  for (int32_t r = 0; r < rows; ++r, source += width, value += width) {
    double sum = b[target[r]];
    for (int32_t k = 0; k < width; ++k) sum += value[k] * b[source[k]];
    b[target[r]] = sum;
  }
}

// b_i *= d_i: element-wise, so SIMD lanes compute what the scalar loop does (about a quarter of
// the instructions with AVX2); compiled for AVX2 and the baseline, picked at load time.
#if defined(__GNUC__) && !defined(__clang__) && defined(__x86_64__) && defined(__linux__)
__attribute__((target_clones("avx2", "default"), optimize("O3")))
#endif
void scale(double* __restrict b, const double* __restrict d, int64_t n) {
  for (int64_t i = 0; i < n; ++i) b[i] *= d[i];
}

// The widths with an unrolled row loop, indexed by width - 1.
constexpr int32_t kFixedWidths = 6;
constexpr void (*kFixedRows[kFixedWidths])(const int32_t*, const int32_t*, const double*, int32_t,
                                           double*) = {fixed_rows<1>, fixed_rows<2>, fixed_rows<3>,
                                                       fixed_rows<4>, fixed_rows<5>, fixed_rows<6>};

}  // namespace

void RefactoringLU::RowSolve::apply(double* b) const {
  for (const Group& g : groups) {
    const Index* t = target.data() + g.first_row;
    const Index* s = source.data() + g.first_slot;
    const double* v = value.data() + g.first_slot;
    if (g.width >= 1 && g.width <= kFixedWidths)
      kFixedRows[g.width - 1](t, s, v, g.rows, b);
    else
      any_rows(g.width, t, s, v, g.rows, b);
  }
}

void RefactoringLU::build_row_solve(RowSolve& solve, std::vector<Index>& slot_of_entry, int64_t n,
                                    const std::vector<Index>& entry_row,
                                    const std::vector<Index>& entry_column, const int64_t* P) {
  const size_t entries = entry_row.size();
  // Each row's entries (in column order: the columns were walked ascending).
  std::vector<Index> ptr(n + 1, 0), by_row(entries);
  for (size_t e = 0; e < entries; ++e) ++ptr[entry_row[e] + 1];
  for (int64_t i = 0; i < n; ++i) ptr[i + 1] += ptr[i];
  {
    std::vector<Index> next(ptr.begin(), ptr.end() - 1);
    for (size_t e = 0; e < entries; ++e) by_row[next[entry_row[e]]++] = static_cast<Index>(e);
  }
  // Levels, rows ascending (each reads lower rows only).
  std::vector<Index> level(n, 0);
  for (int64_t i = 0; i < n; ++i) {
    Index l = 0;
    for (Index p = ptr[i]; p < ptr[i + 1]; ++p) {
      const Index j = entry_column[by_row[p]];
      if (j >= i) throw std::logic_error("sparse LU: L is not lower triangular");
      l = std::max(l, level[j] + 1);
    }
    level[i] = l;
  }
  // Rows ordered by (level, width); rows without entries need no work.
  std::vector<Index> rows;
  for (int64_t i = 0; i < n; ++i)
    if (ptr[i + 1] > ptr[i]) rows.push_back(static_cast<Index>(i));
  std::stable_sort(rows.begin(), rows.end(), [&](Index a, Index b) {
    const Index wa = ptr[a + 1] - ptr[a], wb = ptr[b + 1] - ptr[b];
    return level[a] != level[b] ? level[a] < level[b] : wa < wb;
  });
  solve.groups.clear();
  solve.target.assign(rows.size(), 0);
  solve.source.assign(entries, 0);
  solve.value.assign(entries, 0.0);
  slot_of_entry.assign(entries, 0);
  Index slot = 0;
  for (size_t r = 0; r < rows.size(); ++r) {
    const Index i = rows[r];
    const Index width = ptr[i + 1] - ptr[i];
    if (r == 0 || level[i] != level[rows[r - 1]] ||
        width != ptr[rows[r - 1] + 1] - ptr[rows[r - 1]])
      solve.groups.push_back({width, 0, static_cast<Index>(r), slot});
    ++solve.groups.back().rows;
    solve.target[r] = static_cast<Index>(P[i]);
    for (Index p = ptr[i]; p < ptr[i + 1]; ++p, ++slot) {
      const Index e = by_row[p];
      solve.source[slot] = static_cast<Index>(P[entry_column[e]]);
      slot_of_entry[e] = slot;
    }
  }
}

RefactoringLU::Factors RefactoringLU::factors() const {
  Factors f;
  if (!factored_) return f;
  f.row_perm = row_perm_;
  f.col_perm = col_perm_;
  f.l_ptr = l_ptr_;
  f.l_row = l_row_;
  f.u_ptr = u_ptr_;
  f.u_row = u_row_;
  f.l_value.resize(minus_l_.size());
  for (size_t q = 0; q < minus_l_.size(); ++q) f.l_value[q] = -minus_l_[q];
  f.u_value.resize(u_position_.size());
  for (size_t g = 0; g < u_position_.size(); ++g) f.u_value[g] = values_[u_position_[g]];
  f.pivot_inverse = pivot_inverse_;
  return f;
}

bool RefactoringLU::solve(double* b) {
  if (!factored_) return false;
  const Index n = static_cast<Index>(n_);
  // In b's own numbering: entry (i, j) of P A Q is b's row P[i] and the solve's unknown P[j]
  // until the end, so only the result needs a permutation, none if P = Q.
  forward_.apply(b);  // L y = P b
  // U z = y as D (D^{-1} U) z = y: v = D^{-1} y, then the unit upper triangle's columns from
  // the last.
  scale(b, inverse_diagonal_.data(), n);
  backward_.apply(b);
  if (!symmetric_pivoting_) {  // x[Q[k]] = z_k, which is at b[P[k]]
    double* w = work_.data();
    const Index *rp = row_perm_.data(), *cp = col_perm_.data();
    for (Index k = 0; k < n; ++k) w[cp[k]] = b[rp[k]];
    std::copy(w, w + n, b);
  }
  return true;
}

}  // namespace venoflow
