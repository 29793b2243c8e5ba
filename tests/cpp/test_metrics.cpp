// Metrics over the last cycle against conservation laws and closed forms.
#include <gtest/gtest.h>

#include <cmath>
#include <numbers>

#include "tests/cpp/builders.hpp"
#include "venoflow/model_document.hpp"
#include "venoflow/simulation.hpp"

using namespace venoflow;
using namespace venoflow::testing;

TEST(Metrics, IntracranialOutflowPathwayCarriesTheCbf) {
  // Arterial pressure (pulsatile) -> intracranial compartment -> sinus node -> jugular vessel ->
  // central venous pressure. At the periodic state the mean jugular flow equals the mean CBF
  // (mass conservation over a cycle), so outflow_fraction_jugular = 1.
  const double mmHg = 133.322387415;
  const Model m = ModelDocument::from_string(R"(venoflow: 1
vessels:
  - {name: jugular, from: sinus, to: cv, length: 15 cm, radius: 6 mm, cells: 6,
     tube_law: {type: venous, stiffness: 30 Pa}}
elements:
  - {name: brain, type: intracranial, nodes: [art, sinus]}   # Ursino-Lodi defaults
  - {name: sinus_c, type: capacitor, nodes: [sinus], C: 0.5 ml/mmHg}
boundary_conditions:
  - node: art
    pressure: {sine: {mean: 95 mmHg, amplitude: 20 mmHg}, period: 0.8 s}
  - {node: cv, pressure: 4 mmHg}
initial_conditions: {pressure: 5 mmHg}
solver: {period: 0.8 s, cycles: 30, output_interval: 4 ms}
metrics:
  pathways:
    - {name: jugular, vessels: [jugular]}
  cross_sections: [jugular]
)")
                      .build();
  Simulation sim(m);
  MemoryResults res;
  ASSERT_TRUE(sim.run(res).complete);
  const auto& mt = res.metrics;
  const double cbf = mt.at("cbf").value;
  EXPECT_GT(cbf, 8e-6);  // ~12 ml/s for Ursino-Lodi basal parameters
  EXPECT_LT(cbf, 16e-6);
  EXPECT_NEAR(mt.at("outflow_fraction_jugular").value, 1.0, 2e-3);
  EXPECT_NEAR(mt.at("cpp").value, mt.at("mean_arterial_pressure").value - mt.at("icp_mean").value,
              1e-9);
  EXPECT_NEAR(mt.at("mean_arterial_pressure").value, 95 * mmHg, 0.5);
  EXPECT_GT(mt.at("icp_pulse").value, 0.0);
  EXPECT_NEAR(mt.at("mean_transit_time").value, mt.at("cerebral_blood_volume").value / cbf, 1e-12);
  EXPECT_GT(mt.at("csa_jugular").value, 0.0);
  EXPECT_EQ(mt.at("reflux_fraction_jugular").value, 0.0);
  // CSF formation and absorption are reported; they balance only after the slow CSF mode
  // (~1000 s) has relaxed, far beyond these 24 s (measured here: 0.39 vs 0.48 ml/min).
  EXPECT_GT(mt.at("csf_formation").value, 0.0);
  EXPECT_GT(mt.at("csf_absorption").value, 0.0);
}

TEST(Metrics, RefluxOfAnOscillatingFlow) {
  // Q = A sin(2 pi t / T) through a short stiff tube: retrograde half the cycle, volume A T/pi.
  const double A = 2e-6, T = 1.0;
  Model m;
  m.vessels.push_back(vessel("tube", "in", "out", 0.02, 5e-3, elastic_law(5e7, 1e-3), 2));
  m.boundary_conditions.push_back(flow_bc("in", TimeFunction::sine(0.0, A, T, 0.0)));
  m.boundary_conditions.push_back(pressure_bc("out", TimeFunction::constant(1000.0)));
  m.initial.pressure = 1000.0;
  m.solver.period = T;
  m.solver.cycles = 3;
  m.solver.output_interval = 1e-3;
  Simulation sim(m);
  MemoryResults res;
  ASSERT_TRUE(sim.run(res).complete);
  EXPECT_NEAR(res.metrics.at("reflux_fraction_tube").value, 0.5, 0.01);
  EXPECT_NEAR(res.metrics.at("reflux_volume_tube").value, A * T / std::numbers::pi,
              0.01 * A * T / std::numbers::pi);
}
