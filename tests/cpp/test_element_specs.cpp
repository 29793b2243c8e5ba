// The element specifications (numerics/elements/<type>.hpp) drive the loader, --set, make_element
// and the docs: every parameter range of every type is enforced at its key, all at once, and
// the generated docs table is the one in docs/model-format.md. The expected ranges and values
// are the specifications' own statements; the tests check that every path enforces them.
#include <gtest/gtest.h>

#include <cmath>
#include <cstdio>
#include <fstream>
#include <map>
#include <sstream>
#include <string>
#include <vector>

#include "numerics/elements/element.hpp"
#include "venoflow/element_types.hpp"
#include "venoflow/errors.hpp"
#include "venoflow/model_document.hpp"
#include "venoflow/tube_law.hpp"

using namespace venoflow;

namespace {

const std::string kTube = R"(venoflow: 1
vessels:
  - {name: v, from: a, to: b, length: 10 cm, radius: 3 mm,
     tube_law: {type: elastic, youngs_modulus: 400 kPa, wall_thickness: 0.3 mm}}
boundary_conditions:
  - {node: a, pressure: 1000 Pa}
  - {node: b, pressure: 900 Pa}
)";

/// A value in the SI units of `d`, as model text ("2 kg^1 m^-1 s^-2"; bare if dimensionless).
std::string si_quantity(double v, const Dimension& d) {
  char num[64];
  std::snprintf(num, sizeof num, "%.17g", v);
  std::string s = num;
  const char* base[] = {"kg", "m", "s"};
  for (int k = 0; k < 3; ++k)
    if (d.e[k] != 0) s += std::string(" ") + base[k] + "^" + std::to_string(d.e[k]);
  return s;
}

/// A value the range allows (for required parameters).
double inside(const ParameterRange& r) {
  if (r.min > -INFINITY) return r.max < INFINITY ? 0.5 * (r.min + r.max) : r.min + 1.0;
  return r.max < INFINITY ? r.max - 1.0 : 1.0;
}

/// A value the range rejects (its own statement, read off the specification); NaN if none.
double outside(const ElementTypeSpec& t, const ParameterSpec& p,
               const std::map<std::string, double>& others) {
  const ParameterRange& r = p.range;
  if (r.min > -INFINITY) return r.min_open ? r.min : r.min - (std::abs(r.min) + 1.0);
  if (r.max < INFINITY) return r.max_open ? r.max : r.max + (std::abs(r.max) + 1.0);
  if (!r.at_most.empty()) {
    double bound = NAN;
    if (auto it = others.find(r.at_most); it != others.end()) bound = it->second;
    if (std::isnan(bound)) bound = t.parameter(r.at_most)->default_value.value();
    return bound + 1.0;
  }
  return NAN;
}

/// Valid values of the required parameters, and one member of each exactly-one-of group.
std::map<std::string, double> valid_values(const ElementTypeSpec& t) {
  std::map<std::string, double> v;
  for (const auto& p : t.parameters)
    if (!p.default_value) v[p.name] = inside(p.range);
  for (const auto& g : t.exactly_one_of) v[g.front()] = inside(t.parameter(g.front())->range);
  return v;
}

std::string element_yaml(const ElementTypeSpec& t, const std::map<std::string, double>& values) {
  std::string y = "elements:\n  - {name: e, type: " + t.type + ", nodes: [";
  // the required ports only (an optional port brings parameters of its own)
  for (std::size_t k = 0; k + t.optional_ports < t.ports.size(); ++k) y += k ? ", b" : "a";
  y += "]";
  for (const auto& [name, v] : values)
    y += ", " + name + ": " + si_quantity(v, t.parameter(name)->dimension);
  return y + "}\n";
}

std::vector<Diagnostic> problems_of(ModelDocument doc) {
  try {
    (void)doc.build();
  } catch (const ModelError& e) {
    return e.diagnostics();
  }
  return {};
}

const Diagnostic* find(const std::vector<Diagnostic>& d, const std::string& key,
                       const std::string& text) {
  for (const auto& x : d)
    if (x.key == key && x.message.find(text) != std::string::npos) return &x;
  return nullptr;
}

std::string dump(const std::vector<Diagnostic>& d) {
  std::string s;
  for (const auto& x : d) s += "  " + x.str() + "\n";
  return s;
}

}  // namespace

TEST(ElementSpecs, ValidValuesGiveNoElementDiagnostic) {
  for (const auto& t : element_types()) {
    const auto d =
        problems_of(ModelDocument::from_string(kTube + element_yaml(t, valid_values(t)), "m.yaml"));
    for (const auto& x : d) EXPECT_NE(x.key.rfind("elements.", 0), 0u) << t.type << x.str();
  }
}

TEST(ElementSpecs, EveryRangeIsReportedAtItsKeyAllAtOnce) {
  int checked = 0;
  for (const auto& t : element_types()) {
    // every ranged parameter of the type out of range in one element
    std::map<std::string, double> values = valid_values(t), bad;
    for (const auto& p : t.parameters)
      if (p.range.at_most.empty())
        if (double x = outside(t, p, values); !std::isnan(x)) bad[p.name] = x;
    for (const auto& [k, x] : bad) values[k] = x;
    for (const auto& p : t.parameters)
      if (!p.range.at_most.empty()) values[p.name] = bad[p.name] = outside(t, p, values);
    const auto d =
        problems_of(ModelDocument::from_string(kTube + element_yaml(t, values), "m.yaml"));
    for (const auto& [name, x] : bad) {
      const Diagnostic* hit =
          find(d, "elements.e." + name, "must be " + t.parameter(name)->range.str());
      ASSERT_NE(hit, nullptr) << t.type << "." << name << " = " << x << "\n" << dump(d);
      EXPECT_EQ(hit->where.file, "m.yaml");
      EXPECT_EQ(hit->where.line, 9);  // the element item, after "elements:"
      EXPECT_GT(hit->where.column, 0);
      ++checked;
    }
  }
  EXPECT_GE(checked, 40);  // 42 ranged parameters over the 8 types when written
}

TEST(ElementSpecs, EveryRangeIsReportedAtItsKeyThroughSet) {
  for (const auto& t : element_types()) {
    const std::map<std::string, double> values = valid_values(t);
    for (const auto& p : t.parameters) {
      const double x = outside(t, p, values);
      if (std::isnan(x)) continue;
      auto doc = ModelDocument::from_string(kTube + element_yaml(t, values), "m.yaml");
      doc.set("elements.e." + p.name, si_quantity(x, p.dimension));
      const auto d = problems_of(doc);
      const Diagnostic* hit = find(d, "elements.e." + p.name, "must be " + p.range.str());
      ASSERT_NE(hit, nullptr) << t.type << "." << p.name << "\n" << dump(d);
      EXPECT_EQ(hit->where.file, "--set");
    }
  }
}

TEST(ElementSpecs, BlocksBuiltInCodeCheckTheSameRanges) {
  for (const auto& t : element_types()) {
    const std::map<std::string, double> values = valid_values(t);
    Element ok;
    ok.name = "e";
    ok.type = t.type;
    for (const auto& [k, v] : values) ok.params[k] = v;
    EXPECT_NO_THROW((void)make_element(ok)) << t.type;
    for (const auto& p : t.parameters) {
      const double x = outside(t, p, values);
      if (std::isnan(x)) continue;
      Element e = ok;
      e.params[p.name] = x;
      try {
        (void)make_element(e);
        ADD_FAILURE() << t.type << "." << p.name << " = " << x << " accepted";
      } catch (const std::invalid_argument& err) {
        EXPECT_NE(std::string(err.what())
                      .find("element e (" + t.type + "): " + p.name + " must be " + p.range.str()),
                  std::string::npos)
            << err.what();
      }
    }
    for (const auto& p : t.text_parameters) {
      Element e = ok;
      e.text_params[p.name] = "sideways";
      EXPECT_THROW((void)make_element(e), std::invalid_argument) << t.type << "." << p.name;
    }
    Element stray = ok;
    stray.params["no_such_parameter"] = 1.0;  // a typo in code is not silently ignored
    EXPECT_THROW((void)make_element(stray), std::invalid_argument) << t.type;
  }
}

TEST(ElementSpecs, BlocksReportTheOutputsAndVolumePortsOfTheirSpecification) {
  for (const auto& t : element_types()) {
    Element e;
    e.name = "e";
    e.type = t.type;
    for (const auto& [k, v] : valid_values(t)) e.params[k] = v;
    const auto block = make_element(e);
    ASSERT_EQ(block->outputs().size(), t.outputs.size()) << t.type;
    for (std::size_t k = 0; k < t.outputs.size(); ++k)
      EXPECT_EQ(block->outputs()[k].name, t.outputs[k].name);
    for (std::size_t k = 0; k < t.ports.size(); ++k)
      EXPECT_EQ(block->stores_volume(static_cast<int>(k)), t.stores_volume_at(k));
  }
  EXPECT_TRUE(find_element_type("capacitor")->stores_volume_at(0));
  EXPECT_FALSE(find_element_type("resistor")->stores_volume_at(0));
}

TEST(ElementSpecs, DocsTableIsGeneratedFromTheSpecifications) {
  const char* env = std::getenv("VENOFLOW_SOURCE_DIR");
  std::ifstream f(std::string(env ? env : VENOFLOW_SOURCE_DIR) + "/docs/model-format.md");
  ASSERT_TRUE(f) << "docs/model-format.md missing";
  std::stringstream ss;
  ss << f.rdbuf();
  const std::string doc = ss.str();
  const std::string begin = "<!-- BEGIN generated element tables: venoflow schema --markdown -->\n";
  const std::string end = "<!-- END generated element tables -->";
  const auto b = doc.find(begin), e = doc.find(end);
  ASSERT_NE(b, std::string::npos);
  ASSERT_NE(e, std::string::npos);
  EXPECT_EQ(doc.substr(b + begin.size(), e - b - begin.size()), element_types_markdown())
      << "regenerate the element tables of docs/model-format.md: venoflow schema --markdown";
  // every type and every parameter appears
  for (const auto& t : element_types())
    for (const auto& p : t.parameters)
      EXPECT_NE(doc.find("| `" + p.name + "` |"), std::string::npos) << t.type << "." << p.name;
}

// ---------------------------------------------------------------- tube laws

TEST(TubeLawChecks, OneStatementForTheLoaderAndTheFactory) {
  struct Case {
    std::string yaml;    // the law in the model file
    TubeLawSpec law;     // the same law built in code
    std::string key;     // where the loader reports it
    std::string expect;  // what the law needs (hand-written)
  };
  VenousTubeLaw none, two, e_only, equal, m_neg, n_pos;
  two.stiffness = 100.0, two.wave_speed = 1.0;
  e_only.youngs_modulus = 1e6;
  equal.stiffness = 100.0, equal.m = 2.0, equal.n = 2.0;
  m_neg.stiffness = 100.0, m_neg.m = -1.0;
  n_pos.stiffness = 100.0, n_pos.n = 1.0;
  ElasticTubeLaw no_e, no_h, h_and_rule, nu;
  no_e.wall_thickness = 1e-3;
  no_h.youngs_modulus = 1e6;
  h_and_rule.youngs_modulus = 1e6, h_and_rule.wall_thickness = 1e-3;
  h_and_rule.wall_thickness_rule = "openbf_empirical";
  nu.youngs_modulus = 1e6, nu.wall_thickness = 1e-3, nu.poisson_ratio = 0.7;
  const std::vector<Case> cases = {
      {"{type: venous}", none, "", "exactly one of"},
      {"{type: venous, stiffness: 100 Pa, wave_speed: 1 m/s}", two, "", "more than one"},
      {"{type: venous, youngs_modulus: 1 MPa}", e_only, ".wall_thickness", "needs both"},
      {"{type: venous, stiffness: 100 Pa, m: 2, n: 2}", equal, ".m", "must differ"},
      {"{type: venous, stiffness: 100 Pa, m: -1}", m_neg, ".m", "must be > 0"},
      {"{type: venous, stiffness: 100 Pa, n: 1}", n_pos, ".n", "must be < 0"},
      {"{type: elastic, wall_thickness: 1 mm}", no_e, ".youngs_modulus", "needs youngs_modulus"},
      {"{type: elastic, youngs_modulus: 1 MPa}", no_h, ".wall_thickness", "needs wall_thickness"},
      {"{type: elastic, youngs_modulus: 1 MPa, wall_thickness: 1 mm, wall_thickness_rule: "
       "openbf_empirical}",
       h_and_rule, ".wall_thickness_rule", "not both"},
      {"{type: elastic, youngs_modulus: 1 MPa, wall_thickness: 1 mm, poisson_ratio: 0.7}", nu,
       ".poisson_ratio", "must be <= 0.5"},
  };
  const std::string law = "{type: elastic, youngs_modulus: 400 kPa, wall_thickness: 0.3 mm}";
  for (const auto& c : cases) {
    const auto problems = check_tube_law(c.law);
    ASSERT_FALSE(problems.empty()) << c.yaml;
    const std::string message = problems.front().message;
    EXPECT_NE(message.find(c.expect), std::string::npos) << c.yaml << ": " << message;
    // the loader reports the law's own words at the key
    std::string yaml = kTube;
    yaml.replace(yaml.find(law), law.size(), c.yaml);
    const auto d = problems_of(ModelDocument::from_string(yaml, "m.yaml"));
    const Diagnostic* hit = find(d, "vessels.v.tube_law" + c.key, message);
    EXPECT_NE(hit, nullptr) << c.yaml << "\n" << dump(d);
    // the factory refuses it in the same words
    try {
      (void)make_tube_law(c.law, {3e-3}, 1050.0);
      ADD_FAILURE() << c.yaml << " built";
    } catch (const std::invalid_argument& e) {
      EXPECT_NE(std::string(e.what()).find(message), std::string::npos) << e.what();
    }
  }
  // a valid law of each kind has no problem
  EXPECT_TRUE(check_tube_law(no_h).size() == 1);  // (only the missing thickness)
  VenousTubeLaw ok;
  ok.stiffness = 100.0;
  EXPECT_TRUE(check_tube_law(ok).empty());
  EXPECT_EQ(tube_law_name(ok), "venous");
  EXPECT_EQ(tube_law_name(TubeLawSpec{}), "elastic");
}
