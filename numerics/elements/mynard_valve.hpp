// venoflow: the Mynard venous valve element (type `mynard_valve`): specification (this header,
// plain data) and typed parameters; the block is in mynard_valve.cpp.
//
// Valve between ports a (upstream) and b (downstream), after Mynard, Davidson, Penny,
// Smolich 2012, "A simple, versatile valve model for use in lumped parameter and
// one-dimensional cardiovascular models", Int J Numer Meth Biomed Eng 28:626-641
// (equations as in docs/physiology.md A3 [READ-3P]).
//
// States: opening zeta in [0, 1] (Dimensionless) and flow q (Flow, positive from a to b).
//
//   dp     = P_a - P_b                       (piezometric heads P = p + rho g z)
//   A_eff  = (A_max - A_min) zeta + A_min + A_floor,
//            A_max = M_st A_ann, A_min = M_rg A_ann, A_floor = 1e-6 A_ann
//   L dq/dt = dp - B q sqrt(q^2 + q_eps^2),  B = rho / (2 A_eff^2),  L = rho l_eff / A_eff
//   dzeta/dt = (1 - zeta) K_vo r_s(dp - dp_open) - zeta K_vc r_s(dp_close - dp)
//
// Smoothing (the right-hand side must be smooth for CVODE's Newton iteration, docs/numerics.md):
//  - q|q| is replaced by q sqrt(q^2 + q_eps^2), q_eps = `flow_smoothing` (default 1e-9 m^3/s
//    = 1 ul/s). In quasi-steady flow the relative flow error is about (q_eps/q)^2/4.
//  - Mynard's piecewise opening law (open when dp > dp_open, close when dp < dp_close,
//    hold in between) uses the C-infinity ramp r_s(x) = x exp(-s/x) for x > 0, 0 otherwise,
//    s = `pressure_smoothing` (default 0.1 Pa). r_s is exactly 0 in the dead band (a valve at
//    rest does not drift), max(x,0) - s <= r_s(x) <= max(x,0) (the thresholds move by less
//    than s), and both terms keep zeta in [0, 1]. s = 0 gives Mynard's law exactly.
//  - A_floor keeps a competent closed valve (M_rg = 0, zeta -> 0) well posed; Mynard's
//    implementations add machine epsilon (CirculatorySystemModels.jl), a relative floor is
//    independent of the unit system.
//
// Defects: incompetent (regurgitant) M_rg > 0 (reflux q = -A_min sqrt(2|dp|/rho) when
// closed); stenotic M_st < 1 (forward flow scaled by M_st); immobile leaflets
// `mobility: fixed` (zeta stays at `initial_opening`). Initial state: zeta =
// `initial_opening` (default 1, open), q = 0.
#pragma once

#include <memory>

#include "numerics/elements/spec_helpers.hpp"

namespace venoflow {

class ElementBlock;
struct Element;

inline const ElementTypeSpec& mynard_valve_spec() {
  using namespace spec;
  static const ElementTypeSpec s{
      .type = "mynard_valve",
      .ports = {"a", "b"},
      .parameters =
          {{"annulus_area", dim::area, std::nullopt, "valve annulus (vessel) area A_ann > 0 [m^2]",
            false, positive()},
           {"M_st", dim::none, 1.0,
            "open-area fraction: A_max = M_st A_ann, in (0, 1]; < 1 is a stenotic valve "
            "(Mynard et al. 2012)",
            false, between(0.0, true, 1.0, false)},
           {"M_rg", dim::none, 0.0,
            "closed-area fraction: A_min = M_rg A_ann, in [0, M_st]; 0 is competent, > 0 "
            "incompetent (regurgitant; 0.05-0.3 mild to severe [UNVERIFIED], docs/physiology.md "
            "A3)",
            false, at_most("M_st", 0.0)},
           {"K_vo", dim::valve_rate, 0.1,
            "opening rate coefficient [1/(Pa s)]. Default calibrated, not from Mynard (whose "
            "values were not read [UNVERIFIED]): 90 % open in ln(10)/(K dp) = 0.17 s at "
            "dp = 1 mmHg (venous valves close in about 0.1-0.5 s [UNVERIFIED]); cardiac values "
            "are of order 0.02-0.03 cm^2/(dyn s) = 0.2-0.3 /(Pa s) [UNVERIFIED]",
            false, non_negative()},
           {"K_vc", dim::valve_rate, 0.1,
            "closing rate coefficient [1/(Pa s)]; default calibrated as K_vo (10 % open 0.17 s "
            "after a reverse dp of 1 mmHg)",
            false, non_negative()},
           {"dp_open", dim::pressure, 0.0, "head difference P_a - P_b above which it opens [Pa]",
            false},
           {"dp_close", dim::pressure, 0.0,
            "head difference below which it closes, <= dp_open [Pa]", false, at_most("dp_open")},
           {"effective_length", dim::length, 0.01,
            "l_eff of the inertance L = rho l_eff / A_eff [m]; default 1 cm is an "
            "order-of-magnitude choice (about a vein diameter) [UNVERIFIED]",
            false, positive()},
           {"initial_opening", dim::none, 1.0, "opening zeta at t = 0, in [0, 1] (1 = open)", false,
            between(0.0, false, 1.0, false)},
           {"flow_smoothing", dim::flow, 1e-9,
            "q_eps of the smooth q|q| = q sqrt(q^2 + q_eps^2) [m^3/s]; default 1 ul/s", false,
            non_negative()},
           {"pressure_smoothing", dim::pressure, 0.1,
            "width s of the smooth opening law r_s(x) = x exp(-s/x) (x > 0), 0 otherwise, in "
            "place of max(x, 0); thresholds shift by less than s [Pa]; default 0.1 Pa",
            false, non_negative()}},
      .text_parameters = {{"mobility",
                           {"normal", "fixed"},
                           "normal",
                           "normal: the opening follows the pressure; fixed: immobile leaflets, "
                           "zeta stays at initial_opening"}},
      .doc =
          "Venous valve between a (upstream) and b (Mynard et al. 2012, Int J Numer Meth "
          "Biomed Eng 28:626): states opening zeta and flow q. A_eff = (A_max - A_min) zeta + "
          "A_min + 1e-6 A_ann; L dq/dt = P_a - P_b - B q sqrt(q^2 + q_eps^2), B = rho/(2 "
          "A_eff^2), L = rho l_eff/A_eff; dzeta/dt = (1 - zeta) K_vo r_s(dp - dp_open) - zeta "
          "K_vc r_s(dp_close - dp), r_s a smooth max(x, 0) of width pressure_smoothing. "
          "Defects: M_rg > 0 incompetent, M_st < 1 stenotic, mobility: fixed immobile.",
      .outputs = {{"flow", "m^3/s"},
                  {"opening", "1"},
                  {"pressure_drop", "Pa"},
                  {"effective_area", "m^2"}},
      .summaries = {.mean_pressure_drop = true, .reflux_volume = true},
  };
  return s;
}

/// The parameters of a mynard_valve, checked against mynard_valve_spec().
struct MynardValveParams {
  double annulus_area, M_st, M_rg, K_vo, K_vc, dp_open, dp_close, effective_length, initial_opening,
      flow_smoothing, pressure_smoothing;
  bool fixed;  ///< mobility: fixed
  static MynardValveParams from(const ElementValues& v) {
    return {v.at("annulus_area"),
            v.at("M_st"),
            v.at("M_rg"),
            v.at("K_vo"),
            v.at("K_vc"),
            v.at("dp_open"),
            v.at("dp_close"),
            v.at("effective_length"),
            v.at("initial_opening"),
            v.at("flow_smoothing"),
            v.at("pressure_smoothing"),
            v.text("mobility") == "fixed"};
  }
};

std::unique_ptr<ElementBlock> make_mynard_valve(const Element& e, const ElementValues& v);

}  // namespace venoflow
