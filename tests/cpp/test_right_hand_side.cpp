// The right-hand side's flat layout (numerics/system.cpp: node pressures and heads in flat
// arrays, linear nodes solved in a flat pass, the elements evaluated by type, per-t values
// cached): against hand-computed values of a small network whose posture, external pressure and
// inflow change with t, and on the shipped models that every row is written by its component.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <filesystem>
#include <limits>
#include <map>
#include <numbers>
#include <string>
#include <vector>

#include "numerics/system.hpp"
#include "tests/cpp/builders.hpp"
#include "venoflow/model_document.hpp"

using namespace venoflow;
using namespace venoflow::testing;

TEST(RightHandSide, HandBuiltNetworkFollowsPostureExternalPressureAndInflow) {
  // a (prescribed 2000 Pa) -- two inductors in parallel --> b -- resistor --> c -- windkessel;
  // b holds two capacitors (one against an external pressure pe(t)), c one and a prescribed
  // inflow q(t). Gravity on, the body tilted by theta(t): the heads P = p + rho g h sin(theta)
  // move with t at fixed volumes.
  ThreeNodeNetwork k;
  k.ha = 0.05;
  const double pa = k.pa, L1 = k.L1, R1 = k.R1, L2 = k.L2, R2 = k.R2, R = k.R;
  const double Cb1 = k.Cb1, Cb2 = k.Cb2, Cc = k.Cc;
  const double Rw1 = k.Rw1, Cw = k.Cw, Rw2 = k.Rw2, pout = k.pout;
  const double ha = k.ha, hb = k.hb, hc = k.hc, g = 9.81;
  Model m;
  m.gravity.enabled = true;
  m.gravity.g = g;
  const double rho = m.blood.density;
  m.posture.tilt = TimeFunction::sine(0.6, 0.5, 2.0, 0.0);
  ExternalPressureGroup pe;
  pe.name = "pe";
  pe.pressure = TimeFunction::sine(400.0, 300.0, 1.0, 0.0);
  m.external_pressures.push_back(pe);
  add_three_node_network(m, k);
  m.boundary_conditions.push_back(flow_bc("c", TimeFunction::sine(1e-6, 5e-7, 1.0, 0.3)));
  System sys(m);
  ASSERT_EQ(sys.size(), 8);
  auto u = unknowns_by_description(sys);
  const int vb = u.at("node b volume"), vc = u.at("node c volume");
  const int q1 = u.at("element l1 state flow"), q2 = u.at("element l2 state flow");
  const int pcw = u.at("element wk state p_c"), vout = u.at("element wk state discharged_volume");
  const int cum_a = u.at("node a cumulative inflow"), cum_c = u.at("node c cumulative inflow");
  const OutputLayout layout = sys.layout();
  auto node_at = [&](const std::string& n) {
    return static_cast<std::size_t>(std::find(layout.nodes.begin(), layout.nodes.end(), n) -
                                    layout.nodes.begin());
  };

  std::vector<double> y;
  sys.initial_state(y);
  const double nan = std::numeric_limits<double>::quiet_NaN();
  // Same t twice with different volumes (the per-t values are reused, the state-dependent ones
  // not), a new posture, and back.
  const std::vector<std::pair<double, double>> calls = {
      {0.3, 1.0}, {0.3, 1.7}, {0.8, 1.2}, {1.45, 0.6}, {0.3, 1.0}};
  for (auto [t, s] : calls) {
    y[vb] = 9e-6 * s;
    y[vc] = 4e-6 / s;
    y[q1] = 2e-6 * s;
    y[q2] = -1e-6 * s;
    y[pcw] = 1200.0 * s;
    y[vout] = 1e-3;
    y[cum_a] = y[cum_c] = 0.5;
    std::vector<double> ydot(static_cast<std::size_t>(sys.size()), nan);  // every row written
    ASSERT_EQ(sys.rhs(t, y.data(), ydot.data()), 0) << sys.failure();

    const double theta = 0.6 + 0.5 * std::sin(2.0 * std::numbers::pi * t / 2.0);
    const double pet = 400.0 + 300.0 * std::sin(2.0 * std::numbers::pi * t);
    const double qin = 1e-6 + 5e-7 * std::sin(2.0 * std::numbers::pi * t + 0.3);
    const double pb = (y[vb] + Cb1 * pet) / (Cb1 + Cb2), pc = y[vc] / Cc;
    const double Pa = pa + rho * g * ha * std::sin(theta);
    const double Pb = pb + rho * g * hb * std::sin(theta);
    const double Pc = pc + rho * g * hc * std::sin(theta);
    const double qr = (Pb - Pc) / R, qw = (pc - y[pcw]) / Rw1, qout = (y[pcw] - pout) / Rw2;
    const std::vector<std::pair<int, double>> expected = {
        {q1, (Pa - Pb - R1 * y[q1]) / L1},
        {q2, (Pa - Pb - R2 * y[q2]) / L2},
        {vb, y[q1] + y[q2] - qr},
        {vc, qr - qw + qin},
        {pcw, (qw - qout) / Cw},
        {vout, qout},
        {cum_a, y[q1] + y[q2]},  // what the prescribed pressure delivers
        {cum_c, qin}};
    for (auto [i, want] : expected)
      EXPECT_NEAR(ydot[i], want, 1e-11 * std::abs(want) + 1e-25)
          << sys.describe_unknown(i) << " at t = " << t << ", s = " << s;

    Sample smp;
    ASSERT_EQ(sys.sample(t, y.data(), smp), 0);
    EXPECT_DOUBLE_EQ(smp.node_pressure[node_at("a")], pa) << t;
    EXPECT_NEAR(smp.node_pressure[node_at("b")], pb, 1e-12 * std::abs(pb)) << t;
    EXPECT_NEAR(smp.node_pressure[node_at("c")], pc, 1e-12 * std::abs(pc)) << t;
  }
}

TEST(RightHandSide, LinearNodePressuresInAnyNodeOrderAndTheFirstFailureNamed) {
  // The linear nodes' pressures p = (V - V(0)) / C come from one vectorised pass; when those
  // nodes are consecutive in the node order the pass also writes their port views. Both ways,
  // against hand-computed pressures and heads, and a volume without a pressure (not finite) is
  // reported at the first such node in the node order.
  ThreeNodeNetwork k;
  const double g = 9.81, theta = 0.4;
  bool consecutive_seen = false, apart_seen = false;  // both ways taken
  // The System numbers the nodes as the components first name them: the element moved to the
  // front decides. l1 (a, b) first: a, b, c (b and c consecutive); cb2 (b) first: b, a, c; cc
  // (c) first: c, a, b (apart).
  for (const std::string front : {"l1", "cb2", "cc"}) {
    SCOPED_TRACE(front);
    Model m;
    m.gravity.enabled = true;
    m.gravity.g = g;
    m.posture.tilt = TimeFunction::constant(theta);
    ExternalPressureGroup pe;
    pe.name = "pe";
    pe.pressure = TimeFunction::constant(250.0);
    m.external_pressures.push_back(pe);
    add_three_node_network(m, k);
    std::stable_partition(m.elements.begin(), m.elements.end(),
                          [&](const Element& e) { return e.name == front; });
    System sys(m);
    auto u = unknowns_by_description(sys);
    const int vb = u.at("node b volume"), vc = u.at("node c volume");
    const OutputLayout layout = sys.layout();
    auto node_at = [&](const std::string& n) {
      return static_cast<std::size_t>(std::find(layout.nodes.begin(), layout.nodes.end(), n) -
                                      layout.nodes.begin());
    };
    const std::size_t ib = node_at("b"), ic = node_at("c");
    (ib + 1 == ic || ic + 1 == ib ? consecutive_seen : apart_seen) = true;
    std::vector<double> y;
    sys.initial_state(y);
    y[vb] = 7e-6;
    y[vc] = 3e-6;
    Sample smp;
    ASSERT_EQ(sys.sample(0.2, y.data(), smp), 0) << sys.failure();
    const double rho = m.blood.density, s = std::sin(theta);
    const double pb = (y[vb] + k.Cb1 * 250.0) / (k.Cb1 + k.Cb2), pc = y[vc] / k.Cc;
    EXPECT_NEAR(smp.node_pressure[node_at("b")], pb, 1e-12 * std::abs(pb));
    EXPECT_NEAR(smp.node_pressure[node_at("c")], pc, 1e-12 * std::abs(pc));
    // the heads through what the elements see: the resistor's flow (Pb - Pc) / R
    std::vector<double> ydot(static_cast<std::size_t>(sys.size()));
    ASSERT_EQ(sys.rhs(0.2, y.data(), ydot.data()), 0) << sys.failure();
    const double qr = (pb + rho * g * k.hb * s - (pc + rho * g * k.hc * s)) / k.R;
    const double qw = (pc - y[u.at("element wk state p_c")]) / k.Rw1;
    EXPECT_NEAR(ydot[vc], qr - qw, 1e-11 * (std::abs(qr) + std::abs(qw)));

    const double inf = std::numeric_limits<double>::infinity();
    y[vc] = inf;  // only c fails
    EXPECT_NE(sys.rhs(0.2, y.data(), ydot.data()), 0);
    EXPECT_NE(sys.failure().find("node c"), std::string::npos) << sys.failure();
    y[vb] = std::numeric_limits<double>::quiet_NaN();  // both: the first in the node order
    EXPECT_NE(sys.rhs(0.2, y.data(), ydot.data()), 0);
    const std::string first = ib < ic ? "b" : "c";  // the System's node order
    EXPECT_NE(sys.failure().find("node " + first), std::string::npos) << sys.failure();
    y[vb] = 7e-6;
    y[vc] = 3e-6;  // and back
    EXPECT_EQ(sys.rhs(0.2, y.data(), ydot.data()), 0) << sys.failure();
  }
  EXPECT_TRUE(consecutive_seen && apart_seen);
}

TEST(RightHandSide, EveryRowOfTheShippedModelsIsWrittenByItsComponent) {
  // The right-hand side does not zero ydot: every vessel, element and node writes each of its
  // rows. A row left unwritten would keep what ydot held before, NaN here.
  const std::string root = VENOFLOW_SOURCE_DIR;
  std::vector<std::string> files = {root + "/models/cerebral_venous.yaml"};
  for (const auto& e : std::filesystem::directory_iterator(root + "/models/scenarios"))
    if (e.path().extension() == ".yaml") files.push_back(e.path().string());
  for (const char* b : {"common_carotid", "aortic_bifurcation", "single_pipe"})
    files.push_back(root + "/validation/benchmarks/" + b + ".yaml");
  std::sort(files.begin(), files.end());
  int checked = 0;
  for (const auto& file : files)
    for (bool lumped : {true, false}) {
      std::vector<Override> ov;
      if (lumped) ov.push_back({"discretisation.lumped", "true"});
      const Model model = load_model(file, ov);  // the System keeps a reference
      System sys(model);
      std::vector<double> y;
      sys.initial_state(y);
      const auto n = static_cast<std::size_t>(sys.size());
      std::vector<double> ydot(n, std::numeric_limits<double>::quiet_NaN());
      const std::string label = file + (lumped ? " (0D)" : " (1D)");
      ASSERT_EQ(sys.rhs(0.137, y.data(), ydot.data()), 0) << label << ": " << sys.failure();
      for (std::size_t i = 0; i < n; ++i)
        ASSERT_TRUE(std::isfinite(ydot[i])) << label << ": " << sys.describe_unknown(int(i));
      ++checked;
    }
  EXPECT_GE(checked, 8);
}
