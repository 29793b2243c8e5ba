// The output samples (numerics/system.cpp System::sample: the element outputs sampled per type
// through ElementBlockOf::output_group into arrays sized once; analysis/periodicity_monitor.cpp:
// probes copied in runs into reused rows) against values worked out by hand.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <limits>
#include <map>
#include <string>
#include <vector>

#include "analysis/periodicity_monitor.hpp"
#include "numerics/system.hpp"
#include "tests/cpp/builders.hpp"

using namespace venoflow;
using namespace venoflow::testing;

// Element types interleaved in the model (inductor, resistor, capacitors, windkessel, inductor
// again), so that the groups sampled per type are not in the layout's order: every output lands
// at its element's place, with the value of the element's equations (basic.hpp) at the state.
TEST(Sampling, ElementOutputsOfInterleavedTypesAtTheirPlaceInTheLayout) {
  const ThreeNodeNetwork net;
  const double pa = net.pa, R = net.R, Cb1 = net.Cb1, Cb2 = net.Cb2, Cc = net.Cc;
  const double Rw1 = net.Rw1, Rw2 = net.Rw2, pout = net.pout, pe = 250.0;
  const double hb = net.hb, hc = net.hc, g = 9.81;
  Model m;
  m.gravity.enabled = true;
  m.gravity.g = g;
  m.posture.tilt = TimeFunction::constant(0.5);
  const double rho = m.blood.density;
  ExternalPressureGroup ext;
  ext.name = "pe";
  ext.pressure = TimeFunction::constant(pe);
  m.external_pressures.push_back(ext);
  add_three_node_network(m, net);
  System sys(m);
  auto u = unknowns_by_description(sys);
  const int vb = u.at("node b volume"), vc = u.at("node c volume");
  const int q1 = u.at("element l1 state flow"), q2 = u.at("element l2 state flow");
  const int pcw = u.at("element wk state p_c");

  // The layout: 2 + 2 + 1 + 1 + 1 + 3 + 2 values, in model order.
  const OutputLayout layout = sys.layout();
  ASSERT_EQ(layout.elements.size(), 7u);
  std::map<std::string, std::size_t> at;  // "element quantity" -> index in element_values
  std::size_t k = 0;
  for (const auto& el : layout.elements)
    for (const auto& q : el.quantities) at[el.name + " " + q.name] = k++;
  ASSERT_EQ(k, 12u);

  std::vector<double> y;
  sys.initial_state(y);
  // A sample that held another model's values (larger arrays, NaN): sized and overwritten.
  const double nan = std::numeric_limits<double>::quiet_NaN();
  Sample smp;
  smp.vessel_pressure.assign(5, nan);
  smp.node_pressure.assign(9, nan);
  smp.element_values.assign(40, nan);
  for (double s : {1.0, 1.6}) {
    y[vb] = 9e-6 * s;
    y[vc] = 4e-6 / s;
    y[q1] = 2e-6 * s;
    y[q2] = -1e-6 * s;
    y[pcw] = 1200.0 * s;
    ASSERT_EQ(sys.sample(0.25, y.data(), smp), 0) << sys.failure();
    ASSERT_EQ(smp.element_values.size(), 12u);
    ASSERT_EQ(smp.node_pressure.size(), 3u);
    EXPECT_TRUE(smp.vessel_pressure.empty() && smp.vessel_flow.empty() && smp.vessel_area.empty());
    // Node pressures from the volumes: V_b = Cb1 (p_b - pe) + Cb2 p_b, V_c = Cc p_c; heads
    // P = p + rho g h sin(tilt).
    const double pb = (y[vb] + Cb1 * pe) / (Cb1 + Cb2), pc = y[vc] / Cc;
    const double sin_tilt = std::sin(0.5);
    const double Pb = pb + rho * g * hb * sin_tilt, Pc = pc + rho * g * hc * sin_tilt;
    const std::map<std::string, double> expected = {{"l1 flow", y[q1]},
                                                    {"l1 pressure_drop", pa - pb},
                                                    {"r flow", (Pb - Pc) / R},
                                                    {"r pressure_drop", pb - pc},
                                                    {"cb1 volume", Cb1 * (pb - pe)},
                                                    {"cb2 volume", Cb2 * pb},
                                                    {"cc volume", Cc * pc},
                                                    {"wk flow", (pc - y[pcw]) / Rw1},
                                                    {"wk p_c", y[pcw]},
                                                    {"wk outflow", (y[pcw] - pout) / Rw2},
                                                    {"l2 flow", y[q2]},
                                                    {"l2 pressure_drop", pa - pb}};
    for (const auto& [name, want] : expected)
      EXPECT_NEAR(smp.element_values[at.at(name)], want, 1e-12 * std::abs(want))
          << name << ", s = " << s;
  }
}

// Probes read in runs of consecutive values: an element output left out (a unit-1 quantity)
// splits a run, and the probe after it is still the one named. Cycles of different lengths are
// not compared, and a shorter cycle after a longer one compares only its own samples (the rows
// are reused: the longer cycle's last row is stale).
TEST(Sampling, PeriodicityProbesInRunsAndCyclesOfDifferentLengths) {
  OutputLayout l;
  l.nodes = {"a", "b"};
  l.elements.push_back(
      {"v", "mynard_valve", {{"flow", "m^3/s"}, {"opening", "1"}, {"pressure_drop", "Pa"}}});
  PeriodicityMonitor mon(l);
  auto row = [](double drop, double opening = 0.5) {
    Sample s;
    s.node_pressure = {100.0, 200.0};
    s.element_values = {1e-6, opening, drop};
    return s;
  };
  for (double d : {10.0, 20.0, 30.0}) mon.record(row(d));
  EXPECT_LT(mon.end_cycle().first, 0.0);  // no previous cycle
  for (double d : {10.0, 20.0}) mon.record(row(d, 0.9));
  EXPECT_LT(mon.end_cycle().first, 0.0);  // 2 samples against 3: not comparable
  // Against (10, 20): range 16, change 6 at the second sample (a comparison with the stale
  // third row, 30, would give 14 / 16). The opening (unit 1) changes by 0.4 but is not probed.
  for (double d : {10.0, 26.0}) mon.record(row(d, 0.5));
  const auto [change, where] = mon.end_cycle();
  EXPECT_DOUBLE_EQ(change, 6.0 / 16.0);
  EXPECT_EQ(where, "element v pressure_drop");
}

// The finite check of every sample (all_finite, one vectorised pass): an infinity or a NaN at
// any position of arrays of every length up to two AVX2 blocks and a tail, and finite extremes
// (largest, smallest subnormal, negative zero) that must pass.
TEST(Sampling, FiniteCheckFindsEveryNonFiniteValueAtEveryPosition) {
  const double inf = std::numeric_limits<double>::infinity();
  const double nan = std::numeric_limits<double>::quiet_NaN();
  const double extremes[] = {std::numeric_limits<double>::max(),
                             -std::numeric_limits<double>::max(),
                             std::numeric_limits<double>::denorm_min(), -0.0};
  EXPECT_TRUE(all_finite(std::vector<double>{}));
  for (std::size_t n = 1; n <= 11; ++n) {
    std::vector<double> x(n);
    for (std::size_t i = 0; i < n; ++i) x[i] = extremes[i % 4];
    EXPECT_TRUE(all_finite(x)) << n;
    for (std::size_t i = 0; i < n; ++i)
      for (double bad : {inf, -inf, nan, -nan}) {
        std::vector<double> y = x;
        y[i] = bad;
        EXPECT_FALSE(all_finite(y)) << "value " << bad << " at " << i << " of " << n;
      }
  }
}
