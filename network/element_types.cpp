// venoflow: catalogue of lumped element types (include/venoflow/element_types.hpp).
// docs/model-format.md#elements documents the same table; keep the two in step.
#include "venoflow/element_types.hpp"

#include <limits>

namespace venoflow {

namespace {
// Units of the Ursino-Lodi / Gadda tables (the catalogue stores SI).
constexpr double kMmHg = 133.322387415;                           // Pa
constexpr double kMl = 1e-6;                                      // m^3
constexpr double kRes = kMmHg / kMl;                              // 1 mmHg s/ml in Pa s m^-3
constexpr double kComp = kMl / kMmHg;                             // 1 ml/mmHg in m^3/Pa
constexpr Dimension kPressureCubedTimePerVolume{{3, -6, -5, 0}};  // Pa^3 s m^-3 (k_R)
}  // namespace

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
      {
          "mynard_valve",
          {"a", "b"},
          {{"annulus_area", dim::area, std::nullopt, "valve annulus (vessel) area A_ann > 0 [m^2]",
            false},
           {"M_st", dim::none, 1.0,
            "open-area fraction: A_max = M_st A_ann, in (0, 1]; < 1 is a stenotic valve "
            "(Mynard et al. 2012)",
            false},
           {"M_rg", dim::none, 0.0,
            "closed-area fraction: A_min = M_rg A_ann, in [0, M_st]; 0 is competent, > 0 "
            "incompetent (regurgitant; 0.05-0.3 mild to severe [UNVERIFIED], docs/physiology.md "
            "A3)",
            false},
           {"K_vo", dim::valve_rate, 0.1,
            "opening rate coefficient [1/(Pa s)]. Default calibrated, not from Mynard (whose "
            "values were not read [UNVERIFIED]): 90 % open in ln(10)/(K dp) = 0.17 s at "
            "dp = 1 mmHg (venous valves close in about 0.1-0.5 s [UNVERIFIED]); cardiac values "
            "are of order 0.02-0.03 cm^2/(dyn s) = 0.2-0.3 /(Pa s) [UNVERIFIED]",
            false},
           {"K_vc", dim::valve_rate, 0.1,
            "closing rate coefficient [1/(Pa s)]; default calibrated as K_vo (10 % open 0.17 s "
            "after a reverse dp of 1 mmHg)",
            false},
           {"dp_open", dim::pressure, 0.0, "head difference P_a - P_b above which it opens [Pa]",
            false},
           {"dp_close", dim::pressure, 0.0,
            "head difference below which it closes, <= dp_open [Pa]", false},
           {"effective_length", dim::length, 0.01,
            "l_eff of the inertance L = rho l_eff / A_eff [m]; default 1 cm is an "
            "order-of-magnitude choice (about a vein diameter) [UNVERIFIED]",
            false},
           {"initial_opening", dim::none, 1.0, "opening zeta at t = 0, in [0, 1] (1 = open)",
            false},
           {"flow_smoothing", dim::flow, 1e-9,
            "q_eps of the smooth q|q| = q sqrt(q^2 + q_eps^2) [m^3/s]; default 1 ul/s", false},
           {"pressure_smoothing", dim::pressure, 0.1,
            "width s of the smooth opening law r_s(x) = x exp(-s/x) (x > 0), 0 otherwise, in "
            "place of max(x, 0); thresholds shift by less than s [Pa]; default 0.1 Pa",
            false}},
          {{"mobility",
            {"normal", "fixed"},
            "normal",
            "normal: the opening follows the pressure; fixed: immobile leaflets, zeta stays at "
            "initial_opening"}},
          false,
          "Venous valve between a (upstream) and b (Mynard et al. 2012, Int J Numer Meth Biomed "
          "Eng 28:626): states opening zeta and flow q. A_eff = (A_max - A_min) zeta + A_min + "
          "1e-6 A_ann; L dq/dt = P_a - P_b - B q sqrt(q^2 + q_eps^2), B = rho/(2 A_eff^2), "
          "L = rho l_eff/A_eff; dzeta/dt = (1 - zeta) K_vo r_s(dp - dp_open) - zeta K_vc "
          "r_s(dp_close - dp), r_s a smooth max(x, 0) of width pressure_smoothing. Defects: "
          "M_rg > 0 incompetent, M_st < 1 stenotic, mobility: fixed immobile.",
      },
      {
          "starling_resistor",
          {"a", "b"},
          {{"R", dim::resistance, std::nullopt, "resistance R > 0 [Pa s m^-3]", false},
           {"smoothing", dim::pressure, 0.1 * 133.322387415,
            "width s of the softplus replacing max(p_ext - p_b, 0) [Pa]; default 0.1 mmHg "
            "(error s ln 2 at the switch, s exp(-|x|/s) away from it)",
            false}},
          {},
          true,
          "Collapsible segment (Starling resistor, vascular waterfall; Ursino & Lodi 1997) from "
          "a to b inside the external pressure p_ext of its group (0 Pa if none): Q = (P_a - "
          "max(P_b, p_ext + rho g z_b))/R = (P_a - P_b - max(p_ext - p_b, 0))/R, the max "
          "smoothed by s ln(1 + exp(x/s)). No state. Output waterfall = 1 when p_ext governs.",
      },
      {
          "stenosis",
          {"a", "b"},
          {{"reference_diameter", dim::length, std::nullopt, "unstenosed lumen diameter D0 > 0 [m]",
            false},
           {"length", dim::length, std::nullopt, "stenosis length L_s > 0 [m]", false},
           {"area_reduction", dim::none, std::numeric_limits<double>::quiet_NaN(),
            "1 - A_s/A0 in [0, 1); give exactly one of area_reduction and diameter_reduction",
            false},
           {"diameter_reduction", dim::none, std::numeric_limits<double>::quiet_NaN(),
            "1 - D_s/D0 in [0, 1) (50 % diameter = 75 % area); give exactly one of "
            "area_reduction and diameter_reduction",
            false},
           {"K_t", dim::none, 1.52,
            "separation (turbulent) loss coefficient; 1.52 for a blunt plug (Seeley & Young "
            "1976; as in SimVascular svOneDSolver [READ-3P])",
            false},
           {"K_u", dim::none, 1.2,
            "inertance coefficient (Young & Tsai 1973; as in SimVascular [READ-3P])", false},
           {"flow_smoothing", dim::flow, 1e-9,
            "q_eps of the smooth q|q| = q sqrt(q^2 + q_eps^2) [m^3/s]; default 1 ul/s", false}},
          {},
          false,
          "Focal stenosis between a and b as a lumped loss (Young & Tsai 1973, Seeley & Young "
          "1976; SimVascular svOneDSolver): L dq/dt = P_a - P_b - R_v q - B q sqrt(q^2 + "
          "q_eps^2), R_v = K_v mu/(A0 D0), K_v = 32 (0.83 L_s + 1.64 D_s)/D0 (A0/A_s)^2, "
          "B = K_t rho/(2 A0^2) (A0/A_s - 1)^2, L = K_u rho L_s/A0 (one flow state).",
      },
      {
          "intracranial",
          {"arterial", "sinus"},
          {
              {"R_la", dim::resistance, 0.6 * kRes,
               "large cerebral artery resistance, 0.6 mmHg s/ml (Ursino & Lodi 1998 / Gadda "
               "2015 Table 1 [READ-3P])",
               false},
              {"k_R", kPressureCubedTimePerVolume, 13.1e3 * kMmHg * kMmHg * kMmHg / kMl,
               "pial arteriolar resistance constant in R_pa = k_R C_pan^2/V_pa^2, "
               "13.1e3 mmHg^3 s/ml (Gadda 2015 Table 1 [READ-3P])",
               false},
              {"C_pan", dim::compliance, 0.205 * kComp,
               "basal pial arterial compliance, 0.205 ml/mmHg (Gadda 2015 Table 1 [READ-3P])",
               false},
              {"dC_pa1", dim::compliance, 2.87 * kComp,
               "amplitude of the autoregulation sigmoid for vasodilation (x_aut < 0), "
               "2.87 ml/mmHg (Gadda 2015 Table 1 [READ-3P])",
               false},
              {"dC_pa2", dim::compliance, 0.164 * kComp,
               "amplitude of the autoregulation sigmoid for vasoconstriction (x_aut > 0), "
               "0.164 ml/mmHg (Gadda 2015 Table 1 [READ-3P])",
               false},
              {"G_aut", dim::compliance, 3.0 * kComp,
               "autoregulation gain per 100% CBF change, 3 ml/mmHg (Gadda 2015 Table 1 "
               "[READ-3P]); 0 disables the feedback",
               false},
              {"tau_aut", dim::time, 20.0,
               "autoregulation time constant, 20 s (Gadda 2015 Table 1 [READ-3P])", false},
              {"q_n", dim::flow, 12.5 * kMl,
               "basal CBF, the autoregulation set point, 12.5 ml/s (Gadda 2015 Table 1 "
               "[READ-3P])",
               false},
              {"R_pv", dim::resistance, 0.880 * kRes,
               "proximal venous resistance (capillaries to cerebral veins), 0.880 mmHg s/ml "
               "(Gadda 2015 Table 1 [READ-3P])",
               false},
              {"R_vs1", dim::resistance, 0.366 * kRes,
               "terminal vein (Starling resistor) resistance constant, 0.366 mmHg s/ml "
               "(Gadda 2015 Table 1 [READ-3P])",
               false},
              {"k_ven", dim::inverse_volume, 0.155 / kMl,
               "cerebral venous compliance constant in C_vi = 1/(k_ven (P_v - P_ic - P_v1)), "
               "0.155 /ml (Gadda 2015 Table 1 [READ-3P])",
               false},
              {"P_v1", dim::pressure, -2.5 * kMmHg,
               "venous collapse offset, -2.5 mmHg (Gadda 2015 Table 1 [READ-3P])", false},
              {"k_E", dim::inverse_volume, 0.077 / kMl,
               "intracranial elastance coefficient in C_ic = 1/(k_E P_ic), 0.077 /ml "
               "(Gadda 2015 Table 1 [READ-3P])",
               false},
              {"R_f", dim::resistance, 2.38e3 * kRes,
               "CSF formation resistance, 2.38e3 mmHg s/ml (Ursino & Lodi 1997 and Gadda "
               "2015 Table 1 [READ-3P])",
               false},
              {"R_0", dim::resistance, 526.3 * kRes,
               "CSF outflow (absorption) resistance, 526.3 mmHg s/ml (Ursino & Lodi 1997 and "
               "Gadda 2015 Table 1 [READ-3P])",
               false},
              {"P_icn", dim::pressure, 9.5 * kMmHg,
               "basal ICP, 9.5 mmHg (Gadda 2015 Table 1 [READ-3P]): reference of the "
               "exponential pressure-volume law and first guess of the initial steady state",
               false},
              {"dP_smooth", dim::pressure, 0.1 * kMmHg,
               "width over which the Starling-resistor switch max(P_ic, P_vs) and the CSF "
               "absorption cut-off are smoothed, 0.1 mmHg (venoflow choice; 0 = sharp)",
               false},
          },
          {{"autoregulation",
            {"on", "off"},
            "on",
            "on: pial arterial compliance follows the autoregulation sigmoid; off: C_pa = "
            "C_pan"}},
          false,
          "Intracranial compartment of Ursino & Lodi 1998 as used by Gadda et al. 2015 between "
          "the arterial inflow node and the dural sinus node: large arteries R_la, pial "
          "arterioles with autoregulated compliance and R_pa = k_R C_pan^2/V_pa^2, capillaries, "
          "cerebral veins (C_vi = 1/(k_ven (P_v - P_ic - P_v1))) draining through a smoothed "
          "Starling resistor q = (P_v - max(P_ic, P_vs))/R_vs1, CSF formation (P_c - P_ic)/R_f "
          "and absorption max(P_ic - P_vs, 0)/R_0, craniospinal compliance 1/(k_E P_ic). Four "
          "states; starts at the steady state for the initial port pressures.",
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
