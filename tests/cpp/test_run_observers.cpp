// The observers of a run's samples (numerics/run_observers.hpp, analysis/metrics.hpp,
// analysis/periodicity_monitor.hpp) fed with samples written by hand, against values worked out
// by hand.
#include <gtest/gtest.h>

#include <algorithm>
#include <map>
#include <string>
#include <vector>

#include "analysis/metrics.hpp"
#include "analysis/periodicity_monitor.hpp"
#include "numerics/run_observers.hpp"
#include "venoflow/model.hpp"

using namespace venoflow;

namespace {

// One vessel sampled at two vertices (mid-point: the second), nodes a and b.
OutputLayout two_nodes() {
  OutputLayout l;
  l.vessels.push_back({"v", {0.0, 0.1}});
  l.nodes = {"a", "b"};
  return l;
}

Sample at(double t, double pa, double pb, double q = 1e-6) {
  Sample s;
  s.t = t;
  s.vessel_pressure = {pa, pa};
  s.vessel_flow = {q, q};
  s.vessel_area = {1e-5, 1e-5};
  s.node_pressure = {pa, pb};
  return s;
}

/// Records only the times of the samples it receives.
class Times : public ResultSink {
 public:
  void begin(const OutputLayout&, const Model&) override {}
  void write(const Sample& s) override { t.push_back(s.t); }
  void finish(const RunStatistics&, const RunOutcome&,
              const std::map<std::string, Metric>&) override {}
  std::vector<double> t;
};

}  // namespace

// Boundary means over the last complete cycle: the pressure is the mean of the cycle's samples
// (phases [0, T): the sample at the cycle end opens the next), the inflow is the change of the
// cumulative inflow state between the cycle's ends over its duration.
TEST(RunObservers, BoundaryMeansOfTheLastCycle) {
  const OutputLayout layout = two_nodes();
  const Model model;
  CycleMetrics cm(layout, model, {{"b", 1, 0}});
  std::vector<double> y = {0.0};
  for (int k = 0; k < 4; ++k) cm.record(at(0.25 * k, 10.0, 1.0 + k));  // 1, 2, 3, 4
  y[0] = 2e-6;
  cm.end_cycle(1.0, y.data());
  for (int k = 0; k < 4; ++k) cm.record(at(1.0 + 0.25 * k, 10.0, 5.0 + k));  // 5, 6, 7, 8
  y[0] = 5e-6;
  cm.end_cycle(2.0, y.data());
  cm.record(at(2.0, 10.0, 100.0));  // opens the third cycle: not in the means
  std::map<std::string, Metric> out;
  cm.compute(out, 2.0, y.data());
  EXPECT_DOUBLE_EQ(out.at("boundary_b_mean_pressure").value, 6.5);  // (5 + 6 + 7 + 8) / 4
  EXPECT_DOUBLE_EQ(out.at("boundary_b_mean_flow").value, 3e-6);     // (5 - 2) ml / 1 s
  EXPECT_EQ(out.at("boundary_b_mean_flow").unit, "m^3/s");
  EXPECT_EQ(out.count("boundary_a_mean_pressure"), 0u);  // not a boundary
}

// Without a complete cycle (no period): the means over everything recorded, the inflow over
// the run's duration.
TEST(RunObservers, BoundaryMeansWithoutACycle) {
  const OutputLayout layout = two_nodes();
  const Model model;
  CycleMetrics cm(layout, model, {{"a", 0, 1}});
  for (double p : {1.0, 2.0, 6.0}) cm.record(at(p, p, 0.0));
  const std::vector<double> y = {0.0, 4e-6};
  std::map<std::string, Metric> out;
  cm.compute(out, 2.0, y.data());
  EXPECT_DOUBLE_EQ(out.at("boundary_a_mean_pressure").value, 3.0);  // (1 + 2 + 6) / 3
  EXPECT_DOUBLE_EQ(out.at("boundary_a_mean_flow").value, 2e-6);     // 4 ml / 2 s
}

// The metrics record only the outputs they read (the summarised elements' and the boundary
// nodes'): each summary still reads its own element's output among unsummarised neighbours.
// Element outputs per sample: resistor r (flow), stenosis s (flow, pressure_drop), valve k
// (flow, opening, pressure_drop, effective_area); node b is the boundary, a is not recorded.
TEST(RunObservers, SummariesReadTheirOwnOutputsAmongOthers) {
  OutputLayout layout = two_nodes();
  layout.elements = {
      {"r", "resistor", {{"flow", "m^3/s"}}},
      {"s", "stenosis", {{"flow", "m^3/s"}, {"pressure_drop", "Pa"}}},
      {"k",
       "mynard_valve",
       {{"flow", "m^3/s"}, {"opening", "1"}, {"pressure_drop", "Pa"}, {"effective_area", "m^2"}}}};
  const Model model;
  CycleMetrics cm(layout, model, {{"b", 1, 0}});
  const std::vector<double> y = {0.0};
  // Four samples 0.25 s apart (dt = 0.25 s), no complete cycle: the means over all four.
  const double k_flow[4] = {2e-6, -1e-6, -3e-6, 4e-6};
  for (int i = 0; i < 4; ++i) {
    Sample s = at(0.25 * i, 100.0 + i, 10.0 * (i + 1));
    s.element_values = {7.0, 1e-6, 20.0 + i, k_flow[i], 0.5, 300.0 + 2.0 * i, 1e-4};
    cm.record(s);
  }
  std::map<std::string, Metric> out;
  cm.compute(out, 1.0, y.data());
  EXPECT_DOUBLE_EQ(out.at("pressure_drop_s").value, 21.5);           // (20 + 21 + 22 + 23) / 4
  EXPECT_DOUBLE_EQ(out.at("pressure_drop_k").value, 303.0);          // (300 + 302 + 304 + 306) / 4
  EXPECT_DOUBLE_EQ(out.at("reflux_volume_k").value, 1e-6);           // (1 + 3) ml/s x 0.25 s
  EXPECT_DOUBLE_EQ(out.at("boundary_b_mean_pressure").value, 25.0);  // (10 + ... + 40) / 4
  EXPECT_EQ(out.count("pressure_drop_r"), 0u);
  EXPECT_EQ(out.count("reflux_volume_s"), 0u);
}

// The ring of the last samples writes them oldest first, whatever the number written.
TEST(RunObservers, RingKeepsTheLastSamplesInOrder) {
  for (int n : {2, 3, 7, 9}) {
    Times sink;
    SampleOutput out(sink, 3);
    Sample s;
    for (int k = 0; k < n; ++k) {
      s = at(k, 0.0, 0.0);
      out.write(s);
    }
    EXPECT_TRUE(sink.t.empty());  // held back until the end
    out.flush();
    std::vector<double> expect;
    for (int k = std::max(0, n - 3); k < n; ++k) expect.push_back(k);
    EXPECT_EQ(sink.t, expect) << n;
  }
  Times direct;
  SampleOutput through(direct, 0);
  Sample s = at(1.5, 0.0, 0.0);
  through.write(s);
  EXPECT_EQ(direct.t, std::vector<double>{1.5});
}

// The periodicity change of a probe is its largest difference between two cycles at the same
// phase over its range in the cycle: node b from (1, 3) to (1, 3.5): 0.5 / 2.5 = 0.2.
TEST(RunObservers, PeriodicityChangeRelativeToTheRange) {
  PeriodicityMonitor mon(two_nodes());
  mon.record(at(0.0, 1000.0, 1.0));
  mon.record(at(0.5, 1000.0, 3.0));
  EXPECT_LT(mon.end_cycle().first, 0.0);  // no previous cycle
  mon.record(at(1.0, 1000.0, 1.0));
  mon.record(at(1.5, 1000.0, 3.5));
  const auto [change, where] = mon.end_cycle();
  EXPECT_DOUBLE_EQ(change, 0.2);
  EXPECT_EQ(where, "node b pressure");
}

// Cycles of unequal length are not compared (no change reported), and each cycle is compared
// with the one just before it, whatever came earlier: node b over cycles of 2, 3, 3 and 2
// samples. The fourth (2 samples) follows a 3-sample cycle: not compared either, and the fifth
// is compared with the fourth only: (1, 5) then (1, 6): range 5, change 1 -> 0.2.
TEST(RunObservers, PeriodicityComparesEqualCyclesOneAfterTheOther) {
  PeriodicityMonitor mon(two_nodes());
  auto cycle = [&](std::vector<double> pb) {
    for (double p : pb) mon.record(at(0.0, 1000.0, p));
    return mon.end_cycle().first;
  };
  EXPECT_LT(cycle({1.0, 3.0}), 0.0);              // the first
  EXPECT_LT(cycle({1.0, 3.0, 9.0}), 0.0);         // 3 samples after 2
  EXPECT_DOUBLE_EQ(cycle({1.0, 3.0, 5.0}), 1.0);  // against (1, 3, 9): 4 over its range 4
  EXPECT_LT(cycle({1.0, 5.0}), 0.0);              // 2 after 3
  EXPECT_DOUBLE_EQ(cycle({1.0, 6.0}), 0.2);
}

// Three samples per cycle, the change in the middle of a three-vertex vessel: its pressure at
// the middle goes from (10, 20, 30) to (10, 24, 30): range 20, change 4 -> 0.2; the ends change
// by 1 Pa over a range of 100 Pa (0.01) and the flows not at all. A two-vertex (one-cell)
// vessel's middle is its end: the change there is reported once, at its x.
TEST(RunObservers, PeriodicityChangeOfEachProbeOverSeveralSamples) {
  OutputLayout l;
  l.vessels.push_back({"w", {0.0, 0.05, 0.1}});
  l.vessels.push_back({"u", {0.0, 0.2}});
  PeriodicityMonitor mon(l);
  auto row = [](double p_end, double p_mid, double q_u_end) {
    Sample s;
    s.vessel_pressure = {p_end, p_mid, p_end, 0.0, 0.0};
    s.vessel_flow = {1e-6, 1e-6, 1e-6, 0.0, q_u_end};
    s.vessel_area = {1e-5, 1e-5, 1e-5, 1e-5, 1e-5};
    return s;
  };
  for (auto [e, m] : {std::pair{0.0, 10.0}, {50.0, 20.0}, {100.0, 30.0}})
    mon.record(row(e, m, 0.0));
  EXPECT_LT(mon.end_cycle().first, 0.0);
  for (auto [e, m] : {std::pair{1.0, 10.0}, {50.0, 24.0}, {100.0, 30.0}})
    mon.record(row(e, m, 0.0));
  auto [change, where] = mon.end_cycle();
  EXPECT_DOUBLE_EQ(change, 0.2);
  EXPECT_EQ(where, "vessel w pressure at x = 0.050000 m");
  // u's end flow: 3e-9 m^3/s at one sample, then 0 throughout: a range of 0 in the last cycle,
  // so the floor (1e-9 m^3/s) scales the change: 3e-9 / 1e-9 = 3
  for (double q : {0.0, 3e-9, 0.0}) mon.record(row(0.0, 10.0, q));
  mon.end_cycle();
  for (double q : {0.0, 0.0, 0.0}) mon.record(row(0.0, 10.0, q));
  std::tie(change, where) = mon.end_cycle();
  EXPECT_DOUBLE_EQ(change, 3.0);
  EXPECT_EQ(where, "vessel u flow at x = 0.200000 m");
}
