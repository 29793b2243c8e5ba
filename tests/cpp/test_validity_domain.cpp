// Validity domain of the tube laws (docs/cerebral-model.md#validity-domain): a run whose vessel
// leaves its law's area range stops with a SolverError naming the time, the vessel and the
// ratio, or (solver.on_domain_violation: warn) completes with one warning for the vessel.
// The transmural pressures are hand-computed from the laws' closed forms.
#include <gtest/gtest.h>

#include <cmath>
#include <numbers>

#include "tests/cpp/builders.hpp"
#include "venoflow/errors.hpp"
#include "venoflow/simulation.hpp"

using namespace venoflow;
using namespace venoflow::testing;

namespace {

constexpr double kK = 100.0;  // venous law stiffness [Pa]

/// Venous law p = K (alpha^10 - alpha^-1.5) at A/A0 = alpha.
double venous_pressure(double alpha) { return kK * (std::pow(alpha, 10) - std::pow(alpha, -1.5)); }

/// A 10 cm vein between two equal pressure boundaries: at rest its area is the law's inverse
/// of that pressure everywhere. The pressure ramps from 0 to p over 10 s (quasi-static: the
/// vein's filling keeps up with its ends to well within an output interval).
Model vein_at(double p, const std::string& on_violation) {
  Model m;
  m.nodes = {node("a", 0.0), node("b", 0.0)};
  m.vessels.push_back(vessel("v", "a", "b", 0.1, 5e-3, venous_law(kK), 4));
  const auto ramp = TimeFunction::table({0.0, 10.0}, {0.0, p}, 0.0);
  m.boundary_conditions.push_back(pressure_bc("a", ramp));
  m.boundary_conditions.push_back(pressure_bc("b", ramp));
  m.solver.t_end = 12.0;
  m.solver.output_interval = 0.05;
  m.solver.on_domain_violation = on_violation;
  return m;
}

}  // namespace

TEST(ValidityDomain, VeinInsideItsAreaRangeCompletes) {
  Simulation sim(vein_at(venous_pressure(1.9), "error"));
  MemoryResults res;
  ASSERT_TRUE(sim.run(res).complete);
  EXPECT_TRUE(res.outcome.warnings.empty());
  const double a0 = std::numbers::pi * 25e-6;
  EXPECT_NEAR(res.samples().back().vessel_area[2] / a0, 1.9, 1e-4);
}

TEST(ValidityDomain, DistendedVeinStopsTheRunAtTheCrossing) {
  // A/A0 passes 2 when the ramp passes p(2) = 102 370 Pa, i.e. at t = 10 s p(2)/p(2.1).
  const double p_end = venous_pressure(2.1);
  const double t_cross = 10.0 * venous_pressure(2.0) / p_end;
  Simulation sim(vein_at(p_end, "error"));
  MemoryResults res;
  try {
    sim.run(res);
    FAIL() << "no SolverError";
  } catch (const SolverError& e) {
    EXPECT_EQ(e.component(), "vessel v");
    EXPECT_EQ(e.quantity(), "A/A0");
    EXPECT_GE(e.time(), t_cross - 0.05);         // the vein lags its ends by less than ...
    EXPECT_LE(e.time(), t_cross + 0.05 + 1e-9);  // ... an output interval
    EXPECT_NE(std::string(e.what()).find("above the upper bound 2 "), std::string::npos)
        << e.what();
  }
  EXPECT_FALSE(res.outcome.complete);
  EXPECT_FALSE(res.samples().empty());
}

TEST(ValidityDomain, WarnModeCompletesWithOneWarningPerVessel) {
  Simulation sim(vein_at(venous_pressure(2.1), "warn"));
  MemoryResults res;
  ASSERT_TRUE(sim.run(res).complete);
  ASSERT_EQ(res.outcome.warnings.size(), 1u);
  const std::string& w = res.outcome.warnings[0];
  EXPECT_EQ(w.rfind("vessel v (A/A0): from t = ", 0), 0u) << w;
  EXPECT_NE(w.find("furthest 2.1"), std::string::npos) << w;
}
