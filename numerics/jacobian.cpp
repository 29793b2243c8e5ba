#include "numerics/jacobian.hpp"

#include <algorithm>
#include <cmath>
#include <limits>

namespace venoflow {

ColouredJacobian::ColouredJacobian(const SparsityPattern& p) : pattern_(p) {
  const int n = p.n;
  // Rows -> columns (ascending in each row), to find the columns that share a row with a given
  // column: the transposed pattern in two flat arrays (one allocation, not one per row).
  std::vector<long> row_ptr(static_cast<std::size_t>(n) + 1, 0);
  for (int r : p.row_idx) ++row_ptr[static_cast<std::size_t>(r) + 1];
  for (int r = 0; r < n; ++r) row_ptr[r + 1] += row_ptr[r];
  std::vector<int> row_cols(p.row_idx.size());
  {
    std::vector<long> next(row_ptr.begin(), row_ptr.end() - 1);
    for (int c = 0; c < n; ++c)
      for (long k = p.col_ptr[c]; k < p.col_ptr[c + 1]; ++k) row_cols[next[p.row_idx[k]]++] = c;
  }
  std::vector<int> colour(n, -1), mark;
  for (int c = 0; c < n; ++c) {  // greedy colouring in natural order
    mark.assign(colours_ + 1, 0);
    for (long k = p.col_ptr[c]; k < p.col_ptr[c + 1]; ++k) {
      const int r = p.row_idx[k];
      for (long q = row_ptr[r]; q < row_ptr[r + 1]; ++q)
        if (const int other = colour[row_cols[q]]; other >= 0) mark[other] = 1;
    }
    int col = 0;
    while (col < colours_ && mark[col]) ++col;
    colour[c] = col;
    if (col == colours_) {
      ++colours_;
      groups_.emplace_back();
    }
    groups_[col].push_back(c);
  }
  ypert_.resize(n);
  fpert_.resize(n);
  h_.resize(n);
}

int ColouredJacobian::evaluate(double t, const double* y, const double* fy, const double* w,
                               const std::function<int(double, const double*, double*)>& f,
                               std::vector<double>& values) {
  const int n = pattern_.n;
  values.assign(pattern_.row_idx.size(), 0.0);
  const double srur = std::sqrt(std::numeric_limits<double>::epsilon());
  std::copy(y, y + n, ypert_.begin());
  for (const auto& group : groups_) {
    for (int c : group) {
      // Increment as in CVODE's difference-quotient Jacobian: max(srur |y|, 1/w) (w = weight).
      double h = std::max(srur * std::abs(y[c]), srur / w[c]);
      h = (y[c] + h) - y[c];  // exactly representable increment
      h_[c] = h;
      ypert_[c] = y[c] + h;
    }
    if (int rc = f(t, ypert_.data(), fpert_.data())) {
      for (int c : group) ypert_[c] = y[c];
      return rc;
    }
    for (int c : group) {
      for (long k = pattern_.col_ptr[c]; k < pattern_.col_ptr[c + 1]; ++k) {
        const int r = pattern_.row_idx[k];
        values[k] = (fpert_[r] - fy[r]) / h_[c];
      }
      ypert_[c] = y[c];
    }
  }
  return 0;
}

}  // namespace venoflow
