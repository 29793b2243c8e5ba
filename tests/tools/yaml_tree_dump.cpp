// venoflow test tool: the YAML tree that format/yaml_tree.cpp reads from a file, one node per
// line in document order (keys before their values, aliases expanded), for
// tests/python/test_yaml_reader.py to compare with PyYAML's pure-Python reader. With --write,
// prints yaml::write of the tree instead.
//
//   venoflow_yaml_tree_dump [--write] FILE
//   node lines:  KIND <tab> LINE <tab> COLUMN <tab> TAG <tab> TEXT (escaped: \\ \n \t \r \xHH)
//   refusal:     error <tab> LINE <tab> COLUMN <tab> MESSAGE   (exit status 2)
#include <cstdio>
#include <fstream>
#include <iostream>
#include <sstream>
#include <string>

#include "format/yaml_tree.hpp"

using venoflow::yaml::Node;
using venoflow::yaml::NodeType;

namespace {

std::string escaped(const std::string& s) {
  std::string out;
  for (const char ch : s) {
    const auto c = static_cast<unsigned char>(ch);
    if (c == '\\') {
      out += "\\\\";
    } else if (c == '\n') {
      out += "\\n";
    } else if (c == '\t') {
      out += "\\t";
    } else if (c == '\r') {
      out += "\\r";
    } else if (c < 0x20 || c == 0x7F) {
      char hex[8];
      std::snprintf(hex, sizeof hex, "\\x%02X", static_cast<unsigned>(c));
      out += hex;
    } else {
      out += ch;
    }
  }
  return out;
}

void dump(const Node& n, std::ostream& out) {
  const char* kind = "undefined";
  switch (n.Type()) {
    case NodeType::Null:
      kind = "null";
      break;
    case NodeType::Scalar:
      kind = "scalar";
      break;
    case NodeType::Sequence:
      kind = "seq";
      break;
    case NodeType::Map:
      kind = "map";
      break;
    case NodeType::Undefined:
      break;
  }
  out << kind << '\t' << n.Mark().line << '\t' << n.Mark().column << '\t' << n.Tag() << '\t'
      << escaped(n.Scalar()) << '\n';
  for (const auto& [k, v] : n.entries()) {
    dump(k, out);
    dump(v, out);
  }
  for (const auto& v : n.items()) dump(v, out);
}

}  // namespace

int main(int argc, char** argv) {
  const bool write = argc == 3 && std::string(argv[1]) == "--write";
  if (argc != 2 && !write) {
    std::cerr << "usage: venoflow_yaml_tree_dump [--write] FILE\n";
    return 1;
  }
  std::ifstream f(argv[argc - 1], std::ios::binary);
  std::stringstream text;
  text << f.rdbuf();
  try {
    const Node root = venoflow::yaml::parse(text.str());
    if (write)
      std::cout << venoflow::yaml::write(root);
    else
      dump(root, std::cout);
  } catch (const venoflow::yaml::SyntaxError& e) {
    std::cout << "error\t" << e.mark.line << '\t' << e.mark.column << '\t' << e.message << '\n';
    return 2;
  }
  return 0;
}
