// venoflow: network rules of a model (docs/model-format.md#network-rules).
#include "format/builder.hpp"

namespace venoflow::detail {

void Builder::check_graph(
    const std::map<std::string, Node>& declared,
    const std::map<std::string, std::pair<yaml::Node, std::string>>& declared_where) {
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
    if (u.vessel_ends == 0 && !u.element_volume && !pressure_bc.count(name))
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
    yaml::Node where;
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
  auto add_part = [&](const std::string& node, const yaml::Node& where, const std::string& path) {
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
      std::string s(1, '{');  // not "{" + ...: GCC 12 -Wrestrict false positive (PR 105651)
      s.append(list_names(v));
      s.push_back('}');
      return s;
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
  // A vessel is at least as long as the straight line between its ends. `height` (long axis)
  // and `anterior` (dorsal-ventral axis) are orthogonal body coordinates, so the ends lie at
  // least hypot(dheight, danterior) apart, and at tilt theta the vessel falls
  // dheight sin(theta) + danterior cos(theta), at most that distance: a vessel shorter than it
  // would fall further than it is long in some posture (hydrostatics no tube can carry).
  // Checked on the final values, after scenarios and --set overrides (which edit the document
  // before it is built); the relative 1e-9 forgives decimal round-off of an exactly vertical
  // vessel (heights 23 cm and 16 cm, length 7 cm).
  std::map<std::string, const Node*> node_at;
  for (const auto& n : m_.nodes) node_at.emplace(n.name, &n);
  for (size_t i = 0; i < m_.vessels.size(); ++i) {
    const Vessel& v = m_.vessels[i];
    auto ia = node_at.find(v.from_node), ib = node_at.find(v.to_node);
    if (ia == node_at.end() || ib == node_at.end()) continue;
    const Node *a = ia->second, *b = ib->second;
    auto len = child(vessel_nodes_[i], "length");
    if (!len || !(v.length > 0.0) || !std::isfinite(v.length) ||
        unreadable_position_.count(a->name) || unreadable_position_.count(b->name))
      continue;
    const double dh = a->height - b->height, da = a->anterior - b->anterior;
    const double span = std::hypot(dh, da);
    if (!(span > v.length * (1.0 + 1e-9))) continue;
    auto at = [](const Node* n) {
      std::string s = n->name + " (height " + si_text(n->height) + " m";
      if (n->anterior != 0.0) s += ", anterior " + si_text(n->anterior) + " m";
      return s + ")";
    };
    const bool with_anterior = a->anterior != 0.0 || b->anterior != 0.0;
    error(*len, (v.name.empty() ? "vessels" : "vessels." + v.name) + ".length",
          "vessel '" + v.name + "' is " + si_text(v.length) + " m long but its ends " + at(a) +
              " and " + at(b) + " are " + si_text(span) + " m apart" +
              (with_anterior ? "" : " in height") +
              ": a vessel falls at most its length; expected length >= " + si_text(span) +
              " m, or node heights closer together");
  }
}

}  // namespace venoflow::detail
