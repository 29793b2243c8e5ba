// Stenoses inside vessels (lumped Young-Tsai and geometric modes) and scenario files.
#include <gtest/gtest.h>

#include <cmath>
#include <filesystem>
#include <fstream>
#include <numbers>

#include "numerics/elements/young_tsai.hpp"
#include "tests/cpp/builders.hpp"
#include "venoflow/model_document.hpp"
#include "venoflow/simulation.hpp"

using namespace venoflow;
using namespace venoflow::testing;

namespace {
const double kPi = std::numbers::pi;

// Steady flow through a stiff tube with one stenosis, driven by dp between two pressure BCs.
MemoryResults steady_run(const Stenosis& st, int cells, double dp) {
  Model m;
  m.blood.density = 1050;
  m.blood.viscosity = 3.5e-3;
  m.blood.profile_zeta = 2;
  m.vessels.push_back(vessel("v", "in", "out", 0.1, 6e-3, elastic_law(1e9, 1e-3), cells));
  m.stenoses.push_back(st);
  m.boundary_conditions.push_back(pressure_bc("in", TimeFunction::table({0, 0.2}, {0, dp}, 0)));
  m.boundary_conditions.push_back(pressure_bc("out", TimeFunction::constant(0.0)));
  m.solver.t_end = 4.0;
  m.solver.output_interval = 0.1;
  m.solver.rtol = 1e-9;
  m.solver.atol_flow = 1e-14;
  Simulation sim(m);
  MemoryResults res;
  EXPECT_TRUE(sim.run(res).complete);
  return res;
}
}  // namespace

TEST(StenosisInVessel, LumpedLossMatchesYoungTsaiSteadyBalance) {
  // Steady: p_in - p_out = (Poiseuille over L + Young-Tsai excess viscous) Q + B Q^2, with the
  // coefficients of docs/physiology.md A5 written out here (D0 = 12 mm, L_s = 1 cm, 75 % area).
  Stenosis st;
  st.name = "s";
  st.vessel = "v";
  st.position = 0.05;
  st.length = 0.01;
  st.area_reduction = 0.75;
  const double dp = 200.0, rho = 1050, mu = 3.5e-3, d0 = 12e-3, a0 = kPi * d0 * d0 / 4;
  const double ds = d0 * 0.5, ls = 0.01;                       // throat diameter for 75 % area
  const double kv = 32 * (0.83 * ls + 1.64 * ds) / d0 * 16.0;  // (A0/As)^2 = 16
  const double rv = kv * mu / (a0 * d0), b = 1.52 * rho / (2 * a0 * a0) * 9.0;  // (4-1)^2
  const double r_pois = 8 * kPi * mu / (a0 * a0);  // per metre (zeta = 2)
  const double r_lin = r_pois * 0.1 + (rv - r_pois * ls);
  const double q = (-r_lin + std::sqrt(r_lin * r_lin + 4 * b * dp)) / (2 * b);
  for (int cells : {1, 10}) {
    const auto res = steady_run(st, cells, dp);
    const double qs = res.samples().back().vessel_flow[0];
    EXPECT_NEAR(qs, q, 2e-3 * q) << cells << " cells";
    const std::size_t idp = res.element_value_index("s", "pressure_drop");
    const double loss = rv * q - r_pois * ls * q + b * q * q;
    // Trans-stenotic drop = stenosis loss + the cell's own friction.
    EXPECT_NEAR(res.samples().back().element_values[idp], loss + r_pois * (0.1 / cells) * q,
                5e-3 * loss);
  }
}

TEST(YoungTsaiLoss, OneLawForTheElementAndTheInVesselStenosis) {
  // The loss object both stenosis forms use: dp - R_v q - B q sqrt(q^2 + q_eps^2), by hand.
  YoungTsaiLoss loss{2.0, 3.0, 5.0, 0.0};
  EXPECT_DOUBLE_EQ(loss.net_drive(100.0, 4.0), 100.0 - 8.0 - 48.0);  // q|q| = 16
  EXPECT_DOUBLE_EQ(loss.net_drive(100.0, -4.0), 100.0 + 8.0 + 48.0);
  loss.q_eps = 3.0;  // q sqrt(q^2 + q_eps^2) = 4 * 5
  EXPECT_DOUBLE_EQ(loss.net_drive(100.0, 4.0), 100.0 - 8.0 - 60.0);
  // Default smoothing 1 ul/s (the element's flow_smoothing default).
  EXPECT_EQ(YoungTsaiLoss{}.q_eps, 1e-9);
  // Stenoses in series in one cell add their coefficients.
  YoungTsaiLoss sum{1.0, 2.0, 3.0};
  sum += YoungTsaiLoss{10.0, 20.0, 30.0};
  EXPECT_EQ(sum.R_v, 11.0);
  EXPECT_EQ(sum.B, 22.0);
  EXPECT_EQ(sum.L, 33.0);
  // The coefficients are Young-Tsai's: a 75 % area reduction of a 10 mm lumen, 1 cm long, in
  // blood (rho 1060, mu 3.5e-3): B = K_t rho/(2 A0^2) (A0/A_s - 1)^2 with A0/A_s = 4.
  YoungTsaiGeometry g;
  g.reference_diameter = 0.01;
  g.area_ratio = 0.25;
  g.length = 0.01;
  const YoungTsaiLoss yt = young_tsai_loss(g, 1060.0, 3.5e-3);
  const double a0 = kPi * 0.25 * 1e-4;
  EXPECT_NEAR(yt.B, 1.52 * 1060.0 / (2.0 * a0 * a0) * 9.0, 1e-9 * yt.B);
  EXPECT_NEAR(yt.L, 1.2 * 1060.0 * 0.01 / a0, 1e-12 * yt.L);
  // K_v = 32 (0.83 L_s + 1.64 D_s)/D0 (A0/A_s)^2, D_s = D0/2; R_v = K_v mu/(A0 D0)
  const double kv = 32.0 * (0.83 * 0.01 + 1.64 * 0.005) / 0.01 * 16.0;
  EXPECT_NEAR(yt.R_v, kv * 3.5e-3 / (a0 * 0.01), 1e-12 * yt.R_v);
}

TEST(StenosisInVessel, GeometricModeGivesFrictionOfTheNarrowedLumenPlusExpansionLoss) {
  // 50 % area over 2 cm, resolved with 1 mm cells: the 1D equations give the Poiseuille loss of
  // the narrowed lumen (contraction and re-expansion of the convective term cancel), and the
  // expansion loss K_t rho/(2 A0^2) (A0/As - 1)^2 Q^2 is added at the distal end.
  Stenosis st;
  st.name = "g";
  st.vessel = "v";
  st.position = 0.05;
  st.length = 0.02;
  st.area_reduction = 0.5;
  st.mode = "geometric";
  const double dp = 100.0, rho = 1050, mu = 3.5e-3, a0 = kPi * 36e-6, as = 0.5 * a0;
  const double r_lin = 8 * kPi * mu * (0.08 / (a0 * a0) + 0.02 / (as * as));
  const double b = 1.52 * rho / (2 * a0 * a0);
  const double q = (-r_lin + std::sqrt(r_lin * r_lin + 4 * b * dp)) / (2 * b);
  const auto res = steady_run(st, 100, dp);
  EXPECT_NEAR(res.samples().back().vessel_flow[50], q, 0.03 * q)
      << "cell edges at the area steps smear the narrowing over one cell each";
}

TEST(StenosisInVessel, SeverityRaisesTheDropMonotonically) {
  double last = 0.0;
  for (double ar : {0.5, 0.75, 0.9}) {
    Stenosis st;
    st.name = "s";
    st.vessel = "v";
    st.position = 0.05;
    st.length = 0.01;
    st.area_reduction = ar;
    const auto res = steady_run(st, 4, 200.0);
    const double q = res.samples().back().vessel_flow[0];
    EXPECT_LT(q, 1.0);
    if (last > 0.0) {
      EXPECT_LT(q, last);
    }
    last = q;
  }
}

namespace {
std::string write(const std::filesystem::path& p, const std::string& text) {
  std::ofstream(p) << text;
  return p.string();
}
const char* kBaseModel = R"(venoflow: 1
name: base
vessels:
  - {name: v, from: a, to: b, length: 10 cm, radius: 6 mm,
     tube_law: {type: venous, stiffness: 20 Pa}, cells: 4}
boundary_conditions:
  - {node: a, pressure: 10 mmHg}
  - {node: b, pressure: 5 mmHg}
solver: {t_end: 1 s}
)";
}  // namespace

TEST(Scenario, ExtendsSetsAndAddsWithTheScenarioLines) {
  const auto dir = std::filesystem::temp_directory_path() / "venoflow_scenario_test";
  std::filesystem::create_directories(dir / "scen");
  write(dir / "base.yaml", kBaseModel);
  const auto s = write(dir / "scen" / "s.yaml", R"(venoflow: 1
extends: ../base.yaml
name: narrowed
set:
  vessels.v.radius: 7 mm
  posture.tilt: 90 deg
add:
  stenoses:
    - {name: s1, vessel: v, position: 50 %, length: 1 cm, diameter_reduction: 50 %}
)");
  const auto doc = ModelDocument::from_file(s);
  const Model m = doc.build();
  EXPECT_EQ(m.name, "narrowed");
  EXPECT_EQ(m.source_file, s);
  EXPECT_DOUBLE_EQ(m.vessels[0].radius_in, 7e-3);
  EXPECT_NEAR(m.posture.tilt(0.0), kPi / 2, 1e-15);
  ASSERT_EQ(m.stenoses.size(), 1u);
  EXPECT_NEAR(m.stenoses[0].area_reduction, 0.75, 1e-15);  // 50 % diameter = 75 % area
  EXPECT_NEAR(m.stenoses[0].position, 0.05, 1e-15);
  // A copy (as for pickling) reproduces the composition.
  ModelDocument copy = doc;
  EXPECT_EQ(copy.build().stenoses.size(), 1u);
  // A further override on top of the scenario.
  copy.set("stenoses.s1.diameter_reduction", "68.377 %");
  EXPECT_NEAR(copy.build().stenoses[0].area_reduction, 0.9, 1e-5);

  // Problems in the scenario are reported with the scenario file and its lines.
  const auto bad = write(dir / "scen" / "bad.yaml", R"(venoflow: 1
extends: ../base.yaml
set:
  vessels.w.radius: 7 mm
add:
  stenoses:
    - {name: s1, vessel: v, position: 150 %, length: 1 cm, area_reduction: 75 %}
)");
  try {
    ModelDocument::from_file(bad).build();
    FAIL() << "expected a ModelError";
  } catch (const ModelError& e) {
    const auto& d = e.diagnostics();
    ASSERT_GE(d.size(), 1u);
    EXPECT_EQ(d[0].where.file, bad);
    EXPECT_EQ(d[0].where.line, 4);
    EXPECT_EQ(d[0].key, "set.vessels.w.radius");
  }
  // The stenosis position error comes from the scenario's added item, line 7.
  const auto bad2 = write(dir / "scen" / "bad2.yaml", R"(venoflow: 1
extends: ../base.yaml
add:
  stenoses:
    - name: s1
      vessel: v
      position: 150 %
      length: 1 cm
      area_reduction: 75 %
)");
  try {
    ModelDocument::from_file(bad2).build();
    FAIL() << "expected a ModelError";
  } catch (const ModelError& e) {
    const auto& d = e.diagnostics();
    ASSERT_EQ(d.size(), 1u) << e.what();
    EXPECT_EQ(d[0].where.file, bad2);
    EXPECT_EQ(d[0].where.line, 7);
    EXPECT_EQ(d[0].key, "stenoses.s1.position");
  }
}
