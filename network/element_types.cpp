// venoflow: catalogue of lumped element types (include/venoflow/element_types.hpp).
// docs/model-format.md#elements documents the same table; keep the two in step.
#include "venoflow/element_types.hpp"

namespace venoflow {

const std::vector<ElementTypeSpec>& element_types() {
  static const std::vector<ElementTypeSpec> types = {
      {
          "resistor",
          {"a", "b"},
          {{"R", dim::resistance, std::nullopt, "resistance R > 0 [Pa s m^-3]", false}},
          {},
          false,
          "Linear resistor between two nodes: Q = (P_a - P_b)/R with P = p + rho g z "
          "(hydrostatic-corrected pressures); no volume. Positive Q flows from a to b.",
      },
      {
          "inductor",
          {"a", "b"},
          {{"L", dim::inertance, std::nullopt, "inertance L > 0 [Pa s^2 m^-3]", false},
           {"R", dim::resistance, 0.0, "series resistance R >= 0 [Pa s m^-3]", false}},
          {},
          false,
          "Inertance with series resistance between two nodes: L dQ/dt = P_a - P_b - R Q "
          "(one flow state). Positive Q flows from a to b.",
      },
      {
          "capacitor",
          {"a"},
          {{"C", dim::compliance, std::nullopt, "compliance C > 0 [m^3/Pa]", false}},
          {},
          true,
          "Compliance at a node: adds the volume V = C (p_a - p_ext) to node a, where p_ext is "
          "the element's external-pressure group (0 Pa if none). Gives a node without vessels "
          "a volume.",
      },
      {
          "windkessel3",
          {"a"},
          {{"R1", dim::resistance, std::nullopt,
            "proximal (characteristic) resistance > 0 "
            "[Pa s m^-3]",
            false},
           {"C", dim::compliance, std::nullopt, "compliance > 0 [m^3/Pa]", false},
           {"R2", dim::resistance, std::nullopt, "distal (peripheral) resistance > 0 [Pa s m^-3]",
            false},
           {"p_out", dim::pressure, 0.0, "pressure downstream of R2 (venous pressure) [Pa]",
            false}},
          {},
          false,
          "Three-element windkessel (RCR) terminal at node a: Q = (p_a - p_c)/R1 leaves the "
          "network, C dp_c/dt = Q - (p_c - p_out)/R2 (one state p_c). Westerhof et al. 1971; "
          "Boileau et al. 2015.",
      },
  };
  return types;
}

const ElementTypeSpec* find_element_type(const std::string& type) {
  for (const auto& t : element_types())
    if (t.type == type) return &t;
  return nullptr;
}

}  // namespace venoflow
