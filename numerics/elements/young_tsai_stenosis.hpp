// venoflow: the lumped Young-Tsai stenosis element (type `stenosis`): specification (this
// header, plain data) and typed parameters; the block is in young_tsai_stenosis.cpp.
//
// Focal stenosis between ports a and b as a lumped loss (Young & Tsai 1973, Seeley & Young
// 1976; as in SimVascular svOneDSolver; docs/physiology.md A5 [READ-3P]; coefficients in
// young_tsai.hpp):
//
//   L dq/dt = P_a - P_b - R_v q - B q sqrt(q^2 + q_eps^2)     state: q, positive from a to b
//   R_v = K_v mu/(A0 D0), K_v = 32 (0.83 L_s + 1.64 D_s)/D0 (A0/A_s)^2,
//   B = K_t rho/(2 A0^2) (A0/A_s - 1)^2,  L = K_u rho L_s/A0,  A0 = pi D0^2/4
//
// P = p + rho g z (heads), mu and rho the model's blood. Severity is exactly one of
// `area_reduction` (A_s = (1 - r) A0) or `diameter_reduction` (D_s = (1 - d) D0, so
// A_s = (1 - d)^2 A0: 50 % in diameter is 75 % in area); the specification requires exactly
// one. q|q| is smoothed as q sqrt(q^2 + q_eps^2), q_eps = `flow_smoothing`
// (default 1e-9 m^3/s = 1 ul/s; relative error of a steady loss about (q_eps/q)^2/2).
// Initial flow 0.
#pragma once

#include <memory>
#include <optional>

#include "numerics/elements/spec_helpers.hpp"

namespace venoflow {

class ElementBlock;
struct Element;

inline const ElementTypeSpec& stenosis_spec() {
  using namespace spec;
  static const ElementTypeSpec s{
      .type = "stenosis",
      .ports = {"a", "b"},
      .parameters =
          {{"reference_diameter", dim::length, std::nullopt, "unstenosed lumen diameter D0 > 0 [m]",
            false, positive()},
           {"length", dim::length, std::nullopt, "stenosis length L_s > 0 [m]", false, positive()},
           {"area_reduction", dim::none, kNotGiven,
            "1 - A_s/A0 in [0, 1); give exactly one of area_reduction and diameter_reduction",
            false, between(0.0, false, 1.0, true)},
           {"diameter_reduction", dim::none, kNotGiven,
            "1 - D_s/D0 in [0, 1) (50 % diameter = 75 % area); give exactly one of "
            "area_reduction and diameter_reduction",
            false, between(0.0, false, 1.0, true)},
           {"K_t", dim::none, 1.52,
            "separation (turbulent) loss coefficient; 1.52 for a blunt plug (Seeley & Young "
            "1976; as in SimVascular svOneDSolver [READ-3P])",
            false, non_negative()},
           {"K_u", dim::none, 1.2,
            "inertance coefficient (Young & Tsai 1973; as in SimVascular [READ-3P])", false,
            positive()},
           {"flow_smoothing", dim::flow, 1e-9,
            "q_eps of the smooth q|q| = q sqrt(q^2 + q_eps^2) [m^3/s]; default 1 ul/s", false,
            non_negative()}},
      .doc =
          "Focal stenosis between a and b as a lumped loss (Young & Tsai 1973, Seeley & "
          "Young 1976; SimVascular svOneDSolver): L dq/dt = P_a - P_b - R_v q - B q sqrt(q^2 "
          "+ q_eps^2), R_v = K_v mu/(A0 D0), K_v = 32 (0.83 L_s + 1.64 D_s)/D0 (A0/A_s)^2, "
          "B = K_t rho/(2 A0^2) (A0/A_s - 1)^2, L = K_u rho L_s/A0 (one flow state).",
      .exactly_one_of = {{"area_reduction", "diameter_reduction"}},
      .outputs = {{"flow", "m^3/s"}, {"pressure_drop", "Pa"}},
      .summaries = {.mean_pressure_drop = true},
  };
  return s;
}

/// The parameters of a stenosis, checked against stenosis_spec() (exactly one of the two
/// reductions is given).
struct StenosisParams {
  double reference_diameter, length;
  std::optional<double> area_reduction, diameter_reduction;
  double K_t, K_u, flow_smoothing;
  static StenosisParams from(const ElementValues& v) {
    return {v.at("reference_diameter"),    v.at("length"), v.given("area_reduction"),
            v.given("diameter_reduction"), v.at("K_t"),    v.at("K_u"),
            v.at("flow_smoothing")};
  }
};

std::unique_ptr<ElementBlock> make_stenosis(const Element& e, const ElementValues& v);

}  // namespace venoflow
