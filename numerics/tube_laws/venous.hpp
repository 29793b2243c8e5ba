// Collapsible-vein tube law (Shapiro 1977; Pedley; as used by Mueller & Toro 2014,
// docs/physiology.md A1):
//
//   p - p_ext = K [ (A/A0)^m - (A/A0)^n ],     m = 10, n = -3/2 by default
//   dp/dA     = (K/A) [ m (A/A0)^m - n (A/A0)^n ]
//   c^2       = (K/rho) [ m (A/A0)^m - n (A/A0)^n ],   c0^2 = K (m - n)/rho at A = A0
//
// With m > 0 > n the law is strictly increasing on A in (0, inf), maps it onto (-inf, inf),
// and is finite for every A > 0: a collapsing vein stiffens (c -> inf as A -> 0) but its area
// never reaches zero at finite pressure. The inverse is computed by a safeguarded Newton
// iteration in s = ln(A/A0), on which the law is smooth and monotone.
//
// Validity domain (area_domain(); docs/cerebral-model.md#validity-domain): A/A0 in [0.01, 2].
// The law is Shapiro's empirical fit for collapsible tubes: the n = -3/2 branch is the
// post-contact (opposite walls touching) behaviour of a collapsed tube (Flaherty et al. 1972,
// as used by Shapiro 1977 [UNVERIFIED]), the m = 10 branch a stiff, circular, distended wall.
// CHOSEN bounds: below 1 % of A0 the lumen is two sub-millimetre lobes, where the 1D friction
// term (axisymmetric profile, docs/physiology.md A1) and the area-averaged momentum equation
// mean nothing; above 2 A0 the law gives p - p_ext > 1000 K, far beyond any venous wall data
// the law was compared with (the upright IJV, A/A0 about 0.09, and venous pressures up to
// 25 mmHg in the neck veins, A/A0 about 1.9, lie inside).
#pragma once

#include <cmath>
#include <vector>

#include "venoflow/tube_law.hpp"

namespace venoflow {

class VenousLaw final : public TubeLaw {
 public:
  /// Per vertex: A0 (area at zero transmural pressure) and K; exponents shared.
  VenousLaw(std::vector<double> a0, std::vector<double> k, double m, double n);

  double pressure(int j, double area) const override;
  [[gnu::always_inline]] double pressure(int j, double area, double& dp_da) const override {
    const double alpha = area * inv_a0_[j];
    if (m2_ != 0) {
      // The fast path shares 1/alpha between alpha^n and dp/dA = K/A0 (m alpha^m - n alpha^n)/alpha
      // (one division and one square root per evaluation).
      const double inv = 1.0 / alpha;
      const double am = half_integer_power(alpha, inv, m2_);
      const double an = half_integer_power(alpha, inv, n2_);
      dp_da = k_[j] * inv_a0_[j] * inv * (m_ * am - n_ * an);
      return k_[j] * (am - an);
    }
    double am, an;
    powers(alpha, am, an);
    dp_da = k_[j] / area * (m_ * am - n_ * an);
    return k_[j] * (am - an);
  }
  double dpressure_darea(int j, double area) const override;
  double area(int j, double transmural_pressure) const override;
  double area(int j, double transmural_pressure, double hint) const override;
  double area(int j, double transmural_pressure, double hint, double& dp_da) const override;
  double area_at_zero_pressure(int j) const override;
  std::string name() const override { return "venous"; }
  AreaDomain area_domain() const override {
    return {0.01, 2.0, "A/A0",
            "Shapiro collapsible-tube law (docs/physiology.md A1); CHOSEN domain 0.01 <= A/A0 <= 2 "
            "(below: a slit lumen where the 1D friction and momentum terms do not hold; above: "
            "p - p_ext > 1000 K, beyond venous wall data)"};
  }

  double m() const { return m_; }
  double n() const { return n_; }

 private:
  /// alpha^(e2/2) for an integer e2 from integer powers of alpha or 1/alpha (= inv), times
  /// sqrt(alpha) when e2 is odd: alpha^(e2/2) = alpha^floor(e2/2) sqrt(alpha)^(e2 mod 2).
  static double half_integer_power(double alpha, double inv, int e2) {
    // Shapiro's exponents, the default 10 and -3/2, written out: the products ipow's repeated
    // squaring forms (alpha^10 = alpha^2 alpha^8, (1/alpha)^2 = 1 * (1/alpha)^2), so the same
    // bits, without its loop (a node's pressure solve evaluates the law at every vessel end, and
    // the loop was a sixth of that solve on the default cerebral model).
    if (e2 == 20) {
      const double a2 = alpha * alpha, a4 = a2 * a2;
      return a2 * (a4 * a4);
    }
    if (e2 == -3) return (inv * inv) * std::sqrt(alpha);
    // e2 >= 0: alpha^floor(e2/2); e2 < 0: (1/alpha)^ceil(-e2/2), then * sqrt(alpha) if odd.
    const double p = e2 >= 0 ? ipow(alpha, e2 >> 1) : ipow(inv, (-e2 + 1) >> 1);
    return e2 & 1 ? p * std::sqrt(alpha) : p;
  }
  /// alpha^m and alpha^n; with half-integer exponents (the default 10, -3/2) from integer
  /// powers of alpha, 1/alpha and sqrt(alpha) (no transcendental function), otherwise from
  /// log/exp.
  void powers(double alpha, double& am, double& an) const {
    if (m2_ != 0) {
      const double inv = 1.0 / alpha;
      am = half_integer_power(alpha, inv, m2_);
      an = half_integer_power(alpha, inv, n2_);
      return;
    }
    const double la = std::log(alpha);
    am = std::exp(m_ * la);
    an = std::exp(n_ * la);
  }
  static double ipow(double x, int e) {  // x^e, e >= 0, by repeated squaring
    double r = 1.0;
    while (e > 0) {
      if (e & 1) r *= x;
      x *= x;
      e >>= 1;
    }
    return r;
  }

  std::vector<double> a0_, k_, inv_a0_;
  double m_, n_;
  int m2_ = 0, n2_ = 0;  // 2m, 2n when both are integers (fast path), else 0
};

}  // namespace venoflow
