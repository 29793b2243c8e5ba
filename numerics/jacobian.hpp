// venoflow: sparse Jacobian by finite differences with column colouring (Curtis, Powell &
// Reid 1974). Columns that share no row are perturbed together, so a Jacobian costs one
// right-hand side per colour; a vessel network needs only a handful (the pattern is a
// chain per vessel plus small dense blocks at junctions and elements).
#pragma once

#include <functional>
#include <vector>

#include "numerics/system.hpp"

namespace venoflow {

class ColouredJacobian {
 public:
  explicit ColouredJacobian(const SparsityPattern& pattern);
  int colours() const { return colours_; }
  /// Fill `values` (in pattern order) with df/dy at (t, y), given f(t, y) = fy and the
  /// error weights w (CVODE's 1/(rtol |y| + atol)). `f` evaluates the right-hand side and
  /// returns non-zero on failure, which is passed through.
  int evaluate(double t, const double* y, const double* fy, const double* w,
               const std::function<int(double, const double*, double*)>& f,
               std::vector<double>& values);

 private:
  const SparsityPattern& pattern_;
  int colours_ = 0;
  std::vector<std::vector<int>> groups_;  // columns of each colour
  std::vector<double> ypert_, fpert_, h_;
};

}  // namespace venoflow
