// Steady initialisation by pseudo-transient continuation (solver/steady_state.hpp), checked
// against what the code did not compute that way: a long time integration from rest, and the
// definition of a steady state (the run stays there when nothing drives it).
#include <gtest/gtest.h>

#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <string>

#include "venoflow/model_document.hpp"
#include "venoflow/results.hpp"
#include "venoflow/simulation.hpp"

using namespace venoflow;

namespace {

std::string model_file() {
  const char* env = std::getenv("VENOFLOW_SOURCE_DIR");
  return std::string(env ? env : VENOFLOW_SOURCE_DIR) + "/models/cerebral_venous.yaml";
}

/// The default cerebral model at 0D with a constant arterial pressure (its mean): its steady
/// state is a true fixed point. Collapsible veins, valves, Starling resistor, intracranial
/// compartment with its slow CSF mode (~600 s).
ModelDocument steady_problem() {
  ModelDocument d = ModelDocument::from_file(model_file());
  d.set("discretisation.lumped", "true");
  d.set("boundary_conditions.arterial.pressure", "93 mmHg");
  d.set("solver.stop_at_steady_state", "false");
  return d;
}

/// One cycle of that problem started from its steady state (`initial_state: steady`).
MemoryResults steady_cycle() {
  ModelDocument d = steady_problem();
  d.set("solver.initial_state", "steady");
  Simulation sim(d.build());
  MemoryResults res;
  RunControl c;
  c.cycles = 1;
  EXPECT_TRUE(sim.run(res, c).complete);
  return res;
}

}  // namespace

TEST(SteadyState, PseudoTransientStateStaysPut) {
  const MemoryResults res = steady_cycle();
  ASSERT_FALSE(res.samples().empty());
  // Constant boundaries: from a steady state nothing moves during the cycle.
  const auto& first = res.samples().front().node_pressure;
  double worst = 0.0;
  for (const auto& s : res.samples())
    for (std::size_t i = 0; i < first.size(); ++i)
      worst = std::max(worst, std::abs(s.node_pressure[i] - first[i]));
  EXPECT_LT(worst, 1e-3) << "largest drift of a node pressure over one cycle [Pa]";
  // And it took the pseudo-transient path (no time steps before the run).
  EXPECT_LT(res.stats.steps, 200) << "steps including the initialisation";
}

TEST(SteadyState, PseudoTransientMatchesALongRelaxationFromRest) {
  const MemoryResults ra = steady_cycle();
  ASSERT_FALSE(ra.samples().empty());

  // The same network integrated in time from rest for 20000 s (33 CSF time constants).
  ModelDocument rest = steady_problem();
  rest.set("solver.initial_state", "rest");
  rest.set("solver.period", "1000 s");
  rest.set("solver.output_interval", "1000 s");
  rest.set("solver.max_step", "1000 s");
  Simulation b(rest.build());
  MemoryResults rb;
  RunControl cb;
  cb.t_end = 20000.0;
  ASSERT_TRUE(b.run(rb, cb).complete);

  // The relaxation did move: it started at rest, far from the steady state.
  double moved = 0.0;
  for (std::size_t i = 0; i < rb.layout.nodes.size(); ++i)
    moved = std::max(
        moved, std::abs(rb.samples().front().node_pressure[i] - rb.samples().back().node_pressure[i]));
  EXPECT_GT(moved, 100.0) << "largest change of a node pressure during the relaxation [Pa]";
  const auto& ps = ra.samples().front().node_pressure;
  const auto& pr = rb.samples().back().node_pressure;
  ASSERT_EQ(ps.size(), pr.size());
  double worst = 0.0;
  std::string where;
  for (std::size_t i = 0; i < ps.size(); ++i) {
    const double e = std::abs(ps[i] - pr[i]) / (1e-6 * std::abs(pr[i]) + 1e-3);
    if (e > worst) worst = e, where = ra.layout.nodes[i];
  }
  std::printf(
      "pseudo-transient vs 20000 s relaxation: worst node pressure difference %.3g x "
      "(1e-6 |p| + 1 mPa), at %s\n",
      worst, where.c_str());
  EXPECT_LT(worst, 1.0) << where;
}
