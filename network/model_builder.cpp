// venoflow: validation of a model YAML tree and construction of the SI Model. Every problem is
// collected as a Diagnostic (file, line, column, dotted key path, message); one ModelError
// carries them all. The key tables are in schema_tables.cpp.
#include "network/model_builder.hpp"

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

#include "network/schema.hpp"
#include "network/units_detail.hpp"
#include "venoflow/element_types.hpp"

namespace venoflow::detail {

namespace {

std::string join(const std::string& prefix, const std::string& key) {
  return prefix.empty() ? key : prefix + "." + key;
}

std::string kind_of(const YAML::Node& n) {
  switch (n.Type()) {
    case YAML::NodeType::Map:
      return "a map";
    case YAML::NodeType::Sequence:
      return "a list";
    case YAML::NodeType::Null:
      return "nothing";
    case YAML::NodeType::Scalar:
      return "'" + n.Scalar() + "'";
    default:
      return "an undefined value";
  }
}

std::string list_names(const std::vector<std::string>& v, size_t max_items = 6) {
  std::string s;
  for (size_t i = 0; i < v.size() && i < max_items; ++i) s += (i ? ", " : "") + v[i];
  if (v.size() > max_items) s += ", ... (" + std::to_string(v.size()) + " in all)";
  return s;
}

/// Value of `key` in a map, without yaml-cpp's zombie nodes.
std::optional<YAML::Node> child(const YAML::Node& map, std::string_view key) {
  if (!map.IsDefined() || !map.IsMap()) return std::nullopt;
  for (auto it = map.begin(); it != map.end(); ++it)
    if (it->first.IsScalar() && it->first.Scalar() == key) return it->second;
  return std::nullopt;
}

bool parse_full_number(const std::string& s, double& v) {
  size_t used = 0;
  if (!parse_number_prefix(s, v, used)) return false;
  return used == s.size();
}

struct Use {
  int vessel_ends = 0;
  int elements = 0;
  bool capacitor = false;
  YAML::Node where;  // first reference
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
  std::map<std::string, std::pair<YAML::Node, std::string>> component_names_;  // vessel/element
  std::set<std::string> group_names_;
  struct GroupRef {
    std::string name;
    YAML::Node where;
    std::string path;
  };
  std::vector<GroupRef> group_refs_;
  std::optional<double> global_dx_;
  bool lumped_ = false;
  std::vector<std::optional<int>> vessel_cells_;
  std::vector<std::optional<double>> vessel_dx_;
  std::vector<YAML::Node> vessel_nodes_;
  std::vector<std::pair<YAML::Node, std::string>> bc_where_;
  std::vector<std::pair<YAML::Node, std::string>> element_where_;

  // ---- diagnostics ----
  bool overridden(const std::string& path) const {
    for (const auto& o : in_.overridden)
      if (path == o ||
          (path.size() > o.size() && path.compare(0, o.size(), o) == 0 && path[o.size()] == '.'))
        return true;
    return false;
  }
  SourceLocation loc(const YAML::Node& n, const std::string& path) const {
    if (overridden(path)) return SourceLocation{"--set", 0, 0};
    SourceLocation l{in_.file, 0, 0};
    if (n.IsDefined()) {
      YAML::Mark mk = n.Mark();
      if (mk.line >= 0) {
        l.line = mk.line + 1;
        l.column = mk.column + 1;
      }
    }
    return l;
  }
  void error(const YAML::Node& n, const std::string& path, std::string msg) {
    diags_.push_back(Diagnostic{loc(n, path), path, std::move(msg)});
  }

  // ---- generic checks ----
  void check_keys(const YAML::Node& map, const std::string& path,
                  const std::vector<KeySpec>& keys) {
    std::vector<std::string> names;
    for (const auto& k : keys) names.push_back(k.name);
    std::set<std::string> seen;
    for (auto it = map.begin(); it != map.end(); ++it) {
      const YAML::Node k = it->first;  // a copy: `it->` returns a temporary proxy
      if (!k.IsScalar()) {
        error(k, path, "keys must be plain names");
        continue;
      }
      const std::string& name = k.Scalar();
      if (!seen.insert(name).second) {
        error(k, join(path, name), "duplicate key '" + name + "'");
        continue;
      }
      if (std::find(names.begin(), names.end(), name) != names.end()) continue;
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

  std::optional<YAML::Node> section(const YAML::Node& parent, const KeySpec& spec,
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

  bool check_bound(const YAML::Node& n, const std::string& path, double v, Bound b) {
    const char* what = nullptr;
    if (b == Bound::Positive && !(v > 0)) what = "must be > 0";
    if (b == Bound::NonNegative && !(v >= 0)) what = "must be >= 0";
    if (b == Bound::AtLeastOne && !(v >= 1)) what = "must be >= 1";
    if (!what) return true;
    error(n, path, std::string(what) + ", got " + kind_of(n));
    return false;
  }

  std::optional<double> quantity_node(const YAML::Node& n, const std::string& path,
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
  std::optional<double> quantity(const YAML::Node& map, const KeySpec& spec,
                                 const std::string& name, const std::string& path) {
    const KeySpec* k = find_key(spec, name);
    auto n = child(map, name);
    if (!k || !n) return std::nullopt;
    return quantity_node(*n, join(path, name), k->dim, k->bare_unit, k->bound);
  }

  std::optional<long> integer(const YAML::Node& map, const KeySpec& spec, const std::string& name,
                              const std::string& path) {
    const KeySpec* k = find_key(spec, name);
    auto n = child(map, name);
    if (!k || !n) return std::nullopt;
    std::string p = join(path, name);
    long v = 0;
    if (n->IsScalar()) {
      const std::string& s = n->Scalar();
      auto r = std::from_chars(s.data(), s.data() + s.size(), v);
      if (r.ec == std::errc() && r.ptr == s.data() + s.size()) {
        if (!check_bound(*n, p, static_cast<double>(v), k->bound)) return std::nullopt;
        return v;
      }
    }
    error(*n, p, "expected a whole number (no unit), got " + kind_of(*n));
    return std::nullopt;
  }

  std::optional<bool> boolean(const YAML::Node& map, const std::string& name,
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

  std::optional<std::string> text_node(const YAML::Node& n, const std::string& path,
                                       const std::string& what = "a name") {
    if (n.IsScalar() && !n.Scalar().empty()) return n.Scalar();
    error(n, path, "expected " + what + ", got " + kind_of(n));
    return std::nullopt;
  }
  std::optional<std::string> text(const YAML::Node& map, const std::string& name,
                                  const std::string& path) {
    auto n = child(map, name);
    if (!n) return std::nullopt;
    return text_node(*n, join(path, name), name == "description" ? "text" : "a name");
  }

  std::optional<std::string> choice_node(const YAML::Node& n, const std::string& path,
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
  std::optional<std::string> choice(const YAML::Node& map, const KeySpec& spec,
                                    const std::string& name, const std::string& path) {
    const KeySpec* k = find_key(spec, name);
    auto n = child(map, name);
    if (!k || !n) return std::nullopt;
    return choice_node(*n, join(path, name), k->choices);
  }

  std::optional<Unit> unit_node(const YAML::Node& n, const std::string& path, const Dimension& d) {
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

  bool pairs_node(const YAML::Node& n, const std::string& path, std::vector<double>& a,
                  std::vector<double>& b) {
    if (!n.IsSequence() || n.size() == 0) {
      error(n, path, "expected a non-empty list of [number, number] pairs, got " + kind_of(n));
      return false;
    }
    bool ok = true;
    for (size_t i = 0; i < n.size(); ++i) {
      const YAML::Node row = n[i];
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
  std::optional<TimeFunction> function(const YAML::Node& n, const std::string& path,
                                       const KeySpec& spec);
  bool read_table_file(const YAML::Node& file_node, const std::string& path, std::vector<double>& t,
                       std::vector<double>& v);

  // ---- sections ----
  void read_top();
  void read_blood(const YAML::Node& root);
  void read_settings(const YAML::Node& root);
  void read_groups(const YAML::Node& root);
  void read_nodes(const YAML::Node& root, std::map<std::string, Node>& declared,
                  std::map<std::string, std::pair<YAML::Node, std::string>>& declared_where);
  void read_vessels(const YAML::Node& root);
  void read_vessel(const YAML::Node& item, const std::string& path, const KeySpec& spec);
  void read_tube_law(const YAML::Node& law, const std::string& path, const KeySpec& spec,
                     TubeLawSpec& out);
  void read_bcs(const YAML::Node& root);
  void read_elements(const YAML::Node& root);
  void check_graph(const std::map<std::string, Node>& declared,
                   const std::map<std::string, std::pair<YAML::Node, std::string>>& declared_where);
  void use_node(const std::string& name, const YAML::Node& where, const std::string& path) {
    auto [it, inserted] = uses_.try_emplace(name);
    if (inserted) {
      node_order_.push_back(name);
      it->second.where = where;
      it->second.path = path;
    }
  }
  void register_name(const std::string& name, const YAML::Node& where, const std::string& path) {
    auto [it, inserted] = component_names_.try_emplace(name, where, path);
    if (!inserted)
      error(where, path,
            "duplicate name '" + name + "' (vessels and elements share one namespace; first at " +
                loc(it->second.first, it->second.second).str() + ")");
  }

  /// Items of a list section, with their paths (by name, or [index] when unnamed).
  std::vector<std::pair<YAML::Node, std::string>> items(const YAML::Node& root,
                                                        const KeySpec& spec) {
    std::vector<std::pair<YAML::Node, std::string>> out;
    auto n = child(root, spec.name);
    if (!n || n->IsNull()) return out;
    if (!n->IsSequence()) {
      error(*n, spec.name, "expected a list, got " + kind_of(*n));
      return out;
    }
    for (size_t i = 0; i < n->size(); ++i) {
      YAML::Node item = (*n)[i];
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

std::optional<TimeFunction> Builder::function(const YAML::Node& n, const std::string& path,
                                              const KeySpec& spec) {
  const Dimension& d = spec.dim;
  if (n.IsScalar()) {
    auto v = quantity_node(n, path, d, "");
    if (!v) return std::nullopt;
    return TimeFunction::constant(*v);
  }
  if (!n.IsMap()) {
    error(n, path,
          "expected " + describe(d) + " or a time function (table, fourier, sine), got " +
              kind_of(n));
    return std::nullopt;
  }
  check_keys(n, path, spec.children);
  auto table = child(n, "table");
  auto fourier = child(n, "fourier");
  auto sine = child(n, "sine");
  int count = (table ? 1 : 0) + (fourier ? 1 : 0) + (sine ? 1 : 0);
  if (count != 1) {
    error(n, path,
          count == 0 ? "expected a time function: give one of table, fourier, sine"
                     : "give only one of table, fourier, sine");
    return std::nullopt;
  }
  double period = 0.0;
  bool has_period = false;
  if (auto p = child(n, "period")) {
    auto v = quantity_node(*p, join(path, "period"), dim::time, "", Bound::Positive);
    if (!v) return std::nullopt;
    period = *v;
    has_period = true;
  }
  try {
    if (table) {
      std::string tp = join(path, "table");
      const KeySpec* ts = find_key(spec, "table");
      if (!table->IsMap()) {
        error(*table, tp, "expected a map with file + columns, or time + value + points");
        return std::nullopt;
      }
      check_keys(*table, tp, ts->children);
      std::vector<double> t, v;
      auto file = child(*table, "file");
      auto points = child(*table, "points");
      if (file && points) {
        error(*table, tp, "give either file (with columns) or points, not both");
        return std::nullopt;
      }
      std::optional<Unit> tu, vu;
      if (file) {
        auto cols = child(*table, "columns");
        if (!cols) {
          error(*table, join(tp, "columns"),
                "missing required key 'columns' (units of the file's columns, e.g. [s, ml/s])");
          return std::nullopt;
        }
        if (!cols->IsSequence() || cols->size() != 2) {
          error(*cols, join(tp, "columns"),
                "expected [time unit, value unit], got " + kind_of(*cols));
          return std::nullopt;
        }
        tu = unit_node((*cols)[0], join(tp, "columns"), dim::time);
        vu = unit_node((*cols)[1], join(tp, "columns"), d);
        if (!tu || !vu) return std::nullopt;
        if (!read_table_file(*file, join(tp, "file"), t, v)) return std::nullopt;
      } else if (points) {
        auto tn = child(*table, "time");
        auto vn = child(*table, "value");
        if (!tn || !vn) {
          error(*table, join(tp, tn ? "value" : "time"),
                "missing required key '" + std::string(tn ? "value" : "time") +
                    "' (the unit of the points' " + (tn ? "values" : "times") + ")");
          return std::nullopt;
        }
        tu = unit_node(*tn, join(tp, "time"), dim::time);
        vu = unit_node(*vn, join(tp, "value"), d);
        if (!tu || !vu) return std::nullopt;
        if (!pairs_node(*points, join(tp, "points"), t, v)) return std::nullopt;
      } else {
        error(*table, tp, "a table needs `file` (with `columns`) or `points`");
        return std::nullopt;
      }
      for (double& x : t) x *= tu->factor;
      for (double& x : v) x *= vu->factor;
      try {
        return TimeFunction::table(std::move(t), std::move(v), period);
      } catch (const std::invalid_argument& e) {
        error(*table, tp, e.what());
        return std::nullopt;
      }
    }
    if (fourier) {
      std::string fp = join(path, "fourier");
      const KeySpec* fs = find_key(spec, "fourier");
      if (!fourier->IsMap()) {
        error(*fourier, fp, "expected a map with mean, unit, harmonics");
        return std::nullopt;
      }
      check_keys(*fourier, fp, fs->children);
      if (!has_period) {
        error(n, join(path, "period"), "a fourier series needs a period");
        return std::nullopt;
      }
      auto mean = quantity(*fourier, *fs, "mean", fp);
      std::optional<Unit> u;
      if (auto un = child(*fourier, "unit")) u = unit_node(*un, join(fp, "unit"), d);
      std::vector<double> a, phi;
      bool ok = false;
      if (auto h = child(*fourier, "harmonics")) ok = pairs_node(*h, join(fp, "harmonics"), a, phi);
      if (!mean || !u || !ok) return std::nullopt;
      for (double& x : a) x *= u->factor;
      return TimeFunction::fourier(*mean, std::move(a), std::move(phi), period);
    }
    std::string sp = join(path, "sine");
    const KeySpec* ss = find_key(spec, "sine");
    if (!sine->IsMap()) {
      error(*sine, sp, "expected a map with mean, amplitude, phase");
      return std::nullopt;
    }
    check_keys(*sine, sp, ss->children);
    if (!has_period) {
      error(n, join(path, "period"), "a sine needs a period");
      return std::nullopt;
    }
    auto mean = quantity(*sine, *ss, "mean", sp);
    auto amp = quantity(*sine, *ss, "amplitude", sp);
    double phase = 0.0;
    if (child(*sine, "phase")) {
      auto ph = quantity(*sine, *ss, "phase", sp);
      if (!ph) return std::nullopt;
      phase = *ph;
    }
    if (!mean || !amp) return std::nullopt;
    return TimeFunction::sine(*mean, *amp, period, phase);
  } catch (const std::invalid_argument& e) {
    error(n, path, e.what());
    return std::nullopt;
  }
}

bool Builder::read_table_file(const YAML::Node& file_node, const std::string& path,
                              std::vector<double>& t, std::vector<double>& v) {
  auto name = text_node(file_node, path, "a file name");
  if (!name) return false;
  std::filesystem::path p(*name);
  if (p.is_relative()) p = std::filesystem::path(in_.base_dir) / p;
  std::ifstream f(p);
  if (!f) {
    error(file_node, path, "cannot open table file '" + p.string() + "'");
    return false;
  }
  std::string line;
  int lineno = 0;
  while (std::getline(f, line)) {
    ++lineno;
    if (auto hash = line.find('#'); hash != std::string::npos) line.erase(hash);
    std::istringstream is(line);
    std::vector<std::string> words;
    std::string w;
    while (is >> w) words.push_back(w);
    if (words.empty()) continue;
    double a = 0, b = 0;
    if (words.size() != 2 || !parse_full_number(words[0], a) || !parse_full_number(words[1], b)) {
      error(
          file_node, path,
          p.string() + ":" + std::to_string(lineno) + ": expected two numbers, got '" + line + "'");
      return false;
    }
    t.push_back(a);
    v.push_back(b);
  }
  if (t.empty()) {
    error(file_node, path, "table file '" + p.string() + "' has no data rows");
    return false;
  }
  return true;
}

void Builder::read_blood(const YAML::Node& root) {
  const KeySpec& top = model_schema();
  const KeySpec& bs = *find_key(top, "blood");
  if (auto b = section(root, bs, "")) {
    if (auto v = quantity(*b, bs, "density", "blood")) m_.blood.density = *v;
    if (auto v = quantity(*b, bs, "viscosity", "blood")) m_.blood.viscosity = *v;
    if (auto v = quantity(*b, bs, "profile_zeta", "blood")) m_.blood.profile_zeta = *v;
  }
}

void Builder::read_settings(const YAML::Node& root) {
  const KeySpec& top = model_schema();
  {
    const KeySpec& s = *find_key(top, "gravity");
    if (auto g = section(root, s, "")) {
      if (auto v = boolean(*g, "enabled", "gravity")) m_.gravity.enabled = *v;
      if (auto v = quantity(*g, s, "g", "gravity")) m_.gravity.g = *v;
    }
  }
  {
    const KeySpec& s = *find_key(top, "posture");
    if (auto p = section(root, s, "")) {
      if (auto t = child(*p, "tilt"))
        if (auto f = function(*t, "posture.tilt", *find_key(s, "tilt"))) m_.posture.tilt = *f;
    }
  }
  {
    const KeySpec& s = *find_key(top, "initial_conditions");
    if (auto ic = section(root, s, ""))
      if (auto v = quantity(*ic, s, "pressure", "initial_conditions")) m_.initial.pressure = *v;
  }
  {
    const KeySpec& s = *find_key(top, "discretisation");
    global_dx_ = 1e-2;
    if (auto d = section(root, s, "")) {
      if (auto v = quantity(*d, s, "dx", "discretisation")) global_dx_ = *v;
      if (auto v = boolean(*d, "lumped", "discretisation")) lumped_ = *v;
    }
  }
  {
    const KeySpec& s = *find_key(top, "solver");
    if (auto n = section(root, s, "")) {
      SolverSettings& o = m_.solver;
      const std::string p = "solver";
      if (auto v = quantity(*n, s, "period", p)) o.period = *v;
      if (auto v = integer(*n, s, "cycles", p)) o.cycles = static_cast<int>(*v);
      if (auto v = quantity(*n, s, "t_end", p)) o.t_end = *v;
      if (auto v = quantity(*n, s, "output_interval", p)) o.output_interval = *v;
      if (auto v = quantity(*n, s, "rtol", p)) o.rtol = *v;
      if (auto v = quantity(*n, s, "atol_pressure", p)) o.atol_pressure = *v;
      if (auto v = quantity(*n, s, "atol_flow", p)) o.atol_flow = *v;
      if (auto v = quantity(*n, s, "atol_area", p)) o.atol_area = *v;
      if (auto v = quantity(*n, s, "max_step", p)) o.max_step = *v;
      if (auto v = boolean(*n, "stop_at_steady_state", p)) o.stop_at_steady_state = *v;
      if (auto v = quantity(*n, s, "steady_state_tolerance", p)) o.steady_state_tolerance = *v;
      if (auto v = integer(*n, s, "max_cycles", p)) o.max_cycles = static_cast<int>(*v);
      if (auto v = integer(*n, s, "keep_last_cycles", p)) o.keep_last_cycles = static_cast<int>(*v);
    }
  }
}

void Builder::read_groups(const YAML::Node& root) {
  const KeySpec& s = *find_key(model_schema(), "external_pressures");
  for (const auto& [item, path] : items(root, s)) {
    check_keys(item, path, s.children);
    ExternalPressureGroup g;
    g.where = loc(item, path);
    auto name = text(item, "name", path);
    if (name) {
      g.name = *name;
      if (!group_names_.insert(*name).second)
        error(*child(item, "name"), join(path, "name"),
              "duplicate external-pressure group '" + *name + "'");
    }
    if (auto p = child(item, "pressure"))
      if (auto f = function(*p, join(path, "pressure"), *find_key(s, "pressure"))) g.pressure = *f;
    if (name) m_.external_pressures.push_back(std::move(g));
  }
}

void Builder::read_nodes(
    const YAML::Node& root, std::map<std::string, Node>& declared,
    std::map<std::string, std::pair<YAML::Node, std::string>>& declared_where) {
  const KeySpec& s = *find_key(model_schema(), "nodes");
  for (const auto& [item, path] : items(root, s)) {
    check_keys(item, path, s.children);
    Node nd;
    nd.where = loc(item, path);
    auto name = text(item, "name", path);
    if (auto v = quantity(item, s, "height", path)) nd.height = *v;
    if (auto v = quantity(item, s, "anterior", path)) nd.anterior = *v;
    if (!name) continue;
    nd.name = *name;
    if (declared.count(*name)) {
      error(*child(item, "name"), join(path, "name"), "duplicate node '" + *name + "'");
      continue;
    }
    declared[*name] = nd;
    declared_where[*name] = {*child(item, "name"), join(path, "name")};
  }
}

void Builder::read_tube_law(const YAML::Node& law, const std::string& path, const KeySpec& spec,
                            TubeLawSpec& o) {
  auto type = choice(law, spec, "type", path);
  if (type) o.type = *type;
  if (auto v = choice(law, spec, "reference", path)) o.reference = *v;
  auto E = quantity(law, spec, "youngs_modulus", path);
  auto h = quantity(law, spec, "wall_thickness", path);
  auto rule = choice(law, spec, "wall_thickness_rule", path);
  if (E) o.youngs_modulus = *E;
  if (h) o.wall_thickness = *h;
  if (rule) o.wall_thickness_rule = *rule;
  if (auto v = quantity(law, spec, "reference_pressure", path)) o.reference_pressure = *v;
  auto K = quantity(law, spec, "stiffness", path);
  auto c0 = quantity(law, spec, "wave_speed", path);
  if (K) o.stiffness = *K;
  if (c0) o.wave_speed = *c0;
  if (auto v = quantity(law, spec, "m", path)) o.m = *v;
  if (auto v = quantity(law, spec, "n", path)) o.n = *v;
  if (auto v = quantity(law, spec, "poisson_ratio", path)) {
    if (*v > 0.5)
      error(*child(law, "poisson_ratio"), join(path, "poisson_ratio"),
            "must be <= 0.5, got " + kind_of(*child(law, "poisson_ratio")));
    o.poisson_ratio = *v;
  }
  if (!type) return;
  const bool has_E = child(law, "youngs_modulus").has_value();
  const bool has_h = child(law, "wall_thickness").has_value();
  const bool has_rule = child(law, "wall_thickness_rule").has_value();
  auto only_for = [&](const char* key, const char* law_type) {
    if (auto n = child(law, key))
      error(*n, join(path, key),
            std::string("'") + key + "' applies only to " + law_type + " tube laws, this one is " +
                *type);
  };
  if (*type == "elastic") {
    if (!has_E)
      error(law, join(path, "youngs_modulus"),
            "an elastic tube law needs youngs_modulus (E) and wall_thickness or "
            "wall_thickness_rule");
    if (!has_h && !has_rule)
      error(law, join(path, "wall_thickness"),
            "an elastic tube law needs wall_thickness (h) or wall_thickness_rule");
    if (has_h && has_rule)
      error(*child(law, "wall_thickness_rule"), join(path, "wall_thickness_rule"),
            "give wall_thickness or wall_thickness_rule, not both");
    only_for("stiffness", "venous");
    only_for("wave_speed", "venous");
    only_for("m", "venous");
    only_for("n", "venous");
  } else {  // venous
    const bool has_K = child(law, "stiffness").has_value();
    const bool has_c = child(law, "wave_speed").has_value();
    const int ways = (has_K ? 1 : 0) + (has_c ? 1 : 0) + ((has_E || has_h) ? 1 : 0);
    if (ways != 1)
      error(law, path,
            "a venous tube law needs exactly one of stiffness, wave_speed, or (youngs_modulus "
            "and wall_thickness); got " +
                std::string(ways == 0 ? "none" : "more than one"));
    else if ((has_E || has_h) && !(has_E && has_h))
      error(law, join(path, has_E ? "wall_thickness" : "youngs_modulus"),
            "a venous tube law given by E needs both youngs_modulus and wall_thickness");
    if (o.m == o.n) error(law, join(path, "m"), "venous exponents m and n must differ");
    only_for("reference", "elastic");
    only_for("reference_pressure", "elastic");
    only_for("wall_thickness_rule", "elastic");
  }
}

void Builder::read_vessel(const YAML::Node& item, const std::string& path, const KeySpec& s) {
  check_keys(item, path, s.children);
  Vessel v;
  v.where = loc(item, path);
  auto name = text(item, "name", path);
  if (name) {
    v.name = *name;
    register_name(*name, *child(item, "name"), join(path, "name"));
  }
  auto from = text(item, "from", path);
  auto to = text(item, "to", path);
  if (from) {
    v.from_node = *from;
    use_node(*from, *child(item, "from"), join(path, "from"));
    uses_[*from].vessel_ends++;
  }
  if (to) {
    v.to_node = *to;
    use_node(*to, *child(item, "to"), join(path, "to"));
    uses_[*to].vessel_ends++;
  }
  if (from && to && *from == *to)
    error(*child(item, "to"), join(path, "to"),
          "vessel '" + v.name + "' starts and ends at node '" + *from + "'");
  if (auto x = quantity(item, s, "length", path)) v.length = *x;
  if (auto r = child(item, "radius")) {
    const KeySpec& rs = *find_key(s, "radius");
    std::string rp = join(path, "radius");
    if (r->IsMap()) {
      check_keys(*r, rp, rs.children);
      auto a = quantity(*r, rs, "in", rp);
      auto b = quantity(*r, rs, "out", rp);
      if (a) v.radius_in = *a;
      if (b) v.radius_out = *b;
    } else if (auto x = quantity_node(*r, rp, dim::length, "", Bound::Positive)) {
      v.radius_in = v.radius_out = *x;
    }
  }
  if (auto law = child(item, "tube_law")) {
    const KeySpec& ls = *find_key(s, "tube_law");
    std::string lp = join(path, "tube_law");
    if (!law->IsMap()) {
      error(*law, lp, "expected a map (type: elastic | venous, ...), got " + kind_of(*law));
    } else {
      check_keys(*law, lp, ls.children);
      read_tube_law(*law, lp, ls, v.tube_law);
    }
  }
  if (auto g = child(item, "external_pressure")) {
    if (auto gname = text_node(*g, join(path, "external_pressure"), "a group name")) {
      v.external_pressure = *gname;
      group_refs_.push_back({*gname, *g, join(path, "external_pressure")});
    }
  }
  std::optional<int> cells;
  if (auto c = integer(item, s, "cells", path)) cells = static_cast<int>(*c);
  std::optional<double> dx = quantity(item, s, "dx", path);
  if (auto z = quantity(item, s, "profile_zeta", path)) v.profile_zeta = *z;
  if (auto p = quantity(item, s, "initial_pressure", path)) v.initial_pressure = *p;
  m_.vessels.push_back(std::move(v));
  vessel_cells_.push_back(cells);
  vessel_dx_.push_back(dx);
  vessel_nodes_.push_back(item);
}

void Builder::read_vessels(const YAML::Node& root) {
  const KeySpec& s = *find_key(model_schema(), "vessels");
  for (const auto& [item, path] : items(root, s)) read_vessel(item, path, s);
}

void Builder::read_bcs(const YAML::Node& root) {
  const KeySpec& s = *find_key(model_schema(), "boundary_conditions");
  std::map<std::string, std::string> seen;
  for (const auto& [item, path] : items(root, s)) {
    check_keys(item, path, s.children);
    BoundaryCondition bc;
    bc.where = loc(item, path);
    auto node = text(item, "node", path);
    auto p = child(item, "pressure");
    auto q = child(item, "flow");
    if (p && q) {
      error(item, path, "give either pressure or flow, not both");
    } else if (!p && !q) {
      error(item, path, "missing pressure or flow");
    }
    std::optional<TimeFunction> f;
    if (p) {
      bc.kind = BoundaryCondition::Kind::Pressure;
      f = function(*p, join(path, "pressure"), *find_key(s, "pressure"));
    } else if (q) {
      bc.kind = BoundaryCondition::Kind::Flow;
      f = function(*q, join(path, "flow"), *find_key(s, "flow"));
    }
    if (!node) continue;
    bc.node = *node;
    if (auto [it, inserted] = seen.emplace(*node, loc(item, path).str()); !inserted) {
      error(*child(item, "node"), join(path, "node"),
            "node '" + *node + "' has a second boundary condition (first at " + it->second + ")");
      continue;
    }
    if (f) bc.value = *f;
    m_.boundary_conditions.push_back(std::move(bc));
    bc_where_.push_back({*child(item, "node"), join(path, "node")});
  }
}

void Builder::read_elements(const YAML::Node& root) {
  const KeySpec& s = *find_key(model_schema(), "elements");
  for (const auto& [item, path] : items(root, s)) {
    Element e;
    e.where = loc(item, path);
    auto name = text(item, "name", path);
    if (name) {
      e.name = *name;
      register_name(*name, *child(item, "name"), join(path, "name"));
    }
    std::optional<std::string> type;
    const ElementTypeSpec* ts = nullptr;
    if (auto tn = child(item, "type")) {
      type = choice_node(*tn, join(path, "type"), find_key(s, "type")->choices);
      if (type) ts = find_element_type(*type);
    }
    if (ts) {
      check_keys(item, path, element_keys(*type));
    } else {
      // unknown or missing type: only the common keys can be checked
      for (const auto& k : s.children)
        if (k.required && !child(item, k.name))
          error(item, join(path, k.name), "missing required key '" + k.name + "'");
    }
    if (type) e.type = *type;
    std::vector<std::pair<std::string, YAML::Node>> ports;
    if (auto nn = child(item, "nodes")) {
      std::string np = join(path, "nodes");
      if (!nn->IsSequence()) {
        error(*nn, np, "expected a list of node names, got " + kind_of(*nn));
      } else {
        for (size_t i = 0; i < nn->size(); ++i) {
          YAML::Node x = (*nn)[i];
          if (auto t = text_node(x, np + "[" + std::to_string(i) + "]", "a node name"))
            ports.emplace_back(*t, x);
        }
        if (ts && nn->size() != ts->ports.size())
          error(*nn, np,
                "a " + ts->type + " has " + std::to_string(ts->ports.size()) + " port" +
                    (ts->ports.size() == 1 ? "" : "s") + " [" + list_names(ts->ports) + "], got " +
                    std::to_string(nn->size()) + " node" + (nn->size() == 1 ? "" : "s"));
      }
    }
    std::set<std::string> distinct;
    for (size_t i = 0; i < ports.size(); ++i) {
      const auto& [pn, pnode] = ports[i];
      e.nodes.push_back(pn);
      use_node(pn, pnode, join(path, "nodes"));
      if (distinct.insert(pn).second) {
        uses_[pn].elements++;
        if (e.type == "capacitor") uses_[pn].capacitor = true;
      } else {
        error(pnode, join(path, "nodes"), "node '" + pn + "' appears twice in one element");
      }
    }
    if (auto g = child(item, "external_pressure"); g && ts && ts->has_external_pressure) {
      if (auto gname = text_node(*g, join(path, "external_pressure"), "a group name")) {
        e.external_pressure = *gname;
        group_refs_.push_back({*gname, *g, join(path, "external_pressure")});
      }
    }
    if (ts) {
      for (const auto& p : ts->parameters) {
        auto pn = child(item, p.name);
        std::string pp = join(path, p.name);
        if (!pn) {
          if (p.default_value) e.params[p.name] = *p.default_value;
          continue;  // a missing required one is reported by check_keys
        }
        // resistances, compliances and inertances are positive (>= 0 if the default is 0)
        Bound b = Bound::None;
        if (p.dimension == dim::resistance || p.dimension == dim::compliance ||
            p.dimension == dim::inertance)
          b = (p.default_value && *p.default_value == 0.0) ? Bound::NonNegative : Bound::Positive;
        if (p.time_dependent && pn->IsMap()) {
          KeySpec fs;
          for (const auto& k : element_keys(*type))
            if (k.name == p.name) fs = k;
          if (auto f = function(*pn, pp, fs)) e.functions[p.name] = *f;
        } else if (auto v = quantity_node(*pn, pp, p.dimension, "", b)) {
          e.params[p.name] = *v;
        }
      }
      for (const auto& p : ts->text_parameters) {
        if (auto pn = child(item, p.name)) {
          if (auto v = choice_node(*pn, join(path, p.name), p.choices)) e.text_params[p.name] = *v;
        } else if (p.default_value) {
          e.text_params[p.name] = *p.default_value;
        }
      }
    }
    m_.elements.push_back(std::move(e));
    element_where_.push_back({item, path});
  }
}

void Builder::check_graph(
    const std::map<std::string, Node>& declared,
    const std::map<std::string, std::pair<YAML::Node, std::string>>& declared_where) {
  // external-pressure groups
  for (const auto& r : group_refs_)
    if (!group_names_.count(r.name)) {
      std::vector<std::string> names(group_names_.begin(), group_names_.end());
      std::string msg = "unknown external-pressure group '" + r.name + "'";
      std::string near = closest(r.name, names);
      if (!near.empty()) msg += " (did you mean '" + near + "'?)";
      msg +=
          names.empty() ? "; no external_pressures are defined" : "; defined: " + list_names(names);
      error(r.where, r.path, msg);
    }
  // `nodes:` entries must name a node that something uses
  for (const auto& [name, w] : declared_where)
    if (!uses_.count(name))
      error(w.first, w.second, "node '" + name + "' is not used by any vessel or element");
  // boundary conditions on existing nodes
  std::set<std::string> pressure_bc, any_bc;
  for (size_t i = 0; i < m_.boundary_conditions.size(); ++i) {
    const auto& bc = m_.boundary_conditions[i];
    if (!uses_.count(bc.node)) {
      std::string near = closest(bc.node, node_order_);
      error(bc_where_[i].first, bc_where_[i].second,
            "boundary condition on node '" + bc.node + "', which no vessel or element uses" +
                (near.empty() ? "" : " (did you mean '" + near + "'?)"));
      continue;
    }
    any_bc.insert(bc.node);
    if (bc.kind == BoundaryCondition::Kind::Pressure) pressure_bc.insert(bc.node);
  }
  // per-node rules
  for (const auto& name : node_order_) {
    const Use& u = uses_[name];
    if (u.vessel_ends == 1 && u.elements == 0 && !any_bc.count(name))
      error(u.where, u.path,
            "terminal node '" + name +
                "' without a boundary condition: add a boundary condition or an element there");
    if (u.vessel_ends == 0 && !u.capacitor && !pressure_bc.count(name))
      error(u.where, u.path,
            "node " + name + " has no volume: connect it to a vessel or a capacitor");
  }
  // connected components (union-find over nodes)
  std::map<std::string, std::string> parent;
  for (const auto& n : node_order_) parent[n] = n;
  auto find = [&](std::string x) {
    while (parent[x] != x) x = parent[x] = parent[parent[x]];
    return x;
  };
  auto unite = [&](const std::string& a, const std::string& b) {
    if (a.empty() || b.empty()) return;
    std::string ra = find(a), rb = find(b);
    if (ra != rb) parent[ra] = rb;
  };
  for (const auto& v : m_.vessels) unite(v.from_node, v.to_node);
  for (const auto& e : m_.elements)
    for (size_t i = 1; i < e.nodes.size(); ++i) unite(e.nodes[0], e.nodes[i]);
  struct Component {
    std::vector<std::string> nodes;
    int parts = 0;
    bool pressure = false;
    YAML::Node where;
    std::string path;
    bool has_where = false;
  };
  std::map<std::string, Component> comps;
  std::vector<std::string> comp_order;
  for (const auto& n : node_order_) {
    std::string r = find(n);
    if (!comps.count(r)) comp_order.push_back(r);
    Component& c = comps[r];
    c.nodes.push_back(n);
    if (pressure_bc.count(n)) c.pressure = true;
  }
  auto add_part = [&](const std::string& node, const YAML::Node& where, const std::string& path) {
    if (node.empty() || !parent.count(node)) return;
    Component& c = comps[find(node)];
    c.parts++;
    if (!c.has_where) {
      c.where = where;
      c.path = path;
      c.has_where = true;
    }
  };
  for (size_t i = 0; i < m_.vessels.size(); ++i)
    add_part(m_.vessels[i].from_node.empty() ? m_.vessels[i].to_node : m_.vessels[i].from_node,
             vessel_nodes_[i],
             m_.vessels[i].name.empty() ? "vessels" : "vessels." + m_.vessels[i].name);
  for (size_t i = 0; i < m_.elements.size(); ++i)
    if (!m_.elements[i].nodes.empty())
      add_part(m_.elements[i].nodes[0], element_where_[i].first, element_where_[i].second);
  if (comp_order.size() > 1) {
    std::string main = comp_order[0];
    for (const auto& r : comp_order)
      if (comps[r].parts > comps[main].parts) main = r;
    auto braces = [&](std::vector<std::string> v) {
      std::sort(v.begin(), v.end());
      return "{" + list_names(v) + "}";
    };
    for (const auto& r : comp_order) {
      if (r == main || comps[r].pressure) continue;
      const Component& c = comps[r];
      error(c.where, c.path,
            "network is disconnected: " + braces(c.nodes) + " not connected to " +
                braces(comps[main].nodes) +
                " (a separate part needs its own pressure boundary condition)");
    }
  }
  // Model::nodes: every node, in order of first use, with the declared properties
  for (const auto& name : node_order_) {
    Node n;
    if (auto it = declared.find(name); it != declared.end()) {
      n = it->second;
    } else {
      n.where = loc(uses_[name].where, uses_[name].path);
    }
    n.name = name;
    m_.nodes.push_back(n);
  }
}

Model Builder::run() {
  const YAML::Node& root = in_.root;
  m_.source_file = in_.from_file ? in_.file : "";
  m_.resolved_yaml = in_.yaml;
  if (!root.IsDefined() || !root.IsMap()) {
    error(root, "", "expected a map of model keys at the top level, got " + kind_of(root));
    throw ModelError(diags_);
  }
  const KeySpec& top = model_schema();
  check_keys(root, "", top.children);
  if (auto v = child(root, "venoflow")) {
    if (!(v->IsScalar() && v->Scalar() == "1"))
      error(*v, "venoflow",
            "unsupported format version: expected 1, got " + kind_of(*v) +
                " (this venoflow reads version 1)");
  }
  m_.name = std::filesystem::path(in_.file).stem().string();
  if (auto v = text(root, "name", "")) m_.name = *v;
  if (auto d = child(root, "description")) {
    if (d->IsScalar())
      m_.description = d->Scalar();
    else if (!d->IsNull())
      error(*d, "description", "expected text, got " + kind_of(*d));
  }
  read_blood(root);
  read_settings(root);
  read_groups(root);
  std::map<std::string, Node> declared;
  std::map<std::string, std::pair<YAML::Node, std::string>> declared_where;
  read_nodes(root, declared, declared_where);
  read_vessels(root);
  read_bcs(root);
  read_elements(root);
  check_graph(declared, declared_where);

  // cells per vessel
  for (size_t i = 0; i < m_.vessels.size(); ++i) {
    Vessel& v = m_.vessels[i];
    if (lumped_) {
      v.cells = 1;
    } else if (vessel_cells_[i]) {
      v.cells = *vessel_cells_[i];
    } else {
      double dx = vessel_dx_[i].value_or(global_dx_.value_or(1e-2));
      v.cells =
          (v.length > 0 && dx > 0) ? std::max(1, static_cast<int>(std::lround(v.length / dx))) : 1;
    }
  }
  // period: inferred from periodic boundary functions when all agree
  if (m_.solver.period == 0.0) {
    std::vector<double> periods;
    for (const auto& bc : m_.boundary_conditions)
      if (!bc.value.is_constant() && bc.value.period() > 0) periods.push_back(bc.value.period());
    if (!periods.empty()) {
      bool same = std::all_of(periods.begin(), periods.end(), [&](double p) {
        return std::abs(p - periods[0]) <= 1e-12 * std::max(1.0, periods[0]);
      });
      if (same) m_.solver.period = periods[0];
    }
  }
  if (!diags_.empty()) {
    std::stable_sort(diags_.begin(), diags_.end(), [](const Diagnostic& a, const Diagnostic& b) {
      auto key = [](const Diagnostic& d) {
        return std::make_pair(d.where.line > 0 ? d.where.line : INT_MAX, d.where.column);
      };
      return key(a) < key(b);
    });
    throw ModelError(diags_);
  }
  return std::move(m_);
}

}  // namespace

Model build_model(const BuildInput& in) { return Builder(in).run(); }

}  // namespace venoflow::detail
