// venoflow: validation of a model YAML tree and construction of the SI Model, section by
// section. Every problem is collected as a Diagnostic (file, line, column, dotted key path,
// message); one ModelError carries them all. The key tables are in schema_tables.cpp, time
// functions in model_builder_functions.cpp, network rules in model_builder_graph.cpp.
#include "format/builder.hpp"
#include "venoflow/model_document.hpp"
#include "venoflow/tube_law.hpp"

#include <numbers>

namespace venoflow::detail {

void Builder::read_blood(const yaml::Node& root) {
  const KeySpec& top = model_schema();
  const KeySpec& bs = *find_key(top, "blood");
  if (auto b = section(root, bs, "")) {
    if (auto v = quantity(*b, bs, "density", "blood")) m_.blood.density = *v;
    if (auto v = quantity(*b, bs, "viscosity", "blood")) m_.blood.viscosity = *v;
    if (auto v = quantity(*b, bs, "profile_zeta", "blood")) m_.blood.profile_zeta = *v;
  }
}

void Builder::read_settings(const yaml::Node& root) {
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
      if (auto v = integer(*n, s, "max_order", p)) o.max_order = static_cast<int>(*v);
      if (auto v = choice(*n, s, "method", p)) o.method = *v;
      if (auto v = quantity(*n, s, "startup_time", p)) o.startup_time = *v;
      if (auto v = choice(*n, s, "initial_state", p)) o.initial_state = *v;
      if (auto v = choice(*n, s, "on_domain_violation", p)) o.on_domain_violation = *v;
      if (auto v = boolean(*n, "stop_at_steady_state", p)) o.stop_at_steady_state = *v;
      if (auto v = quantity(*n, s, "steady_state_tolerance", p)) o.steady_state_tolerance = *v;
      if (auto v = integer(*n, s, "max_cycles", p)) o.max_cycles = static_cast<int>(*v);
      if (auto v = integer(*n, s, "keep_last_cycles", p)) o.keep_last_cycles = static_cast<int>(*v);
      if (auto v = choice(*n, s, "results_layout", p)) o.results_layout = *v;
      if (auto v = quantity(*n, s, "max_memory", p)) o.max_memory = *v;
      if (auto v = quantity(*n, s, "max_output_size", p)) o.max_output_size = *v;
    }
  }
}

void Builder::read_groups(const yaml::Node& root) {
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
    const yaml::Node& root, std::map<std::string, Node>& declared,
    std::map<std::string, std::pair<yaml::Node, std::string>>& declared_where) {
  const KeySpec& s = *find_key(model_schema(), "nodes");
  for (const auto& [item, path] : items(root, s)) {
    check_keys(item, path, s.children);
    Node nd;
    nd.where = loc(item, path);
    auto name = text(item, "name", path);
    const std::size_t diags_before = diags_.size();
    if (auto v = quantity(item, s, "height", path)) nd.height = *v;
    if (auto v = quantity(item, s, "anterior", path)) nd.anterior = *v;
    if (!name) continue;
    if (diags_.size() != diags_before) unreadable_position_.insert(*name);
    nd.name = *name;
    if (declared.count(*name)) {
      error(*child(item, "name"), join(path, "name"), "duplicate node '" + *name + "'");
      continue;
    }
    declared[*name] = nd;
    declared_where[*name] = {*child(item, "name"), join(path, "name")};
  }
}

void Builder::read_tube_law(const yaml::Node& law, const std::string& path, const KeySpec& spec,
                            TubeLawSpec& out) {
  const std::size_t diags_start = diags_.size();
  auto type = choice(law, spec, "type", path);
  // the law's values as given (m, n and poisson_ratio without their bounds: check_tube_law
  // states what the law needs, once)
  auto raw = [&](const char* key) -> std::optional<double> {
    if (auto x = child(law, key)) return quantity_node(*x, join(path, key), dim::none, "1");
    return std::nullopt;
  };
  auto E = quantity(law, spec, "youngs_modulus", path);
  auto h = quantity(law, spec, "wall_thickness", path);
  auto rule = choice(law, spec, "wall_thickness_rule", path);
  auto reference = choice(law, spec, "reference", path);
  auto p_ref = quantity(law, spec, "reference_pressure", path);
  auto K = quantity(law, spec, "stiffness", path);
  auto c0 = quantity(law, spec, "wave_speed", path);
  auto m = raw("m"), n = raw("n"), nu = raw("poisson_ratio");
  const bool readable = diags_.size() == diags_start;
  if (type && *type == "venous") {
    VenousTubeLaw v;
    if (K) v.stiffness = *K;
    if (c0) v.wave_speed = *c0;
    if (E) v.youngs_modulus = *E;
    if (h) v.wall_thickness = *h;
    if (m) v.m = *m;
    if (n) v.n = *n;
    if (nu) v.poisson_ratio = *nu;
    out = v;
  } else {
    ElasticTubeLaw e;
    if (reference) e.reference = *reference;
    if (E) e.youngs_modulus = *E;
    if (h) e.wall_thickness = *h;
    if (rule) e.wall_thickness_rule = *rule;
    if (p_ref) e.reference_pressure = *p_ref;
    if (nu) e.poisson_ratio = *nu;
    out = e;
  }
  if (!type) return;
  auto only_for = [&](const char* key, const char* law_type) {
    if (auto x = child(law, key))
      error(*x, join(path, key),
            std::string("'") + key + "' applies only to " + law_type + " tube laws, this one is " +
                *type);
  };
  if (*type == "elastic") {
    for (const char* k : {"stiffness", "wave_speed", "m", "n"}) only_for(k, "venous");
  } else {
    for (const char* k : {"reference", "reference_pressure", "wall_thickness_rule"})
      only_for(k, "elastic");
  }
  // What the law needs (numerics/tube_laws/factory.cpp), at the key concerned when it is given,
  // else at the law; only when its values were readable (a value refused above is not also
  // reported missing).
  if (!readable) return;
  for (const auto& p : check_tube_law(out)) {
    const auto at = p.key.empty() ? std::nullopt : child(law, p.key);
    error(at ? *at : law, p.key.empty() ? path : join(path, p.key), p.message);
  }
}

void Builder::read_vessel(const yaml::Node& item, const std::string& path, const KeySpec& s) {
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
  // problems of the radius and tube-law keys: derived checks need them readable
  const std::size_t diags_before = diags_.size();
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
  // The reference area pi r^2 must be a normal double: a radius of 1e-300 m is > 0, but its
  // area underflows to 0.
  if (auto r = child(item, "radius"); r && diags_.size() == diags_before) {
    for (double radius : {v.radius_in, v.radius_out}) {
      const double area = std::numbers::pi * radius * radius;
      if (!std::isnormal(area)) {
        error(*r, join(path, "radius"),
              "radius " + si_text(radius) + " m gives a reference area pi r^2 = " + si_text(area) +
                  " m^2, outside the range of double precision");
        break;
      }
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
  // The tube law must accept its parameters: the law itself says what it needs
  // (make_tube_law), reported at the vessel's key so that `check` and Python's validate see it,
  // not only a run. Only when the radius and the law's keys were readable.
  if (diags_.size() == diags_before && child(item, "tube_law") && child(item, "radius")) {
    try {
      (void)make_tube_law(v.tube_law, {v.radius_in, v.radius_out}, m_.blood.density);
    } catch (const std::invalid_argument& ex) {
      error(*child(item, "tube_law"), join(path, "tube_law"), ex.what());
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

void Builder::read_vessels(const yaml::Node& root) {
  const KeySpec& s = *find_key(model_schema(), "vessels");
  for (const auto& [item, path] : items(root, s)) read_vessel(item, path, s);
}

void Builder::read_bcs(const yaml::Node& root) {
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

void Builder::read_elements(const yaml::Node& root) {
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
    std::vector<std::pair<std::string, yaml::Node>> ports;
    if (auto nn = child(item, "nodes")) {
      std::string np = join(path, "nodes");
      if (!nn->IsSequence()) {
        error(*nn, np, "expected a list of node names, got " + kind_of(*nn));
      } else {
        for (size_t i = 0; i < nn->size(); ++i) {
          yaml::Node x = (*nn)[i];
          if (auto t = text_node(x, np + "[" + std::to_string(i) + "]", "a node name"))
            ports.emplace_back(*t, x);
        }
        const std::size_t n_max = ts ? ts->ports.size() : 0,
                          n_min = ts ? n_max - ts->optional_ports : 0;
        if (ts && (nn->size() < n_min || nn->size() > n_max))
          error(*nn, np,
                "a " + ts->type + " has " +
                    (n_min == n_max ? std::to_string(n_max)
                                    : std::to_string(n_min) + " to " + std::to_string(n_max)) +
                    " port" + (n_max == 1 ? "" : "s") + " [" + list_names(ts->ports) + "], got " +
                    std::to_string(nn->size()) + " node" + (nn->size() == 1 ? "" : "s"));
        if (ts)  // parameters that belong to an optional port: given exactly with it
          for (const auto& [port, names] : ts->port_parameters) {
            std::size_t k = 0;
            while (k < n_max && ts->ports[k] != port) ++k;
            const bool connected = k < nn->size();
            for (const auto& key : names) {
              auto pn = child(item, key);
              if (connected && !pn)
                error(item, join(path, key),
                      "missing key '" + key + "': required with the " + ts->type + "'s port '" +
                          port + "' (node " + std::to_string(k + 1) + ")");
              else if (!connected && pn)
                error(*pn, join(path, key),
                      "'" + key + "' belongs to the " + ts->type + "'s optional port '" + port +
                          "': give it as node " + std::to_string(k + 1) + " or leave this key out");
            }
          }
      }
    }
    std::set<std::string> distinct;
    for (size_t i = 0; i < ports.size(); ++i) {
      const auto& [pn, pnode] = ports[i];
      e.nodes.push_back(pn);
      use_node(pn, pnode, join(path, "nodes"));
      if (distinct.insert(pn).second) {
        uses_[pn].elements++;
        if (ts && ts->stores_volume_at(i)) uses_[pn].element_volume = true;
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
        if (p.time_dependent && pn->IsMap()) {
          KeySpec fs;
          for (const auto& k : element_keys(*type))
            if (k.name == p.name) fs = k;
          if (auto f = function(*pn, pp, fs)) e.functions[p.name] = *f;
        } else if (auto v =
                       quantity_node(*pn, pp, p.dimension, p.dimension == dim::none ? "1" : "")) {
          e.params[p.name] = *v;
        }
      }
      for (const auto& group : ts->exactly_one_of) {
        std::vector<std::string> given;
        for (const auto& k : group)
          if (child(item, k)) given.push_back(k);
        if (given.size() != 1)
          error(given.size() > 1 ? *child(item, given[1]) : item,
                given.size() > 1 ? join(path, given[1]) : path,
                "give exactly one of " + list_names(group) +
                    (given.empty() ? " (neither was given)" : " (not both)"));
      }
      // ranges of the type's specification (numerics/elements/<type>.hpp), every violation at its
      // key
      for (const auto& p : ts->parameters) {
        auto it = e.params.find(p.name);
        if (it == e.params.end()) continue;
        auto problem = range_problem(*ts, p, it->second, e.params);
        if (!problem) continue;
        if (auto pn = child(item, p.name))
          error(*pn, join(path, p.name), *problem + ", got " + kind_of(*pn));
        else  // a default outside a range set by another parameter (dp_close <= dp_open)
          error(item, join(path, p.name), *problem + ", got its default " + si_text(it->second));
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

Model Builder::run() {
  const yaml::Node& root = in_.root;
  m_.source_file = !in_.source_file.empty() ? in_.source_file : (in_.from_file ? in_.file : "");
  m_.resolved_yaml = in_.resolved_yaml;
  if (!root.IsDefined() || !root.IsMap()) {
    error(root, "", "expected a map of model keys at the top level, got " + kind_of(root));
    if (diags_.back().where.line == 0 && diags_.back().where.file != "--set")
      diags_.back().where.line = diags_.back().where.column = 1;  // an empty file: its start
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
  m_.name =
      std::filesystem::path(in_.source_file.empty() ? in_.file : in_.source_file).stem().string();
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
  std::map<std::string, std::pair<yaml::Node, std::string>> declared_where;
  read_nodes(root, declared, declared_where);
  read_vessels(root);
  read_bcs(root);
  read_elements(root);
  read_stenoses(root);
  read_metrics(root);
  check_graph(declared, declared_where);

  // cells per vessel
  for (size_t i = 0; i < m_.vessels.size(); ++i) {
    Vessel& v = m_.vessels[i];
    if (lumped_) {
      v.cells = 1;
    } else if (vessel_cells_[i]) {
      v.cells = *vessel_cells_[i];
    } else {
      const double dx = vessel_dx_[i].value_or(global_dx_.value_or(1e-2));
      const double n = (v.length > 0 && dx > 0) ? std::round(v.length / dx) : 1.0;
      if (n <= static_cast<double>(kMaxCellsPerVessel)) {
        v.cells = std::max(1, static_cast<int>(n));
      } else {  // also inf (1e308 m / 1e-300 m): never cast to int
        v.cells = 1;
        const std::string vp = v.name.empty() ? "vessels" : "vessels." + v.name;
        const auto own_dx = child(vessel_nodes_[i], "dx");
        const std::string key = own_dx ? "dx" : "length";
        error(own_dx ? *own_dx : *child(vessel_nodes_[i], "length"), join(vp, key),
              "length/dx = " + si_text(v.length) + " m / " + si_text(dx) + " m gives " +
                  si_text(n) + " cells, more than " + std::to_string(kMaxCellsPerVessel) +
                  " per vessel; use a larger " + (own_dx ? "dx" : "discretisation.dx") +
                  " or give cells");
      }
    }
  }
  // cells of a length that double precision holds (1e-320 m is > 0 but not a usable dx)
  for (size_t i = 0; i < m_.vessels.size(); ++i) {
    const Vessel& v = m_.vessels[i];
    if (auto len = child(vessel_nodes_[i], "length");
        len && v.length > 0.0 && !std::isnormal(v.length / v.cells))
      error(*len, (v.name.empty() ? "vessels" : "vessels." + v.name) + ".length",
            "cells of " + si_text(v.length / v.cells) +
                " m (length/cells) are below the range of double precision");
  }
  // A geometric stenosis narrows the reference radius at the vertices it covers (system.cpp):
  // it must cover at least one, else the run would refuse it; said here, at the stenosis.
  for (const auto& st : m_.stenoses) {
    const Vessel* v = m_.find_vessel(st.vessel);
    if (st.mode != "geometric" || !v || !(v->length > 0.0) || !(st.length > 0.0)) continue;
    const double dx = v->length / v->cells;
    const double x0 = st.position - 0.5 * st.length, x1 = st.position + 0.5 * st.length;
    const double first = std::ceil((x0 - 1e-12) / dx);  // first vertex index at or after x0
    if (!(first * dx <= x1 + 1e-12 && first <= v->cells))
      diags_.push_back(Diagnostic{st.where, "stenoses." + st.name + ".length",
                                  "geometric stenosis " + st.name + " (" + si_text(st.length) +
                                      " m) covers no vertex of vessel " + v->name + " (cells of " +
                                      si_text(dx) + " m): refine the vessel or use mode: lumped"});
  }
  // period: inferred from periodic boundary functions when all agree
  if (m_.solver.period == 0.0) m_.solver.period = m_.common_period();
  read_exam(root);  // after the period: the breaths are whole numbers of cardiac cycles
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

Model build_model(const BuildInput& in) {
  // The document does not change while it is built: child() may index maps (builder.hpp).
  return Builder(in).run();
}

}  // namespace venoflow::detail
