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

/// Index of each unknown of a System by its description (System::describe_unknown).
inline std::map<std::string, int> unknowns_by_description(const System& sys) {
  std::map<std::string, int> u;
  for (int i = 0; i < sys.size(); ++i) u[sys.describe_unknown(i)] = i;
  return u;
}

}  // namespace venoflow::testing
