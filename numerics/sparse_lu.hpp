// venoflow: a sparse LU factorisation that refactors on a fixed pivot order with tight loops,
// and re-pivots with KLU when that order no longer fits the values.
//
// The run solves many linear systems with one sparsity pattern and slowly changing values
// (CVODE's iteration matrix I - gamma J). KLU (Davis and Palamadai Natarajan 2010, ACM TOMS
// 37:36) refactors and solves column by column in a packed format whose per-column bookkeeping
// costs about as much as the arithmetic when the factors have a few entries per column (a
// vessel network of 3072 unknowns and 9210 entries in L and U: 216 k instructions per solve
// through SUNDIALS' interface, 71 k here; docs/numerics.md#linear-solver). This class keeps KLU
// for what it does well, the fill-reducing ordering and the partial-pivoting factorisation, and
// does the frequent work itself on flat arrays:
//
//  1. analyse(pattern): KLU's symbolic analysis: AMD ordering (Amestoy, Davis and Duff 1996,
//     SIAM J. Matrix Anal. Appl. 17:886) on the pattern of A + A^T, no block triangular form
//     (btf = 0: a network's matrix is one irreducible block, and one block keeps the factors
//     one L and one U).
//  2. factor(values): numeric LU of P A Q = L U on the pivot order P and the patterns of L and
//     U of the latest pivoting factorisation, as a precompiled sequence of operations on one
//     value array (A's values copied in their own order, then the fill): for each column j,
//     left-looking (Gilbert and Peierls 1988, SIAM J. Sci. Stat. Comput. 9:862), the updates
//     a_ij -= l_ik u_kj for every u_kj of the column (k ascending) and every l_ik, then the
//     pivot and the multipliers l_ij = a_ij / u_jj. Every pivot is checked as KLU's partial
//     pivoting would choose it: finite, nonzero, and |pivot| >= tol |largest candidate of its
//     column| (tol = 0.001, KLU's default threshold), the candidates being the column's
//     entries on and below the diagonal, each row scaled by its largest |a_ij| (KLU's default
//     scaling, which informs its pivot choice; the factors are of the unscaled matrix, the
//     scaling only enters this test). A pivot order chosen at one matrix is thereby
//     re-checked at every other (CVODE's gamma can change the iteration matrix from near I to
//     near -gamma J). If a pivot fails, KLU factors the same values with partial pivoting
//     (new P, new patterns) and the operations are rebuilt. (SUNDIALS' KLU interface instead
//     re-pivots when KLU's reciprocal condition estimate, smallest over largest pivot, falls
//     below eps^(2/3): the threshold test is the sharper criterion, it asks what partial
//     pivoting asks.) If KLU finds the matrix singular, or a value or a factor is not finite,
//     factor() returns false. No silent garbage: a successful factor() has finite factors
//     whose every pivot passed the test (or was chosen by KLU's pivoting on these very
//     values). A nearly singular matrix still factors, as under any partial pivoting (and
//     KLU); CVODE's convergence test then rejects the Newton iteration.
//  3. solve(b): in place, x = Q U^{-1} L^{-1} P b in b's own numbering: the forward solve by
//     rows of L grouped by level and number of entries (a row's sum in a register), the
//     scaling by D^{-1} (D = diag U), the backward solve by rows of the unit upper triangle
//     D^{-1} U in the same way (levels counted from the last row), and a permutation only if
//     the pivot rows are not the columns (P != Q).
//
// Not thread-safe (its working arrays are members); one object per solver.
#pragma once

#include <cstdint>
#include <vector>

namespace venoflow {

class RefactoringLU {
 public:
  /// The partial-pivoting threshold (KLU's default Common.tol).
  static constexpr double kPivotTolerance = 1e-3;

  /// How many factorisations of each kind were done (for tests and statistics).
  struct Counts {
    long refactorisations = 0;         // on the kept pivot order, accepted
    long pivoting_factorisations = 0;  // by KLU with partial pivoting (new pivot order)
    long analyses = 0;                 // symbolic analyses (new pattern)
  };

  RefactoringLU();
  ~RefactoringLU();
  RefactoringLU(const RefactoringLU&) = delete;
  RefactoringLU& operator=(const RefactoringLU&) = delete;

  /// The symbolic analysis of the n x n pattern in compressed sparse columns: col_ptr (n + 1
  /// entries, col_ptr[0] = 0, non-decreasing) and row_idx (col_ptr[n] entries, in [0, n), no
  /// row twice in a column; any order within a column). Forgets any earlier factorisation.
  /// Throws std::invalid_argument naming what is wrong with a malformed pattern, and
  /// std::runtime_error if KLU fails.
  void analyse(int64_t n, const int64_t* col_ptr, const int64_t* row_idx);
  /// True if analyse() was last called with this very pattern.
  bool analysed_for(int64_t n, const int64_t* col_ptr, const int64_t* row_idx) const;

  /// Numeric factorisation of the analysed pattern's values (in the order of row_idx).
  /// Returns false if the matrix is singular (in KLU's partial pivoting) or a value or a factor
  /// is not finite; solve() then refuses until a factor() succeeds.
  bool factor(const double* values);
  /// True after a successful factor().
  bool factored() const { return factored_; }

  /// Overwrites b (n values) with A^{-1} b of the latest successful factor(). Returns false
  /// (b unchanged) if there is none.
  bool solve(double* b);

  /// The latest successful factorisation as the solves use it (for tests): P A Q = L U with
  /// pivot k at original row row_perm[k] and column col_perm[k]; L (unit diagonal not stored)
  /// and U (diagonal not stored) by columns in pivot order, and 1 / u_kk by pivot.
  struct Factors {
    std::vector<int32_t> row_perm, col_perm;
    std::vector<int32_t> l_ptr, l_row, u_ptr, u_row;
    std::vector<double> l_value, u_value, pivot_inverse;
  };
  /// Empty (all vectors) unless factored().
  Factors factors() const;

  int64_t size() const { return n_; }
  /// Entries of L and U (strictly triangular parts, without the diagonal).
  int64_t factor_entries() const { return static_cast<int64_t>(l_row_.size() + u_row_.size()); }
  const Counts& counts() const { return counts_; }

 private:
  // Refactorisation on the kept pivot order; check_pivots = false right after KLU chose the
  // order on these values (only finiteness and nonzero pivots are then checked).
  bool refactor(const double* values, bool check_pivots);
  // KLU's partial-pivoting factorisation of the values; rebuilds the operations.
  bool pivoting_factor(const double* values);
  void release_klu();

  using Index = int32_t;  // the factors' indices and positions (checked to fit)
  int64_t n_ = 0;
  bool factored_ = false;
  bool have_order_ = false;  // a pivot order (P and patterns) exists
  Counts counts_;
  // The analysed pattern (KLU's long indices).
  std::vector<int64_t> a_col_ptr_, a_row_idx_;
  // KLU's handles (opaque here: klu.h stays in the .cpp).
  struct Klu;
  Klu* klu_ = nullptr;

  // Pivot k is original row row_perm_[k]; column k of P A Q is original column col_perm_[k].
  // Rows and columns below are numbered in this pivot order.
  std::vector<Index> row_perm_, col_perm_;
  // Entry e of A (in row_idx order) lies in row a_pivot_row_[e].
  std::vector<Index> a_pivot_row_;
  // The refactorisation's working values: position e < nnz(A) is A's entry e, the rest fill.
  std::vector<double> values_;
  // Position of each pivot (j, j).
  std::vector<Index> diagonal_position_;
  // A triangular solve by rows, in b's numbering (row or column k of the factors is b's row
  // P[k]): row i's unknown b[P[i]] += sum_k v_k b[P[j_k]] over the row's entries, their
  // values v_k the entries negated, -l_ij or -u_ij / u_ii (so each is one multiply and one add
  // into a register, the target loaded and stored once per row; L's rows of a vessel network
  // have 0, 1, 3 or 5 entries, U's 0, 1 or 2).
  // The rows are grouped by level (one more than the highest level of the rows a row reads,
  // 0 if it reads none: rows of one level are independent) and, within a level, by their
  // number of entries, so that each group is one loop of a fixed width.
  struct RowSolve {
    struct Group {
      Index width, rows, first_row, first_slot;
    };
    std::vector<Group> groups;
    std::vector<Index> target;  // per row: b's row
    std::vector<Index> source;  // per slot (entry): b's row read
    std::vector<double> value;  // per slot: the entry negated
    void apply(double* b) const;
  };
  // Builds the solve by rows of a strictly lower triangle whose entry e lies in row
  // entry_row[e] and column entry_column[e] (pivot order; each row's entries are read in the
  // order of the list); P the pivot rows. Sets slot_of_entry (e's slot).
  static void build_row_solve(RowSolve& solve, std::vector<Index>& slot_of_entry, int64_t n,
                              const std::vector<Index>& entry_row,
                              const std::vector<Index>& entry_column, const int64_t* P);
  // L by columns (unit diagonal not stored): entry q in row l_row_[q] at position
  // l_position_[q] during the refactorisation, in slot l_slot_[q] of the forward solve.
  std::vector<Index> l_ptr_, l_row_, l_position_, l_slot_;
  RowSolve forward_;
  // U by columns (rows ascending in each: a topological order of the updates), diagonal not
  // stored: entry g in row u_row_[g] at position u_position_[g], in slot u_slot_[g] of the
  // backward solve. That solve runs by rows as the forward one, on the unit upper triangle
  // D^{-1} U (D = diag U, rows scaled by 1 / u_kk; values -u_kj / u_kk), its levels counted
  // from the last row, each row's entries in descending column order (the order in which a
  // solve by columns from the last adds them: the same result to the bit). By columns, each
  // column waited for the store of the one before; by levels, the rows of one level are
  // independent (on the 1023-vessel tree 4 % more instructions and a third less time,
  // docs/numerics.md#linear-solver).
  std::vector<Index> u_ptr_, u_row_, u_position_, u_slot_;
  RowSolve backward_;
  // The updates a_ij -= l_ik u_kj of the refactorisation, column j by column j, in the order
  // of the U entries u_kj (k ascending) and of column k of L: update u has the positions of
  // (i, j) and of u_kj, and q of l_ik (its negated value in minus_l_[q]);
  // column j's updates end at update_end_[j]. Separate arrays walked by one index: no
  // per-column pointer arithmetic.
  std::vector<Index> update_target_, update_u_position_, update_multiplier_, update_end_;
  std::vector<double> minus_l_;
  // 1 / u_jj by pivot j (the refactorisation's) and by b's row P[j] (the solve's); P = Q
  // (diagonal pivots in AMD's order, the usual case) needs no permutation of the result.
  std::vector<double> pivot_inverse_, inverse_diagonal_;
  bool symmetric_pivoting_ = false;
  // The solve's work vector and the reciprocal row scales.
  std::vector<double> work_, row_scale_;
  // The rows' largest |a_ij| while a refactorisation gathers them, zero between them.
  std::vector<double> row_max_;
};

}  // namespace venoflow
