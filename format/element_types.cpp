// venoflow: the catalogue of lumped element types as a view over their specifications (each in
// its block's header, listed once in numerics/elements/element_list.hpp), the checks every
// element's values pass before its block is built, and the generated docs table.
#include "venoflow/element_types.hpp"

#include <cmath>
#include <limits>
#include <sstream>
#include <stdexcept>

#include "format/units_detail.hpp"
#include "numerics/elements/element_list.hpp"
#include "venoflow/model.hpp"

namespace venoflow {

namespace {
constexpr double kInf = std::numeric_limits<double>::infinity();

std::string number_text(double v) {
  std::ostringstream os;
  os << v;
  return os.str();
}
}  // namespace

std::string ParameterRange::str() const {
  const bool has_lo = min > -kInf, has_hi = max < kInf || !at_most.empty();
  const std::string hi = at_most.empty() ? number_text(max) : at_most;
  if (has_lo && has_hi)
    return "in " + std::string(min_open ? "(" : "[") + number_text(min) + ", " + hi +
           (max_open ? ")" : "]");
  if (has_lo) return (min_open ? "> " : ">= ") + number_text(min);
  if (has_hi) return (max_open ? "< " : "<= ") + hi;
  return "";
}

std::optional<std::string> range_problem(const ElementTypeSpec& t, const ParameterSpec& p,
                                         double value,
                                         const std::map<std::string, double>& params) {
  const ParameterRange& r = p.range;
  if (std::isnan(value)) return std::nullopt;  // an optional parameter not given
  bool ok = (r.min_open ? value > r.min : value >= r.min) &&
            (r.max_open ? value < r.max : value <= r.max);
  if (!r.at_most.empty()) {
    std::optional<double> bound;  // the other parameter's value, else its default
    if (auto it = params.find(r.at_most); it != params.end()) bound = it->second;
    for (const auto& q : t.parameters)
      if (!bound && q.name == r.at_most) bound = q.default_value;
    if (bound && !std::isnan(*bound)) ok = ok && (r.max_open ? value < *bound : value <= *bound);
  }
  if (ok) return std::nullopt;
  return "must be " + r.str();
}

bool ElementTypeSpec::stores_volume_at(std::size_t port) const {
  if (port >= ports.size()) return false;
  for (const auto& v : volume_ports)
    if (v == ports[port]) return true;
  return false;
}

const ParameterSpec* ElementTypeSpec::parameter(const std::string& name) const {
  for (const auto& p : parameters)
    if (p.name == name) return &p;
  return nullptr;
}

const TextParameterSpec* ElementTypeSpec::text_parameter(const std::string& name) const {
  for (const auto& p : text_parameters)
    if (p.name == name) return &p;
  return nullptr;
}

double ElementValues::at(const std::string& name) const {
  auto it = numbers.find(name);
  if (it == numbers.end())
    throw std::logic_error("element parameter " + name + " is not in its specification");
  return it->second;
}

std::optional<double> ElementValues::given(const std::string& name) const {
  const double v = at(name);
  if (std::isnan(v)) return std::nullopt;
  return v;
}

const std::string& ElementValues::text(const std::string& name) const {
  auto it = texts.find(name);
  if (it == texts.end())
    throw std::logic_error("element text parameter " + name + " is not in its specification");
  return it->second;
}

ElementValues resolve_parameters(const ElementTypeSpec& t, const Element& e) {
  const std::string who = "element " + e.name + " (" + t.type + "): ";
  ElementValues v;
  for (const auto& p : t.parameters) {
    if (auto it = e.params.find(p.name); it != e.params.end())
      v.numbers[p.name] = it->second;
    else if (p.default_value)
      v.numbers[p.name] = *p.default_value;
    else
      throw std::invalid_argument(who + "missing parameter " + p.name);
  }
  for (const auto& p : t.parameters)
    if (auto problem = range_problem(t, p, v.numbers[p.name], v.numbers))
      throw std::invalid_argument(who + p.name + " " + *problem + ", got " +
                                  number_text(v.numbers[p.name]));
  for (const auto& [port, names] : t.port_parameters) {
    std::size_t k = 0;
    while (k < t.ports.size() && t.ports[k] != port) ++k;
    const bool connected = k < e.nodes.size();
    for (const auto& name : names)
      if (connected == std::isnan(v.numbers[name]))
        throw std::invalid_argument(who + name + (connected ? " is required with" : " needs") +
                                    " the optional port " + port);
  }
  for (const auto& group : t.exactly_one_of) {
    std::vector<std::string> given;
    for (const auto& k : group)
      if (!std::isnan(v.numbers[k])) given.push_back(k);
    if (given.size() != 1) {
      std::string names;
      for (std::size_t k = 0; k < group.size(); ++k)
        names += (k == 0 ? "" : k + 1 == group.size() ? " and " : ", ") + group[k];
      throw std::invalid_argument(who + "give exactly one of " + names + " (" +
                                  (given.empty() ? "neither was given)" : "both were given)"));
    }
  }
  for (const auto& p : t.text_parameters) {
    auto it = e.text_params.find(p.name);
    if (it == e.text_params.end()) {
      if (!p.default_value) throw std::invalid_argument(who + "missing parameter " + p.name);
      v.texts[p.name] = *p.default_value;
      continue;
    }
    bool ok = false;
    std::string choices;
    for (std::size_t k = 0; k < p.choices.size(); ++k) {
      ok = ok || it->second == p.choices[k];
      choices += (k == 0 ? "" : k + 1 == p.choices.size() ? " or " : ", ") + p.choices[k];
    }
    if (!ok)
      throw std::invalid_argument(who + p.name + " must be " + choices + ", got '" + it->second +
                                  "'");
    v.texts[p.name] = it->second;
  }
  for (const auto& [k, x] : e.params)
    if (!t.parameter(k)) throw std::invalid_argument(who + "unknown parameter " + k);
  for (const auto& [k, x] : e.text_params)
    if (!t.text_parameter(k)) throw std::invalid_argument(who + "unknown parameter " + k);
  return v;
}

const std::vector<ElementTypeSpec>& element_types() {
  // The one list of types (numerics/elements/element_list.hpp); each specification is plain data
  // in its block's header.
#define VENOFLOW_SPEC(type) type##_spec(),
  static const std::vector<ElementTypeSpec> types = {VENOFLOW_ELEMENT_TYPES(VENOFLOW_SPEC)};
#undef VENOFLOW_SPEC
  return types;
}

const ElementTypeSpec* find_element_type(const std::string& type) {
  for (const auto& t : element_types())
    if (t.type == type) return &t;
  return nullptr;
}

namespace {
/// The SI unit the specifications store a quantity in (docs table).
std::string si_unit(const Dimension& d) {
  struct Named {
    Dimension d;
    const char* unit;
  };
  static const Named units[] = {
      {dim::none, "1"},
      {dim::length, "m"},
      {dim::area, "m^2"},
      {dim::time, "s"},
      {dim::pressure, "Pa"},
      {dim::flow, "m^3/s"},
      {dim::resistance, "Pa s m^-3"},
      {dim::compliance, "m^3/Pa"},
      {dim::inertance, "Pa s^2 m^-3"},
      {dim::inverse_volume, "m^-3"},
      {dim::valve_rate, "1/(Pa s)"},
      {Dimension{{3, -6, -5, 0}}, "Pa^3 s m^-3"},
  };
  for (const auto& u : units)
    if (u.d == d) return u.unit;
  return d.str();
}

std::string code_list(const std::vector<std::string>& names) {
  std::string s;
  for (std::size_t k = 0; k < names.size(); ++k) s += (k ? ", `" : "`") + names[k] + "`";
  return s;
}

/// A table cell: no line breaks, '|' escaped.
std::string cell(const std::string& text) {
  std::string s;
  for (char c : text) s += c == '|' ? std::string("\\|") : std::string(1, c);
  return s;
}
}  // namespace

std::string element_types_markdown() {
  std::ostringstream md;
  md << "| type | ports | external pressure | outputs (`/elements/<name>/...`) |\n"
     << "|---|---|---|---|\n";
  for (const auto& t : element_types()) {
    std::string out_text;
    for (std::size_t k = 0; k < t.outputs.size(); ++k)
      out_text += (k ? ", `" : "`") + t.outputs[k].name + "` (" + t.outputs[k].unit + ")";
    std::string ports = "`[" + [&] {
      std::string p;
      for (std::size_t k = 0; k < t.ports.size(); ++k)
        p += (k ? ", " : "") + t.ports[k] +
             (t.stores_volume_at(k) ? " (stores volume)" : std::string()) +
             (k + t.optional_ports >= t.ports.size() ? " (optional)" : std::string());
      return p;
    }() + "]`";
    md << "| [`" << t.type << "`](#" << t.type << "-parameters) | " << ports << " | "
       << (t.has_external_pressure ? "yes" : "no") << " | " << out_text << " |\n";
  }
  for (const auto& t : element_types()) {
    md << "\n#### `" << t.type << "` parameters\n\n" << cell(t.doc) << "\n\n";
    md << "| parameter | unit (SI) | default | allowed | meaning |\n|---|---|---|---|---|\n";
    for (const auto& p : t.parameters) {
      std::string def = !p.default_value               ? "required"
                        : std::isnan(*p.default_value) ? "not given"
                                                       : number_text(*p.default_value);
      std::string allowed = p.range.str();
      for (const auto& group : t.exactly_one_of)
        for (const auto& k : group)
          if (k == p.name)
            allowed +=
                std::string(allowed.empty() ? "" : "; ") + "exactly one of " + code_list(group);
      md << "| `" << p.name << "` | " << si_unit(p.dimension) << " | " << def << " | "
         << cell(allowed) << " | " << cell(p.doc) << " |\n";
    }
    for (const auto& p : t.text_parameters)
      md << "| `" << p.name << "` | text | " << (p.default_value ? *p.default_value : "required")
         << " | " <<
          [&] {
            std::string c;
            for (std::size_t k = 0; k < p.choices.size(); ++k)
              c += (k ? " \\| `" : "`") + p.choices[k] + "`";
            return c;
          }()
         << " | " << cell(p.doc) << " |\n";
  }
  return md.str();
}

}  // namespace venoflow
