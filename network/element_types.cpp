// venoflow: catalogue of lumped element types (include/venoflow/element_types.hpp).
// docs/model-format.md#elements documents the same table; keep the two in step.
#include "venoflow/element_types.hpp"

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
