// venoflow: ModelDocument (include/venoflow/model_document.hpp): a YAML tree with source
// positions, edited by dotted paths, built into a Model by model_builder.cpp.
#include "venoflow/model_document.hpp"

#include <charconv>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <functional>
#include <optional>
#include <set>
#include <sstream>
#include <string>
#include <unordered_map>
#include <utility>
#include <vector>

#include "format/model_builder.hpp"
#include "format/schema.hpp"
#include "format/yaml_tree.hpp"

namespace venoflow {

using detail::KeySpec;
using detail::ValueKind;

namespace {

SourceLocation located(const std::string& file, const yaml::Mark& m) {
  return SourceLocation{file, m.line >= 0 ? m.line + 1 : 0, m.column >= 0 ? m.column + 1 : 0};
}

/// Model files are UTF-8 (an optional byte-order mark is skipped by the YAML reader). Any other
/// byte sequence is refused at its line and column (in characters) rather than passed on, so that
/// the command line and Python (whose strings are Unicode) read the same files.
void check_utf8(const std::string& text, const std::string& file) {
  const auto* s = reinterpret_cast<const unsigned char*>(text.data());
  const std::size_t n = text.size();
  for (std::size_t i = 0; i < n;) {
    // ASCII, nearly all of a model file, eight bytes at a time
    std::uint64_t word = 0;
    if (i + 8 <= n && (std::memcpy(&word, s + i, 8), (word & 0x8080808080808080u) == 0)) {
      i += 8;
      continue;
    }
    const unsigned char c = s[i];
    std::size_t len = 0;
    std::uint32_t cp = 0, min = 0;
    if (c < 0x80) {
      len = 1;
      cp = c;
    } else if ((c & 0xE0) == 0xC0) {
      len = 2, cp = c & 0x1F, min = 0x80;
    } else if ((c & 0xF0) == 0xE0) {
      len = 3, cp = c & 0x0F, min = 0x800;
    } else if ((c & 0xF8) == 0xF0) {
      len = 4, cp = c & 0x07, min = 0x10000;
    }
    bool ok = len > 0 && i + len <= n;
    for (std::size_t k = 1; ok && k < len; ++k) {
      ok = (s[i + k] & 0xC0) == 0x80;
      cp = (cp << 6) | (s[i + k] & 0x3F);
    }
    // no overlong forms, no UTF-16 surrogates, nothing above U+10FFFF (RFC 3629)
    ok = ok && cp >= min && !(cp >= 0xD800 && cp <= 0xDFFF) && cp <= 0x10FFFF;
    // A byte-order mark is the file's first character or none: further in, YAML readers take
    // it as a space at a line's start (shifting the indentation) and as text elsewhere, and
    // editors do not show it. Refused with its own message (text made by concatenating files).
    const bool bom = ok && cp == 0xFEFF && i > 0;
    if (!ok || bom) {
      // Line and column (in characters) of byte i; everything before it is valid UTF-8, so a
      // character is a byte that is not a continuation byte.
      int line = 1, column = 1;
      for (std::size_t k = 0; k < i; ++k) {
        if (s[k] == '\n') {
          ++line;
          column = 1;
        } else if ((s[k] & 0xC0) != 0x80) {
          ++column;
        }
      }
      if (bom)
        throw ModelError({Diagnostic{
            SourceLocation{file, line, column}, "",
            "a byte-order mark (U+FEFF, invisible in most editors) inside the text: only the "
            "first character of a model file may be one; delete it"}});
      char hex[8];
      std::snprintf(hex, sizeof hex, "0x%02X", static_cast<unsigned>(c));
      throw ModelError({Diagnostic{
          SourceLocation{file, line, column}, "",
          std::string("invalid UTF-8 (byte ") + hex + "): a model file must be UTF-8 text"}});
    }
    i += len;
  }
}

/// The files of the `extends:` chain being composed on this thread (outermost first), to
/// detect cycles and bound the depth.
struct ExtendsChain {
  std::vector<std::string> keys;   // canonical paths
  std::vector<std::string> names;  // as the user wrote them (for messages)
};
ExtendsChain& extends_chain() {
  thread_local ExtendsChain chain;
  return chain;
}
std::string file_key(const std::string& path) {
  std::error_code ec;
  auto p = std::filesystem::weakly_canonical(std::filesystem::path(path), ec);
  return ec ? std::filesystem::path(path).lexically_normal().string() : p.string();
}

}  // namespace

std::string read_model_file(const std::string& path) {
  auto fail = [&](const std::string& msg) {
    throw ModelError({Diagnostic{SourceLocation{path, 0, 0}, "", msg}});
  };
  std::error_code ec;
  const auto st = std::filesystem::status(path, ec);
  if (ec || !std::filesystem::exists(st)) fail("no such file");
  if (std::filesystem::is_directory(st)) fail("is a directory, not a model file");
  if (!std::filesystem::is_regular_file(st))
    fail("not a regular file (a device, pipe or socket); a model must be a regular file");
  const auto size = std::filesystem::file_size(path, ec);
  if (!ec && size > kMaxModelFileBytes)
    fail("file of " + std::to_string(size) + " bytes is larger than the " +
         std::to_string(kMaxModelFileBytes >> 20) + " MiB limit for model files");
  std::ifstream f(path, std::ios::binary);
  if (!f) fail("cannot open the file (permission denied?)");
  // Read at most one byte more than the limit: the file may grow after the size check.
  std::string text(static_cast<std::size_t>(std::min<std::uintmax_t>(
                       ec ? kMaxModelFileBytes + 1 : size + 1, kMaxModelFileBytes + 1)),
                   '\0');
  f.read(text.data(), static_cast<std::streamsize>(text.size()));
  text.resize(static_cast<std::size_t>(f.gcount()));
  if (f.bad()) fail("cannot read model file");
  if (text.size() > kMaxModelFileBytes)
    fail("file is larger than the " + std::to_string(kMaxModelFileBytes >> 20) +
         " MiB limit for model files");
  check_utf8(text, path);
  return text;
}

struct ModelDocument::Impl {
  std::string text;
  std::string file;
  std::string base_dir;
  bool from_file = false;
  yaml::Node root;
  std::vector<Override> applied;
  std::vector<std::string> overridden;  // canonical paths
  /// Parts that came from a scenario file (extends/set/add): canonical path -> that file.
  std::vector<std::pair<std::string, std::string>> origins;
  bool composed = false;  // built from a scenario file that extends a base model
  std::string scenario_text, scenario_file, scenario_dir;

  void parse() {
    check_utf8(text, file);
    try {
      root = yaml::parse(text, yaml::ParseLimits{kMaxModelNesting, 0});
    } catch (const yaml::SyntaxError& e) {
      throw ModelError({Diagnostic{located(file, e.mark), "", "YAML syntax error: " + e.message}});
    }
  }
  void set(const std::string& path, const std::string& value);
  /// Set a parsed value; `origin` is the scenario file it comes from ("" = an override).
  void set_node(const std::string& path, const yaml::Node& v, const std::string& origin);
  yaml::Node get(const std::string& path) const;
};

Override parse_override(const std::string& text) {
  auto eq = text.find('=');
  if (eq == std::string::npos)
    throw OverrideError(OverrideError::Kind::BadPath, text,
                        "expected PATH=VALUE (e.g. vessels.cca.radius=\"3 mm\")");
  auto trim = [](std::string s) {
    size_t a = s.find_first_not_of(" \t"), b = s.find_last_not_of(" \t");
    return a == std::string::npos ? std::string() : s.substr(a, b - a + 1);
  };
  Override o{trim(text.substr(0, eq)), trim(text.substr(eq + 1))};
  if (o.path.empty())
    throw OverrideError(OverrideError::Kind::BadPath, text, "empty path before '='");
  return o;
}

namespace {

std::vector<std::string> split_path(const std::string& path) {
  std::vector<std::string> seg;
  std::string cur;
  for (char c : path) {
    if (c == '.') {
      seg.push_back(cur);
      cur.clear();
    } else {
      cur += c;
    }
  }
  seg.push_back(cur);
  for (const auto& s : seg)
    if (s.empty())
      throw OverrideError(OverrideError::Kind::BadPath, path, "empty component in the path");
  return seg;
}

// The key specs allowed in a map reached with `spec` (element items depend on their type).
// They live in the schema's static tables: a walk refers to them, never copies them.
const std::vector<KeySpec>& map_keys(const KeySpec* spec, bool element_item,
                                     const yaml::Node& node) {
  static const std::vector<KeySpec> none;
  if (element_item) {
    return detail::element_keys(node["type"].Scalar());  // "" when absent or not a scalar
  }
  return spec ? spec->children : none;
}

bool is_index(const std::string& s) {
  return !s.empty() && s.find_first_not_of("0123456789") == std::string::npos;
}

std::string item_name(const yaml::Node& item, const std::string& index_key) {
  return item[index_key].Scalar();  // "" when absent or not a scalar
}

struct Walk {
  yaml::Node node;                             // deepest existing node reached
  const KeySpec* spec = nullptr;               // its schema entry, if it has one
  const std::vector<KeySpec>* keys = nullptr;  // keys allowed in `node` if it is a map
  size_t consumed = 0;                         // number of path segments resolved to existing nodes
  std::string canonical;
};

// Resolve as many segments as exist. Throws BadPath for a missing list item or a descent
// into a scalar.
Walk walk(const yaml::Node& root, const std::string& path, const std::vector<std::string>& seg) {
  Walk w;
  w.node = root;
  w.spec = &detail::model_schema();
  w.keys = &w.spec->children;
  bool element_item = false;
  for (size_t i = 0; i < seg.size(); ++i) {
    const std::string& s = seg[i];
    std::string prefix = w.canonical.empty() ? "the top level" : "'" + w.canonical + "'";
    if (w.node.IsNull()) return w;  // `key:` with no value: what follows may be added
    if (w.node.IsSequence()) {
      const std::string index_key =
          (w.spec && !w.spec->index_key.empty()) ? w.spec->index_key : "name";
      std::optional<yaml::Node> found;
      std::string name;
      for (const yaml::Node& item : w.node.items()) {
        if (item_name(item, index_key) == s) {
          found = item;
          name = s;
          break;
        }
      }
      std::size_t index = 0;
      if (!found && is_index(s) &&
          std::from_chars(s.data(), s.data() + s.size(), index).ec == std::errc() &&
          index < w.node.size()) {
        found = w.node[index];
        name = item_name(*found, index_key);
        if (name.empty()) name = s;
      }
      if (!found) {
        std::vector<std::string> names;
        for (const yaml::Node& item : w.node.items()) {
          std::string nm = item_name(item, index_key);
          if (!nm.empty()) names.push_back(nm);
        }
        std::string near = detail::closest(s, names);
        throw OverrideError(OverrideError::Kind::BadPath, path,
                            "no item with " + index_key + " '" + s + "' in " + prefix +
                                (near.empty() ? "" : " (did you mean '" + near + "'?)"));
      }
      element_item = w.spec && w.spec->element_list;
      w.node = *found;
      w.keys = &map_keys(w.spec, element_item, w.node);
      w.canonical += "." + name;
      w.consumed = i + 1;
      continue;
    }
    if (w.node.IsMap()) {
      const yaml::Node c = w.node[s];
      if (!c.IsDefined()) return w;
      const KeySpec* next = nullptr;
      for (const auto& k : *w.keys)
        if (k.name == s) next = &k;
      w.spec = next;
      w.node = c;
      w.keys = &map_keys(next, false, w.node);
      element_item = false;
      w.canonical += (w.canonical.empty() ? "" : ".") + s;
      w.consumed = i + 1;
      continue;
    }
    throw OverrideError(OverrideError::Kind::BadPath, path,
                        prefix + " is a single value; '" + s + "' cannot be found inside it");
  }
  return w;
}

}  // namespace

void ModelDocument::Impl::set(const std::string& path, const std::string& value_text) {
  // messages quote the value, shortened: it may be anything, of any length
  const std::string value = value_text.size() > 80 ? value_text.substr(0, 77) + "..." : value_text;
  yaml::Node v;
  try {
    // the nesting rule of a file, at the depth the value takes in the document
    v = yaml::parse(value_text,
                    yaml::ParseLimits{kMaxModelNesting, static_cast<int>(split_path(path).size())});
  } catch (const yaml::SyntaxError& e) {
    throw OverrideError(OverrideError::Kind::BadValue, path,
                        "value '" + value + "' is not valid YAML: " + e.message);
  }
  set_node(path, v, "");
}

void ModelDocument::Impl::set_node(const std::string& path, const yaml::Node& v,
                                   const std::string& origin) {
  const auto seg = split_path(path);
  auto mark = [&](const std::string& canonical) {
    if (origin.empty())
      overridden.push_back(canonical);
    else
      origins.emplace_back(canonical, origin);
  };
  Walk w = walk(root, path, seg);
  if (w.consumed == seg.size()) {
    yaml::Node target = w.node;
    target.assign(v);  // replaces the value in place, where the document holds it
    mark(w.canonical);
    return;
  }
  // The rest must be keys the schema allows here; intermediate ones are maps to create.
  const std::vector<KeySpec>* keys = w.keys;
  std::string canonical = w.canonical;
  std::vector<std::string> to_create;
  for (size_t i = w.consumed; i < seg.size(); ++i) {
    const std::string& s = seg[i];
    const KeySpec* k = nullptr;
    for (const auto& x : *keys)
      if (x.name == s) k = &x;
    std::string where = canonical.empty() ? "the top level" : "'" + canonical + "'";
    if (!w.node.IsMap() && i == w.consumed && !w.node.IsNull())
      throw OverrideError(OverrideError::Kind::BadPath, path,
                          where + " is a single value; '" + s + "' cannot be added inside it");
    if (!k) {
      std::vector<std::string> names;
      for (const auto& x : *keys) names.push_back(x.name);
      std::string near = detail::closest(s, names);
      throw OverrideError(OverrideError::Kind::BadPath, path,
                          "no key '" + s + "' in " + where +
                              (near.empty() ? "" : " (did you mean '" + near + "'?)"));
    }
    const bool last = i + 1 == seg.size();
    if (!last && !(k->kind == ValueKind::Map || k->kind == ValueKind::Function ||
                   k->kind == ValueKind::Radius))
      throw OverrideError(OverrideError::Kind::BadPath, path,
                          "'" + s + "' in " + where + " holds a value, not a map");
    to_create.push_back(s);
    canonical += (canonical.empty() ? "" : ".") + s;
    keys = &k->children;
  }
  yaml::Node cur = w.node;
  if (!cur.IsMap()) cur.assign(yaml::Node(yaml::NodeType::Map));  // a null placeholder: a map
  for (size_t i = 0; i < to_create.size(); ++i) {
    if (i + 1 == to_create.size()) {
      cur.set(to_create[i], v);
    } else {
      yaml::Node next(yaml::NodeType::Map);
      cur.set(to_create[i], next);
      cur = next;
    }
  }
  mark(canonical);
}

yaml::Node ModelDocument::Impl::get(const std::string& path) const {
  const auto seg = split_path(path);
  Walk w = walk(root, path, seg);
  if (w.consumed != seg.size())
    throw OverrideError(OverrideError::Kind::BadPath, path,
                        "no key '" + seg[w.consumed] + "' in " +
                            (w.canonical.empty() ? "the top level" : "'" + w.canonical + "'"));
  return w.node;
}

ModelDocument::ModelDocument() : impl_(std::make_unique<Impl>()) {}
ModelDocument::~ModelDocument() = default;
ModelDocument::ModelDocument(ModelDocument&&) noexcept = default;
ModelDocument& ModelDocument::operator=(ModelDocument&&) noexcept = default;

// A copy re-parses the text and replays the overrides: the tree's nodes are shared handles,
// and a copy must not see the original's later edits.
ModelDocument::ModelDocument(const ModelDocument& other) : impl_(std::make_unique<Impl>()) {
  if (other.impl_->composed) {
    impl_->text = other.impl_->scenario_text;
    impl_->file = other.impl_->scenario_file;
    impl_->base_dir = other.impl_->scenario_dir;
    impl_->parse();
    compose_scenario(*this, other.impl_->scenario_file, other.impl_->scenario_dir);
    for (const auto& o : other.impl_->applied) set(o.path, o.value);
    return;
  }
  impl_->text = other.impl_->text;
  impl_->file = other.impl_->file;
  impl_->base_dir = other.impl_->base_dir;
  impl_->from_file = other.impl_->from_file;
  impl_->parse();
  for (const auto& o : other.impl_->applied) set(o.path, o.value);
}

ModelDocument& ModelDocument::operator=(const ModelDocument& other) {
  if (this != &other) {
    ModelDocument copy(other);
    *this = std::move(copy);
  }
  return *this;
}

ModelDocument ModelDocument::from_file(const std::string& path) {
  ModelDocument d;
  d.impl_->text = read_model_file(path);
  d.impl_->file = path;
  std::filesystem::path parent = std::filesystem::path(path).parent_path();
  d.impl_->base_dir = parent.empty() ? "." : parent.string();
  d.impl_->from_file = true;
  d.impl_->parse();
  if (d.impl_->root["extends"].IsDefined()) compose_scenario(d, path, d.impl_->base_dir);
  return d;
}

ModelDocument ModelDocument::from_string(const std::string& text, const std::string& name,
                                         const std::string& base_dir) {
  ModelDocument d;
  d.impl_->text = text;
  d.impl_->file = name;
  d.impl_->base_dir = base_dir;
  d.impl_->parse();
  if (d.impl_->root["extends"].IsDefined()) compose_scenario(d, name, base_dir);
  return d;
}

/// A scenario file: `extends: base.yaml` plus `set:` (dotted paths) and `add:` (list items),
/// docs/model-format.md#scenarios. Builds the base document and applies the scenario to it.
/// Every problem is reported with the scenario file's line.
void ModelDocument::compose_scenario(ModelDocument& doc, const std::string& file_ref,
                                     const std::string& dir_ref) {
  // Copies: the references may point into `doc`, which is replaced by its base below.
  const std::string file = file_ref, dir = dir_ref;
  const yaml::Node root = doc.impl_->root;
  const std::string scenario_text = doc.impl_->text;
  std::vector<Diagnostic> diags;
  auto err = [&](const yaml::Node& n, const std::string& key, const std::string& msg) {
    SourceLocation l{file, 0, 0};
    if (n.IsDefined() && n.Mark().line >= 0) {
      l.line = n.Mark().line + 1;
      l.column = n.Mark().column + 1;
    }
    diags.push_back(Diagnostic{l, key, msg});
  };
  static const std::vector<std::string> allowed{"venoflow",    "extends", "name",
                                                "description", "set",     "add"};
  for (const auto& [key_node, value_node] : root.entries()) {
    const std::string k = key_node.Scalar();
    if (std::find(allowed.begin(), allowed.end(), k) == allowed.end()) {
      std::string near = detail::closest(k, allowed);
      err(key_node, k,
          "unknown key '" + k + "' in a scenario file" +
              (near.empty() ? "" : " (did you mean '" + near + "'?)") +
              "; a scenario holds venoflow, extends, name, description, set, add");
    }
  }
  const yaml::Node ext = root["extends"];
  if (!ext.IsScalar() || ext.Scalar().empty()) {
    err(ext, "extends", "expected the path of the base model file");
    throw ModelError(diags);
  }
  std::filesystem::path base = std::filesystem::path(ext.Scalar());
  if (base.is_relative()) base = std::filesystem::path(dir) / base;
  base = base.lexically_normal();
  // Cycles (a scenario that extends itself, directly or through others) and over-long chains
  // are reported at the `extends:` that closes them, with the chain of files.
  ExtendsChain& chain = extends_chain();
  struct Pop {
    ExtendsChain& c;
    bool pushed;
    ~Pop() {
      if (pushed) {
        c.keys.pop_back();
        c.names.pop_back();
      }
    }
  };
  const std::string key = file_key(file);
  const bool push = chain.keys.empty() || chain.keys.back() != key;
  if (push) {
    chain.keys.push_back(key);
    chain.names.push_back(file);
  }
  Pop pop{chain, push};
  auto chain_text = [&](const std::string& last) {
    std::string t;
    for (const auto& n : chain.names) t += n + " -> ";
    return t + last;
  };
  const std::string base_key = file_key(base.string());
  if (std::find(chain.keys.begin(), chain.keys.end(), base_key) != chain.keys.end()) {
    err(ext, "extends",
        "scenario files extend each other in a cycle: " + chain_text(base.string()));
    throw ModelError(diags);
  }
  if (static_cast<int>(chain.keys.size()) > kMaxExtendsDepth) {
    err(ext, "extends",
        "more than " + std::to_string(kMaxExtendsDepth) +
            " scenario files in one extends chain: " + chain_text(base.string()));
    throw ModelError(diags);
  }
  ModelDocument based = [&] {
    try {
      return ModelDocument::from_file(base.string());
    } catch (const ModelError& e) {
      auto d = e.diagnostics();
      if (d.size() == 1 && d[0].where.line == 0)
        err(ext, "extends", d[0].message + ": " + base.string());
      else
        diags.insert(diags.end(), d.begin(), d.end());
      throw ModelError(diags);
    }
  }();
  doc = std::move(based);
  ModelDocument::Impl& out = *doc.impl_;
  auto apply = [&](const std::string& path, const yaml::Node& value, const yaml::Node& where) {
    try {
      out.set_node(path, value, file);
    } catch (const OverrideError& e) {
      std::string msg = e.what();
      const std::string prefix = "--set " + e.path() + ": ";
      if (msg.rfind(prefix, 0) == 0) msg = msg.substr(prefix.size());
      err(where, "set." + path, msg);
    }
  };
  for (const char* k : {"name", "description"})
    if (root[k].IsDefined()) apply(k, root[k], root[k]);
  if (const yaml::Node set = root["set"]; set.IsDefined()) {
    if (!set.IsMap()) {
      err(set, "set", "expected a map of dotted paths to values, e.g. posture.tilt: 90 deg");
    } else {
      for (const auto& [k, v] : set.entries()) apply(k.Scalar(), v, k);
    }
  }
  if (const yaml::Node add = root["add"]; add.IsDefined()) {
    if (!add.IsMap()) {
      err(add, "add", "expected a map of list sections to items, e.g. stenoses: [...]");
    } else {
      for (const auto& [section_node, items] : add.entries()) {
        const std::string section = section_node.Scalar();
        const detail::KeySpec* spec = detail::find_key(detail::model_schema(), section);
        if (!spec || spec->kind != detail::ValueKind::List) {
          err(section_node, "add." + section,
              "'" + section +
                  "' is not a list section (vessels, nodes, elements, "
                  "boundary_conditions, external_pressures, stenoses)");
          continue;
        }
        if (!items.IsSequence()) {
          err(items, "add." + section, "expected a list of items");
          continue;
        }
        // The base must be a map whose section is a list (or absent) to take items; its own
        // diagnostics say what else is wrong with it.
        if (!out.root.IsMap()) {
          err(section_node, "add." + section,
              "cannot add items: the base model is not a map of sections");
          continue;
        }
        yaml::Node list = out.root[section];
        if (!list.IsDefined() || list.IsNull()) {
          list = yaml::Node(yaml::NodeType::Sequence);
          out.root.set(section, list);
        } else if (!list.IsSequence()) {
          err(section_node, "add." + section,
              "cannot add items: '" + section + "' in the base model is not a list");
          continue;
        }
        for (const yaml::Node& item : items.items()) {
          list.push_back(item);
          // the builder's path of the item: section.name, or section[index] when unnamed
          std::string id = section + "[" + std::to_string(list.size() - 1) + "]";
          if (const std::string n = item_name(item, spec->index_key); !n.empty())
            id = section + "." + n;
          out.origins.emplace_back(id, file);
        }
      }
    }
  }
  if (!diags.empty()) throw ModelError(diags);
  out.composed = true;
  out.scenario_text = scenario_text;
  out.scenario_file = file;
  out.scenario_dir = dir;
}

void ModelDocument::set(const std::string& path, const std::string& value) {
  impl_->set(path, value);
  impl_->applied.push_back({path, value});
}

void ModelDocument::apply(const std::vector<Override>& overrides) {
  for (const auto& o : overrides) set(o.path, o.value);
}

std::string ModelDocument::get(const std::string& path) const {
  std::string text = yaml::write(impl_->get(path));
  if (!text.empty() && text.back() == '\n') text.pop_back();
  return text;
}

std::string ModelDocument::yaml() const { return yaml::write(impl_->root); }

const std::string& ModelDocument::file() const {
  return impl_->composed ? impl_->scenario_file : impl_->file;
}

Model ModelDocument::build(bool with_text) const {
  detail::BuildInput in;
  in.root = impl_->root;
  in.file = impl_->file;
  in.base_dir = impl_->base_dir;
  in.from_file = impl_->from_file;
  in.overridden = impl_->overridden;
  in.origins = impl_->origins;
  if (impl_->composed) in.source_file = impl_->scenario_file;
  try {
    if (with_text) in.resolved_yaml = yaml();
    return detail::build_model(in);
  } catch (const ModelError&) {
    throw;
  } catch (const std::bad_alloc&) {
    // Sizes are bounded before anything is allocated from them (kMaxCellsPerVessel, file
    // size); this is the last line, so that no input ends the program.
    throw ModelError(
        {Diagnostic{SourceLocation{file(), 0, 0}, "", "not enough memory to build the model"}});
  } catch (const std::exception& e) {
    throw ModelError({Diagnostic{SourceLocation{file(), 0, 0}, "", e.what()}});
  }
}

Model load_model(const std::string& path, const std::vector<Override>& overrides) {
  ModelDocument d = ModelDocument::from_file(path);
  d.apply(overrides);
  return d.build();
}

}  // namespace venoflow
