// venoflow: network rules of a model (docs/model-format.md#network-rules).
#include "format/builder.hpp"

namespace venoflow::detail {

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
}

}  // namespace venoflow::detail
