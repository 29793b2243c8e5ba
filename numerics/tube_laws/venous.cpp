#include "numerics/tube_laws/venous.hpp"

#include <algorithm>
#include <cmath>
#include <limits>
#include <stdexcept>

namespace venoflow {

VenousLaw::VenousLaw(std::vector<double> a0, std::vector<double> k, double m, double n)
    : a0_(std::move(a0)), k_(std::move(k)), m_(m), n_(n) {
  if (a0_.size() != k_.size())
    throw std::invalid_argument("venous tube law: parameter arrays differ in length");
  if (!(m_ > 0.0) || !(n_ < 0.0))
    throw std::invalid_argument("venous tube law: needs m > 0 and n < 0 to be monotone");
  for (std::size_t j = 0; j < a0_.size(); ++j)
    if (!(a0_[j] > 0.0) || !(k_[j] > 0.0) || !std::isfinite(a0_[j]) || !std::isfinite(k_[j]))
      throw std::invalid_argument("venous tube law: A0 and K must be > 0 and finite");
  inv_a0_.resize(a0_.size());
  for (std::size_t j = 0; j < a0_.size(); ++j) inv_a0_[j] = 1.0 / a0_[j];
  if (2.0 * m_ == std::round(2.0 * m_) && 2.0 * n_ == std::round(2.0 * n_) && 2.0 * m_ <= 64 &&
      -2.0 * n_ <= 64) {
    m2_ = static_cast<int>(std::lround(2.0 * m_));
    n2_ = static_cast<int>(std::lround(2.0 * n_));
  }
}

double VenousLaw::pressure(int j, double area) const {
  double am, an;
  powers(area * inv_a0_[j], am, an);
  return k_[j] * (am - an);
}

double VenousLaw::dpressure_darea(int j, double area) const {
  double am, an;
  powers(area * inv_a0_[j], am, an);
  return k_[j] / area * (m_ * am - n_ * an);
}

double VenousLaw::area(int j, double transmural_pressure) const {
  if (!std::isfinite(transmural_pressure)) return std::numeric_limits<double>::quiet_NaN();
  const double y = transmural_pressure / k_[j];  // target of phi(s) = e^{ms} - e^{ns}
  // Initial guess from the dominant term: e^{ms} ~ y (y >> 1) or e^{ns} ~ -y (y << -1).
  double s;
  if (y > 1.0)
    s = std::log1p(y) / m_;
  else if (y < -1.0)
    s = std::log(-y) / n_;
  else
    s = y / (m_ - n_);  // linearisation about s = 0: phi'(0) = m - n
  // Bracket: phi is increasing in s. Expand until it holds the root.
  double lo = s - 1.0, hi = s + 1.0;
  auto phi = [&](double x) { return std::exp(m_ * x) - std::exp(n_ * x) - y; };
  while (phi(lo) > 0.0) lo -= 2.0 * (hi - lo);
  while (phi(hi) < 0.0) hi += 2.0 * (hi - lo);
  for (int it = 0; it < 100; ++it) {
    const double em = std::exp(m_ * s), en = std::exp(n_ * s);
    const double f = em - en - y;
    if (f > 0.0)
      hi = s;
    else
      lo = s;
    const double df = m_ * em - n_ * en;
    double next = s - f / df;
    if (!(next > lo && next < hi)) next = 0.5 * (lo + hi);  // safeguard: bisect
    if (std::abs(next - s) <= 4.0 * std::numeric_limits<double>::epsilon() * (1.0 + std::abs(s))) {
      s = next;
      break;
    }
    s = next;
  }
  return a0_[j] * std::exp(s);
}

double VenousLaw::area(int j, double transmural_pressure, double hint) const {
  double dp_da = 0.0;
  return area(j, transmural_pressure, hint, dp_da);
}

double VenousLaw::area(int j, double transmural_pressure, double hint, double& dp_da) const {
  // Newton in s = ln(A/A0) from the hint (quadratic convergence: ~2-3 steps when the hint is
  // the previous evaluation's area), with steps limited to |ds| <= 0.5; falls back to the
  // bracketed iteration if it does not converge within 8 steps.
  auto fallback = [&] {
    const double a = area(j, transmural_pressure);
    dp_da = a > 0.0 ? dpressure_darea(j, a) : 0.0;
    return a;
  };
  if (!(hint > 0.0) || !std::isfinite(transmural_pressure)) return fallback();
  // Newton on phi(alpha) = alpha^m - alpha^n - y from the hint, each step limited to a factor
  // of 2 in alpha (keeps alpha > 0); converged when the step is at round-off.
  const double y = transmural_pressure / k_[j];
  double alpha = hint / a0_[j];
  for (int it = 0; it < 12; ++it) {
    double am, an;
    powers(alpha, am, an);
    const double slope = (m_ * am - n_ * an) / alpha;  // d(phi)/d(alpha) > 0
    // A hint far outside the physiological range (e.g. left by an attempt at a volume that
    // has no pressure) overflows the powers: the step would then stall and look converged.
    if (!std::isfinite(slope) || !(slope > 0.0)) return fallback();
    double next = alpha - (am - an - y) / slope;
    next = std::clamp(next, 0.5 * alpha, 2.0 * alpha);
    const bool done =
        std::abs(next - alpha) <= 4.0 * std::numeric_limits<double>::epsilon() * alpha;
    alpha = next;
    if (done) {
      const double a = a0_[j] * alpha;
      dp_da = k_[j] * slope / a0_[j];  // d(p)/dA = K phi'(alpha) / A0 at the last iterate
      return a;
    }
  }
  return fallback();
}

double VenousLaw::area_at_zero_pressure(int j) const { return a0_[j]; }

}  // namespace venoflow
