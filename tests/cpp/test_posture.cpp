// Posture and gravity physics: the collapsed upright jugular vein (Holmlund et al. 2017).
#include <gtest/gtest.h>

#include <cmath>
#include <numbers>

#include "tests/cpp/builders.hpp"
#include "venoflow/simulation.hpp"

using namespace venoflow;
using namespace venoflow::testing;

TEST(Posture, CollapsedUprightVeinBalancesGravityAgainstFriction) {
  // Holmlund et al. 2017 (Fluids Barriers CNS, doi:10.1186/s12987-017-0065-2; docs/physiology.md
  // A6): in the upright collapsed IJV the transmural pressure is ~constant along a segment, so
  // the hydrostatic gradient balances the viscous loss: rho g A = rho K_R Q / A with
  // K_R = 8 pi mu / rho (parabolic profile), i.e. A* = sqrt(8 pi mu Q / (rho g)).
  // For Q = 6 ml/s, mu = 3.5 mPa s, rho = 1050: A* = 7.2 mm^2 (measured sitting CSA
  // 6.5 +- 5.1 mm^2, predicted 8.7 +- 5.2 mm^2 in that paper).
  // Steady 1D momentum along x (downward): dA/dx = (A g - K_R Q/A) / (c^2 - alpha u^2), so A
  // relaxes to A* going up from the outlet over a length ~ (dp/dA) A* / (2 rho g). With
  // K = 25 Pa that is ~12 cm (speed index u/c ~ 0.5 at A*): a 60 cm vertical vein has a long
  // constant-area segment. The whole profile is also checked against this ODE integrated
  // independently (RK4 in x, own tube law).
  const double mu = 3.5e-3, rho = 1050, g = 9.81, Q = 6e-6, K = 25.0, r0 = 6e-3, L = 0.6;
  Model m;
  m.blood.density = rho;
  m.blood.viscosity = mu;
  m.blood.profile_zeta = 2;
  m.gravity.enabled = true;
  m.posture.tilt = TimeFunction::constant(std::numbers::pi / 2);
  m.nodes = {node("top", L), node("bottom", 0.0)};
  m.vessels.push_back(vessel("ijv", "top", "bottom", L, r0, venous_law(K), 60));
  m.boundary_conditions.push_back(flow_bc("top", TimeFunction::constant(Q)));
  m.boundary_conditions.push_back(pressure_bc("bottom", TimeFunction::constant(0.0)));
  m.solver.startup_time = 2.0;
  m.solver.t_end = 30.0;
  m.solver.output_interval = 0.5;
  Simulation sim(m);
  MemoryResults res;
  ASSERT_TRUE(sim.run(res).complete);
  const double a_star = std::sqrt(8 * std::numbers::pi * mu * Q / (rho * g));
  const auto& s = res.samples().back();
  for (double q : s.vessel_flow) EXPECT_NEAR(q, Q, 1e-3 * Q);  // steady, through-flowing
  const auto& x = res.layout.vessels[0].x;
  // Upper quarter: the constant-area segment at A*.
  for (std::size_t j = 1; j <= x.size() / 4; ++j)
    EXPECT_NEAR(s.vessel_area[j], a_star, 0.05 * a_star) << "x = " << x[j];
  std::printf("collapsed area %.2f mm^2 (balance A* = %.2f mm^2)\n",
              s.vessel_area[x.size() / 8] * 1e6, a_star * 1e6);

  // Independent steady profile: integrate from the outlet (p = 0: A = A0) upward.
  const double a0 = std::numbers::pi * r0 * r0, alpha = 4.0 / 3.0,
               kr = 8 * std::numbers::pi * mu / rho;
  auto dpda = [&](double a) {
    const double al = a / a0;
    return K / a * (10 * std::pow(al, 10) + 1.5 * std::pow(al, -1.5));
  };
  auto dadx = [&](double a) {
    const double u = Q / a;
    return (a * g - kr * Q / a) / (a / rho * dpda(a) - alpha * u * u);
  };
  double a = a0, xx = L;
  const int steps = 60000;
  const double h = -L / steps;
  std::size_t j = x.size() - 1;
  double worst = 0.0;
  for (int i = 0; i < steps; ++i) {
    const double k1 = dadx(a), k2 = dadx(a + h / 2 * k1), k3 = dadx(a + h / 2 * k2),
                 k4 = dadx(a + h * k3);
    a += h / 6 * (k1 + 2 * k2 + 2 * k3 + k4);
    xx += h;
    if (j > 0 && std::abs(xx - x[j - 1]) < std::abs(h) / 2) {
      --j;
      if (j + 3 < x.size())  // skip the outlet's steep transition (one cell scale)
        worst = std::max(worst, std::abs(s.vessel_area[j] - a) / a);
    }
  }
  EXPECT_LT(worst, 0.03) << "relative area deviation from the steady ODE profile";
}

TEST(Posture, TiltTableMovesTheHydrostaticColumn) {
  // A closed column (flow 0 at the top, pressure held at the bottom) on a slow tilt table
  // 0 -> 90 deg over 20 s follows the quasi-static hydrostatics p_top = p_bottom -
  // rho g h sin(theta(t)) (a 3.1 kPa change). The column drains as the top pressure falls:
  // compliance ~1.8e-9 m^3/Pa at up to 243 Pa/s through the tube's resistance ~1.3e7 Pa s m^-3
  // adds a viscous lag of order 1-3 Pa (measured: at most 3.6 Pa); the bound is 10 Pa.
  const double rho = 1050, g = 9.81, h = 0.3, p_bottom = 4000.0;
  Model m;
  m.blood.density = rho;
  m.gravity.enabled = true;
  m.posture.tilt = TimeFunction::table({0.0, 20.0}, {0.0, std::numbers::pi / 2}, 0.0);
  m.nodes = {node("top", h), node("bottom", 0.0)};
  m.vessels.push_back(vessel("v", "top", "bottom", h, 5e-3, elastic_law(2e5, 0.5e-3), 10));
  m.boundary_conditions.push_back(flow_bc("top", TimeFunction::constant(0.0)));
  m.boundary_conditions.push_back(pressure_bc("bottom", TimeFunction::constant(p_bottom)));
  m.initial.pressure = p_bottom;
  m.solver.t_end = 25.0;
  m.solver.output_interval = 0.5;
  m.solver.rtol = 1e-8;
  Simulation sim(m);
  MemoryResults res;
  ASSERT_TRUE(sim.run(res).complete);
  const std::size_t top = res.node_index("top");
  for (const auto& s : res.samples()) {
    const double theta = std::numbers::pi / 2 * std::min(1.0, s.t / 20.0);
    EXPECT_NEAR(s.node_pressure[top], p_bottom - rho * g * h * std::sin(theta), 10.0) << s.t;
  }
}

TEST(Posture, ExternalPressureWaveformSqueezesACompliance) {
  // Respiration mechanism: a compliance C inside an external-pressure group p_e(t) = a sin(w t),
  // filled through R from a constant pressure p0: C d(p - p_e)/dt = (p0 - p)/R. With
  // u = p - p0: u' + u/tau = p_e'(t), tau = RC, so in the periodic state
  // u = a w tau / sqrt(1 + (w tau)^2) cos(w t - atan(w tau)) ... solved here in closed form.
  const double R = 1e8, C = 2e-9, p0 = 800.0, a = 400.0, T = 4.0;  // tau = 0.2 s
  const double w = 2 * std::numbers::pi / T, tau = R * C;
  Model m;
  ExternalPressureGroup grp;
  grp.name = "thorax";
  grp.pressure = TimeFunction::sine(0.0, a, T, 0.0);
  m.external_pressures.push_back(grp);
  m.elements.push_back(element("r", "resistor", {"src", "x"}, {{"R", R}}));
  Element c = element("c", "capacitor", {"x"}, {{"C", C}});
  c.external_pressure = "thorax";
  m.elements.push_back(c);
  m.boundary_conditions.push_back(pressure_bc("src", TimeFunction::constant(p0)));
  m.initial.pressure = p0;
  m.solver.period = T;
  m.solver.cycles = 3;
  m.solver.output_interval = 0.05;
  m.solver.rtol = 1e-9;
  m.solver.atol_pressure = 1e-8;
  Simulation sim(m);
  MemoryResults res;
  ASSERT_TRUE(sim.run(res).complete);
  const std::size_t x = res.node_index("x");
  // Full solution of u' + u/tau = a w cos(w t), u(0) = 0:
  //   u = K [cos(w t) + w tau sin(w t) - e^{-t/tau}],  K = a w tau / (1 + (w tau)^2).
  const double K = a * w * tau / (1 + w * w * tau * tau);
  for (const auto& s : res.samples()) {
    const double u = K * (std::cos(w * s.t) + w * tau * std::sin(w * s.t) - std::exp(-s.t / tau));
    EXPECT_NEAR(s.node_pressure[x], p0 + u, 1e-5 * a) << s.t;  // measured at most 2.7e-6 a
  }
}
