// Collapsible-vein tube law (Shapiro 1977; Pedley; as used by Mueller & Toro 2014,
// PHYSIOLOGY.md A1):
//
//   p - p_ext = K [ (A/A0)^m - (A/A0)^n ],     m = 10, n = -3/2 by default
//   dp/dA     = (K/A) [ m (A/A0)^m - n (A/A0)^n ]
//   c^2       = (K/rho) [ m (A/A0)^m - n (A/A0)^n ],   c0^2 = K (m - n)/rho at A = A0
//
// With m > 0 > n the law is strictly increasing on A in (0, inf), maps it onto (-inf, inf),
// and is finite for every A > 0: a collapsing vein stiffens (c -> inf as A -> 0) but its area
// never reaches zero at finite pressure. The inverse is computed by a safeguarded Newton
// iteration in s = ln(A/A0), on which the law is smooth and monotone.
#pragma once

#include <vector>

#include "venoflow/tube_law.hpp"

namespace venoflow {

class VenousLaw final : public TubeLaw {
 public:
  /// Per vertex: A0 (area at zero transmural pressure) and K; exponents shared.
  VenousLaw(std::vector<double> a0, std::vector<double> k, double m, double n);

  double pressure(int j, double area) const override;
  double pressure(int j, double area, double& dp_da) const override;
  double dpressure_darea(int j, double area) const override;
  double area(int j, double transmural_pressure) const override;
  double area(int j, double transmural_pressure, double hint) const override;
  double area(int j, double transmural_pressure, double hint, double& dp_da) const override;
  double area_at_zero_pressure(int j) const override;
  std::string name() const override { return "venous"; }

  double m() const { return m_; }
  double n() const { return n_; }

 private:
  /// alpha^m and alpha^n; with half-integer exponents (the default 10, -3/2) from integer
  /// powers of sqrt(alpha) (no transcendental function), otherwise from log/exp.
  void powers(double alpha, double& am, double& an) const;

  std::vector<double> a0_, k_;
  double m_, n_;
  int m2_ = 0, n2_ = 0;  // 2m, 2n when both are integers (fast path), else 0
};

}  // namespace venoflow
