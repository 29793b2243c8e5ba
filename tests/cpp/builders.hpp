// Test helpers: small models built in code (independent of the YAML loader).
#pragma once

#include <map>
#include <numbers>
#include <string>

#include "numerics/system.hpp"
#include "venoflow/model.hpp"

namespace venoflow::testing {

inline TubeLawSpec elastic_law(double E, double h) {
  ElasticTubeLaw s;
  s.youngs_modulus = E;
  s.wall_thickness = h;
  return s;
}

inline TubeLawSpec venous_law(double K) {
  VenousTubeLaw s;
  s.stiffness = K;
  return s;
}

inline Vessel vessel(const std::string& name, const std::string& from, const std::string& to,
                     double length, double radius, TubeLawSpec law, int cells) {
  Vessel v;
  v.name = name;
  v.from_node = from;
  v.to_node = to;
  v.length = length;
  v.radius_in = v.radius_out = radius;
  v.tube_law = law;
  v.cells = cells;
  return v;
}

inline BoundaryCondition pressure_bc(const std::string& node, TimeFunction f) {
  BoundaryCondition b;
  b.node = node;
  b.kind = BoundaryCondition::Kind::Pressure;
  b.value = std::move(f);
  return b;
}

inline BoundaryCondition flow_bc(const std::string& node, TimeFunction f) {
  BoundaryCondition b;
  b.node = node;
  b.kind = BoundaryCondition::Kind::Flow;
  b.value = std::move(f);
  return b;
}

inline Element element(const std::string& name, const std::string& type,
                       std::vector<std::string> nodes, std::map<std::string, double> params) {
  Element e;
  e.name = name;
  e.type = type;
  e.nodes = std::move(nodes);
  e.params = std::move(params);
  return e;
}

inline Node node(const std::string& name, double height) {
  Node n;
  n.name = name;
  n.height = height;
  return n;
}

/// Values of the three-node lumped network of the right-hand-side and sampling tests.
struct ThreeNodeNetwork {
  double pa = 2000.0, L1 = 2e6, R1 = 3e7, L2 = 5e6, R2 = 1e7, R = 4e7;
  double Cb1 = 2e-9, Cb2 = 3e-9, Cc = 4e-9;
  double Rw1 = 2e7, Cw = 1e-9, Rw2 = 8e7, pout = 300.0;
  double ha = 0.0, hb = 0.3, hc = -0.2;
};

/// a (prescribed pressure pa) -- inductors l1 and l2 in parallel --> b -- resistor r --> c --
/// windkessel wk; b holds two capacitors (cb1 against the external pressure group "pe", which the
/// caller defines), c one. Element types interleaved (inductor, resistor, capacitors, windkessel,
/// inductor again), so that a per-type evaluation is not in the layout's order.
inline void add_three_node_network(Model& m, const ThreeNodeNetwork& k) {
  m.nodes = {node("a", k.ha), node("b", k.hb), node("c", k.hc)};
  m.elements.push_back(element("l1", "inductor", {"a", "b"}, {{"L", k.L1}, {"R", k.R1}}));
  m.elements.push_back(element("r", "resistor", {"b", "c"}, {{"R", k.R}}));
  m.elements.push_back(element("cb1", "capacitor", {"b"}, {{"C", k.Cb1}}));
  m.elements.back().external_pressure = "pe";
  m.elements.push_back(element("cb2", "capacitor", {"b"}, {{"C", k.Cb2}}));
  m.elements.push_back(element("cc", "capacitor", {"c"}, {{"C", k.Cc}}));
  m.elements.push_back(element("wk", "windkessel3", {"c"},
                               {{"R1", k.Rw1}, {"C", k.Cw}, {"R2", k.Rw2}, {"p_out", k.pout}}));
  m.elements.push_back(element("l2", "inductor", {"a", "b"}, {{"L", k.L2}, {"R", k.R2}}));
  m.boundary_conditions.push_back(pressure_bc("a", TimeFunction::constant(k.pa)));
}

/// Index of each unknown of a System by its description (System::describe_unknown).
inline std::map<std::string, int> unknowns_by_description(const System& sys) {
  std::map<std::string, int> u;
  for (int i = 0; i < sys.size(); ++i) u[sys.describe_unknown(i)] = i;
  return u;
}

}  // namespace venoflow::testing
