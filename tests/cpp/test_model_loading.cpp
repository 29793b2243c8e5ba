// Loading, validating and overriding model files (format/). Expected SI values are computed by
// hand from the unit table; diagnostics are checked for key path, line and message.
#include <gtest/gtest.h>

#include <cmath>
#include <filesystem>
#include <fstream>
#include <numbers>
#include <sstream>
#include <string>
#include <vector>

#include "format/schema.hpp"
#include "venoflow/element_types.hpp"
#include "venoflow/model_document.hpp"

using namespace venoflow;

namespace {

std::string data_dir() {
  const char* env = std::getenv("VENOFLOW_SOURCE_DIR");
  return std::string(env ? env : VENOFLOW_SOURCE_DIR) + "/tests/data";
}

// A valid two-node network: one vessel between two pressure boundary conditions.
const std::string kBase = R"(venoflow: 1
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
  - node: b
    pressure: 5 mmHg
)";

Model build(const std::string& yaml) { return ModelDocument::from_string(yaml, "m.yaml").build(); }

std::vector<Diagnostic> diagnostics(const std::string& yaml) {
  try {
    build(yaml);
  } catch (const ModelError& e) {
    return e.diagnostics();
  }
  return {};
}

std::string dump(const std::vector<Diagnostic>& d) {
  std::string s;
  for (const auto& x : d) s += "  " + x.str() + "\n";
  return s;
}

const Diagnostic* find_diag(const std::vector<Diagnostic>& d, const std::string& key,
                            const std::string& text) {
  for (const auto& x : d)
    if (x.key == key && x.message.find(text) != std::string::npos) return &x;
  return nullptr;
}

// The model must fail with a diagnostic at `key` whose message contains `text`.
#define EXPECT_DIAG(yaml, key, text)                                    \
  do {                                                                  \
    auto d_ = diagnostics(yaml);                                        \
    EXPECT_NE(find_diag(d_, key, text), nullptr)                        \
        << "expected '" << (key) << "': ..." << (text) << "... among\n" \
        << dump(d_);                                                    \
  } while (0)

std::string replace(std::string s, const std::string& from, const std::string& to) {
  auto pos = s.find(from);
  if (pos == std::string::npos) throw std::runtime_error("test bug: '" + from + "' not found");
  return s.replace(pos, from.size(), to);
}

constexpr double kMmHg = 133.322387415;

}  // namespace

// ---------------------------------------------------------------- valid models

TEST(ModelLoading, MinimalModelInSI) {
  Model m = build(kBase);
  ASSERT_EQ(m.vessels.size(), 1u);
  const Vessel& v = m.vessels[0];
  EXPECT_EQ(v.name, "v1");
  EXPECT_EQ(v.from_node, "a");
  EXPECT_EQ(v.to_node, "b");
  EXPECT_DOUBLE_EQ(v.length, 0.1);
  EXPECT_DOUBLE_EQ(v.radius_in, 5e-3);
  EXPECT_DOUBLE_EQ(v.radius_out, 5e-3);
  EXPECT_EQ(tube_law_name(v.tube_law), "elastic");
  EXPECT_DOUBLE_EQ(std::get<ElasticTubeLaw>(v.tube_law).youngs_modulus, 4e5);
  EXPECT_DOUBLE_EQ(std::get<ElasticTubeLaw>(v.tube_law).wall_thickness, 5e-4);
  EXPECT_EQ(v.cells, 10);  // 10 cm / default dx 1 cm
  EXPECT_EQ(v.where.line, 3);
  ASSERT_EQ(m.nodes.size(), 2u);
  EXPECT_EQ(m.nodes[0].name, "a");
  EXPECT_EQ(m.nodes[1].name, "b");
  ASSERT_EQ(m.boundary_conditions.size(), 2u);
  EXPECT_EQ(m.boundary_conditions[0].kind, BoundaryCondition::Kind::Pressure);
  EXPECT_DOUBLE_EQ(m.boundary_conditions[0].value(0.3), 10 * kMmHg);
  // defaults
  EXPECT_DOUBLE_EQ(m.blood.density, 1060.0);
  EXPECT_DOUBLE_EQ(m.blood.viscosity, 4e-3);
  EXPECT_DOUBLE_EQ(m.solver.rtol, 1e-6);
  EXPECT_DOUBLE_EQ(m.solver.period, 0.0);
  EXPECT_FALSE(m.solver.cycles.has_value());  // neither cycles nor t_end: not an error here
  EXPECT_FALSE(m.solver.t_end.has_value());
  EXPECT_EQ(m.name, "m");  // file stem
  EXPECT_EQ(m.source_file, "");
  EXPECT_NE(m.resolved_yaml.find("youngs_modulus: 400 kPa"), std::string::npos);
}

TEST(ModelLoading, CarotidFileWithRelativeTableFile) {
  // load from another working directory: the table file resolves next to the model file
  auto old = std::filesystem::current_path();
  std::filesystem::current_path(std::filesystem::temp_directory_path());
  Model m;
  ASSERT_NO_THROW(m = load_model(data_dir() + "/carotid/model.yaml"));
  std::filesystem::current_path(old);
  EXPECT_EQ(m.name, "carotid_rcr");
  EXPECT_EQ(m.source_file, data_dir() + "/carotid/model.yaml");
  EXPECT_DOUBLE_EQ(m.blood.profile_zeta, 2.0);
  EXPECT_DOUBLE_EQ(m.initial.pressure, 10930.0);
  EXPECT_EQ(m.solver.cycles, 10);
  EXPECT_DOUBLE_EQ(m.solver.period, 1.1);  // inferred from the inlet table
  EXPECT_EQ(m.vessels[0].cells, 63);       // 126 mm / 2 mm
  EXPECT_DOUBLE_EQ(m.vessels[0].radius_in, 2.6485e-3);
  const auto& bc = m.boundary_conditions.at(0);
  EXPECT_EQ(bc.kind, BoundaryCondition::Kind::Flow);
  EXPECT_EQ(bc.value.kind(), TimeFunction::Kind::Table);
  EXPECT_NEAR(bc.value(0.05), 8.5e-6, 1e-18);      // halfway between 5 and 12 ml/s
  EXPECT_NEAR(bc.value(1.1 + 0.2), 16e-6, 1e-18);  // periodic: 12 + (20-12)/2
  EXPECT_NEAR(bc.value(1.05), 5e-6, 1e-18);        // wrap segment 1.0 -> 1.1: both 5 ml/s
  const Element* wk = m.find_element("outlet_wk");
  ASSERT_NE(wk, nullptr);
  EXPECT_EQ(wk->type, "windkessel3");
  EXPECT_EQ(wk->nodes, std::vector<std::string>{"outlet"});
  EXPECT_DOUBLE_EQ(wk->params.at("R1"), 2.4875e8);
  EXPECT_DOUBLE_EQ(wk->params.at("C"), 1.7529e-10);
  EXPECT_DOUBLE_EQ(wk->params.at("R2"), 1.8697e9);
  EXPECT_DOUBLE_EQ(wk->params.at("p_out"), 0.0);  // default
  EXPECT_NE(m.find_vessel("cca"), nullptr);
  EXPECT_NE(m.find_node("outlet"), nullptr);
  EXPECT_EQ(m.find_vessel("nope"), nullptr);
}

TEST(ModelLoading, TableFileFromStringUsesBaseDir) {
  std::string yaml = replace(kBase, "    pressure: 10 mmHg",
                             "    pressure: {table: {file: cca_inlet.dat, columns: [s, mmHg]}}");
  auto doc = ModelDocument::from_string(yaml, "x.yaml", data_dir() + "/carotid");
  Model m = doc.build();
  EXPECT_NEAR(m.boundary_conditions[0].value(0.2), 16 * kMmHg, 1e-9);
  EXPECT_NEAR(m.boundary_conditions[0].value(5.0), 5 * kMmHg, 1e-9);  // held, not periodic
  // without the base directory the file is not found, and the message names the key
  EXPECT_DIAG(yaml, "boundary_conditions.a.pressure.table.file", "cannot open table file");
}

TEST(ModelLoading, InlineTimeFunctions) {
  std::string yaml = replace(kBase, "    pressure: 10 mmHg", R"(    pressure:
      fourier: {mean: 10 mmHg, unit: mmHg, harmonics: [[2, 0.5], [1, -1]]}
      period: 0.8 s)");
  yaml = replace(yaml, "    pressure: 5 mmHg",
                 "    pressure: {sine: {mean: -3 mmHg, amplitude: 2 mmHg, phase: 90 deg}, "
                 "period: 0.8 s}");
  yaml += R"(posture:
  tilt: {table: {time: s, value: deg, points: [[0, 0], [10, 90]]}}
)";
  Model m = build(yaml);
  const auto& f = m.boundary_conditions[0].value;
  EXPECT_EQ(f.kind(), TimeFunction::Kind::Fourier);
  EXPECT_NEAR(f(0.0), (10 + 2 * std::sin(0.5) + std::sin(-1.0)) * kMmHg, 1e-9);
  const auto& g = m.boundary_conditions[1].value;
  EXPECT_NEAR(g(0.0), -1 * kMmHg, 1e-9);  // -3 + 2 sin(90 deg)
  EXPECT_DOUBLE_EQ(m.solver.period, 0.8);
  EXPECT_NEAR(m.posture.tilt(5.0), std::numbers::pi / 4, 1e-12);
}

TEST(ModelLoading, BothElasticParameterisations) {
  Model m = build(kBase);
  EXPECT_DOUBLE_EQ(std::get<ElasticTubeLaw>(m.vessels[0].tube_law).wall_thickness, 5e-4);
  std::string rule = replace(kBase, "wall_thickness: 0.5 mm",
                             "wall_thickness_rule: openbf_empirical, reference: diastolic, "
                             "reference_pressure: 80 mmHg");
  Model r = build(rule);
  EXPECT_EQ(std::get<ElasticTubeLaw>(r.vessels[0].tube_law).wall_thickness_rule,
            "openbf_empirical");
  EXPECT_DOUBLE_EQ(std::get<ElasticTubeLaw>(r.vessels[0].tube_law).wall_thickness, 0.0);
  EXPECT_EQ(std::get<ElasticTubeLaw>(r.vessels[0].tube_law).reference, "diastolic");
  EXPECT_DOUBLE_EQ(std::get<ElasticTubeLaw>(r.vessels[0].tube_law).reference_pressure, 80 * kMmHg);
}

TEST(ModelLoading, VenousParameterisations) {
  const std::string law = "{type: elastic, youngs_modulus: 400 kPa, wall_thickness: 0.5 mm}";
  Model k = build(replace(kBase, law, "{type: venous, stiffness: 5 mmHg}"));
  EXPECT_DOUBLE_EQ(std::get<VenousTubeLaw>(k.vessels[0].tube_law).stiffness, 5 * kMmHg);
  EXPECT_DOUBLE_EQ(std::get<VenousTubeLaw>(k.vessels[0].tube_law).m, 10.0);
  EXPECT_DOUBLE_EQ(std::get<VenousTubeLaw>(k.vessels[0].tube_law).n, -1.5);
  Model c = build(replace(kBase, law, "{type: venous, wave_speed: 2 m/s, m: 8, n: -2}"));
  EXPECT_DOUBLE_EQ(std::get<VenousTubeLaw>(c.vessels[0].tube_law).wave_speed, 2.0);
  EXPECT_DOUBLE_EQ(std::get<VenousTubeLaw>(c.vessels[0].tube_law).m, 8.0);
  Model e =
      build(replace(kBase, law, "{type: venous, youngs_modulus: 1 MPa, wall_thickness: 1 mm}"));
  EXPECT_DOUBLE_EQ(std::get<VenousTubeLaw>(e.vessels[0].tube_law).youngs_modulus, 1e6);
}

TEST(ModelLoading, TaperGravityNodesAndSolverSettings) {
  // 31 cm: at least the 30.07 cm between a and b (a vessel falls at most its length)
  std::string yaml = replace(replace(kBase, "radius: 5 mm", "radius: {in: 5 mm, out: 4 mm}"),
                             "length: 10 cm", "length: 31 cm");
  yaml += R"(gravity: {enabled: true, g: 9.8 m/s^2}
nodes:
  - {name: a, height: 30 cm, anterior: 2 cm}
solver:
  t_end: 2 s
  rtol: 1e-5
  atol_pressure: 1 mPa
  max_step: 0.5 ms
  stop_at_steady_state: true
  max_cycles: 40
  keep_last_cycles: 2
)";
  Model m = build(yaml);
  EXPECT_DOUBLE_EQ(m.vessels[0].radius_in, 5e-3);
  EXPECT_DOUBLE_EQ(m.vessels[0].radius_out, 4e-3);
  EXPECT_TRUE(m.gravity.enabled);
  EXPECT_DOUBLE_EQ(m.gravity.g, 9.8);
  EXPECT_DOUBLE_EQ(m.find_node("a")->height, 0.3);
  EXPECT_DOUBLE_EQ(m.find_node("a")->anterior, 0.02);
  EXPECT_DOUBLE_EQ(m.find_node("b")->height, 0.0);
  EXPECT_EQ(m.solver.t_end, 2.0);
  EXPECT_DOUBLE_EQ(m.solver.rtol, 1e-5);
  EXPECT_DOUBLE_EQ(m.solver.atol_pressure, 1e-3);
  EXPECT_DOUBLE_EQ(m.solver.max_step, 5e-4);
  EXPECT_TRUE(m.solver.stop_at_steady_state);
  EXPECT_EQ(m.solver.max_cycles, 40);
  EXPECT_EQ(m.solver.keep_last_cycles, 2);
}

TEST(ModelLoading, CellsFromDxCellsAndLumped) {
  EXPECT_EQ(build(kBase + "discretisation: {dx: 3 cm}\n").vessels[0].cells, 3);  // round(3.33)
  EXPECT_EQ(build(replace(kBase, "length: 10 cm", "length: 10 cm\n    dx: 4 cm")).vessels[0].cells,
            3);  // round(2.5) = 3 (away from zero)
  EXPECT_EQ(build(replace(kBase, "length: 10 cm", "length: 10 cm\n    cells: 7")).vessels[0].cells,
            7);
  EXPECT_EQ(build(kBase + "discretisation: {dx: 1 m}\n").vessels[0].cells, 1);  // at least 1
  EXPECT_EQ(build(replace(kBase, "length: 10 cm", "length: 10 cm\n    cells: 7") +
                  "discretisation: {lumped: true}\n")
                .vessels[0]
                .cells,
            1);
}

TEST(ModelLoading, ElementsAndExternalPressures) {
  std::string yaml = kBase + R"(external_pressures:
  - name: thorax
    pressure: {sine: {mean: -3 mmHg, amplitude: 2 mmHg}, period: 4 s}
elements:
  - {name: r1, type: resistor, nodes: [b, c], R: 1 mmHg s/ml}
  - {name: c1, type: capacitor, nodes: [c], C: 2 ml/mmHg, external_pressure: thorax}
  - {name: l1, type: inductor, nodes: [c, d], L: 1e6 Pa s^2 m^-3}
  - {name: wk, type: windkessel3, nodes: [d], R1: 1e8 Pa s m^-3, C: 1e-9 m^3/Pa, R2: 1e9 Pa s m^-3, p_out: 5 mmHg}
  - {name: c2, type: capacitor, nodes: [d], C: 1 ml/mmHg}
)";
  Model m = build(yaml);
  EXPECT_DOUBLE_EQ(m.find_element("r1")->params.at("R"), kMmHg * 1e6);
  EXPECT_DOUBLE_EQ(m.find_element("c1")->params.at("C"), 2e-6 / kMmHg);
  EXPECT_EQ(m.find_element("c1")->external_pressure, "thorax");
  EXPECT_DOUBLE_EQ(m.find_element("l1")->params.at("R"), 0.0);  // default
  EXPECT_DOUBLE_EQ(m.find_element("wk")->params.at("p_out"), 5 * kMmHg);
  ASSERT_EQ(m.external_pressures.size(), 1u);
  EXPECT_NEAR(m.external_pressures[0].pressure(1.0), -1 * kMmHg, 1e-9);
  EXPECT_EQ(m.nodes.size(), 4u);
}

TEST(ModelLoading, ElementCatalogue) {
  const auto& t = element_types();
  ASSERT_GE(t.size(), 4u);  // the solver-side list is checked in test_venous_elements.cpp
  for (const auto& e : t) EXPECT_FALSE(e.doc.empty()) << e.type;
  EXPECT_EQ(find_element_type("resistor")->ports.size(), 2u);
  EXPECT_EQ(find_element_type("inductor")->ports.size(), 2u);
  EXPECT_TRUE(find_element_type("capacitor")->has_external_pressure);
  EXPECT_EQ(find_element_type("windkessel3")->parameters.size(), 4u);
  EXPECT_EQ(find_element_type("diode"), nullptr);
}

// ---------------------------------------------------------------- many problems at once

TEST(ModelValidation, BrokenFileReportsEveryProblemWithLines) {
  const std::string file = data_dir() + "/broken.yaml";
  try {
    load_model(file);
    FAIL() << "broken.yaml loaded";
  } catch (const ModelError& e) {
    const auto& d = e.diagnostics();
    struct Want {
      const char* key;
      const char* text;
      int line;
    };
    const Want wants[] = {
        {"blood.density", "must be > 0", 3},
        {"blood.viscosty", "did you mean 'viscosity'", 4},
        {"solver.rtol", "must be > 0", 6},
        {"vessels.a.from", "terminal node 'n1' without a boundary condition", 9},
        {"vessels.a.length", "expected a length (L), got a pressure", 11},
        {"vessels.a.radius", "missing unit in '3'", 12},
        {"vessels.a.tube_law.wall_thickness", "needs wall_thickness", 13},
        {"elements.wk.R2", "missing required key 'R2'", 15},
        {"boundary_conditions.n9.node", "no vessel or element uses", 21},
    };
    for (const auto& w : wants) {
      const Diagnostic* x = find_diag(d, w.key, w.text);
      ASSERT_NE(x, nullptr) << w.key << " / " << w.text << " not among\n" << dump(d);
      EXPECT_EQ(x->where.file, file);
      EXPECT_EQ(x->where.line, w.line) << x->str();
    }
    EXPECT_EQ(find_diag(d, "blood.density", "")->where.column, 12);
    EXPECT_EQ(d.size(), std::size(wants)) << dump(d);
    // what() lists every diagnostic, one per line, as file:line:col: key: message
    std::string what = e.what();
    EXPECT_NE(what.find(file + ":3:12: blood.density: must be > 0"), std::string::npos) << what;
    EXPECT_EQ(static_cast<size_t>(std::count(what.begin(), what.end(), '\n')), d.size());
  }
}

TEST(ModelValidation, YamlSyntaxErrorHasLine) {
  try {
    ModelDocument::from_string("venoflow: 1\nvessels: [\n  - a: b\n", "bad.yaml");
    FAIL();
  } catch (const ModelError& e) {
    ASSERT_EQ(e.diagnostics().size(), 1u);
    EXPECT_EQ(e.diagnostics()[0].where.file, "bad.yaml");
    EXPECT_GT(e.diagnostics()[0].where.line, 0);
    EXPECT_NE(e.diagnostics()[0].message.find("YAML syntax error"), std::string::npos);
  }
  EXPECT_THROW(ModelDocument::from_file(data_dir() + "/no_such_file.yaml"), ModelError);
}

// ---------------------------------------------------------------- one test per rule

TEST(ModelValidation, UnknownKeySuggestsClosest) {
  EXPECT_DIAG(kBase + "solver: {rtoll: 1e-6}\n", "solver.rtoll", "did you mean 'rtol'");
  EXPECT_DIAG(replace(kBase, "length: 10 cm", "lenght: 10 cm"), "vessels.v1.lenght",
              "did you mean 'length'");
  EXPECT_DIAG(kBase + "extra: 1\n", "extra", "unknown key 'extra'");
  EXPECT_DIAG(kBase +
                  "elements:\n  - {name: r, type: resistor, nodes: [a, b], R: 1 Pa s m^-3, "
                  "C: 1 m^3/Pa}\n",
              "elements.r.C", "unknown key 'C'");
}

TEST(ModelValidation, MissingRequiredKeys) {
  EXPECT_DIAG(replace(kBase, "    length: 10 cm\n", ""), "vessels.v1.length",
              "missing required key 'length'");
  EXPECT_DIAG(replace(kBase, "    to: b\n", ""), "vessels.v1.to", "missing required key 'to'");
  EXPECT_DIAG("venoflow: 1\n", "vessels", "missing required key 'vessels'");
  EXPECT_DIAG(kBase + "elements:\n  - {name: r, type: resistor, nodes: [a, b]}\n", "elements.r.R",
              "missing required key 'R'");
}

TEST(ModelValidation, WrongTypes) {
  EXPECT_DIAG(replace(kBase, "length: 10 cm", "length: [10, cm]"), "vessels.v1.length",
              "expected a length");
  EXPECT_DIAG(kBase + "blood: 5\n", "blood", "expected a map");
  EXPECT_DIAG(kBase + "solver: {cycles: 2.5}\n", "solver.cycles", "expected a whole number");
  EXPECT_DIAG(kBase + "gravity: {enabled: maybe}\n", "gravity.enabled", "expected true or false");
  EXPECT_DIAG(replace(kBase, "type: elastic", "type: elastc"), "vessels.v1.tube_law.type",
              "did you mean 'elastic'");
}

TEST(ModelValidation, UnitsAndDimensions) {
  EXPECT_DIAG(replace(kBase, "10 mmHg", "10 mmHG"), "boundary_conditions.a.pressure",
              "unknown unit 'mmHG' in '10 mmHG'");
  EXPECT_DIAG(replace(kBase, "radius: 5 mm", "radius: 5 mmHg"), "vessels.v1.radius",
              "expected a length (L), got a pressure");
  EXPECT_DIAG(replace(kBase, "10 mmHg", "10"), "boundary_conditions.a.pressure",
              "missing unit in '10'");
  EXPECT_DIAG(kBase + "blood: {viscosity: 0.004}\n", "blood.viscosity", "missing unit");
}

TEST(ModelValidation, NonPositiveValues) {
  EXPECT_DIAG(replace(kBase, "length: 10 cm", "length: 0 cm"), "vessels.v1.length", "must be > 0");
  EXPECT_DIAG(replace(kBase, "radius: 5 mm", "radius: -5 mm"), "vessels.v1.radius", "must be > 0");
  EXPECT_DIAG(replace(kBase, "radius: 5 mm", "radius: {in: 5 mm, out: 0 mm}"),
              "vessels.v1.radius.out", "must be > 0");
  EXPECT_DIAG(replace(kBase, "400 kPa", "-400 kPa"), "vessels.v1.tube_law.youngs_modulus",
              "must be > 0");
  EXPECT_DIAG(replace(kBase, "0.5 mm}", "0 mm}"), "vessels.v1.tube_law.wall_thickness",
              "must be > 0");
  EXPECT_DIAG(kBase + "blood: {density: 0 kg/m^3, viscosity: -1 mPa s}\n", "blood.density",
              "must be > 0");
  // Viscosity may be 0 (inviscid benchmark case 1) but not negative.
  EXPECT_DIAG(kBase + "blood: {density: 0 kg/m^3, viscosity: -1 mPa s}\n", "blood.viscosity",
              "must be >= 0");
  const std::string el = kBase + "elements:\n";
  EXPECT_DIAG(el + "  - {name: r, type: resistor, nodes: [a, b], R: 0 Pa s m^-3}\n", "elements.r.R",
              "must be > 0");
  EXPECT_DIAG(el + "  - {name: c, type: capacitor, nodes: [a], C: -1 m^3/Pa}\n", "elements.c.C",
              "must be > 0");
  EXPECT_DIAG(el + "  - {name: l, type: inductor, nodes: [a, b], L: 0 Pa s^2 m^-3}\n",
              "elements.l.L", "must be > 0");
  EXPECT_DIAG(el + "  - {name: l, type: inductor, nodes: [a, b], L: 1 Pa s^2 m^-3, R: -1 Pa s "
                   "m^-3}\n",
              "elements.l.R", "must be >= 0");
  EXPECT_NO_THROW(build(el + "  - {name: l, type: inductor, nodes: [a, b], L: 1 Pa s^2 m^-3, "
                             "R: 0 Pa s m^-3}\n"));
}

TEST(ModelValidation, CellsAndTolerances) {
  EXPECT_DIAG(replace(kBase, "length: 10 cm", "length: 10 cm\n    cells: 0"), "vessels.v1.cells",
              "must be >= 1");
  EXPECT_DIAG(kBase + "solver: {rtol: 0}\n", "solver.rtol", "must be > 0");
  EXPECT_DIAG(kBase + "solver: {rtol: -1e-6}\n", "solver.rtol", "must be > 0");
  EXPECT_DIAG(kBase + "discretisation: {dx: 0 mm}\n", "discretisation.dx", "must be > 0");
}

TEST(ModelValidation, DanglingNodeReferences) {
  EXPECT_DIAG(kBase + "  - node: zz\n    flow: 1 ml/s\n", "boundary_conditions.zz.node",
              "which no vessel or element uses");
  EXPECT_DIAG(kBase + "nodes:\n  - {name: q, height: 1 m}\n", "nodes.q.name",
              "not used by any vessel or element");
}

TEST(ModelValidation, DuplicateNames) {
  std::string dup_vessel = kBase +
                           "elements:\n  - {name: v1, type: resistor, nodes: [a, b], R: 1 "
                           "Pa s m^-3}\n";
  EXPECT_DIAG(dup_vessel, "elements.v1.name", "duplicate name 'v1'");
  EXPECT_DIAG(kBase + "nodes:\n  - {name: a}\n  - {name: a}\n", "nodes.a.name",
              "duplicate node 'a'");
  EXPECT_DIAG(kBase + "  - node: a\n    pressure: 1 mmHg\n", "boundary_conditions.a.node",
              "second boundary condition");
  EXPECT_DIAG(replace(kBase, "    pressure: 5 mmHg", "    pressure: 5 mmHg\n    flow: 1 ml/s"),
              "boundary_conditions.b", "either pressure or flow, not both");
  EXPECT_DIAG(kBase +
                  "external_pressures:\n  - {name: t, pressure: 0 Pa}\n  - {name: t, "
                  "pressure: 1 Pa}\n",
              "external_pressures.t.name", "duplicate external-pressure group");
}

TEST(ModelValidation, VesselFromEqualsTo) {
  EXPECT_DIAG(replace(kBase, "to: b", "to: a"), "vessels.v1.to", "starts and ends at node 'a'");
}

TEST(ModelValidation, ElementPortsAndType) {
  EXPECT_DIAG(kBase + "elements:\n  - {name: r, type: resistor, nodes: [a], R: 1 Pa s m^-3}\n",
              "elements.r.nodes", "a resistor has 2 ports [a, b], got 1 node");
  EXPECT_DIAG(kBase +
                  "elements:\n  - {name: w, type: windkessel3, nodes: [a, b], R1: 1 Pa s "
                  "m^-3, C: 1 m^3/Pa, R2: 1 Pa s m^-3}\n",
              "elements.w.nodes", "has 1 port");
  EXPECT_DIAG(kBase + "elements:\n  - {name: r, type: resistr, nodes: [a, b], R: 1 Pa s m^-3}\n",
              "elements.r.type", "did you mean 'resistor'");
  EXPECT_DIAG(kBase +
                  "elements:\n  - {name: r, type: resistor, nodes: [a, b], R: 1 Pa s m^-3, "
                  "external_pressure: t}\n",
              "elements.r.external_pressure", "unknown key");
}

TEST(ModelValidation, DisconnectedNetwork) {
  // a second vessel c-d with only flow boundary conditions, not joined to a-b
  std::string yaml = replace(kBase, "boundary_conditions:", R"(  - name: v2
    from: c
    to: d
    length: 5 cm
    radius: 2 mm
    tube_law: {type: venous, stiffness: 3 mmHg}
boundary_conditions:
  - node: c
    flow: 1 ml/s
  - node: d
    flow: -1 ml/s)");
  auto d = diagnostics(yaml);
  const Diagnostic* x =
      find_diag(d, "vessels.v2", "network is disconnected: {c, d} not connected to {a, b}");
  ASSERT_NE(x, nullptr) << dump(d);
  EXPECT_EQ(x->where.line, 9);
  EXPECT_EQ(d.size(), 1u) << dump(d);
  // a separate part with its own pressure boundary condition is allowed
  EXPECT_NO_THROW(build(replace(yaml, "    flow: -1 ml/s", "    pressure: 0 Pa")));
}

TEST(ModelValidation, TerminalNodeWithoutBoundaryCondition) {
  EXPECT_DIAG(replace(kBase, "  - node: b\n    pressure: 5 mmHg\n", ""), "vessels.v1.to",
              "terminal node 'b' without a boundary condition");
}

TEST(ModelValidation, NodeWithoutVolume) {
  // a resistor to a node that only a windkessel touches: no vessel, no capacitor, no pressure BC
  std::string yaml = kBase + R"(elements:
  - {name: r, type: resistor, nodes: [b, x], R: 1 Pa s m^-3}
  - {name: w, type: windkessel3, nodes: [x], R1: 1 Pa s m^-3, C: 1 m^3/Pa, R2: 1 Pa s m^-3}
)";
  EXPECT_DIAG(yaml, "elements.r.nodes",
              "node x has no volume: connect it to a vessel or a capacitor");
  // a capacitor gives it a volume
  EXPECT_NO_THROW(build(yaml + "  - {name: c, type: capacitor, nodes: [x], C: 1 ml/mmHg}\n"));
  // so does a pressure boundary condition
  EXPECT_NO_THROW(build(replace(
      yaml, "boundary_conditions:", "boundary_conditions:\n  - node: x\n    pressure: 0 Pa")));
}

// A vessel cannot fall further between its ends than it is long (format/model_builder_graph.cpp):
// the located error names the drop, the length and both node heights. Values by hand: heights
// 23 cm and 12 cm are 11 cm apart, more than the 10 cm vessel.
TEST(ModelValidation, VesselSteeperThanVertical) {
  const std::string steep =
      kBase + "nodes:\n  - {name: a, height: 23 cm}\n  - {name: b, height: 12 cm}\n";
  auto d = diagnostics(steep);
  const Diagnostic* x = find_diag(d, "vessels.v1.length", "vessel 'v1' is 0.1 m long");
  ASSERT_NE(x, nullptr) << dump(d);
  EXPECT_EQ(d.size(), 1u) << dump(d);
  EXPECT_EQ(x->where.file, "m.yaml");
  EXPECT_EQ(x->where.line, 6);     // "    length: 10 cm"
  EXPECT_EQ(x->where.column, 13);  // its value
  for (const char* words : {"a (height 0.23 m)", "b (height 0.12 m)", "are 0.11 m apart in height",
                            "a vessel falls at most its length", "expected length >= 0.11 m"})
    EXPECT_NE(x->message.find(words), std::string::npos) << words << " in " << x->message;
  // rising instead of falling: the same geometry
  EXPECT_DIAG(kBase + "nodes:\n  - {name: a, height: -3 cm}\n  - {name: b, height: 8 cm}\n",
              "vessels.v1.length", "are 0.11 m apart in height");
  // exactly vertical passes (23 cm - 13 cm = 10 cm up to decimal round-off), as does a vessel
  // that falls less than its length
  EXPECT_NO_THROW(
      build(kBase + "nodes:\n  - {name: a, height: 23 cm}\n  - {name: b, height: 13 cm}\n"));
  EXPECT_NO_THROW(
      build(kBase + "nodes:\n  - {name: a, height: 0.3 m}\n  - {name: b, height: 20 cm}\n"));
  EXPECT_NO_THROW(build(kBase + "nodes:\n  - {name: a, height: 5 cm}\n"));
  // a node that is not declared sits at height 0: a 10 cm vessel from 10.5 cm is refused
  EXPECT_DIAG(kBase + "nodes:\n  - {name: a, height: 10.5 cm}\n", "vessels.v1.length",
              "b (height 0 m)");
  // `anterior` is the orthogonal (supine vertical) axis: the ends are hypot(dh, da) apart. 6 cm
  // and 8 cm: exactly 10 cm (passes); 8 cm and 8 cm: 11.3 cm (refused, though each is < 10 cm)
  EXPECT_NO_THROW(build(kBase + "nodes:\n  - {name: a, height: 6 cm, anterior: 8 cm}\n"));
  auto da = diagnostics(kBase + "nodes:\n  - {name: a, height: 8 cm, anterior: 8 cm}\n");
  const Diagnostic* y = find_diag(da, "vessels.v1.length", "a (height 0.08 m, anterior 0.08 m)");
  ASSERT_NE(y, nullptr) << dump(da);
  EXPECT_NE(y->message.find("are 0.113137 m apart:"), std::string::npos) << y->message;
  // a height that cannot be read is reported once, at the height, not again as a geometry error
  auto dt = diagnostics(kBase + "nodes:\n  - {name: a, height: tall}\n");
  EXPECT_NE(find_diag(dt, "nodes.a.height", "expected a number"), nullptr) << dump(dt);
  EXPECT_EQ(dt.size(), 1u) << dump(dt);
}

// The rule holds for the values the model is built with: after an override (or a scenario's
// `set:`, the same mechanism) of a node height or a vessel length.
TEST(ModelValidation, VesselSteeperThanVerticalAfterOverrides) {
  auto doc = ModelDocument::from_string(
      kBase + "nodes:\n  - {name: a, height: 20 cm}\n  - {name: b, height: 12 cm}\n", "m.yaml");
  EXPECT_NO_THROW(doc.build());
  doc.set("nodes.a.height", "25 cm");  // 13 cm above b: steeper than the 10 cm vessel
  try {
    doc.build();
    ADD_FAILURE() << "a 10 cm vessel falling 13 cm was accepted";
  } catch (const ModelError& e) {
    EXPECT_NE(find_diag(e.diagnostics(), "vessels.v1.length", "are 0.13 m apart"), nullptr)
        << e.what();
  }
  doc.set("vessels.v1.length", "13 cm");  // now exactly vertical
  EXPECT_NO_THROW(doc.build());
  doc.set("vessels.v1.length", "12.9 cm");
  EXPECT_THROW(doc.build(), ModelError);
}

TEST(ModelValidation, VenousLawNeedsExactlyOneParameterisation) {
  const std::string law = "{type: elastic, youngs_modulus: 400 kPa, wall_thickness: 0.5 mm}";
  EXPECT_DIAG(replace(kBase, law, "{type: venous}"), "vessels.v1.tube_law", "exactly one of");
  EXPECT_DIAG(replace(kBase, law, "{type: venous, stiffness: 1 mmHg, wave_speed: 1 m/s}"),
              "vessels.v1.tube_law", "got more than one");
  EXPECT_DIAG(replace(kBase, law, "{type: venous, youngs_modulus: 1 MPa}"),
              "vessels.v1.tube_law.wall_thickness", "needs both");
  EXPECT_DIAG(replace(kBase, law, "{type: venous, stiffness: 1 mmHg, m: 2, n: 2}"),
              "vessels.v1.tube_law.m", "must differ");
}

TEST(ModelValidation, ElasticLawNeedsEAndThickness) {
  const std::string law = "{type: elastic, youngs_modulus: 400 kPa, wall_thickness: 0.5 mm}";
  EXPECT_DIAG(replace(kBase, law, "{type: elastic, wall_thickness: 1 mm}"),
              "vessels.v1.tube_law.youngs_modulus", "needs youngs_modulus");
  EXPECT_DIAG(replace(kBase, law, "{type: elastic, youngs_modulus: 1 MPa}"),
              "vessels.v1.tube_law.wall_thickness", "needs wall_thickness");
  EXPECT_DIAG(replace(kBase, law,
                      "{type: elastic, youngs_modulus: 1 MPa, wall_thickness: 1 mm, "
                      "wall_thickness_rule: openbf_empirical}"),
              "vessels.v1.tube_law.wall_thickness_rule", "not both");
  EXPECT_DIAG(replace(kBase, law,
                      "{type: elastic, youngs_modulus: 1 MPa, wall_thickness: 1 mm, stiffness: 1 "
                      "Pa}"),
              "vessels.v1.tube_law.stiffness", "applies only to venous");
}

TEST(ModelValidation, UnknownExternalPressureGroup) {
  EXPECT_DIAG(replace(kBase, "length: 10 cm", "length: 10 cm\n    external_pressure: thorax"),
              "vessels.v1.external_pressure", "unknown external-pressure group 'thorax'");
  EXPECT_DIAG(replace(kBase, "length: 10 cm", "length: 10 cm\n    external_pressure: thorx") +
                  "external_pressures:\n  - {name: thorax, pressure: -2 mmHg}\n",
              "vessels.v1.external_pressure", "did you mean 'thorax'");
}

TEST(ModelValidation, FormatVersion) {
  EXPECT_DIAG(replace(kBase, "venoflow: 1\n", ""), "venoflow", "missing required key 'venoflow'");
  EXPECT_DIAG(replace(kBase, "venoflow: 1", "venoflow: 2"), "venoflow",
              "unsupported format version");
}

TEST(ModelValidation, TimeFunctionProblems) {
  EXPECT_DIAG(replace(kBase, "10 mmHg", "{sine: {mean: 1 mmHg, amplitude: 1 mmHg}}"),
              "boundary_conditions.a.pressure.period", "needs a period");
  EXPECT_DIAG(
      replace(kBase, "10 mmHg", "{table: {time: s, value: mmHg, points: [[0, 1], [0, 2]]}}"),
      "boundary_conditions.a.pressure.table", "increase strictly");
  EXPECT_DIAG(replace(kBase, "10 mmHg", "{table: {time: s, value: ml/s, points: [[0, 1]]}}"),
              "boundary_conditions.a.pressure.table.value", "expected a unit of a pressure");
  EXPECT_DIAG(replace(kBase, "10 mmHg", "{tabel: {}}"), "boundary_conditions.a.pressure.tabel",
              "did you mean 'table'");
}

TEST(ModelValidation, PeriodInference) {
  auto periodic = [](const char* p) {
    return std::string("{sine: {mean: 1 mmHg, amplitude: 1 mmHg}, period: ") + p + "}";
  };
  std::string same =
      replace(replace(kBase, "10 mmHg", periodic("0.9 s")), "5 mmHg", periodic("900 ms"));
  EXPECT_DOUBLE_EQ(build(same).solver.period, 0.9);
  std::string differ =
      replace(replace(kBase, "10 mmHg", periodic("0.9 s")), "5 mmHg", periodic("1 s"));
  EXPECT_DOUBLE_EQ(build(differ).solver.period, 0.0);
  EXPECT_DOUBLE_EQ(build(differ + "solver: {period: 2 s}\n").solver.period, 2.0);
}

// ---------------------------------------------------------------- overrides

TEST(Overrides, ParseOverride) {
  Override o = parse_override("vessels.cca.radius=3 mm");
  EXPECT_EQ(o.path, "vessels.cca.radius");
  EXPECT_EQ(o.value, "3 mm");
  EXPECT_EQ(parse_override("solver.rtol = 1e-8").value, "1e-8");
  EXPECT_THROW(parse_override("solver.rtol"), OverrideError);
  try {
    parse_override("no-equals");
  } catch (const OverrideError& e) {
    EXPECT_EQ(e.kind(), OverrideError::Kind::BadPath);
  }
}

TEST(Overrides, SetGetRoundTrip) {
  auto doc = ModelDocument::from_string(kBase, "m.yaml");
  EXPECT_EQ(doc.get("vessels.v1.radius"), "5 mm");
  doc.set("vessels.v1.radius", "6 mm");
  EXPECT_EQ(doc.get("vessels.v1.radius"), "6 mm");
  doc.set("boundary_conditions.b.pressure", "2 mmHg");
  EXPECT_EQ(doc.get("boundary_conditions.b.pressure"), "2 mmHg");
  doc.set("vessels.v1.tube_law.youngs_modulus", "500 kPa");
  Model m = doc.build();
  EXPECT_DOUBLE_EQ(m.vessels[0].radius_in, 6e-3);
  EXPECT_DOUBLE_EQ(std::get<ElasticTubeLaw>(m.vessels[0].tube_law).youngs_modulus, 5e5);
  EXPECT_DOUBLE_EQ(m.boundary_conditions[1].value(0.0), 2 * kMmHg);
  // the resolved YAML carries the overrides
  EXPECT_NE(m.resolved_yaml.find("6 mm"), std::string::npos);
  EXPECT_EQ(m.resolved_yaml.find("5 mm\n"), std::string::npos);
  // and builds to the same model again
  Model again = ModelDocument::from_string(m.resolved_yaml, "r.yaml").build();
  EXPECT_DOUBLE_EQ(again.vessels[0].radius_in, 6e-3);
  // copies keep overrides and positions
  ModelDocument copy = doc;
  EXPECT_EQ(copy.get("vessels.v1.radius"), "6 mm");
  EXPECT_EQ(copy.build().vessels[0].where.line, 3);
}

TEST(Overrides, AddsOptionalKeys) {
  auto doc = ModelDocument::from_string(kBase, "m.yaml");
  doc.set("solver.cycles", "20");  // solver: absent -> created
  doc.set("gravity.enabled", "true");
  doc.set("vessels.v1.cells", "4");  // absent optional key in a vessel
  doc.set("vessels.v1.tube_law.poisson_ratio", "0.45");
  doc.set("posture.tilt", "70 deg");
  Model m = doc.build();
  EXPECT_EQ(m.solver.cycles, 20);
  EXPECT_TRUE(m.gravity.enabled);
  EXPECT_EQ(m.vessels[0].cells, 4);
  EXPECT_DOUBLE_EQ(std::get<ElasticTubeLaw>(m.vessels[0].tube_law).poisson_ratio, 0.45);
  EXPECT_NEAR(m.posture.tilt(0.0), 70 * std::numbers::pi / 180, 1e-12);
  auto el = ModelDocument::from_string(
      kBase + "elements:\n  - {name: l, type: inductor, nodes: [a, b], L: 1 Pa s^2 m^-3}\n");
  el.set("elements.l.R", "2 Pa s m^-3");  // optional element parameter
  EXPECT_DOUBLE_EQ(el.build().find_element("l")->params.at("R"), 2.0);
  // `gravity:` with no value is a place to add keys
  auto empty = ModelDocument::from_string(kBase + "gravity:\n");
  empty.set("gravity.enabled", "true");
  EXPECT_TRUE(empty.build().gravity.enabled);
  EXPECT_EQ(empty.get("gravity.enabled"), "true");
}

TEST(Overrides, BadPathsNameThePath) {
  auto doc = ModelDocument::from_string(kBase, "m.yaml");
  auto expect_bad = [&](const std::string& path, const std::string& text) {
    try {
      doc.set(path, "1");
      ADD_FAILURE() << path << " accepted";
    } catch (const OverrideError& e) {
      EXPECT_EQ(e.kind(), OverrideError::Kind::BadPath) << path;
      EXPECT_EQ(e.path(), path);
      EXPECT_NE(std::string(e.what()).find(path), std::string::npos) << e.what();
      EXPECT_NE(std::string(e.what()).find(text), std::string::npos) << e.what();
    }
  };
  expect_bad("vessels.v1.radus", "did you mean 'radius'");
  expect_bad("vessels.nope.radius", "no item with name 'nope'");
  expect_bad("solver.speed", "no key 'speed'");
  expect_bad("vessels.v1.length.x", "single value");
  expect_bad("boundary_conditions.zz.pressure", "no item with node 'zz'");
  expect_bad("vessels..radius", "empty component");
  EXPECT_THROW(doc.get("solver.rtol"), OverrideError);  // absent
  try {
    doc.set("vessels.v1.radius", "[1, 2");
    ADD_FAILURE();
  } catch (const OverrideError& e) {
    EXPECT_EQ(e.kind(), OverrideError::Kind::BadValue);
  }
}

TEST(Overrides, DiagnosticsOfOverriddenValuesPointAtSet) {
  auto doc = ModelDocument::from_string(kBase, "m.yaml");
  doc.apply({parse_override("vessels.v1.radius=-3 mm"), parse_override("solver.rtol=0")});
  try {
    doc.build();
    FAIL();
  } catch (const ModelError& e) {
    const Diagnostic* r = find_diag(e.diagnostics(), "vessels.v1.radius", "must be > 0");
    ASSERT_NE(r, nullptr) << e.what();
    EXPECT_EQ(r->where.file, "--set");
    EXPECT_EQ(r->where.line, 0);
    const Diagnostic* t = find_diag(e.diagnostics(), "solver.rtol", "must be > 0");
    ASSERT_NE(t, nullptr) << e.what();
    EXPECT_EQ(t->where.file, "--set");
    EXPECT_EQ(r->str(), "--set: vessels.v1.radius: must be > 0, got '-3 mm'");
  }
}

// ---------------------------------------------------------------- JSON Schema

TEST(Schema, GeneratedFromTheKeyTables) {
  std::string s = model_json_schema();
  EXPECT_NE(s.find("\"$schema\": \"https://json-schema.org/draft/2020-12/schema\""),
            std::string::npos);
  for (const char* k : {"\"venoflow\"", "\"vessels\"", "\"tube_law\"", "\"wall_thickness_rule\"",
                        "\"boundary_conditions\"", "\"windkessel3\"", "\"R1\"", "\"harmonics\"",
                        "\"unevaluatedProperties\""})
    EXPECT_NE(s.find(k), std::string::npos) << k;
  // balanced braces and brackets (cheap well-formedness check; the docs copy is checked by
  // python's json module in CI)
  int braces = 0, brackets = 0;
  bool in_string = false;
  for (size_t i = 0; i < s.size(); ++i) {
    char c = s[i];
    if (c == '"' && (i == 0 || s[i - 1] != '\\')) in_string = !in_string;
    if (in_string) continue;
    braces += (c == '{') - (c == '}');
    brackets += (c == '[') - (c == ']');
    ASSERT_GE(braces, 0);
    ASSERT_GE(brackets, 0);
  }
  EXPECT_EQ(braces, 0);
  EXPECT_EQ(brackets, 0);
}

TEST(Schema, DocsCopyIsUpToDate) {
  std::ifstream f(data_dir() + "/../../docs/model-format.schema.json");
  ASSERT_TRUE(f) << "docs/model-format.schema.json missing";
  std::stringstream ss;
  ss << f.rdbuf();
  EXPECT_EQ(ss.str(), model_json_schema())
      << "regenerate docs/model-format.schema.json from model_json_schema()";
}

// The defaults written in the key tables (and so in the schema and the docs) are the ones the
// loader applies.
TEST(Schema, DocumentedDefaultsAreTheAppliedDefaults) {
  const Model m = build(kBase);
  const Model el = build(kBase +
                         "elements:\n  - {name: l, type: inductor, nodes: [a, b], L: 1 "
                         "Pa s^2 m^-3}\n");
  const auto& root = detail::model_schema();
  auto spec = [&](std::initializer_list<const char*> path) {
    const detail::KeySpec* k = &root;
    for (const char* p : path) {
      k = detail::find_key(*k, p);
      if (!k) throw std::runtime_error(std::string("no key ") + p);
    }
    return k;
  };
  auto si = [&](std::initializer_list<const char*> path) {
    const auto* k = spec(path);
    return parse_quantity(k->default_text, k->dim, k->bare_unit);
  };
  EXPECT_DOUBLE_EQ(si({"blood", "density"}), m.blood.density);
  EXPECT_DOUBLE_EQ(si({"blood", "viscosity"}), m.blood.viscosity);
  EXPECT_DOUBLE_EQ(si({"blood", "profile_zeta"}), m.blood.profile_zeta);
  EXPECT_DOUBLE_EQ(si({"gravity", "g"}), m.gravity.g);
  EXPECT_DOUBLE_EQ(si({"initial_conditions", "pressure"}), m.initial.pressure);
  EXPECT_DOUBLE_EQ(si({"discretisation", "dx"}), m.vessels[0].length / m.vessels[0].cells);
  EXPECT_DOUBLE_EQ(si({"solver", "output_interval"}), m.solver.output_interval);
  EXPECT_DOUBLE_EQ(si({"solver", "rtol"}), m.solver.rtol);
  EXPECT_DOUBLE_EQ(si({"solver", "atol_pressure"}), m.solver.atol_pressure);
  // atol_flow has no fixed default: it scales with the model (System::flow_tolerance).
  EXPECT_EQ(spec({"solver", "atol_flow"})->default_text, "scaled");
  EXPECT_FALSE(m.solver.atol_flow.has_value());
  EXPECT_DOUBLE_EQ(si({"solver", "atol_area"}), m.solver.atol_area);
  EXPECT_DOUBLE_EQ(si({"solver", "steady_state_tolerance"}), m.solver.steady_state_tolerance);
  EXPECT_EQ(std::stoi(spec({"solver", "max_cycles"})->default_text), m.solver.max_cycles);
  EXPECT_EQ(std::stoi(spec({"solver", "keep_last_cycles"})->default_text),
            m.solver.keep_last_cycles);
  EXPECT_EQ(spec({"solver", "stop_at_steady_state"})->default_text, "false");
  EXPECT_FALSE(m.solver.stop_at_steady_state);
  // m and n belong to the venous law (the vessel here is elastic): its struct's defaults
  EXPECT_DOUBLE_EQ(si({"vessels", "tube_law", "m"}), VenousTubeLaw{}.m);
  EXPECT_DOUBLE_EQ(si({"vessels", "tube_law", "n"}), VenousTubeLaw{}.n);
  EXPECT_DOUBLE_EQ(si({"vessels", "tube_law", "poisson_ratio"}),
                   std::get<ElasticTubeLaw>(m.vessels[0].tube_law).poisson_ratio);
  EXPECT_DOUBLE_EQ(si({"vessels", "tube_law", "poisson_ratio"}), VenousTubeLaw{}.poisson_ratio);
  EXPECT_DOUBLE_EQ(si({"vessels", "tube_law", "reference_pressure"}),
                   std::get<ElasticTubeLaw>(m.vessels[0].tube_law).reference_pressure);
  EXPECT_EQ(spec({"vessels", "tube_law", "reference"})->default_text,
            std::get<ElasticTubeLaw>(m.vessels[0].tube_law).reference);
  EXPECT_NEAR(parse_quantity(spec({"posture", "tilt"})->default_text, dim::angle),
              m.posture.tilt(0.0), 0.0);
  EXPECT_DOUBLE_EQ(el.find_element("l")->params.at("R"),
                   *find_element_type("inductor")->parameters.at(1).default_value);
}

// The examples in docs/model-format.md load (the example's table file is in tests/data/carotid).
TEST(Docs, ExamplesInModelFormatLoad) {
  std::ifstream f(data_dir() + "/../../docs/model-format.md");
  ASSERT_TRUE(f);
  std::stringstream ss;
  ss << f.rdbuf();
  const std::string md = ss.str();
  std::vector<std::string> blocks;
  for (size_t pos = 0; (pos = md.find("```yaml\n", pos)) != std::string::npos;) {
    pos += 8;
    size_t end = md.find("```", pos);
    blocks.push_back(md.substr(pos, end - pos));
    pos = end + 3;
  }
  ASSERT_GE(blocks.size(), 2u);  // later blocks (stenoses, scenarios) are fragments of other models
  Model m;
  ASSERT_NO_THROW(
      m = ModelDocument::from_string(blocks[0], "example.yaml", data_dir() + "/carotid").build());
  EXPECT_EQ(m.name, "carotid_rcr");
  // each time-function line, used as a boundary condition of the right kind
  std::istringstream lines(blocks[1]);
  std::string line;
  int n = 0;
  while (std::getline(lines, line)) {
    if (line.empty()) continue;
    auto hash = line.find("  #");
    if (hash != std::string::npos) line.erase(hash);
    line = line.substr(0, line.find_last_not_of(' ') + 1);
    const bool is_flow = line.rfind("flow:", 0) == 0;
    std::string yaml = replace(kBase, "  - node: b\n    pressure: 5 mmHg",
                               std::string("  - node: b\n    ") + line);
    if (auto p = yaml.find(" inlet.dat"); p != std::string::npos)
      yaml.replace(p, 10, " cca_inlet.dat");
    SCOPED_TRACE(line);
    Model t;
    ASSERT_NO_THROW(
        t = ModelDocument::from_string(yaml, "tf.yaml", data_dir() + "/carotid").build());
    EXPECT_EQ(t.boundary_conditions[1].kind,
              is_flow ? BoundaryCondition::Kind::Flow : BoundaryCondition::Kind::Pressure);
    ++n;
  }
  EXPECT_EQ(n, 5);
}
