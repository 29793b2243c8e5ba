// Hostile model input: each defect found by a hostile tester, fixed in the loader, with the
// located diagnostic it now gives (tests/bad_models holds the catalogue run through the CLI and
// Python). Expected values are the inputs' own figures (2^31, 10^6 cells, the file names of a
// chain), not values the loader computed.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <functional>
#include <map>
#include <string>
#include <vector>

#include "venoflow/element_types.hpp"
#include "venoflow/errors.hpp"
#include "venoflow/model.hpp"
#include "venoflow/model_document.hpp"
#include "venoflow/units.hpp"

using namespace venoflow;
namespace fs = std::filesystem;

namespace {

const std::string kTube = R"(venoflow: 1
vessels:
  - {name: v, from: a, to: b, length: 10 cm, radius: 3 mm,
     tube_law: {type: elastic, youngs_modulus: 400 kPa, wall_thickness: 0.3 mm}}
boundary_conditions:
  - {node: a, pressure: 1000 Pa}
  - {node: b, pressure: 900 Pa}
)";

std::string with(std::string s, const std::string& from, const std::string& to) {
  const auto pos = s.find(from);
  if (pos == std::string::npos) throw std::runtime_error("test bug: '" + from + "' not found");
  return s.replace(pos, from.size(), to);
}

std::vector<Diagnostic> problems(const std::function<void()>& f) {
  try {
    f();
  } catch (const ModelError& e) {
    return e.diagnostics();
  }
  return {};
}
std::vector<Diagnostic> problems_of(const std::string& yaml) {
  return problems([&] { (void)ModelDocument::from_string(yaml, "m.yaml").build(); });
}

/// The diagnostic at `key` whose message contains `text`, or nullptr.
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

/// A fresh directory under the system temporary directory.
struct TempDir {
  fs::path path;
  explicit TempDir(const std::string& name) : path(fs::temp_directory_path() / name) {
    fs::remove_all(path);
    fs::create_directories(path);
  }
  ~TempDir() {
    std::error_code ec;
    fs::remove_all(path, ec);
  }
  std::string write(const std::string& name, const std::string& text) const {
    std::ofstream(path / name, std::ios::binary) << text;
    return (path / name).string();
  }
};

}  // namespace

// ---------------------------------------------------------------- model composition (extends)

TEST(HostileModels, ScenarioExtendingItselfNamesTheCycle) {
  TempDir dir("venoflow_hostile_self");
  const auto self = dir.write("self.yaml", "extends: self.yaml\n");
  const auto d = problems([&] { (void)ModelDocument::from_file(self); });
  const Diagnostic* x = find(d, "extends", "cycle");
  ASSERT_NE(x, nullptr) << dump(d);
  EXPECT_EQ(x->where.line, 1);
  EXPECT_EQ(x->where.column, 10);
  EXPECT_NE(x->message.find(self + " -> " + self), std::string::npos) << x->message;
}

TEST(HostileModels, ScenariosExtendingEachOtherNameTheChain) {
  TempDir dir("venoflow_hostile_pair");
  const auto a = dir.write("a.yaml", "# a\nextends: b.yaml\n");
  const auto b = dir.write("b.yaml", "extends: a.yaml\n");
  const auto d = problems([&] { (void)load_model(a); });
  const Diagnostic* x = find(d, "extends", "cycle");
  ASSERT_NE(x, nullptr) << dump(d);
  // reported at the `extends:` that closes the cycle: b.yaml line 1
  EXPECT_EQ(x->where.file, b);
  EXPECT_EQ(x->where.line, 1);
  EXPECT_NE(x->message.find(a + " -> " + b + " -> " + a), std::string::npos) << x->message;
}

TEST(HostileModels, ExtendsChainsAreBounded) {
  TempDir dir("venoflow_hostile_chain");
  dir.write("base.yaml", kTube);
  // kMaxExtendsDepth scenario files in a chain are allowed, one more is not
  for (int i = 1; i <= kMaxExtendsDepth; ++i)
    dir.write("s" + std::to_string(i) + ".yaml",
              "extends: " +
                  (i == kMaxExtendsDepth ? std::string("base.yaml")
                                         : "s" + std::to_string(i + 1) + ".yaml") +
                  "\n");
  EXPECT_NO_THROW((void)load_model((dir.path / "s1.yaml").string()));
  dir.write("s0.yaml", "extends: s1.yaml\n");
  const auto d = problems([&] { (void)load_model((dir.path / "s0.yaml").string()); });
  ASSERT_NE(find(d, "extends", "more than 16 scenario files"), nullptr) << dump(d);
}

TEST(HostileModels, ScenarioItemWithoutNameIsBlamedOnTheScenario) {
  TempDir dir("venoflow_hostile_add");
  dir.write("base.yaml", kTube);
  const auto sc = dir.write("sc.yaml",
                            "extends: base.yaml\nadd:\n  vessels:\n    - {from: b, to: c, length: "
                            "1 cm, radius: 3 mm}\n");
  const auto d = problems([&] { (void)load_model(sc); });
  const Diagnostic* x = find(d, "vessels[1].name", "missing required key 'name'");
  ASSERT_NE(x, nullptr) << dump(d);
  EXPECT_EQ(x->where.file, sc);
  EXPECT_EQ(x->where.line, 4);
}

// ---------------------------------------------------------------- files

TEST(HostileModels, OnlyRegularFilesOfBoundedSizeAreRead) {
  TempDir dir("venoflow_hostile_files");
  auto message = [](const std::string& path) {
    const auto d = problems([&] { (void)read_model_file(path); });
    return d.size() == 1 ? d[0].where.file + ": " + d[0].message : dump(d);
  };
  EXPECT_NE(message("/dev/zero").find("not a regular file"), std::string::npos);
  EXPECT_NE(message(dir.path.string()).find("is a directory"), std::string::npos);
  EXPECT_NE(message((dir.path / "none.yaml").string()).find("no such file"), std::string::npos);
  // a sparse file one byte over the limit: refused before anything is read
  const auto big = dir.write("big.yaml", "");
  fs::resize_file(big, kMaxModelFileBytes + 1);
  EXPECT_NE(message(big).find("64 MiB limit"), std::string::npos) << message(big);
  fs::resize_file(big, 16);
  EXPECT_NO_THROW((void)read_model_file(big));
  // and through a scenario: at the `extends:` key
  const auto sc = dir.write("sc.yaml", "extends: /dev/zero\n");
  const auto d = problems([&] { (void)ModelDocument::from_file(sc); });
  const Diagnostic* x = find(d, "extends", "not a regular file");
  ASSERT_NE(x, nullptr) << dump(d);
  EXPECT_EQ(x->where.line, 1);
}

TEST(HostileModels, InvalidUtf8IsLocated) {
  // One problem, at (line, column) of the bad byte, naming it.
  auto located = [](const std::string& text, int line, int column, const std::string& byte) {
    const auto d = problems([&] { (void)ModelDocument::from_string(text); });
    ASSERT_EQ(d.size(), 1u) << dump(d);
    EXPECT_EQ(d[0].where.line, line) << text;
    EXPECT_EQ(d[0].where.column, column) << text;
    EXPECT_NE(d[0].message.find("invalid UTF-8 (byte " + byte + ")"), std::string::npos)
        << d[0].message;
  };
  // 0xE9 (Latin-1 e-acute) at line 2, column 10 (after "name: caf")
  located("venoflow: 1\nname: caf\xe9\n", 2, 10, "0xE9");
  // a multi-byte character counts as one column: the bad byte after "é" is column 8
  located("name: \xc3\xa9\xff\n", 1, 8, "0xFF");
  // ASCII is checked eight bytes at a time: a bad byte after long ASCII runs and characters of
  // two and three bytes is still at its character column (25 characters before it on line 3)
  located(
      "venoflow: 1\ndescription: twenty-four ASCII bytes\n"
      "name: \xce\xb1\xce\xb2 x\xe2\x82\xac abcdefghijkl \xc0\xaf\n",
      3, 26, "0xC0");
  // a character cut off by the end of the text, after 16 ASCII bytes: column 17
  located("name: abcdefghij\xe2\x82", 1, 17, "0xE2");
  // a UTF-8 byte-order mark is allowed
  EXPECT_NO_THROW((void)ModelDocument::from_string("\xef\xbb\xbf" + kTube).build());
}

// ---------------------------------------------------------------- YAML syntax

TEST(HostileModels, UnterminatedQuoteIsReportedWhereItStarts) {
  // yaml-cpp takes the rest of the file into the string; it used to show as a missing key
  const auto d = problems_of("venoflow: 1\nname: \"tube\nvessels: []\n");
  ASSERT_EQ(d.size(), 1u) << dump(d);
  EXPECT_EQ(d[0].where.line, 2);
  EXPECT_EQ(d[0].where.column, 7);
  EXPECT_NE(d[0].message.find("unterminated quoted string"), std::string::npos);
  // inside a flow map yaml-cpp fails at the end of the file: the quote is found where it opens
  const auto f = problems_of(with(kTube, "radius: 3 mm", "radius: '3 mm"));
  ASSERT_EQ(f.size(), 1u) << dump(f);
  EXPECT_EQ(f[0].where.line, 3);
  EXPECT_EQ(f[0].where.column, 54);
  EXPECT_NE(f[0].message.find("unterminated quoted string (no closing '"), std::string::npos);
  // quotes inside strings are not mistaken for openings
  EXPECT_NO_THROW((void)ModelDocument::from_string(
                      with(kTube, "venoflow: 1\n", "venoflow: 1\nname: 'it''s \"x'\n"))
                      .build());
}

TEST(HostileModels, DeepNestingIsLocatedAndNamed) {
  for (int depth : {kMaxModelNesting + 1, 5000}) {
    const std::string yaml =
        "venoflow: 1\nname: " + std::string(depth, '[') + std::string(depth, ']') + "\n";
    const auto d = problems_of(yaml);
    ASSERT_EQ(d.size(), 1u) << dump(d);
    EXPECT_EQ(d[0].where.line, 2) << depth;
    EXPECT_NE(d[0].message.find("nesting deeper than 64 levels"), std::string::npos) << depth;
  }
}

// ---------------------------------------------------------------- integers and sizes

TEST(HostileModels, IntegersBeyondTheirRangeAreErrors) {
  // 2^31 cells used to wrap to one cell, 2^32 + 1 cycles to one cycle
  auto d = problems_of(with(kTube, "radius: 3 mm,", "radius: 3 mm, cells: 2147483648,"));
  EXPECT_NE(find(d, "vessels.v.cells", "from 1 to 1000000"), nullptr) << dump(d);
  d = problems_of(kTube + "solver: {period: 1 s, cycles: 4294967297}\n");
  EXPECT_NE(find(d, "solver.cycles", "from 1 to 2147483647"), nullptr) << dump(d);
  d = problems_of(kTube + "solver: {max_order: 6}\n");  // CVODE BDF: orders 1..5
  EXPECT_NE(find(d, "solver.max_order", "from 1 to 5"), nullptr) << dump(d);
  d = problems_of(kTube + "solver: {max_cycles: 99999999999999999999999}\n");
  EXPECT_NE(find(d, "solver.max_cycles", "from 1 to 2147483647"), nullptr) << dump(d);
  // the limits themselves are accepted
  const Model m =
      ModelDocument::from_string(with(kTube, "radius: 3 mm,", "radius: 3 mm, cells: 1000000,") +
                                 "solver: {max_order: 5, cycles: 2147483647}\n")
          .build(false);
  EXPECT_EQ(m.vessels[0].cells, 1000000);
  EXPECT_EQ(m.solver.max_order, 5);
  EXPECT_EQ(*m.solver.cycles, 2147483647);
}

TEST(HostileModels, OverriddenIntegersAreCheckedToo) {
  auto doc = ModelDocument::from_string(kTube, "m.yaml");
  doc.set("solver.cycles", "4294967297");
  doc.set("solver.period", "1 s");
  const auto d = problems([&] { (void)doc.build(false); });
  const Diagnostic* x = find(d, "solver.cycles", "from 1 to 2147483647");
  ASSERT_NE(x, nullptr) << dump(d);
  EXPECT_EQ(x->where.file, "--set");
}

TEST(HostileModels, ComputedCellCountsAreBounded) {
  // 10 cm / 1e-300 m and 1e308 m / 1 cm used to give one cell
  auto d = problems_of(with(kTube, "radius: 3 mm,", "radius: 3 mm, dx: 1e-300 m,"));
  EXPECT_NE(find(d, "vessels.v.dx", "more than 1000000 per vessel"), nullptr) << dump(d);
  d = problems_of(kTube + "discretisation: {dx: 1e-300 m}\n");
  EXPECT_NE(find(d, "vessels.v.length", "discretisation.dx"), nullptr) << dump(d);
  d = problems_of(with(kTube, "length: 10 cm", "length: 1e308 m"));
  EXPECT_NE(find(d, "vessels.v.length", "inf cells"), nullptr) << dump(d);
  // 1 m / 1 um = 10^6 cells exactly: the limit, accepted
  const Model m = ModelDocument::from_string(with(kTube, "length: 10 cm, radius: 3 mm,",
                                                  "length: 1 m, radius: 3 mm, dx: 1 um,"))
                      .build(false);
  EXPECT_EQ(m.vessels[0].cells, 1000000);
}

// ---------------------------------------------------------------- units and values

TEST(HostileModels, UnitExponentsAndValuesAreRangeChecked) {
  // "m^99999999999" used to escape as std::out_of_range ("error: stoi")
  EXPECT_THROW((void)parse_unit("m^99999999999"), std::invalid_argument);
  EXPECT_THROW((void)parse_unit("m^13"), std::invalid_argument);
  EXPECT_THROW((void)parse_unit("((m^4)^4)^4"), std::invalid_argument);  // L^64
  EXPECT_EQ(parse_unit("m^12").dimension.e[1], 12);
  EXPECT_THROW((void)parse_quantity("1e300 Gm", dim::length), std::invalid_argument);  // 1e309
  EXPECT_DOUBLE_EQ(parse_quantity("1e300 mm", dim::length), 1e297);
  const auto d = problems_of(with(kTube, "length: 10 cm", "length: 10 m^99999999999"));
  EXPECT_NE(find(d, "vessels.v.length", "exponent '99999999999' out of range"), nullptr) << dump(d);
}

TEST(HostileModels, HugeListIndexInAnOverrideIsAPathError) {
  // used to escape as std::out_of_range from stoul (Python: IndexError)
  auto doc = ModelDocument::from_string(kTube, "m.yaml");
  try {
    doc.set("vessels.99999999999999999999999.radius", "3 mm");
    FAIL() << "accepted";
  } catch (const OverrideError& e) {
    EXPECT_EQ(e.kind(), OverrideError::Kind::BadPath);
    EXPECT_NE(std::string(e.what()).find("no item with name"), std::string::npos);
  }
  doc.set("vessels.0.radius", "4 mm");  // a small index still selects the item
  EXPECT_DOUBLE_EQ(doc.build(false).vessels[0].radius_in, 4e-3);
}

// ---------------------------------------------------------------- tube laws and elements

TEST(HostileModels, TubeLawParametersAreCheckedAtLoadOnTheVessel) {
  // pi (1e-300 m)^2 underflows to 0: used to fail only when the simulation was built, unnamed
  auto d = problems_of(with(kTube, "radius: 3 mm", "radius: 1e-300 m"));
  EXPECT_NE(find(d, "vessels.v.radius", "reference area"), nullptr) << dump(d);
  d = problems_of(with(kTube, "{type: elastic, youngs_modulus: 400 kPa, wall_thickness: 0.3 mm}",
                       "{type: venous, stiffness: 10 Pa, m: -1}"));
  EXPECT_NE(find(d, "vessels.v.tube_law.m", "must be > 0"), nullptr) << dump(d);
  d = problems_of(with(kTube, "{type: elastic, youngs_modulus: 400 kPa, wall_thickness: 0.3 mm}",
                       "{type: venous, wave_speed: 1e-200 m/s}"));  // K = rho c^2/(m-n) = 0
  EXPECT_NE(find(d, "vessels.v.tube_law", "K must be > 0"), nullptr) << dump(d);
}

TEST(HostileModels, ElementRangesAreAllReportedAtTheirKeys) {
  const std::string yaml =
      with(kTube, "  - {node: b, pressure: 900 Pa}\n",
           "  - {node: b, pressure: 900 Pa}\n  - {node: c, pressure: 800 Pa}\n") +
      "elements:\n  - {name: e, type: mynard_valve, nodes: [b, c], annulus_area: 1 cm^2, "
      "M_st: 1.5, K_vo: -3 1/(Pa s)}\n";
  const auto d = problems_of(yaml);
  const Diagnostic* st = find(d, "elements.e.M_st", "must be in (0, 1]");
  const Diagnostic* vo = find(d, "elements.e.K_vo", "must be >= 0");
  ASSERT_NE(st, nullptr) << dump(d);
  ASSERT_NE(vo, nullptr) << dump(d);
  EXPECT_EQ(st->where.line, 10);
  EXPECT_EQ(vo->where.line, 10);
  EXPECT_LT(st->where.column, vo->where.column);
  // a default bounded by another parameter: dp_close (default 0) above dp_open = -5 Pa
  const auto e = problems_of(with(yaml, "M_st: 1.5, K_vo: -3 1/(Pa s)", "dp_open: -5 Pa"));
  EXPECT_NE(find(e, "elements.e.dp_close", "must be <= dp_open, got its default"), nullptr)
      << dump(e);
}

TEST(HostileModels, RangesAreStatedOnceInTheCatalogue) {
  const ElementTypeSpec* valve = find_element_type("mynard_valve");
  ASSERT_NE(valve, nullptr);
  std::map<std::string, std::string> ranges;
  for (const auto& p : valve->parameters) ranges[p.name] = p.range.str();
  EXPECT_EQ(ranges["M_st"], "in (0, 1]");
  EXPECT_EQ(ranges["M_rg"], "in [0, M_st]");
  EXPECT_EQ(ranges["dp_close"], "<= dp_open");
  EXPECT_EQ(ranges["dp_open"], "");
  // every resistance, compliance and inertance has a lower bound
  for (const auto& t : element_types()) {
    for (const auto& p : t.parameters) {
      if (p.dimension == dim::resistance || p.dimension == dim::compliance ||
          p.dimension == dim::inertance) {
        EXPECT_NE(p.range.str(), "") << t.type << "." << p.name;
      }
    }
  }
}

TEST(HostileModels, OverrideValuesFollowTheFileRules) {
  auto doc = ModelDocument::from_string(kTube, "m.yaml");
  for (int depth : {kMaxModelNesting + 1, 5000}) {
    try {
      doc.set("name", std::string(depth, '[') + std::string(depth, ']'));
      FAIL() << "accepted at depth " << depth;
    } catch (const OverrideError& e) {
      EXPECT_EQ(e.kind(), OverrideError::Kind::BadValue);
      const std::string what = e.what();
      EXPECT_NE(what.find("nesting deeper than 64 levels"), std::string::npos) << what;
      EXPECT_LT(what.size(), 300u) << "the value is quoted shortened";
    }
  }
}
