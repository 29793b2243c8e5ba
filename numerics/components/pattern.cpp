#include "numerics/components/pattern.hpp"

#include <algorithm>

namespace venoflow {

SparsityPattern PatternBuilder::build() const {
  SparsityPattern p;
  p.n = static_cast<int>(rows_of_col_.size());
  p.col_ptr.assign(static_cast<std::size_t>(p.n) + 1, 0);
  for (int c = 0; c < p.n; ++c) {
    std::vector<int> rows = rows_of_col_[static_cast<std::size_t>(c)];
    rows.push_back(c);  // CVODE forms I - gamma J in place: the diagonal is always stored
    std::sort(rows.begin(), rows.end());
    rows.erase(std::unique(rows.begin(), rows.end()), rows.end());
    p.row_idx.insert(p.row_idx.end(), rows.begin(), rows.end());
    p.col_ptr[static_cast<std::size_t>(c) + 1] = static_cast<long>(p.row_idx.size());
  }
  return p;
}

}  // namespace venoflow
