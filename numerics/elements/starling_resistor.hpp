// venoflow: the Starling resistor (vascular waterfall) element (type `starling_resistor`):
// specification (this header, plain data) and typed parameters; the block is in
// starling_resistor.cpp.
//
// Collapsible segment between ports a (upstream) and b (downstream) inside an external
// pressure p_ext (the element's external-pressure group, e.g. ICP or tissue; 0 Pa if none).
// When the outlet's transmural pressure p_b - p_ext is negative the segment collapses at its
// outlet and the downstream pressure no longer matters (Starling resistor / vascular
// waterfall; Ursino & Lodi 1997, J Appl Physiol 82:1256, cerebral veins-to-sinus outflow
// pressure max(P_ic, P_vs); docs/physiology.md A2, A4 [READ-3P]):
//
//   Q = (P_a - max(P_b, p_ext + rho g z_b)) / R = (P_a - P_b - max(p_ext - p_b, 0)) / R
//
// with P = p + rho g z the piezometric heads (the comparison with p_ext is in static pressure
// at b, where the segment collapses). No state. The max is smoothed by a softplus of width
// s = `smoothing` (default 0.1 mmHg):  max(x, 0) ~ s ln(1 + exp(x/s)), which exceeds max(x, 0)
// by s ln 2 = 0.069 mmHg at the switch and by s exp(-|x|/s) away from it (6e-4 Pa at 1 mmHg
// from it). s = 0 gives the sharp max. Output `waterfall` = logistic((p_ext - p_b)/s), the
// derivative of the softplus: 1 when the external pressure governs, 0 when p_b does.
// Meant for forward flow (a upstream); reverse flow sees the same formula.
// Validity domain: forward flow, Q >= 0 (the waterfall is a collapse at the outlet of a segment
// carrying flow from a to b, Permutt & Riley 1963 [UNVERIFIED]; in reverse flow the collapse
// would sit at the other end, which the formula does not describe). Slack 1 ul/s [CHOSEN: the
// flow-smoothing scale of the other venous elements].
#pragma once

#include <memory>

#include "numerics/elements/spec_helpers.hpp"

namespace venoflow {

class ElementBlock;
struct Element;

inline const ElementTypeSpec& starling_resistor_spec() {
  using namespace spec;
  static const ElementTypeSpec s{
      .type = "starling_resistor",
      .ports = {"a", "b"},
      .parameters = {{"R", dim::resistance, std::nullopt, "resistance R > 0 [Pa s m^-3]", false,
                      positive()},
                     {"smoothing", dim::pressure, 0.1 * kMmHg,
                      "width s of the softplus replacing max(p_ext - p_b, 0) [Pa]; default 0.1 "
                      "mmHg (error s ln 2 at the switch, s exp(-|x|/s) away from it)",
                      false, non_negative()}},
      .has_external_pressure = true,
      .doc =
          "Collapsible segment (Starling resistor, vascular waterfall; Ursino & Lodi 1997) "
          "from a to b inside the external pressure p_ext of its group (0 Pa if none): Q = "
          "(P_a - max(P_b, p_ext + rho g z_b))/R = (P_a - P_b - max(p_ext - p_b, 0))/R, the "
          "max smoothed by s ln(1 + exp(x/s)). No state. Output waterfall = 1 when p_ext "
          "governs.",
      .outputs = {{"flow", "m^3/s"}, {"pressure_drop", "Pa"}, {"waterfall", "1"}},
  };
  return s;
}

/// The parameters of a starling_resistor, checked against starling_resistor_spec().
struct StarlingResistorParams {
  double R, smoothing;
  static StarlingResistorParams from(const ElementValues& v) {
    return {v.at("R"), v.at("smoothing")};
  }
};

std::unique_ptr<ElementBlock> make_starling_resistor(const Element& e, const ElementValues& v);

}  // namespace venoflow
