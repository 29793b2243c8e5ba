// venoflow (private): the validating model builder, shared by model_builder.cpp (sections),
// model_builder_functions.cpp (time functions, table files) and model_builder_graph.cpp
// (network rules). Every problem becomes a Diagnostic; run() throws one ModelError.
#pragma once

#include <algorithm>
#include <charconv>
#include <climits>
#include <cmath>
#include <filesystem>
#include <fstream>
#include <map>
#include <numeric>
#include <optional>
#include <set>
#include <sstream>
#include <stdexcept>

#include "format/model_builder.hpp"
#include "format/schema.hpp"
#include "format/units_detail.hpp"
#include "venoflow/element_types.hpp"

namespace venoflow::detail {

inline std::string join(const std::string& prefix, const std::string& key) {
  return prefix.empty() ? key : prefix + "." + key;
}

inline std::string kind_of(const yaml::Node& n) {
  switch (n.Type()) {
    case yaml::NodeType::Map:
      return "a map";
    case yaml::NodeType::Sequence:
      return "a list";
    case yaml::NodeType::Null:
      return "nothing";
    case yaml::NodeType::Scalar:
      return "'" + n.Scalar() + "'";
    case yaml::NodeType::Undefined:
      break;
  }
  return "an undefined value";
}

inline std::string list_names(const std::vector<std::string>& v, size_t max_items = 6) {
  std::string s;
  for (size_t i = 0; i < v.size() && i < max_items; ++i) s += (i ? ", " : "") + v[i];
  if (v.size() > max_items) s += ", ... (" + std::to_string(v.size()) + " in all)";
  return s;
}

/// Value of `key` in a map (the first entry with that key), none when absent.
inline std::optional<yaml::Node> child(const yaml::Node& map, std::string_view key) {
  yaml::Node v = map[key];
  if (!v.IsDefined()) return std::nullopt;
  return v;
}

/// A number for a message ("1e+308", "0.5").
inline std::string si_text(double v) {
  std::ostringstream os;
  os << v;
  return os.str();
}

inline bool parse_full_number(const std::string& s, double& v) {
  size_t used = 0;
  if (!parse_number_prefix(s, v, used)) return false;
  return used == s.size();
}

struct Use {
  int vessel_ends = 0;
  int elements = 0;
  bool element_volume = false;  ///< an element stores volume here (ElementTypeSpec::volume_ports)
  yaml::Node where;             // first reference
  std::string path;
};

class Builder {
 public:
  explicit Builder(const BuildInput& in) : in_(in) {}

  Model run();

 private:
  const BuildInput& in_;
  std::vector<Diagnostic> diags_;
  Model m_;

  // graph bookkeeping
  std::vector<std::string> node_order_;
  std::map<std::string, Use> uses_;
  std::map<std::string, std::pair<yaml::Node, std::string>> component_names_;  // vessel/element
  std::set<std::string> group_names_;
  struct GroupRef {
    std::string name;
    yaml::Node where;
    std::string path;
  };
  std::vector<GroupRef> group_refs_;
  std::optional<double> global_dx_;
  bool lumped_ = false;
  std::vector<std::optional<int>> vessel_cells_;
  std::vector<std::optional<double>> vessel_dx_;
  std::vector<yaml::Node> vessel_nodes_;
  /// nodes whose height or anterior could not be read (no geometry check at their vessels)
  std::set<std::string> unreadable_position_;
  std::vector<std::pair<yaml::Node, std::string>> bc_where_;
  std::vector<std::pair<yaml::Node, std::string>> element_where_;

  // ---- diagnostics ----
  bool overridden(const std::string& path) const {
    for (const auto& o : in_.overridden)
      if (path == o ||
          (path.size() > o.size() && path.compare(0, o.size(), o) == 0 && path[o.size()] == '.'))
        return true;
    return false;
  }
  /// The file a path comes from: a scenario file for the parts it set or added.
  const std::string& origin_file(const std::string& path) const {
    const std::string* best = &in_.file;
    std::size_t best_len = 0;
    for (const auto& [o, f] : in_.origins)
      if ((path == o || (path.size() > o.size() && path.compare(0, o.size(), o) == 0 &&
                         path[o.size()] == '.')) &&
          o.size() >= best_len) {
        best = &f;
        best_len = o.size();
      }
    return *best;
  }
  SourceLocation loc(const yaml::Node& n, const std::string& path) const {
    if (overridden(path)) return SourceLocation{"--set", 0, 0};
    SourceLocation l{origin_file(path), 0, 0};
    if (n.IsDefined()) {
      yaml::Mark mk = n.Mark();
      if (mk.line >= 0) {
        l.line = mk.line + 1;
        l.column = mk.column + 1;
      }
    }
    return l;
  }
  void error(const yaml::Node& n, const std::string& path, std::string msg) {
    diags_.push_back(Diagnostic{loc(n, path), path, std::move(msg)});
  }

  // ---- generic checks ----
  void check_keys(const yaml::Node& map, const std::string& path,
                  const std::vector<KeySpec>& keys) {
    // Maps are small: linear searches, and the list of names only for a message.
    std::vector<std::string> seen;
    for (const auto& entry : map.entries()) {
      const yaml::Node& k = entry.first;
      if (!k.IsScalar()) {
        error(k, path, "keys must be plain names");
        continue;
      }
      const std::string& name = k.Scalar();
      if (std::find(seen.begin(), seen.end(), name) != seen.end()) {
        error(k, join(path, name), "duplicate key '" + name + "'");
        continue;
      }
      seen.push_back(name);
      if (std::any_of(keys.begin(), keys.end(), [&](const KeySpec& s) { return s.name == name; }))
        continue;
      std::vector<std::string> names;
      for (const auto& spec : keys) names.push_back(spec.name);
      std::string msg = "unknown key '" + name + "'";
      std::string near = closest(name, names);
      if (!near.empty()) msg += " (did you mean '" + near + "'?)";
      msg += "; allowed here: " + list_names(names, 40);
      error(k, join(path, name), msg);
    }
    for (const auto& k : keys)
      if (k.required && !child(map, k.name))
        error(map, join(path, k.name),
              "missing required key '" + k.name + "'" + (k.doc.empty() ? "" : " (" + k.doc + ")"));
  }

  std::optional<yaml::Node> section(const yaml::Node& parent, const KeySpec& spec,
                                    const std::string& path) {
    auto n = child(parent, spec.name);
    if (!n || n->IsNull()) return std::nullopt;
    std::string p = join(path, spec.name);
    if (!n->IsMap()) {
      error(*n, p, "expected a map, got " + kind_of(*n));
      return std::nullopt;
    }
    check_keys(*n, p, spec.children);
    return n;
  }

  bool check_bound(const yaml::Node& n, const std::string& path, double v, Bound b) {
    const char* what = nullptr;
    if (b == Bound::Positive && !(v > 0)) what = "must be > 0";
    if (b == Bound::NonNegative && !(v >= 0)) what = "must be >= 0";
    if (b == Bound::AtLeastOne && !(v >= 1)) what = "must be >= 1";
    if (b == Bound::Negative && !(v < 0)) what = "must be < 0";
    if (!what) return true;
    error(n, path, std::string(what) + ", got " + kind_of(n));
    return false;
  }

  std::optional<double> quantity_node(const yaml::Node& n, const std::string& path,
                                      const Dimension& d, const std::string& bare_unit,
                                      Bound b = Bound::None) {
    if (!n.IsScalar()) {
      std::string ex = example_unit(d);
      error(n, path,
            "expected " + describe(d) + (ex.empty() ? "" : " such as '1 " + ex + "'") + ", got " +
                kind_of(n));
      return std::nullopt;
    }
    try {
      double v = parse_quantity(n.Scalar(), d, bare_unit);
      if (!check_bound(n, path, v, b)) return std::nullopt;
      return v;
    } catch (const std::invalid_argument& e) {
      error(n, path, e.what());
      return std::nullopt;
    }
  }

  /// Read key `name` of `map` per its KeySpec in `spec` (a Quantity).
  std::optional<double> quantity(const yaml::Node& map, const KeySpec& spec,
                                 const std::string& name, const std::string& path) {
    const KeySpec* k = find_key(spec, name);
    auto n = child(map, name);
    if (!k || !n) return std::nullopt;
    return quantity_node(*n, join(path, name), k->dim, k->bare_unit, k->bound);
  }

  /// A whole number in [bound, spec.max_int]: every integer setting is an `int`, so a value
  /// beyond it is an error, never a wrapped-around count.
  std::optional<long> integer(const yaml::Node& map, const KeySpec& spec, const std::string& name,
                              const std::string& path) {
    const KeySpec* k = find_key(spec, name);
    auto n = child(map, name);
    if (!k || !n) return std::nullopt;
    std::string p = join(path, name);
    long long v = 0;
    if (n->IsScalar()) {
      const std::string& s = n->Scalar();
      auto r = std::from_chars(s.data(), s.data() + s.size(), v);
      const bool whole = r.ptr == s.data() + s.size() && !s.empty();
      const long lo = k->bound == Bound::AtLeastOne    ? 1
                      : k->bound == Bound::NonNegative ? 0
                                                       : INT_MIN;
      if (r.ec == std::errc() && whole && v < lo) {
        check_bound(*n, p, static_cast<double>(v), k->bound);
        return std::nullopt;
      }
      if (whole &&
          (r.ec == std::errc::result_out_of_range || (r.ec == std::errc() && v > k->max_int))) {
        error(*n, p,
              "must be a whole number from " + std::to_string(lo) + " to " +
                  std::to_string(k->max_int) + ", got " + kind_of(*n));
        return std::nullopt;
      }
      if (r.ec == std::errc() && whole) return static_cast<long>(v);
    }
    error(*n, p, "expected a whole number (no unit), got " + kind_of(*n));
    return std::nullopt;
  }

  std::optional<bool> boolean(const yaml::Node& map, const std::string& name,
                              const std::string& path) {
    auto n = child(map, name);
    if (!n) return std::nullopt;
    if (n->IsScalar()) {
      static const std::set<std::string> t{"true", "True", "TRUE", "yes", "Yes", "on", "On"};
      static const std::set<std::string> f{"false", "False", "FALSE", "no", "No", "off", "Off"};
      if (t.count(n->Scalar())) return true;
      if (f.count(n->Scalar())) return false;
    }
    error(*n, join(path, name), "expected true or false, got " + kind_of(*n));
    return std::nullopt;
  }

  std::optional<std::string> text_node(const yaml::Node& n, const std::string& path,
                                       const std::string& what = "a name") {
    if (n.IsScalar() && !n.Scalar().empty()) return n.Scalar();
    error(n, path, "expected " + what + ", got " + kind_of(n));
    return std::nullopt;
  }
  std::optional<std::string> text(const yaml::Node& map, const std::string& name,
                                  const std::string& path) {
    auto n = child(map, name);
    if (!n) return std::nullopt;
    return text_node(*n, join(path, name), name == "description" ? "text" : "a name");
  }

  std::optional<std::string> choice_node(const yaml::Node& n, const std::string& path,
                                         const std::vector<std::string>& choices) {
    if (n.IsScalar()) {
      if (std::find(choices.begin(), choices.end(), n.Scalar()) != choices.end()) return n.Scalar();
      std::string msg = "unknown value '" + n.Scalar() + "'";
      std::string near = closest(n.Scalar(), choices);
      if (!near.empty()) msg += " (did you mean '" + near + "'?)";
      error(n, path, msg + "; expected one of: " + list_names(choices, 40));
      return std::nullopt;
    }
    error(n, path, "expected one of " + list_names(choices, 40) + ", got " + kind_of(n));
    return std::nullopt;
  }
  std::optional<std::string> choice(const yaml::Node& map, const KeySpec& spec,
                                    const std::string& name, const std::string& path) {
    const KeySpec* k = find_key(spec, name);
    auto n = child(map, name);
    if (!k || !n) return std::nullopt;
    return choice_node(*n, join(path, name), k->choices);
  }

  std::optional<Unit> unit_node(const yaml::Node& n, const std::string& path, const Dimension& d) {
    if (!n.IsScalar()) {
      error(n, path, "expected a unit of " + describe(d) + ", got " + kind_of(n));
      return std::nullopt;
    }
    try {
      Unit u = parse_unit(n.Scalar());
      if (!(u.dimension == d)) {
        error(n, path,
              "expected a unit of " + describe(d) + ", got " + describe(u.dimension) + " in '" +
                  n.Scalar() + "'");
        return std::nullopt;
      }
      return u;
    } catch (const std::invalid_argument& e) {
      error(n, path, e.what());
      return std::nullopt;
    }
  }

  bool pairs_node(const yaml::Node& n, const std::string& path, std::vector<double>& a,
                  std::vector<double>& b) {
    if (!n.IsSequence() || n.size() == 0) {
      error(n, path, "expected a non-empty list of [number, number] pairs, got " + kind_of(n));
      return false;
    }
    bool ok = true;
    for (size_t i = 0; i < n.size(); ++i) {
      const yaml::Node row = n[i];
      double x = 0, y = 0;
      if (row.IsSequence() && row.size() == 2 && row[0].IsScalar() && row[1].IsScalar() &&
          parse_full_number(row[0].Scalar(), x) && parse_full_number(row[1].Scalar(), y)) {
        a.push_back(x);
        b.push_back(y);
      } else {
        error(row, path + "[" + std::to_string(i) + "]",
              "expected a pair of plain numbers [x, y], got " + kind_of(row));
        ok = false;
      }
    }
    return ok;
  }

  // ---- time functions ----
  std::optional<TimeFunction> function(const yaml::Node& n, const std::string& path,
                                       const KeySpec& spec);
  bool read_table_file(const yaml::Node& file_node, const std::string& path, std::vector<double>& t,
                       std::vector<double>& v);

  // ---- sections ----
  void read_top();
  void read_blood(const yaml::Node& root);
  void read_settings(const yaml::Node& root);
  void read_groups(const yaml::Node& root);
  void read_nodes(const yaml::Node& root, std::map<std::string, Node>& declared,
                  std::map<std::string, std::pair<yaml::Node, std::string>>& declared_where);
  void read_vessels(const yaml::Node& root);
  void read_vessel(const yaml::Node& item, const std::string& path, const KeySpec& spec);
  void read_tube_law(const yaml::Node& law, const std::string& path, const KeySpec& spec,
                     TubeLawSpec& out);
  void read_bcs(const yaml::Node& root);
  void read_elements(const yaml::Node& root);
  void read_stenoses(const yaml::Node& root);
  void read_metrics(const yaml::Node& root);
  void read_exam(const yaml::Node& root);
  void check_graph(const std::map<std::string, Node>& declared,
                   const std::map<std::string, std::pair<yaml::Node, std::string>>& declared_where);
  void use_node(const std::string& name, const yaml::Node& where, const std::string& path) {
    auto [it, inserted] = uses_.try_emplace(name);
    if (inserted) {
      node_order_.push_back(name);
      it->second.where = where;
      it->second.path = path;
    }
  }
  void register_name(const std::string& name, const yaml::Node& where, const std::string& path) {
    auto [it, inserted] = component_names_.try_emplace(name, where, path);
    if (!inserted)
      error(where, path,
            "duplicate name '" + name + "' (vessels and elements share one namespace; first at " +
                loc(it->second.first, it->second.second).str() + ")");
  }

  /// Items of a list section, with their paths (by name, or [index] when unnamed).
  std::vector<std::pair<yaml::Node, std::string>> items(const yaml::Node& root,
                                                        const KeySpec& spec) {
    std::vector<std::pair<yaml::Node, std::string>> out;
    auto n = child(root, spec.name);
    if (!n || n->IsNull()) return out;
    if (!n->IsSequence()) {
      error(*n, spec.name, "expected a list, got " + kind_of(*n));
      return out;
    }
    for (size_t i = 0; i < n->size(); ++i) {
      yaml::Node item = (*n)[i];
      std::string path = spec.name + "[" + std::to_string(i) + "]";
      if (auto id = child(item, spec.index_key); id && id->IsScalar() && !id->Scalar().empty())
        path = spec.name + "." + id->Scalar();
      if (!item.IsMap()) {
        error(item, path, "expected a map, got " + kind_of(item));
        continue;
      }
      out.emplace_back(item, path);
    }
    return out;
  }
};

}  // namespace venoflow::detail
