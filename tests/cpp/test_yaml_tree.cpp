// venoflow: the YAML tree and its reader and writer (format/yaml_tree.hpp), against trees and
// texts written out by hand here. (tests/python/test_yaml_reader.py compares the reader with
// PyYAML's pure-Python reader on every YAML file of the repository.)
#include <gtest/gtest.h>

#include <string>

#include "format/yaml_tree.hpp"

using namespace venoflow;
using yaml::NodeType;

namespace {

yaml::SyntaxError refusal(const std::string& text, const yaml::ParseLimits& limits = {}) {
  try {
    yaml::parse(text, limits);
  } catch (const yaml::SyntaxError& e) {
    return e;
  }
  ADD_FAILURE() << "accepted: " << text;
  return {};
}

}  // namespace

TEST(YamlReader, TypesTextsAndNullsAsWritten) {
  const auto root = yaml::parse(
      "a: 1.50\n"      // scalars stay text: no number conversion
      "b: \"null\"\n"  // quoted: a string
      "c: ~\n"         // the nulls of YAML 1.1
      "d: null\n"
      "e:\n"
      "f: [x, 'y z', {g: h}]\n"
      "i: !!str null\n"           // an explicit tag keeps it a scalar
      "j: |\n  two\n  lines\n");  // a literal block scalar
  ASSERT_TRUE(root.IsMap());
  ASSERT_EQ(root.size(), 8u);
  EXPECT_EQ(root["a"].Scalar(), "1.50");
  EXPECT_EQ(root["a"].Tag(), "?");
  EXPECT_TRUE(root["b"].IsScalar());
  EXPECT_EQ(root["b"].Scalar(), "null");
  EXPECT_EQ(root["b"].Tag(), "!");
  EXPECT_TRUE(root["c"].IsNull());
  EXPECT_TRUE(root["d"].IsNull());
  EXPECT_TRUE(root["e"].IsNull());
  const auto f = root["f"];
  ASSERT_TRUE(f.IsSequence());
  EXPECT_EQ(f.style(), yaml::Style::Flow);
  EXPECT_EQ(f.size(), 3u);
  EXPECT_EQ(f[1].Scalar(), "y z");
  EXPECT_EQ(f[2]["g"].Scalar(), "h");
  EXPECT_FALSE(f[3].IsDefined());
  EXPECT_TRUE(root["i"].IsScalar());
  EXPECT_EQ(root["i"].Tag(), "tag:yaml.org,2002:str");
  EXPECT_EQ(root["j"].Scalar(), "two\nlines\n");
  EXPECT_EQ(root.style(), yaml::Style::Block);
  EXPECT_FALSE(root["absent"].IsDefined());
  EXPECT_EQ(root["absent"].Type(), NodeType::Undefined);
  EXPECT_TRUE(yaml::parse("").IsNull());
  EXPECT_TRUE(yaml::parse("# only a comment\n").IsNull());
}

TEST(YamlReader, MarksAreZeroBasedLinesAndColumnsInCharacters) {
  // the byte-order mark is not a column; "µ" is two bytes and one character
  const auto root = yaml::parse("\xEF\xBB\xBFname: x\nunit: \xC2\xB5m\nlist:\n  - a\n  - {b: c}\n");
  EXPECT_EQ(root.Mark().line, 0);
  EXPECT_EQ(root.Mark().column, 0);
  EXPECT_EQ(root["name"].Mark().line, 0);
  EXPECT_EQ(root["name"].Mark().column, 6);
  const auto& entries = root.entries();
  EXPECT_EQ(entries[1].first.Mark().line, 1);  // the key `unit`
  EXPECT_EQ(entries[1].first.Mark().column, 0);
  EXPECT_EQ(root["list"].Mark().line, 3);  // a block sequence starts at its first dash
  EXPECT_EQ(root["list"].Mark().column, 2);
  EXPECT_EQ(root["list"][1]["b"].Mark().line, 4);
  EXPECT_EQ(root["list"][1]["b"].Mark().column, 8);
  // a non-ASCII character before a node counts one column
  const auto u = yaml::parse("k: [\xC2\xB5, z]\n");
  EXPECT_EQ(u["k"][1].Mark().column, 7);
  EXPECT_EQ(yaml::Node(NodeType::Map).Mark().line, -1);
}

TEST(YamlReader, DuplicateKeysAreKeptInOrderAndTheFirstIsFound) {
  const auto root = yaml::parse("a: 1\nb: 2\na: 3\n");
  ASSERT_EQ(root.entries().size(), 3u);
  EXPECT_EQ(root.entries()[2].first.Scalar(), "a");
  EXPECT_EQ(root.entries()[2].second.Scalar(), "3");
  EXPECT_EQ(root["a"].Scalar(), "1");
}

TEST(YamlReader, AliasesShareTheAnchoredNode) {
  const auto root = yaml::parse("a: &x {k: v}\nb: *x\nc: &s text\nd: *s\n");
  EXPECT_TRUE(root["a"].is(root["b"]));
  EXPECT_TRUE(root["c"].is(root["d"]));
  EXPECT_FALSE(root["a"].is(root["c"]));
  // an edit through one handle is seen through the other
  root["a"].set("k", yaml::Node::scalar("w"));
  EXPECT_EQ(root["b"]["k"].Scalar(), "w");
}

TEST(YamlReader, RefusesWithThePlaceOfTheProblem) {
  // text, 0-based line and column of the refusal, words of its message
  const struct {
    const char* text;
    int line, column;
    const char* words;
  } cases[] = {
      {"a: *x\nb: &x 1\n", 0, 3, "unknown alias '*x'"},  // an alias before its anchor
      {"a: &x [1, *x]\n", 0, 10, "unknown alias"},       // inside its own anchor (a cycle)
      {"a: 1\n---\nb: 2\n", 1, 0, "second YAML document"},
      // a quote never closed: where it opened, with the quote character
      {"a: 1\nb: 'open\nc: 2\n", 1, 3, "unterminated quoted string (no closing '"},
      {"a: [\"x\n", 0, 4, "no closing \""},
      {"a:\n\tb: 1\n", 1, 0, "spaces only"},  // a tab as indentation: named
      // a control character (the reader's own check), at its line and column
      {"a: 1\nb: x\x01y\n", 1, 4, "control characters are not allowed"},
  };
  for (const auto& c : cases) {
    SCOPED_TRACE(c.text);
    const auto e = refusal(c.text);
    EXPECT_EQ(e.mark.line, c.line);
    EXPECT_EQ(e.mark.column, c.column);
    EXPECT_NE(e.message.find(c.words), std::string::npos) << e.message;
  }
}

TEST(YamlReader, NestingLimitCountsFromTheGivenDepth) {
  // depth of the innermost scalar: 1 (root map) + n lists
  const auto nested = [](int n) {
    return "k: " + std::string(static_cast<std::size_t>(n), '[') + "x" +
           std::string(static_cast<std::size_t>(n), ']') + "\n";
  };
  EXPECT_NO_THROW(yaml::parse(nested(63), {64, 0}));  // the scalar at depth 64
  auto e = refusal(nested(64), {64, 0});              // the scalar at depth 65
  EXPECT_EQ(e.mark.column, 3 + 64);
  EXPECT_NE(e.message.find("nesting deeper than 64 levels"), std::string::npos);
  e = refusal(nested(3000), {64, 0});  // the first level too deep, not the end
  EXPECT_EQ(e.mark.column, 3 + 64);
  EXPECT_NO_THROW(yaml::parse(nested(60), {64, 3}));
  e = refusal(nested(61), {64, 3});
  EXPECT_EQ(e.mark.column, 3 + 61);
}

TEST(YamlTree, EditsInPlace) {
  auto root = yaml::parse("a: {b: 1}\nlist: [x]\nn:\n");
  const auto b_map = root["a"];
  root["a"].assign(yaml::parse("{c: 2}"));  // every handle on `a` sees the new value
  EXPECT_FALSE(b_map["b"].IsDefined());
  EXPECT_EQ(b_map["c"].Scalar(), "2");
  root.set("new", yaml::Node::scalar("v"));  // a new last entry
  EXPECT_EQ(root.entries().back().first.Scalar(), "new");
  root.set("a", yaml::Node::scalar("s"));  // the first entry with the key replaced
  EXPECT_EQ(root["a"].Scalar(), "s");
  EXPECT_EQ(root.size(), 4u);
  root["list"].push_back(yaml::Node::scalar("y"));
  EXPECT_EQ(root["list"][1].Scalar(), "y");
  root["n"].assign(yaml::Node(NodeType::Map));  // a null placeholder becomes a map
  EXPECT_TRUE(root["n"].IsMap());
}

TEST(YamlWriter, WritesTheHandWrittenText) {
  const auto root = yaml::parse(
      "name: tube\nlist:\n  - a\n  - {k: v}\n  - - 1\n    - 2\nmap:\n  x: 1 mm\n  y: []\n"
      "flow: [1, 'a, b']\nn: ~\ne: ''\n");
  EXPECT_EQ(yaml::write(root),
            "name: tube\n"
            "list:\n"
            "  - a\n"
            "  - {k: v}\n"
            "  - - 1\n"
            "    - 2\n"
            "map:\n"
            "  x: 1 mm\n"
            "  y: []\n"
            "flow: [1, \"a, b\"]\n"
            "n: ~\n"
            "e: \"\"\n");
}

TEST(YamlWriter, EscapesWhatYamlWouldReadDifferently) {
  // every class of character the writer escapes, in one string: controls, DEL, the C1 range
  // (NEL is a line break in YAML 1.1), LS, PS, a byte-order mark, U+FFFE, and the quote and
  // backslash; and text that stays as it is (µ, a 4-byte character)
  const std::string s = std::string("a\x01\t\n\r\x7F\"\\b") +
                        "\xC2\x85\xC2\x9F\xE2\x80\xA8\xE2\x80\xA9\xEF\xBB\xBF" +
                        "\xEF\xBF\xBE\xC2\xB5\xF0\x9F\x98\x80" + std::string(1, '\0') + "z";
  auto root = yaml::Node(NodeType::Map);
  root.set("k", yaml::Node::scalar(s));
  const std::string out = yaml::write(root);
  EXPECT_EQ(out,
            "k: \"a\\x01\\t\\n\\r\\x7F\\\"\\\\b\\u0085\\u009F\\u2028\\u2029\\uFEFF\\uFFFE"
            "\xC2\xB5\xF0\x9F\x98\x80\\0z\"\n");
  EXPECT_EQ(yaml::parse(out)["k"].Scalar(), s);
}

TEST(YamlWriter, LongAndComplexKeysTagsAndAnchorsReadBack) {
  auto root = yaml::Node(NodeType::Map);
  const std::string long_key(300, 'k');
  root.set(long_key, yaml::Node::scalar("v"));  // over YAML's implicit-key length once quoted
  const auto shared = yaml::parse("{a: 1}");
  root.set("first", shared);
  root.set("second", shared);
  const auto tagged = yaml::parse("!!str 12");
  root.set("tagged", tagged);
  const std::string out = yaml::write(root);
  const auto back = yaml::parse(out);
  EXPECT_EQ(back[long_key].Scalar(), "v");
  EXPECT_TRUE(back["first"].is(back["second"])) << out;  // an anchor and an alias
  EXPECT_EQ(back["tagged"].Tag(), "tag:yaml.org,2002:str");
  EXPECT_EQ(back["tagged"].Scalar(), "12");
  // a collection as a key
  const auto complex = yaml::parse("? [a, b]\n: c\n");
  ASSERT_TRUE(complex.entries()[0].first.IsSequence());
  const auto again = yaml::parse(yaml::write(complex));
  ASSERT_TRUE(again.entries()[0].first.IsSequence());
  EXPECT_EQ(again.entries()[0].first[1].Scalar(), "b");
  EXPECT_EQ(again.entries()[0].second.Scalar(), "c");
}
