// venoflow: the passive lumped elements, their specifications (this header, plain data) and
// typed parameters; the blocks are in basic.cpp.
//
// resistor    (ports a, b)  Q = (P_a - P_b)/R, P = p + rho g z (hydrostatic-corrected pressures);
//                           no state, no volume. Poiseuille-type lumped loss.
// inductor    (ports a, b)  L dQ/dt = P_a - P_b - R Q; one flow state. Blood inertia of a lumped
//                           segment, L = rho l / A.
// capacitor   (port a)      adds V = C (p_a - p_ext) to the volume of node a, p_ext the
//                           element's external-pressure group (0 Pa if none); no state.
// windkessel3 (port a)      Q = (p_a - p_c)/R1, C dp_c/dt = Q - (p_c - p_out)/R2; states p_c and
//                           the discharged volume (dV_out/dt = (p_c - p_out)/R2, closing the
//                           mass balance). Westerhof et al. 1971; Boileau et al. 2015 outlets.
// Flows are positive from port a to port b.
#pragma once

#include <memory>

#include "numerics/elements/spec_helpers.hpp"

namespace venoflow {

class ElementBlock;
struct Element;

inline const ElementTypeSpec& resistor_spec() {
  using namespace spec;
  static const ElementTypeSpec s{
      .type = "resistor",
      .ports = {"a", "b"},
      .parameters = {{"R", dim::resistance, std::nullopt, "resistance R > 0 [Pa s m^-3]", false,
                      positive()}},
      .doc =
          "Linear resistor between two nodes: Q = (P_a - P_b)/R with P = p + rho g z "
          "(hydrostatic-corrected pressures); no volume. Positive Q flows from a to b.",
      .outputs = {{"flow", "m^3/s"}, {"pressure_drop", "Pa"}},
  };
  return s;
}
struct ResistorParams {
  double R;
  static ResistorParams from(const ElementValues& v) { return {v.at("R")}; }
};
std::unique_ptr<ElementBlock> make_resistor(const Element& e, const ElementValues& v);

inline const ElementTypeSpec& inductor_spec() {
  using namespace spec;
  static const ElementTypeSpec s{
      .type = "inductor",
      .ports = {"a", "b"},
      .parameters = {{"L", dim::inertance, std::nullopt, "inertance L > 0 [Pa s^2 m^-3]", false,
                      positive()},
                     {"R", dim::resistance, 0.0, "series resistance R >= 0 [Pa s m^-3]", false,
                      non_negative()}},
      .doc =
          "Inertance with series resistance between two nodes: L dQ/dt = P_a - P_b - R Q "
          "(one flow state). Positive Q flows from a to b.",
      .outputs = {{"flow", "m^3/s"}, {"pressure_drop", "Pa"}},
  };
  return s;
}
struct InductorParams {
  double L, R;
  static InductorParams from(const ElementValues& v) { return {v.at("L"), v.at("R")}; }
};
std::unique_ptr<ElementBlock> make_inductor(const Element& e, const ElementValues& v);

inline const ElementTypeSpec& capacitor_spec() {
  using namespace spec;
  static const ElementTypeSpec s{
      .type = "capacitor",
      .ports = {"a"},
      .parameters = {{"C", dim::compliance, std::nullopt, "compliance C > 0 [m^3/Pa]", false,
                      positive()}},
      .has_external_pressure = true,
      .doc =
          "Compliance at a node: adds the volume V = C (p_a - p_ext) to node a, where p_ext "
          "is the element's external-pressure group (0 Pa if none). Gives a node without "
          "vessels a volume.",
      .volume_ports = {"a"},
      .outputs = {{"volume", "m^3"}},
  };
  return s;
}
struct CapacitorParams {
  double C;
  static CapacitorParams from(const ElementValues& v) { return {v.at("C")}; }
};
std::unique_ptr<ElementBlock> make_capacitor(const Element& e, const ElementValues& v);

inline const ElementTypeSpec& windkessel3_spec() {
  using namespace spec;
  static const ElementTypeSpec s{
      .type = "windkessel3",
      .ports = {"a"},
      .parameters = {{"R1", dim::resistance, std::nullopt,
                      "proximal (characteristic) resistance > 0 [Pa s m^-3]", false, positive()},
                     {"C", dim::compliance, std::nullopt, "compliance > 0 [m^3/Pa]", false,
                      positive()},
                     {"R2", dim::resistance, std::nullopt,
                      "distal (peripheral) resistance > 0 [Pa s m^-3]", false, positive()},
                     {"p_out", dim::pressure, 0.0,
                      "pressure downstream of R2 (venous pressure) [Pa]", false}},
      .doc =
          "Three-element windkessel (RCR) terminal at node a: Q = (p_a - p_c)/R1 leaves the "
          "network, C dp_c/dt = Q - (p_c - p_out)/R2 (one state p_c). Westerhof et al. 1971; "
          "Boileau et al. 2015.",
      .outputs = {{"flow", "m^3/s"}, {"p_c", "Pa"}, {"outflow", "m^3/s"}},
  };
  return s;
}
struct Windkessel3Params {
  double R1, C, R2, p_out;
  static Windkessel3Params from(const ElementValues& v) {
    return {v.at("R1"), v.at("C"), v.at("R2"), v.at("p_out")};
  }
};
std::unique_ptr<ElementBlock> make_windkessel3(const Element& e, const ElementValues& v);

}  // namespace venoflow
