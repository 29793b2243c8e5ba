// Lumped elements against closed-form step responses.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <numbers>
#include <string>
#include <vector>

#include "numerics/system.hpp"
#include "tests/cpp/builders.hpp"
#include "venoflow/simulation.hpp"

using namespace venoflow;
using namespace venoflow::testing;

// The closed forms below hold for either time integration (solver.method): BDF (CVODE) and the
// L-stable SDIRK (ARKODE, numerics/arkode_integrator.hpp), within the same bounds.
class LumpedElementsByMethod : public ::testing::TestWithParam<const char*> {
 protected:
  Model with_method(Model m) const {
    m.solver.method = GetParam();
    return m;
  }
};
INSTANTIATE_TEST_SUITE_P(Methods, LumpedElementsByMethod, ::testing::Values("bdf", "sdirk"),
                         [](const auto& param_info) { return std::string(param_info.param); });

TEST_P(LumpedElementsByMethod, RcChargingCurve) {
  // Pressure step p0 through R into a compliance C: p(t) = p0 (1 - exp(-t/RC)).
  const double R = 1e8, C = 1e-9, p0 = 1000.0, tau = R * C;  // tau = 0.1 s
  Model m;
  m.elements.push_back(element("r", "resistor", {"a", "b"}, {{"R", R}}));
  m.elements.push_back(element("c", "capacitor", {"b"}, {{"C", C}}));
  m.boundary_conditions.push_back(pressure_bc("a", TimeFunction::constant(p0)));
  m.solver.t_end = 0.5;
  m.solver.output_interval = 0.01;
  m.solver.rtol = 1e-9;
  m.solver.atol_pressure = 1e-8;
  Simulation sim(with_method(m));
  MemoryResults res;
  ASSERT_TRUE(sim.run(res).complete);
  const std::size_t b = res.node_index("b");
  double worst = 0.0;
  for (const auto& s : res.samples())
    worst = std::max(worst, std::abs(s.node_pressure[b] - p0 * (1 - std::exp(-s.t / tau))));
  // SDIRK: measured 1.5e-7 of p0
  EXPECT_LT(worst, 1e-4 * p0) << "max deviation from the RC closed form [Pa]";
  // Mass: the capacitor's volume equals the integral of the resistor flow (boundary metric);
  // measured 1.5e-6 relative at rtol 1e-9 (BDF order <= 2), 6.6e-10 with SDIRK.
  const double q_total = res.metrics.at("boundary_a_mean_flow").value * 0.5;
  EXPECT_NEAR(q_total, C * p0 * (1 - std::exp(-0.5 / tau)), 1e-5 * C * p0);
}

TEST_P(LumpedElementsByMethod, RcrWindkesselStepResponse) {
  // Port held at p0; p_c starts at the port pressure (venoflow's initial state) and relaxes:
  //   p_c(t) = p_inf + (p0 - p_inf) exp(-t/tau),  p_inf = p0 R2/(R1+R2),
  //   tau = C R1 R2/(R1+R2),  Q = (p0 - p_c)/R1.
  const double R1 = 2e7, R2 = 1.8e8, C = 5e-9, p0 = 2000.0;
  const double tau = C * R1 * R2 / (R1 + R2);
  Model m;
  m.elements.push_back(element("wk", "windkessel3", {"a"}, {{"R1", R1}, {"C", C}, {"R2", R2}}));
  m.boundary_conditions.push_back(pressure_bc("a", TimeFunction::constant(p0)));
  m.solver.t_end = 5 * tau;
  m.solver.output_interval = tau / 20;
  m.solver.rtol = 1e-9;
  m.solver.atol_pressure = 1e-8;
  m.solver.atol_flow = 1e-14;
  m.initial.pressure = 0.0;
  Simulation sim(with_method(m));
  MemoryResults res;
  ASSERT_TRUE(sim.run(res).complete);
  const std::size_t pc = res.element_value_index("wk", "p_c");
  const std::size_t q = res.element_value_index("wk", "flow");
  double worst_p = 0.0, worst_q = 0.0;
  for (const auto& s : res.samples()) {
    const double pinf = p0 * R2 / (R1 + R2);
    const double pce = pinf + (p0 - pinf) * std::exp(-s.t / tau);
    worst_p = std::max(worst_p, std::abs(s.element_values[pc] - pce));
    worst_q = std::max(worst_q, std::abs(s.element_values[q] - (p0 - pce) / R1));
  }
  EXPECT_LT(worst_p, 1e-5 * p0);
  EXPECT_LT(worst_q, 1e-5 * p0 / R1);
}

TEST(LumpedElements, InductorRiseTime) {
  // L dQ/dt = p0 - R Q into a node held at 0 Pa: Q(t) = p0/R (1 - exp(-R t / L)).
  const double L = 1e6, R = 1e7, p0 = 500.0;
  Model m;
  m.elements.push_back(element("l", "inductor", {"a", "b"}, {{"L", L}, {"R", R}}));
  m.boundary_conditions.push_back(pressure_bc("a", TimeFunction::constant(p0)));
  m.boundary_conditions.push_back(pressure_bc("b", TimeFunction::constant(0.0)));
  m.solver.t_end = 0.5;
  m.solver.output_interval = 0.005;
  m.solver.rtol = 1e-9;
  m.solver.atol_flow = 1e-15;
  Simulation sim(m);
  MemoryResults res;
  ASSERT_TRUE(sim.run(res).complete);
  const std::size_t q = res.element_value_index("l", "flow");
  for (const auto& s : res.samples())
    EXPECT_NEAR(s.element_values[q], p0 / R * (1 - std::exp(-R * s.t / L)), 1e-6 * p0 / R);
}

TEST_P(LumpedElementsByMethod, SteadyInitialStateStartsAtTheMeanSolution) {
  // R into C with a sinusoidal source p0 + a sin(2 pi t / T): with `initial_state: steady` the
  // run starts from the steady state of the mean problem, p_C = p0, instead of rest (0 Pa).
  const double R = 1e8, C = 1e-9, p0 = 1000.0, a = 300.0;
  Model m;
  m.elements.push_back(element("r", "resistor", {"a", "b"}, {{"R", R}}));
  m.elements.push_back(element("c", "capacitor", {"b"}, {{"C", C}}));
  m.boundary_conditions.push_back(pressure_bc("a", TimeFunction::sine(p0, a, 1.0, 0.0)));
  m.solver.period = 1.0;
  m.solver.cycles = 1;
  m.solver.output_interval = 0.01;
  m.solver.rtol = 1e-9;
  m.solver.atol_pressure = 1e-8;
  m.solver.initial_state = "steady";
  Simulation sim(with_method(m));
  MemoryResults res;
  ASSERT_TRUE(sim.run(res).complete);
  const std::size_t b = res.node_index("b");
  EXPECT_NEAR(res.samples().front().node_pressure[b], p0, 1e-3);
  // The run's volume balance counts from the start of the run, not from the start of the
  // steady initialisation (which charged C with C p0 through the boundary node).
  EXPECT_LT(std::abs(res.metrics.at("volume_balance_error").value), 1e-9 * C * p0);
  // From there the response is the RC low-pass of the sine plus a decaying transient that
  // started at the mean: p_C(t) = p0 + a |H| sin(w t - phi) + a |H| sin(phi) e^{-t/tau}.
  const double w = 2 * std::numbers::pi, tau = R * C, phi = std::atan(w * tau);
  const double gain = 1.0 / std::sqrt(1 + w * w * tau * tau);
  for (const auto& s : res.samples()) {
    const double exact =
        p0 + a * gain * (std::sin(w * s.t - phi) + std::sin(phi) * std::exp(-s.t / tau));
    EXPECT_NEAR(s.node_pressure[b], exact, 1e-3 * a) << s.t;
  }
}

TEST(LumpedElements, CapacitorNodePressureIsTheClosedForm) {
  // A node whose volume is held by capacitors alone: V = C1 (p - pe(t)) + C2 p, so
  // p = (V + C1 pe(t)) / (C1 + C2) exactly (the closed-form solve of a linear node, with V(0)
  // and C evaluated once per t: the pressure must follow pe from one t to the next at a fixed V).
  const double C1 = 2e-9, C2 = 3e-9, R = 1e8, pa = 1500.0;
  Model m;
  ExternalPressureGroup g;
  g.name = "pe";
  g.pressure = TimeFunction::sine(400.0, 300.0, 1.0, 0.0);
  m.external_pressures.push_back(g);
  m.elements.push_back(element("r", "resistor", {"a", "b"}, {{"R", R}}));
  m.elements.push_back(element("c1", "capacitor", {"b"}, {{"C", C1}}));
  m.elements.back().external_pressure = "pe";
  m.elements.push_back(element("c2", "capacitor", {"b"}, {{"C", C2}}));
  m.boundary_conditions.push_back(pressure_bc("a", TimeFunction::constant(pa)));
  System sys(m);
  std::vector<double> y, ydot(static_cast<std::size_t>(sys.size()));
  sys.initial_state(y);
  ASSERT_NE(sys.describe_unknown(0).find("b"), std::string::npos) << sys.describe_unknown(0);
  const OutputLayout layout = sys.layout();
  const auto b = static_cast<std::size_t>(std::find(layout.nodes.begin(), layout.nodes.end(), "b") -
                                          layout.nodes.begin());
  ASSERT_LT(b, layout.nodes.size());
  const double V = 7.5e-6;  // m^3
  y[0] = V;
  for (double t : {0.0, 0.25, 0.25, 0.6}) {
    ASSERT_EQ(sys.rhs(t, y.data(), ydot.data()), 0);
    Sample s;
    ASSERT_EQ(sys.sample(t, y.data(), s), 0);
    const double pe = 400.0 + 300.0 * std::sin(2.0 * std::numbers::pi * t);
    const double p = (V + C1 * pe) / (C1 + C2);
    EXPECT_NEAR(s.node_pressure[b], p, 1e-12 * std::abs(p)) << "t = " << t;
    // Mass balance of the node: the resistor's flow from a.
    EXPECT_NEAR(ydot[0], (pa - p) / R, 1e-12 * std::abs(pa - p) / R) << "t = " << t;
  }
}

TEST(LumpedElements, NetworkOfPassiveElementsIsLinear) {
  // R, L, C and RCR have constant Jacobians (their equations above are linear with constant
  // coefficients), so the network's is constant and the integrator may reuse it longer; a
  // Starling resistor (its flow switches with the external pressure) or a vessel (nonlinear
  // tube law) makes the network nonlinear.
  Model m;
  m.elements.push_back(element("l", "inductor", {"a", "b"}, {{"L", 1e6}, {"R", 1e7}}));
  m.elements.push_back(element("c", "capacitor", {"b"}, {{"C", 1e-9}}));
  m.elements.push_back(element("r", "resistor", {"b", "c"}, {{"R", 1e7}}));
  m.elements.push_back(element("cc", "capacitor", {"c"}, {{"C", 1e-9}}));
  m.elements.push_back(
      element("wk", "windkessel3", {"c"}, {{"R1", 1e7}, {"C", 1e-9}, {"R2", 1e8}}));
  m.boundary_conditions.push_back(pressure_bc("a", TimeFunction::constant(1000.0)));
  EXPECT_TRUE(System(m).linear());
  Model with_starling = m;
  with_starling.elements.push_back(element("s", "starling_resistor", {"c", "d"}, {{"R", 1e7}}));
  with_starling.elements.push_back(element("cd", "capacitor", {"d"}, {{"C", 1e-9}}));
  EXPECT_FALSE(System(with_starling).linear());
  Model with_vessel = m;
  with_vessel.vessels.push_back(vessel("v", "c", "e", 0.1, 5e-3, elastic_law(4e5, 5e-4), 1));
  with_vessel.elements.push_back(element("ce", "capacitor", {"e"}, {{"C", 1e-9}}));
  EXPECT_FALSE(System(with_vessel).linear());
}
