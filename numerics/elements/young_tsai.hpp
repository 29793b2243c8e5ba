// venoflow: Young-Tsai / Seeley-Young lumped stenosis coefficients and the loss law, one
// object shared by the `stenosis` element (young_tsai_stenosis.cpp) and by stenoses inside
// vessels (numerics/components/vessel_chain.cpp).
//
//   dp = R_v q + B q|q| + L dq/dt
//   R_v = K_v mu / (A0 D0),           K_v = 32 (0.83 L_s + 1.64 D_s) / D0 * (A0/A_s)^2
//   B   = K_t rho / (2 A0^2) (A0/A_s - 1)^2
//   L   = K_u rho L_s / A0
// with A0 = pi D0^2/4 the unstenosed area, A_s = A0 (1 - area_reduction) the throat area,
// D_s = D0 sqrt(A_s/A0) the throat diameter, L_s the stenosis length, K_t = 1.52 (blunt
// plug, Seeley & Young 1976), K_u = 1.2 (Young & Tsai 1973b). Sources: Young DF, Tsai FY,
// J Biomech 6:395-410 and 547-559 (1973); Seeley BD, Young DF, J Biomech 9:439-448 (1976);
// formula and coefficients as in SimVascular svOneDSolver cvOneDMthSegmentModel.cxx
// (MinorLossScope::STENOSIS) [READ-3P, docs/physiology.md A5].
// All quantities SI.
#pragma once

#include <cmath>
#include <numbers>

namespace venoflow {

struct YoungTsaiGeometry {
  double reference_diameter = 0.0;  ///< D0 [m], unstenosed lumen diameter
  double area_ratio = 1.0;          ///< A_s/A0 in (0, 1] (1 - area reduction)
  double length = 0.0;              ///< L_s [m], length of the narrowing
  double K_t = 1.52;                ///< turbulent (separation) loss coefficient
  double K_u = 1.2;                 ///< inertance correction coefficient

  /// Geometry from a diameter reduction d (D_s = (1-d) D0, so A_s/A0 = (1-d)^2).
  static double area_ratio_from_diameter_reduction(double d) { return (1.0 - d) * (1.0 - d); }
};

struct YoungTsaiCoefficients {
  double K_v = 0.0;  ///< viscous coefficient [-]
  double R_v = 0.0;  ///< viscous resistance [Pa s m^-3]
  double B = 0.0;    ///< separation (Bernoulli) coefficient [Pa s^2 m^-6] (dp = B q|q|)
  double L = 0.0;    ///< inertance [Pa s^2 m^-3]
};

/// Coefficients for blood of density rho [kg/m^3] and viscosity mu [Pa s].
inline YoungTsaiCoefficients young_tsai_coefficients(const YoungTsaiGeometry& g, double rho,
                                                     double mu) {
  const double d0 = g.reference_diameter;
  const double a0 = 0.25 * std::numbers::pi * d0 * d0;
  const double ds = d0 * std::sqrt(g.area_ratio);
  const double inv_ratio = 1.0 / g.area_ratio;  // A0/A_s
  YoungTsaiCoefficients c;
  c.K_v = 32.0 * (0.83 * g.length + 1.64 * ds) / d0 * inv_ratio * inv_ratio;
  c.R_v = c.K_v * mu / (a0 * d0);
  c.B = g.K_t * rho / (2.0 * a0 * a0) * (inv_ratio - 1.0) * (inv_ratio - 1.0);
  c.L = g.K_u * rho * g.length / a0;
  return c;
}

/// The loss law of a stenosis, dp = R_v q + B q|q| + L dq/dt, with q|q| smoothed as
/// q sqrt(q^2 + q_eps^2) so that the right-hand side stays differentiable for Newton (relative
/// error of a steady loss about (q_eps/q)^2/2). The same smoothing serves the element and the
/// in-vessel stenosis: q_eps = 1e-9 m^3/s (1 ul/s) by default, the element's `flow_smoothing`.
struct YoungTsaiLoss {
  static constexpr double kDefaultFlowSmoothing = 1e-9;  ///< m^3/s
  double R_v = 0.0;                                      ///< viscous resistance [Pa s m^-3]
  double B = 0.0;                                        ///< separation coefficient [Pa s^2 m^-6]
  double L = 0.0;                                        ///< inertance [Pa s^2 m^-3]
  double q_eps = kDefaultFlowSmoothing;

  /// The driving pressure difference left for acceleration after the loss at flow q:
  /// dp - R_v q - B q sqrt(q^2 + q_eps^2).
  double net_drive(double dp, double q) const {
    return dp - R_v * q - B * (q * std::sqrt(q * q + q_eps * q_eps));
  }
  bool empty() const { return R_v == 0.0 && B == 0.0 && L == 0.0; }
  /// Losses in series in one segment add (same flow through both).
  YoungTsaiLoss& operator+=(const YoungTsaiLoss& o) {
    R_v += o.R_v;
    B += o.B;
    L += o.L;
    return *this;
  }
};

/// The full Young-Tsai loss of a stenosis (the `stenosis` element's equation).
inline YoungTsaiLoss young_tsai_loss(const YoungTsaiGeometry& g, double rho, double mu,
                                     double q_eps = YoungTsaiLoss::kDefaultFlowSmoothing) {
  const YoungTsaiCoefficients c = young_tsai_coefficients(g, rho, mu);
  return {c.R_v, c.B, c.L, q_eps};
}

}  // namespace venoflow
