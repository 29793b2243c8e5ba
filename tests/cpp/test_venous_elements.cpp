// Venous lumped elements (Mynard valve, Starling resistor, Young-Tsai stenosis) against closed
// forms, published numbers and the catalogue. Every expected value is computed here from the
// equations in docs/physiology.md (A2-A5), not taken from the element code.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <numbers>
#include <set>
#include <stdexcept>

#include "numerics/elements/element.hpp"
#include "tests/cpp/builders.hpp"
#include "venoflow/element_types.hpp"
#include "venoflow/model_document.hpp"
#include "venoflow/simulation.hpp"

using namespace venoflow;
using namespace venoflow::testing;

namespace {

constexpr double kMmHg = 133.322387415;
constexpr double kRho = 1050.0;
constexpr double kAnn = 1e-4;  // 1 cm^2 valve annulus

Model two_port(const Element& e, double pa, double pb, double t_end, double dt) {
  Model m;
  m.blood.density = kRho;
  m.blood.viscosity = 3.5e-3;
  m.elements.push_back(e);
  m.boundary_conditions.push_back(pressure_bc("a", TimeFunction::constant(pa)));
  m.boundary_conditions.push_back(pressure_bc("b", TimeFunction::constant(pb)));
  m.solver.t_end = t_end;
  m.solver.output_interval = dt;
  m.solver.rtol = 1e-9;
  m.solver.atol_flow = 1e-16;
  m.solver.atol_pressure = 1e-8;
  return m;
}

MemoryResults run(const Model& m) {
  Simulation sim(m);
  MemoryResults res;
  EXPECT_TRUE(sim.run(res).complete);
  return res;
}

double last(const MemoryResults& r, const std::string& el, const std::string& q) {
  return r.samples().back().element_values[r.element_value_index(el, q)];
}

Element valve(std::map<std::string, double> extra = {}) {
  std::map<std::string, double> p{{"annulus_area", kAnn}};
  for (const auto& [k, v] : extra) p[k] = v;
  return element("v", "mynard_valve", {"a", "b"}, p);
}

}  // namespace

// ------------------------------------------------------------------------------ Mynard valve

TEST(MynardValve, OpenValveQuasiSteadyFlowAndStenoticScaling) {
  // Open valve (zeta = 1) at a steady forward dp: B q|q| = dp, q = A_max sqrt(2 dp/rho).
  // A stenotic valve (M_st < 1) passes M_st times that flow (docs/physiology.md A3).
  const double dp = 10.0;  // Pa
  for (double m_st : {1.0, 0.5}) {
    const auto res = run(two_port(valve({{"M_st", m_st}}), dp, 0.0, 2.0, 0.1));
    const double q_expected = m_st * kAnn * std::sqrt(2 * dp / kRho);
    // A_floor = 1e-6 A_ann and q_eps = 1e-9 m^3/s change q by < 1e-5 relative
    EXPECT_NEAR(last(res, "v", "flow"), q_expected, 1e-5 * q_expected) << "M_st " << m_st;
    EXPECT_NEAR(last(res, "v", "opening"), 1.0, 1e-9);
    EXPECT_NEAR(last(res, "v", "effective_area"), m_st * kAnn, 2e-6 * kAnn);
    EXPECT_DOUBLE_EQ(last(res, "v", "pressure_drop"), dp);
  }
}

TEST(MynardValve, CompetentValveClosesUnderReversePressure) {
  // Reverse dp, closing law dzeta/dt = zeta K_vc dp: zeta = exp(-K_vc |dp| t) from zeta = 1.
  // The smooth ramp lowers |dp| by less than s = 0.1 Pa, so the deviation is below
  // max_t K s t exp(-K (|dp| - s) t) = s / (e (|dp| - s)) = 2.8e-4. Then the reflux vanishes.
  const double dp = kMmHg, kvc = 0.1, s_width = 0.1;
  const auto res = run(two_port(valve(), 0.0, dp, 3.0, 0.05));
  const auto iz = res.element_value_index("v", "opening");
  double worst = 0.0;
  for (const auto& s : res.samples())
    worst = std::max(worst, std::abs(s.element_values[iz] - std::exp(-kvc * dp * s.t)));
  EXPECT_LT(worst, s_width / (std::numbers::e * (dp - s_width)) + 1e-5)
      << "max deviation of zeta from exp(-K_vc dp t)";
  EXPECT_LT(last(res, "v", "opening"), 1e-8);
  const double q_open = kAnn * std::sqrt(2 * dp / kRho);  // reflux of an open valve, 50 ml/s
  EXPECT_LE(last(res, "v", "flow"), 0.0);
  EXPECT_LT(std::abs(last(res, "v", "flow")), 1e-6 * q_open);
}

TEST(MynardValve, IncompetentValveReflux) {
  // M_rg > 0: once closed, reflux q = -A_min sqrt(2|dp|/rho) (docs/physiology.md A3).
  const double dp = kMmHg, m_rg = 0.1;
  const auto res = run(two_port(valve({{"M_rg", m_rg}}), 0.0, dp, 3.0, 0.1));
  const double q_expected = -m_rg * kAnn * std::sqrt(2 * dp / kRho);
  EXPECT_NEAR(last(res, "v", "flow"), q_expected, 2e-5 * std::abs(q_expected));
  EXPECT_NEAR(last(res, "v", "effective_area"), m_rg * kAnn, 2e-5 * kAnn);
}

TEST(MynardValve, OpeningTimeFollowsClosedForm) {
  // From closed (zeta = 0) at constant forward dp: dzeta/dt = (1 - zeta) K_vo dp, so
  // zeta = 1 - exp(-K_vo dp t); with the defaults 90 % open after ln(10)/(K_vo dp) = 0.17 s.
  const double dp = kMmHg, kvo = 0.1;
  const auto res = run(two_port(valve({{"initial_opening", 0.0}}), dp, 0.0, 0.5, 0.01));
  const auto iz = res.element_value_index("v", "opening");
  double worst = 0.0;
  for (const auto& s : res.samples())
    worst = std::max(worst, std::abs(s.element_values[iz] - (1 - std::exp(-kvo * dp * s.t))));
  EXPECT_LT(worst, 0.1 / (std::numbers::e * (dp - 0.1)) + 1e-5);  // smoothing bound, as above
  // the default opening time quoted in the catalogue
  const double t90 = std::log(10.0) / (kvo * dp);
  EXPECT_NEAR(t90, 0.17, 0.005);
}

TEST(MynardValve, FixedLeafletsKeepTheirOpening) {
  // mobility: fixed (immobile leaflets): zeta stays at initial_opening under reverse dp and the
  // valve is a fixed orifice: q = -(zeta A_max) sqrt(2|dp|/rho).
  Element e = valve({{"initial_opening", 0.3}});
  e.text_params["mobility"] = "fixed";
  const double dp = 20.0;
  const auto res = run(two_port(e, 0.0, dp, 2.0, 0.1));
  EXPECT_DOUBLE_EQ(last(res, "v", "opening"), 0.3);
  const double q_expected = -0.3 * kAnn * std::sqrt(2 * dp / kRho);
  EXPECT_NEAR(last(res, "v", "flow"), q_expected, 1e-5 * std::abs(q_expected));
}

TEST(MynardValve, InvalidParametersNameTheElement) {
  EXPECT_THROW(make_element(valve({{"M_rg", 1.5}})), std::invalid_argument);
  try {
    make_element(valve({{"M_st", 0.0}}));
    FAIL();
  } catch (const std::invalid_argument& ex) {
    EXPECT_NE(std::string(ex.what()).find("element v (mynard_valve): M_st"), std::string::npos)
        << ex.what();
  }
}

// ------------------------------------------------------------------------- Starling resistor

namespace {
// a (p_a) -> starling (R1, in group "icp") -> b (capacitor C) -> resistor R2 -> c (0 Pa).
Model starling_chain(double pa, double p_ext, double R1, double R2) {
  Model m;
  m.blood.density = kRho;
  Element s = element("s", "starling_resistor", {"a", "b"}, {{"R", R1}});
  s.external_pressure = "icp";
  m.elements.push_back(s);
  m.elements.push_back(element("cb", "capacitor", {"b"}, {{"C", 1e-9}}));
  m.elements.push_back(element("r2", "resistor", {"b", "c"}, {{"R", R2}}));
  ExternalPressureGroup g;
  g.name = "icp";
  g.pressure = TimeFunction::constant(p_ext);
  m.external_pressures.push_back(g);
  m.boundary_conditions.push_back(pressure_bc("a", TimeFunction::constant(pa)));
  m.boundary_conditions.push_back(pressure_bc("c", TimeFunction::constant(0.0)));
  m.solver.t_end = 3.0;  // > 25 time constants C R2
  m.solver.output_interval = 0.1;
  m.solver.rtol = 1e-10;
  m.solver.atol_pressure = 1e-8;
  return m;
}
}  // namespace

TEST(StarlingResistor, FlowInBothRegimes) {
  const double R = 1e8, pa = 15 * kMmHg;
  {
    // p_ext low: an ordinary series circuit, p_b = p_a R2/(R1 + R2) = 7.5 mmHg > p_ext
    const auto res = run(starling_chain(pa, 3 * kMmHg, R, R));
    EXPECT_NEAR(last(res, "s", "flow"), pa / (2 * R), 1e-9 * pa / R);
    EXPECT_NEAR(res.samples().back().node_pressure[res.node_index("b")], pa / 2, 1e-5);
    EXPECT_NEAR(last(res, "s", "waterfall"), 0.0, 1e-9);
  }
  {
    // p_ext = 10 mmHg > p_b: waterfall, Q = (p_a - p_ext)/R1 whatever happens downstream,
    // and p_b = Q R2 = 5 mmHg
    const double p_ext = 10 * kMmHg;
    for (double R2 : {R, 0.2 * R}) {
      const auto res = run(starling_chain(pa, p_ext, R, R2));
      EXPECT_NEAR(last(res, "s", "flow"), (pa - p_ext) / R, 1e-9 * pa / R) << "R2 " << R2;
      EXPECT_NEAR(res.samples().back().node_pressure[res.node_index("b")], (pa - p_ext) / R * R2,
                  1e-5);
      EXPECT_NEAR(last(res, "s", "waterfall"), 1.0, 1e-9);
    }
  }
}

TEST(StarlingResistor, SmoothingWidthAtTheSwitch) {
  // At p_ext = p_b the softplus exceeds the sharp max by s ln 2 (s = 0.1 mmHg default):
  // Q = (p_a - p_b - s ln 2)/R, and the waterfall indicator is 1/2. Sharp law for s = 0.
  const double R = 1e8, pa = 12 * kMmHg, pb = 6 * kMmHg, s = 0.1 * kMmHg;
  for (double width : {s, 0.0}) {
    Element e = element("s", "starling_resistor", {"a", "b"}, {{"R", R}});
    if (width == 0.0) e.params["smoothing"] = 0.0;
    auto block = make_element(e);
    block->external_group = 0;
    const std::vector<double> pext{pb};
    ElementContext ctx;
    ctx.density = kRho;
    ctx.external_pressures = &pext;
    const PortView ports[2] = {{pa, pa}, {pb, pb}};
    double flow[2], values[3];
    block->evaluate(ctx, nullptr, ports, flow, nullptr);
    block->output(ctx, nullptr, ports, values);
    EXPECT_NEAR(flow[0], (pa - pb - width * std::log(2.0)) / R, 1e-12 * pa / R);
    EXPECT_DOUBLE_EQ(flow[1], -flow[0]);
    EXPECT_DOUBLE_EQ(values[2], 0.5);
  }
}

// --------------------------------------------------------------------------------- stenosis

namespace {
// Flow q into node a (with a small capacitor), stenosis a -> b, b at 0 Pa: steady p_a = dp(q).
Model stenosis_flow(std::map<std::string, double> params, double q) {
  Model m;
  m.blood.density = kRho;
  m.blood.viscosity = 3.5e-3;  // 0.035 P (docs/physiology.md A5 illustration)
  m.elements.push_back(element("st", "stenosis", {"a", "b"}, params));
  m.elements.push_back(element("ca", "capacitor", {"a"}, {{"C", 1e-10}}));
  m.boundary_conditions.push_back(flow_bc("a", TimeFunction::constant(q)));
  m.boundary_conditions.push_back(pressure_bc("b", TimeFunction::constant(0.0)));
  m.solver.t_end = 4.0;
  m.solver.output_interval = 0.1;
  m.solver.rtol = 1e-9;
  m.solver.atol_pressure = 1e-8;
  m.solver.atol_flow = 1e-15;
  return m;
}
}  // namespace

TEST(Stenosis, IjvIllustrationTable) {
  // docs/physiology.md A5 [DERIVED]: D0 = 1.2 cm, L_s = 1 cm, q = 6 ml/s, rho = 1.05 g/cm^3,
  // mu = 0.035 P; total dp in mmHg, to the printed precision.
  struct Row {
    double area_reduction, total_mmHg, half_unit;
  };
  for (const Row& r : {Row{0.50, 0.04, 0.005}, Row{0.75, 0.24, 0.005}, Row{0.90, 1.8, 0.05},
                       Row{0.95, 7.7, 0.05}}) {
    const auto res = run(stenosis_flow(
        {{"reference_diameter", 0.012}, {"length", 0.01}, {"area_reduction", r.area_reduction}},
        6e-6));
    const double dp = res.samples().back().node_pressure[res.node_index("a")] / kMmHg;
    EXPECT_NEAR(dp, r.total_mmHg, r.half_unit) << r.area_reduction * 100 << " % area";
    EXPECT_NEAR(last(res, "st", "flow"), 6e-6, 1e-12);
    EXPECT_NEAR(last(res, "st", "pressure_drop") / kMmHg, dp, 1e-12);
  }
}

TEST(Stenosis, DiameterReductionEqualsItsAreaReduction) {
  // 50 % in diameter is 75 % in area: the two specifications are the same element.
  const std::map<std::string, double> base{{"reference_diameter", 0.012}, {"length", 0.01}};
  auto with = [&](const std::string& key, double v) {
    auto p = base;
    p[key] = v;
    return run(stenosis_flow(p, 6e-6));
  };
  const auto by_d = with("diameter_reduction", 0.5);
  const auto by_a = with("area_reduction", 0.75);
  ASSERT_EQ(by_d.samples().size(), by_a.samples().size());
  const auto ia = by_d.node_index("a");
  for (std::size_t i = 0; i < by_d.samples().size(); ++i)
    EXPECT_NEAR(by_d.samples()[i].node_pressure[ia], by_a.samples()[i].node_pressure[ia],
                1e-9 * kMmHg);
}

TEST(Stenosis, InertanceStepResponse) {
  // No narrowing (area_reduction 0): B = 0 and L dq/dt = dp - R_v q with
  // R_v = 32 (0.83 L_s + 1.64 D0)/D0 mu/(A0 D0), L = 1.2 rho L_s/A0 (Young & Tsai), so
  // q = dp/R_v (1 - exp(-R_v t/L)).
  const double d0 = 0.012, ls = 0.01, mu = 3.5e-3, dp = 1.0;
  const double a0 = std::numbers::pi * d0 * d0 / 4;
  const double rv = 32 * (0.83 * ls + 1.64 * d0) / d0 * mu / (a0 * d0);
  const double L = 1.2 * kRho * ls / a0;
  const auto res =
      run(two_port(element("st", "stenosis", {"a", "b"},
                           {{"reference_diameter", d0}, {"length", ls}, {"area_reduction", 0.0}}),
                   dp, 0.0, 3.0, 0.05));
  const auto iq = res.element_value_index("st", "flow");
  double worst = 0.0;
  for (const auto& s : res.samples())
    worst =
        std::max(worst, std::abs(s.element_values[iq] - dp / rv * (1 - std::exp(-rv * s.t / L))));
  EXPECT_LT(worst, 1e-6 * dp / rv);
}

TEST(Stenosis, ExactlyOneSeverityIsRequired) {
  const std::map<std::string, double> base{{"reference_diameter", 0.012}, {"length", 0.01}};
  auto msg = [](std::map<std::string, double> p) {
    try {
      make_element(element("narrow", "stenosis", {"a", "b"}, p));
    } catch (const std::invalid_argument& e) {
      return std::string(e.what());
    }
    return std::string("no exception");
  };
  auto both = base;
  both["area_reduction"] = 0.5;
  both["diameter_reduction"] = 0.5;
  EXPECT_NE(msg(base).find("element narrow (stenosis): give exactly one of area_reduction and "
                           "diameter_reduction (neither"),
            std::string::npos)
      << msg(base);
  EXPECT_NE(msg(both).find("(both"), std::string::npos) << msg(both);
  auto nan = base;  // the loader's "not given"
  nan["area_reduction"] = std::numeric_limits<double>::quiet_NaN();
  nan["diameter_reduction"] = 0.3;
  EXPECT_EQ(msg(nan), "no exception");
}

// ------------------------------------------------------------------- YAML and the catalogue

namespace {
const std::string kYamlBase = R"(venoflow: 1
blood: {density: 1050 kg/m^3, viscosity: 3.5 mPa s}
external_pressures:
  - {name: icp, pressure: 10 mmHg}
vessels:
  - name: v1
    from: a
    to: b
    length: 10 cm
    radius: 5 mm
    tube_law: {type: elastic, youngs_modulus: 400 kPa, wall_thickness: 0.5 mm}
boundary_conditions:
  - node: a
    pressure: 10 mmHg
  - node: c
    pressure: 5 mmHg
elements:
)";
Model load(const std::string& element_yaml) {
  return ModelDocument::from_string(kYamlBase + element_yaml, "m.yaml").build();
}
}  // namespace

TEST(VenousElementsYaml, MynardValve) {
  const Model m = load(
      "  - {name: v, type: mynard_valve, nodes: [b, c], annulus_area: 1 cm^2, M_st: 0.8, "
      "M_rg: 5 %, K_vo: 0.2 1/(Pa s), mobility: fixed}\n");
  const Element& e = *m.find_element("v");
  EXPECT_DOUBLE_EQ(e.params.at("annulus_area"), 1e-4);
  EXPECT_DOUBLE_EQ(e.params.at("M_st"), 0.8);   // bare number
  EXPECT_DOUBLE_EQ(e.params.at("M_rg"), 0.05);  // percent
  EXPECT_DOUBLE_EQ(e.params.at("K_vo"), 0.2);
  EXPECT_DOUBLE_EQ(e.params.at("K_vc"), 0.1);  // defaults
  EXPECT_DOUBLE_EQ(e.params.at("effective_length"), 0.01);
  EXPECT_DOUBLE_EQ(e.params.at("initial_opening"), 1.0);
  EXPECT_EQ(e.text_params.at("mobility"), "fixed");
  EXPECT_NO_THROW(Simulation{m});
  EXPECT_THROW(load("  - {name: v, type: mynard_valve, nodes: [b, c], M_st: 0.8}\n"),
               ModelError);  // annulus_area is required
  EXPECT_THROW(load("  - {name: v, type: mynard_valve, nodes: [b, c], annulus_area: 1 cm^2, "
                    "mobility: stuck}\n"),
               ModelError);
}

TEST(VenousElementsYaml, StarlingResistor) {
  const Model m = load(
      "  - {name: s, type: starling_resistor, nodes: [b, c], R: 0.5 mmHg s/ml, "
      "external_pressure: icp}\n");
  const Element& e = *m.find_element("s");
  EXPECT_NEAR(e.params.at("R"), 0.5 * kMmHg * 1e6, 1e-3);
  EXPECT_NEAR(e.params.at("smoothing"), 0.1 * kMmHg, 1e-12);
  EXPECT_EQ(e.external_pressure, "icp");
  EXPECT_THROW(load("  - {name: s, type: starling_resistor, nodes: [b, c], R: 0 Pa s m^-3}\n"),
               ModelError);  // resistances must be > 0
}

TEST(VenousElementsYaml, Stenosis) {
  const Model m = load(
      "  - {name: st, type: stenosis, nodes: [b, c], reference_diameter: 12 mm, length: 1 cm, "
      "diameter_reduction: 50 %}\n");
  const Element& e = *m.find_element("st");
  EXPECT_DOUBLE_EQ(e.params.at("reference_diameter"), 0.012);
  EXPECT_DOUBLE_EQ(e.params.at("diameter_reduction"), 0.5);
  EXPECT_DOUBLE_EQ(e.params.at("K_t"), 1.52);
  EXPECT_DOUBLE_EQ(e.params.at("K_u"), 1.2);
  EXPECT_NO_THROW(Simulation{m});
  // neither severity: the loader reports it at the element (so `check` and Python's validate
  // see it), and building such an element in code names it too
  EXPECT_THROW(load("  - {name: st, type: stenosis, nodes: [b, c], reference_diameter: 12 mm, "
                    "length: 1 cm}\n"),
               ModelError);
  Element none = e;
  none.params.erase("diameter_reduction");
  EXPECT_THROW(make_element(none), std::invalid_argument);
}

TEST(VenousElements, ImplementedTypesMatchTheCatalogue) {
  std::vector<std::string> catalogue;
  for (const auto& t : element_types()) catalogue.push_back(t.type);
  std::vector<std::string> implemented = implemented_element_types();
  std::sort(catalogue.begin(), catalogue.end());
  std::sort(implemented.begin(), implemented.end());
  EXPECT_EQ(implemented, catalogue);
  for (const auto& t : catalogue) {
    Element e;
    e.name = "x";
    e.type = t;
    // every catalogue type is known to make_element (missing parameters may throw, but not
    // "unknown type")
    try {
      make_element(e);
    } catch (const std::invalid_argument& ex) {
      EXPECT_EQ(std::string(ex.what()).find("unknown type"), std::string::npos) << ex.what();
    }
  }
}

TEST(VenousElements, ValveBetweenVesselsConservesMass) {
  // Vessel - valve - vessel under an oscillating upstream pressure (mean forward 2 mmHg,
  // amplitude 3 mmHg). The valve holds no volume, so the run's stored volume change equals the
  // boundary inflow (to the Newton tolerance, as Network.MassIsConservedOverARun), and the
  // opening stays in [0, 1].
  Model m;
  m.blood.density = kRho;
  const auto law = elastic_law(400e3, 0.5e-3);
  m.vessels.push_back(vessel("up", "a", "m", 0.05, 5e-3, law, 4));
  m.vessels.push_back(vessel("down", "n", "b", 0.05, 5e-3, law, 4));
  m.elements.push_back(element("v", "mynard_valve", {"m", "n"}, {{"annulus_area", 7.85e-5}}));
  m.boundary_conditions.push_back(
      pressure_bc("a", TimeFunction::sine(10 * kMmHg, 3 * kMmHg, 1.0, 0.0)));
  m.boundary_conditions.push_back(pressure_bc("b", TimeFunction::constant(8 * kMmHg)));
  m.initial.pressure = 9 * kMmHg;
  m.solver.period = 1.0;
  m.solver.cycles = 3;
  m.solver.output_interval = 0.01;
  const auto res = run(m);
  const double err = res.metrics.at("volume_balance_error").value;
  const double vol = res.metrics.at("stored_volume").value;
  EXPECT_LT(std::abs(err), 1e-7 * vol);
  const auto iz = res.element_value_index("v", "opening");
  for (const auto& s : res.samples()) {
    EXPECT_GE(s.element_values[iz], -1e-8);
    EXPECT_LE(s.element_values[iz], 1.0 + 1e-8);
  }
}
