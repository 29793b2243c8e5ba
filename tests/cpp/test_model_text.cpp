// venoflow: the resolved model text (ModelDocument::yaml, a results file's /model) reads back
// as the same YAML tree as the document it was written from: the shipped models, and scalars
// that must be quoted or escaped (format/yaml_writer.cpp writes plain scalars bare and every
// other one double-quoted).
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>

#include "format/yaml_tree.hpp"
#include "venoflow/model_document.hpp"

using namespace venoflow;

namespace {

std::string slurp(const std::filesystem::path& p) {
  std::ifstream in(p, std::ios::binary);
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

/// Same node types, scalars (as strings), keys and order.
::testing::AssertionResult same_tree(const yaml::Node& a, const yaml::Node& b,
                                     const std::string& where = "") {
  if (a.Type() != b.Type()) return ::testing::AssertionFailure() << where << ": node types differ";
  if (a.IsScalar()) {
    if (a.Scalar() != b.Scalar())
      return ::testing::AssertionFailure()
             << where << ": '" << a.Scalar() << "' != '" << b.Scalar() << "'";
    return ::testing::AssertionSuccess();
  }
  if (a.size() != b.size()) return ::testing::AssertionFailure() << where << ": sizes differ";
  for (std::size_t i = 0; i < a.entries().size(); ++i) {
    const auto& [ka, va] = a.entries()[i];
    const auto& [kb, vb] = b.entries()[i];
    auto r = same_tree(ka, kb, where + "/key" + std::to_string(i));
    if (!r) return r;
    r = same_tree(va, vb, where + "/" + ka.Scalar());
    if (!r) return r;
  }
  for (std::size_t i = 0; i < a.items().size(); ++i) {
    auto r = same_tree(a.items()[i], b.items()[i], where + "[" + std::to_string(i) + "]");
    if (!r) return r;
  }
  return ::testing::AssertionSuccess();
}

const std::filesystem::path kRoot = VENOFLOW_SOURCE_DIR;

}  // namespace

TEST(ModelDocumentYaml, ShippedModelsReadBackAsTheSameTree) {
  int n = 0;
  for (const auto& dir : {kRoot / "models", kRoot / "validation/benchmarks"}) {
    for (const auto& e : std::filesystem::directory_iterator(dir)) {
      if (e.path().extension() != ".yaml") continue;
      const std::string text = slurp(e.path());
      const yaml::Node original = yaml::parse(text);
      if (original["extends"].IsDefined())
        continue;  // a scenario: its document is the composed one
      SCOPED_TRACE(e.path().string());
      const std::string out =
          ModelDocument::from_string(text, e.path().string(), dir.string()).yaml();
      EXPECT_TRUE(same_tree(yaml::parse(out), original));
      // and writing it again gives the same text (a results file's /model is stable)
      EXPECT_EQ(ModelDocument::from_string(out, "again.yaml", dir.string()).yaml(), out);
      ++n;
    }
  }
  EXPECT_GE(n, 5);
}

TEST(ModelDocumentYaml, ScalarsThatNeedQuotingReadBackUnchanged) {
  // Each would change (or fail to parse) if written bare.
  const std::string text = R"(venoflow: 1
name: "a: b"
description: "x # not a comment"
quoted_null: "null"
tilde: "~"
lead: " leading space"
trail: "trailing space "
dash: "- item"
colon_end: "ends with:"
multi: "line one\nline two"
folded: >
  folded text
  over lines
unicode: "µm ü ·"
empty: ""
star: "*ref"
amp: "&anchor"
bang: "!tag"
percent: "%YAML"
at: "@x"
backtick: "`x`"
question: "? x"
comma: "a, b"
brackets: "[not a list]"
braces: "{not: a map}"
quote: "it's"
dquote: "say \"hi\""
backslash: 'C:\dir'
tab: "a\tb"
number_text: "1e3"
units: 10 mmHg
flow_list: [1, 2, "a, b", "c]", x y]
flow_map: {a: 1, "b: c": 2}
nested_flow: [[1, 2], {k: v}]
empty_list: []
empty_map: {}
null_value:
nested:
  - name: v1
    list:
      - - 1
        - 2
      - []
  - plain
  - ""
)";
  const auto doc = ModelDocument::from_string(text, "m.yaml");
  const std::string out = doc.yaml();
  EXPECT_TRUE(same_tree(yaml::parse(out), yaml::parse(text))) << out;
  EXPECT_EQ(ModelDocument::from_string(out, "again.yaml").yaml(), out);
}

TEST(ModelDocumentYaml, OverridesAndAliasesReadBackUnchanged) {
  // An override with a flow list and one with characters to quote; an alias (the shared node
  // is written with its anchor, or expanded: the same values either way).
  const std::string text = R"(venoflow: 1
base: &b {radius: 5 mm, note: plain}
copy: *b
list:
  - a
)";
  auto doc = ModelDocument::from_string(text, "m.yaml");
  doc.set("list", "[1, \"x: y\", z]");
  doc.set("base.note", "\"# hash\"");
  const std::string out = doc.yaml();
  const yaml::Node back = yaml::parse(out);
  EXPECT_EQ(back["copy"]["radius"].Scalar(), "5 mm");
  EXPECT_EQ(back["copy"]["note"].Scalar(), "# hash");  // the alias follows its node
  EXPECT_EQ(back["list"][1].Scalar(), "x: y");
  EXPECT_EQ(back["list"].size(), 3u);
  EXPECT_EQ(back["base"]["note"].Scalar(), "# hash");
}

TEST(ModelDocumentYaml, AliasesAreWrittenAsAliasesNotExpanded) {
  // 40 levels of lists of two aliases of the level below: 2^40 leaves if expanded. The text
  // keeps the aliases (written with anchors) and stays small.
  std::string text = "venoflow: 1\nl0: &l0 [x, y]\n";
  for (int i = 1; i <= 40; ++i) {
    const std::string prev = "l" + std::to_string(i - 1), cur = "l" + std::to_string(i);
    text += cur + ": &" + cur + " [*" + prev + ", *" + prev + "]\n";
  }
  const std::string out = ModelDocument::from_string(text, "m.yaml").yaml();
  EXPECT_LT(out.size(), 4 * text.size());
  EXPECT_NE(out.find('*'), std::string::npos);
  const yaml::Node back = yaml::parse(out);
  EXPECT_EQ(back["l3"][1][0][1][0].Scalar(), "x");
}
