// venoflow: the smooth functions the venous elements use in place of max(), |q| and steps.
#pragma once

#include <cmath>

namespace venoflow::element_detail {

/// Smooth max(x, 0): width * softplus(x/width) = width * ln(1 + exp(x/width)), computed
/// without overflow. Exceeds max(x, 0) by at most width*ln 2 (at x = 0), by width*exp(-|x|/width)
/// away from it. width = 0 gives max(x, 0).
inline double softplus(double x, double width) {
  if (!(width > 0.0)) return x > 0.0 ? x : 0.0;
  const double u = x / width;
  return width * (u > 0.0 ? u + std::log1p(std::exp(-u)) : std::log1p(std::exp(u)));
}

/// Derivative of softplus in x: the logistic function 1/(1 + exp(-x/width)) (a step for 0).
inline double logistic(double x, double width) {
  if (!(width > 0.0)) return x > 0.0 ? 1.0 : (x < 0.0 ? 0.0 : 0.5);
  const double u = x / width;
  return u >= 0.0 ? 1.0 / (1.0 + std::exp(-u)) : std::exp(u) / (1.0 + std::exp(u));
}

/// C-infinity ramp: x exp(-width/x) for x > 0, exactly 0 for x <= 0 (all derivatives vanish
/// at 0). max(x,0) - width <= ramp <= max(x,0): a threshold shift of less than `width`.
/// width = 0 gives max(x, 0).
inline double smooth_ramp(double x, double width) {
  if (!(x > 0.0)) return 0.0;
  return width > 0.0 ? x * std::exp(-width / x) : x;
}

/// q sqrt(q^2 + eps^2): a smooth (C-infinity) q|q| for eps > 0; q|q| for eps = 0.
inline double smooth_q_abs_q(double q, double eps) { return q * std::sqrt(q * q + eps * eps); }

}  // namespace venoflow::element_detail
