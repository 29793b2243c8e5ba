// venoflow: ModelDocument (include/venoflow/model_document.hpp): a YAML tree with source
// positions, edited by dotted paths, built into a Model by model_builder.cpp.
#include "venoflow/model_document.hpp"

#include <filesystem>
#include <fstream>
#include <sstream>

#include <yaml-cpp/yaml.h>

#include "network/model_builder.hpp"
#include "network/schema.hpp"

namespace venoflow {

using detail::KeySpec;
using detail::ValueKind;

struct ModelDocument::Impl {
  std::string text;
  std::string file;
  std::string base_dir;
  bool from_file = false;
  YAML::Node root;
  std::vector<Override> applied;
  std::vector<std::string> overridden;  // canonical paths
  /// Parts that came from a scenario file (extends/set/add): canonical path -> that file.
  std::vector<std::pair<std::string, std::string>> origins;
  bool composed = false;  // built from a scenario file that extends a base model
  std::string scenario_text, scenario_file, scenario_dir;

  void parse() {
    try {
      root = YAML::Load(text);
    } catch (const YAML::ParserException& e) {
      throw ModelError({Diagnostic{SourceLocation{file, e.mark.line + 1, e.mark.column + 1}, "",
                                   "YAML syntax error: " + e.msg}});
    }
  }
  void set(const std::string& path, const std::string& value);
  /// Set a parsed value; `origin` is the scenario file it comes from ("" = an override).
  void set_node(const std::string& path, const YAML::Node& v, const std::string& origin);
  YAML::Node get(const std::string& path) const;
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
std::vector<KeySpec> map_keys(const KeySpec* spec, bool element_item, const YAML::Node& node) {
  if (element_item) {
    std::string type;
    if (node.IsMap())
      for (auto it = node.begin(); it != node.end(); ++it)
        if (it->first.IsScalar() && it->first.Scalar() == "type" && it->second.IsScalar())
          type = it->second.Scalar();
    return detail::element_keys(type);
  }
  return spec ? spec->children : std::vector<KeySpec>{};
}

bool is_index(const std::string& s) {
  return !s.empty() && s.find_first_not_of("0123456789") == std::string::npos;
}

std::string item_name(const YAML::Node& item, const std::string& index_key) {
  if (!item.IsMap()) return "";
  for (auto it = item.begin(); it != item.end(); ++it)
    if (it->first.IsScalar() && it->first.Scalar() == index_key && it->second.IsScalar())
      return it->second.Scalar();
  return "";
}

std::optional<YAML::Node> map_child(const YAML::Node& map, const std::string& key) {
  if (!map.IsMap()) return std::nullopt;
  for (auto it = map.begin(); it != map.end(); ++it)
    if (it->first.IsScalar() && it->first.Scalar() == key) return it->second;
  return std::nullopt;
}

struct Walk {
  YAML::Node node;  // deepest existing node reached
  std::optional<KeySpec> spec;
  std::vector<KeySpec> keys;  // keys allowed in `node` if it is a map
  size_t consumed = 0;        // number of path segments resolved to existing nodes
  std::string canonical;
};

// Resolve as many segments as exist. Throws BadPath for a missing list item or a descent
// into a scalar.
Walk walk(const YAML::Node& root, const std::string& path, const std::vector<std::string>& seg) {
  Walk w;
  w.node.reset(root);
  w.spec = detail::model_schema();
  w.keys = w.spec->children;
  bool element_item = false;
  for (size_t i = 0; i < seg.size(); ++i) {
    const std::string& s = seg[i];
    std::string prefix = w.canonical.empty() ? "the top level" : "'" + w.canonical + "'";
    if (w.node.IsNull()) return w;  // `key:` with no value: what follows may be added
    if (w.node.IsSequence()) {
      const std::string index_key =
          (w.spec && !w.spec->index_key.empty()) ? w.spec->index_key : "name";
      std::optional<YAML::Node> found;
      std::string name;
      for (size_t k = 0; k < w.node.size(); ++k) {
        YAML::Node item = w.node[k];
        if (item_name(item, index_key) == s) {
          found = item;
          name = s;
          break;
        }
      }
      if (!found && is_index(s) && std::stoul(s) < w.node.size()) {
        found = w.node[std::stoul(s)];
        name = item_name(*found, index_key);
        if (name.empty()) name = s;
      }
      if (!found) {
        std::vector<std::string> names;
        for (size_t k = 0; k < w.node.size(); ++k) {
          std::string nm = item_name(w.node[k], index_key);
          if (!nm.empty()) names.push_back(nm);
        }
        std::string near = detail::closest(s, names);
        throw OverrideError(OverrideError::Kind::BadPath, path,
                            "no item with " + index_key + " '" + s + "' in " + prefix +
                                (near.empty() ? "" : " (did you mean '" + near + "'?)"));
      }
      element_item = w.spec && w.spec->element_list;
      w.node.reset(*found);
      w.keys = map_keys(w.spec ? &*w.spec : nullptr, element_item, w.node);
      w.canonical += "." + name;
      w.consumed = i + 1;
      continue;
    }
    if (w.node.IsMap()) {
      auto c = map_child(w.node, s);
      if (!c) return w;
      std::optional<KeySpec> next;
      for (const auto& k : w.keys)
        if (k.name == s) next = k;
      w.spec = next;
      w.node.reset(*c);
      w.keys = next ? next->children : std::vector<KeySpec>{};
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

void ModelDocument::Impl::set(const std::string& path, const std::string& value) {
  YAML::Node v;
  try {
    v = YAML::Load(value);
  } catch (const YAML::ParserException& e) {
    throw OverrideError(OverrideError::Kind::BadValue, path,
                        "value '" + value + "' is not valid YAML: " + e.msg);
  }
  set_node(path, v, "");
}

void ModelDocument::Impl::set_node(const std::string& path, const YAML::Node& v,
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
    YAML::Node target;
    target.reset(w.node);
    target = v;  // replaces the value in place (yaml-cpp assigns through the reference)
    mark(w.canonical);
    return;
  }
  // The rest must be keys the schema allows here; intermediate ones are maps to create.
  std::vector<KeySpec> keys = w.keys;
  std::string canonical = w.canonical;
  std::vector<std::string> to_create;
  for (size_t i = w.consumed; i < seg.size(); ++i) {
    const std::string& s = seg[i];
    const KeySpec* k = nullptr;
    for (const auto& x : keys)
      if (x.name == s) k = &x;
    std::string where = canonical.empty() ? "the top level" : "'" + canonical + "'";
    if (!w.node.IsMap() && i == w.consumed && !w.node.IsNull())
      throw OverrideError(OverrideError::Kind::BadPath, path,
                          where + " is a single value; '" + s + "' cannot be added inside it");
    if (!k) {
      std::vector<std::string> names;
      for (const auto& x : keys) names.push_back(x.name);
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
    std::vector<KeySpec> next = k->children;
    keys = std::move(next);
  }
  YAML::Node cur;
  cur.reset(w.node);
  if (!cur.IsMap()) cur = YAML::Node(YAML::NodeType::Map);  // a null placeholder becomes a map
  for (size_t i = 0; i < to_create.size(); ++i) {
    if (i + 1 == to_create.size()) {
      cur[to_create[i]] = v;
    } else {
      cur[to_create[i]] = YAML::Node(YAML::NodeType::Map);
      YAML::Node next = cur[to_create[i]];
      cur.reset(next);
    }
  }
  mark(canonical);
}

YAML::Node ModelDocument::Impl::get(const std::string& path) const {
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

// yaml-cpp's Clone() drops source positions, so a copy re-parses the text and replays the
// overrides.
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
  std::ifstream f(path, std::ios::binary);
  if (!f) throw ModelError({Diagnostic{SourceLocation{path, 0, 0}, "", "cannot open model file"}});
  std::ostringstream ss;
  ss << f.rdbuf();
  ModelDocument d;
  d.impl_->text = ss.str();
  d.impl_->file = path;
  std::filesystem::path parent = std::filesystem::path(path).parent_path();
  d.impl_->base_dir = parent.empty() ? "." : parent.string();
  d.impl_->from_file = true;
  d.impl_->parse();
  if (d.impl_->root.IsMap() && d.impl_->root["extends"].IsDefined())
    compose_scenario(d, path, d.impl_->base_dir);
  return d;
}

ModelDocument ModelDocument::from_string(const std::string& text, const std::string& name,
                                         const std::string& base_dir) {
  ModelDocument d;
  d.impl_->text = text;
  d.impl_->file = name;
  d.impl_->base_dir = base_dir;
  d.impl_->parse();
  if (d.impl_->root.IsMap() && d.impl_->root["extends"].IsDefined())
    compose_scenario(d, name, base_dir);
  return d;
}

/// A scenario file: `extends: base.yaml` plus `set:` (dotted paths) and `add:` (list items),
/// docs/model-format.md#scenarios. Builds the base document and applies the scenario to it.
/// Every problem is reported with the scenario file's line.
void ModelDocument::compose_scenario(ModelDocument& doc, const std::string& file_ref,
                                     const std::string& dir_ref) {
  // Copies: the references may point into `doc`, which is replaced by its base below.
  const std::string file = file_ref, dir = dir_ref;
  const YAML::Node root = doc.impl_->root;
  const std::string scenario_text = doc.impl_->text;
  std::vector<Diagnostic> diags;
  auto err = [&](const YAML::Node& n, const std::string& key, const std::string& msg) {
    SourceLocation l{file, 0, 0};
    if (n.IsDefined() && n.Mark().line >= 0) {
      l.line = n.Mark().line + 1;
      l.column = n.Mark().column + 1;
    }
    diags.push_back(Diagnostic{l, key, msg});
  };
  static const std::vector<std::string> allowed{"venoflow",    "extends", "name",
                                                "description", "set",     "add"};
  for (auto it = root.begin(); it != root.end(); ++it) {
    const std::string k = it->first.Scalar();
    if (std::find(allowed.begin(), allowed.end(), k) == allowed.end()) {
      std::string near = detail::closest(k, allowed);
      err(it->first, k,
          "unknown key '" + k + "' in a scenario file" +
              (near.empty() ? "" : " (did you mean '" + near + "'?)") +
              "; a scenario holds venoflow, extends, name, description, set, add");
    }
  }
  const YAML::Node ext = root["extends"];
  if (!ext.IsScalar() || ext.Scalar().empty()) {
    err(ext, "extends", "expected the path of the base model file");
    throw ModelError(diags);
  }
  std::filesystem::path base = std::filesystem::path(ext.Scalar());
  if (base.is_relative()) base = std::filesystem::path(dir) / base;
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
  auto apply = [&](const std::string& path, const YAML::Node& value, const YAML::Node& where) {
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
  if (const YAML::Node set = root["set"]; set.IsDefined()) {
    if (!set.IsMap()) {
      err(set, "set", "expected a map of dotted paths to values, e.g. posture.tilt: 90 deg");
    } else {
      for (auto it = set.begin(); it != set.end(); ++it)
        apply(it->first.Scalar(), it->second, it->first);
    }
  }
  if (const YAML::Node add = root["add"]; add.IsDefined()) {
    if (!add.IsMap()) {
      err(add, "add", "expected a map of list sections to items, e.g. stenoses: [...]");
    } else {
      for (auto it = add.begin(); it != add.end(); ++it) {
        const std::string section = it->first.Scalar();
        const detail::KeySpec* spec = detail::find_key(detail::model_schema(), section);
        if (!spec || spec->kind != detail::ValueKind::List) {
          err(it->first, "add." + section,
              "'" + section +
                  "' is not a list section (vessels, nodes, elements, "
                  "boundary_conditions, external_pressures, stenoses)");
          continue;
        }
        if (!it->second.IsSequence()) {
          err(it->second, "add." + section, "expected a list of items");
          continue;
        }
        YAML::Node list = out.root[section];
        if (!list.IsDefined() || list.IsNull()) {
          out.root[section] = YAML::Node(YAML::NodeType::Sequence);
          list = out.root[section];
        }
        for (size_t i = 0; i < it->second.size(); ++i) {
          const YAML::Node item = it->second[i];
          list.push_back(item);
          std::string id = std::to_string(list.size() - 1);
          if (item.IsMap() && item[spec->index_key].IsScalar()) id = item[spec->index_key].Scalar();
          out.origins.emplace_back(section + "." + id, file);
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
  YAML::Emitter out;
  out << impl_->get(path);
  return out.c_str();
}

std::string ModelDocument::yaml() const {
  YAML::Emitter out;
  out << impl_->root;
  return std::string(out.c_str()) + "\n";
}

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
  if (with_text) in.yaml = yaml();
  return detail::build_model(in);
}

Model load_model(const std::string& path, const std::vector<Override>& overrides) {
  ModelDocument d = ModelDocument::from_file(path);
  d.apply(overrides);
  return d.build();
}

}  // namespace venoflow
