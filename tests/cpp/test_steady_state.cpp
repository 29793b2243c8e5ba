// Steady initialisation by pseudo-transient continuation (numerics/steady_state.hpp), checked
// against what the code did not compute that way: a long time integration from rest, and the
// definition of a steady state (the run stays there when nothing drives it).
#include <gtest/gtest.h>

#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <string>

#include "numerics/cvode_integrator.hpp"
#include "numerics/jacobian.hpp"
#include "numerics/run_plan.hpp"
#include "numerics/steady_state.hpp"
#include "numerics/system.hpp"
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
    moved = std::max(moved, std::abs(rb.samples().front().node_pressure[i] -
                                     rb.samples().back().node_pressure[i]));
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

// The fallback of the steady initialisation: when the pseudo-transient continuation does not
// converge (here it is allowed no iteration), the time relaxation with 100 x looser tolerances
// takes over. Its end point is the steady state the pseudo-transient path finds (the state of
// a run from `initial_state: steady` that stays put, PseudoTransientStateStaysPut), its
// bookkeeping integrals count from zero, and the integrator restarts there at t = 0.
TEST(SteadyState, RelaxationFallbackReachesTheSteadyState) {
  const Model m = steady_problem().build();
  System sys(m);
  ColouredJacobian jacobian(sys.pattern());
  std::vector<double> y0;
  sys.initial_state(y0);
  const std::vector<double> atol = sys.absolute_tolerances();
  CvodeIntegrator cvode(sys, jacobian, y0, atol,
                        {m.solver.rtol, detail::effective_max_order(m), 0.008});
  SteadyStateOptions none{.rtol = m.solver.rtol, .atol = atol};
  none.max_iterations = 0;
  const SteadyInitialisation spent = initialise_at_steady_state(sys, jacobian, cvode, none, y0);
  EXPECT_GT(spent.steps, 0) << "the relaxation ran";
  EXPECT_GT(spent.jacobian_evaluations, 0);
  for (int i = 0; i < sys.size(); ++i) {
    ASSERT_EQ(y0[i], cvode.state()[i]) << sys.describe_unknown(i);
    if (sys.is_cumulative(i)) {
      EXPECT_EQ(y0[i], 0.0) << sys.describe_unknown(i);
    }
  }
  EXPECT_DOUBLE_EQ(cvode.current_time(), 0.0);

  Sample relaxed;
  ASSERT_EQ(sys.sample(0.0, y0.data(), relaxed), 0);
  const MemoryResults pseudo = steady_cycle();
  const std::vector<double> pp = pseudo.samples().front().node_pressure;
  ASSERT_EQ(pp.size(), relaxed.node_pressure.size());
  double worst = 0.0;
  std::string where;
  for (std::size_t i = 0; i < pp.size(); ++i) {
    // Within the run's own tolerances (rtol 1e-6, 1e-2 Pa), although the relaxation's are
    // 100 x looser: it ends after ~11 days, when nothing moves any more.
    const double e = std::abs(relaxed.node_pressure[i] - pp[i]) / (1e-6 * std::abs(pp[i]) + 1e-2);
    if (e > worst) worst = e, where = pseudo.layout.nodes[i];
  }
  std::printf(
      "relaxation fallback vs pseudo-transient: worst node pressure difference %.3g x "
      "(1e-6 |p| + 10 mPa), at %s\n",
      worst, where.c_str());
  EXPECT_LT(worst, 1.0) << where;
}
