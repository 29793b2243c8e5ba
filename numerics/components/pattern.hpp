// venoflow: the Jacobian sparsity pattern as the union of what the components declare.
//
// Each component of the system (a vessel's cell chain, a junction node, a lumped element)
// declares which unknowns each of its residual rows reads, next to the code that evaluates
// that residual (docs/numerics.md#jacobian). The pattern is their union plus the diagonal
// (CVODE forms I - gamma J in place), so it cannot drift from the right-hand side.
#pragma once

#include <vector>

namespace venoflow {

/// Compressed-sparse-column pattern of the Jacobian (row indices sorted per column).
struct SparsityPattern {
  int n = 0;
  std::vector<long> col_ptr;  ///< n + 1
  std::vector<int> row_idx;
  long nnz() const { return static_cast<long>(row_idx.size()); }
};

/// Collects declared dependencies d f_row / d y_col. A negative index stands for a quantity
/// that is not a state (e.g. the pressure of a node with prescribed pressure) and is ignored.
class PatternBuilder {
 public:
  explicit PatternBuilder(int n) : rows_of_col_(static_cast<std::size_t>(n)) {}
  void depends(int row, int col) {
    if (row >= 0 && col >= 0) rows_of_col_[static_cast<std::size_t>(col)].push_back(row);
  }
  /// The union of the declarations and the diagonal, duplicates removed.
  SparsityPattern build() const;

 private:
  std::vector<std::vector<int>> rows_of_col_;
};

}  // namespace venoflow
