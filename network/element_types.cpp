// venoflow: catalogue of lumped element types (include/venoflow/element_types.hpp).
// docs/model-format.md#elements documents the same table; keep the two in step.
#include "venoflow/element_types.hpp"

#include <cmath>
#include <limits>
#include <sstream>
#include <stdexcept>

#include "venoflow/model.hpp"

namespace venoflow {

namespace {
// Units of the Ursino-Lodi / Gadda tables (the catalogue stores SI).
constexpr double kMmHg = 133.322387415;                           // Pa
constexpr double kMl = 1e-6;                                      // m^3
constexpr double kRes = kMmHg / kMl;                              // 1 mmHg s/ml in Pa s m^-3
constexpr double kComp = kMl / kMmHg;                             // 1 ml/mmHg in m^3/Pa
constexpr Dimension kPressureCubedTimePerVolume{{3, -6, -5, 0}};  // Pa^3 s m^-3 (k_R)
constexpr double kInf = std::numeric_limits<double>::infinity();

ParameterRange positive() { return {0.0, true, kInf, false, ""}; }
ParameterRange non_negative() { return {0.0, false, kInf, false, ""}; }
ParameterRange between(double lo, bool lo_open, double hi, bool hi_open) {
  return {lo, lo_open, hi, hi_open, ""};
}
/// At most another parameter of the same element (and at least `lo`).
ParameterRange at_most(const char* other, double lo = -kInf) {
  return {lo, false, kInf, false, other};
}

std::string number_text(double v) {
  std::ostringstream os;
  os << v;
  return os.str();
}
}  // namespace

std::string ParameterRange::str() const {
  const bool has_lo = min > -kInf, has_hi = max < kInf || !at_most.empty();
  const std::string hi = at_most.empty() ? number_text(max) : at_most;
  if (has_lo && has_hi)
    return "in " + std::string(min_open ? "(" : "[") + number_text(min) + ", " + hi +
           (max_open ? ")" : "]");
  if (has_lo) return (min_open ? "> " : ">= ") + number_text(min);
  if (has_hi) return (max_open ? "< " : "<= ") + hi;
  return "";
}

std::optional<std::string> range_problem(const ElementTypeSpec& t, const ParameterSpec& p,
                                         double value,
                                         const std::map<std::string, double>& params) {
  const ParameterRange& r = p.range;
  if (std::isnan(value)) return std::nullopt;  // an optional parameter not given
  bool ok = (r.min_open ? value > r.min : value >= r.min) &&
            (r.max_open ? value < r.max : value <= r.max);
  if (!r.at_most.empty()) {
    std::optional<double> bound;  // the other parameter's value, else its default
    if (auto it = params.find(r.at_most); it != params.end()) bound = it->second;
    for (const auto& q : t.parameters)
      if (!bound && q.name == r.at_most) bound = q.default_value;
    if (bound && !std::isnan(*bound)) ok = ok && value <= *bound;
  }
  if (ok) return std::nullopt;
  return "must be " + r.str();
}

void check_parameter_ranges(const Element& e) {
  const ElementTypeSpec* t = find_element_type(e.type);
  if (!t) return;
  for (const auto& p : t->parameters)
    if (auto it = e.params.find(p.name); it != e.params.end())
      if (auto problem = range_problem(*t, p, it->second, e.params))
        throw std::invalid_argument("element " + e.name + " (" + e.type + "): " + p.name + " " +
                                    *problem + ", got " + number_text(it->second));
}

const std::vector<ElementTypeSpec>& element_types() {
  static const std::vector<ElementTypeSpec> types = {
      {
          "resistor",
          {"a", "b"},
          {{"R", dim::resistance, std::nullopt, "resistance R > 0 [Pa s m^-3]", false, positive()}},
          {},
          false,
          "Linear resistor between two nodes: Q = (P_a - P_b)/R with P = p + rho g z "
          "(hydrostatic-corrected pressures); no volume. Positive Q flows from a to b.",
      },
      {
          "inductor",
          {"a", "b"},
          {{"L", dim::inertance, std::nullopt, "inertance L > 0 [Pa s^2 m^-3]", false, positive()},
           {"R", dim::resistance, 0.0, "series resistance R >= 0 [Pa s m^-3]", false,
            non_negative()}},
          {},
          false,
          "Inertance with series resistance between two nodes: L dQ/dt = P_a - P_b - R Q "
          "(one flow state). Positive Q flows from a to b.",
      },
      {
          "capacitor",
          {"a"},
          {{"C", dim::compliance, std::nullopt, "compliance C > 0 [m^3/Pa]", false, positive()}},
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
            false, positive()},
           {"C", dim::compliance, std::nullopt, "compliance > 0 [m^3/Pa]", false, positive()},
           {"R2", dim::resistance, std::nullopt, "distal (peripheral) resistance > 0 [Pa s m^-3]",
            false, positive()},
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
          {{"R", dim::resistance, std::nullopt, "resistance R > 0 [Pa s m^-3]", false, positive()},
           {"smoothing", dim::pressure, 0.1 * 133.322387415,
            "width s of the softplus replacing max(p_ext - p_b, 0) [Pa]; default 0.1 mmHg "
            "(error s ln 2 at the switch, s exp(-|x|/s) away from it)",
            false, non_negative()}},
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
            false, positive()},
           {"length", dim::length, std::nullopt, "stenosis length L_s > 0 [m]", false, positive()},
           {"area_reduction", dim::none, std::numeric_limits<double>::quiet_NaN(),
            "1 - A_s/A0 in [0, 1); give exactly one of area_reduction and diameter_reduction",
            false, between(0.0, false, 1.0, true)},
           {"diameter_reduction", dim::none, std::numeric_limits<double>::quiet_NaN(),
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
          {},
          false,
          "Focal stenosis between a and b as a lumped loss (Young & Tsai 1973, Seeley & Young "
          "1976; SimVascular svOneDSolver): L dq/dt = P_a - P_b - R_v q - B q sqrt(q^2 + "
          "q_eps^2), R_v = K_v mu/(A0 D0), K_v = 32 (0.83 L_s + 1.64 D_s)/D0 (A0/A_s)^2, "
          "B = K_t rho/(2 A0^2) (A0/A_s - 1)^2, L = K_u rho L_s/A0 (one flow state).",
          {{"area_reduction", "diameter_reduction"}},
      },
      {
          "intracranial",
          {"arterial", "sinus"},
          {
              {"R_la", dim::resistance, 0.6 * kRes,
               "large cerebral artery resistance, 0.6 mmHg s/ml (Ursino & Lodi 1998 / Gadda "
               "2015 Table 1 [READ-3P])",
               false, positive()},
              {"k_R", kPressureCubedTimePerVolume, 13.1e3 * kMmHg * kMmHg * kMmHg / kMl,
               "pial arteriolar resistance constant in R_pa = k_R C_pan^2/V_pa^2, "
               "13.1e3 mmHg^3 s/ml (Gadda 2015 Table 1 [READ-3P])",
               false, positive()},
              {"C_pan", dim::compliance, 0.205 * kComp,
               "basal pial arterial compliance, 0.205 ml/mmHg (Gadda 2015 Table 1 [READ-3P])",
               false, positive()},
              {"dC_pa1", dim::compliance, 2.87 * kComp,
               "amplitude of the autoregulation sigmoid for vasodilation (x_aut < 0), "
               "2.87 ml/mmHg (Gadda 2015 Table 1 [READ-3P])",
               false, positive()},
              {"dC_pa2", dim::compliance, 0.164 * kComp,
               "amplitude of the autoregulation sigmoid for vasoconstriction (x_aut > 0), "
               "0.164 ml/mmHg (Gadda 2015 Table 1 [READ-3P])",
               false, positive()},
              {"G_aut", dim::compliance, 3.0 * kComp,
               "autoregulation gain per 100% CBF change, 3 ml/mmHg (Gadda 2015 Table 1 "
               "[READ-3P]); 0 disables the feedback",
               false, non_negative()},
              {"tau_aut", dim::time, 20.0,
               "autoregulation time constant, 20 s (Gadda 2015 Table 1 [READ-3P])", false,
               positive()},
              {"q_n", dim::flow, 12.5 * kMl,
               "basal CBF, the autoregulation set point, 12.5 ml/s (Gadda 2015 Table 1 "
               "[READ-3P])",
               false, positive()},
              {"R_pv", dim::resistance, 0.880 * kRes,
               "proximal venous resistance (capillaries to cerebral veins), 0.880 mmHg s/ml "
               "(Gadda 2015 Table 1 [READ-3P])",
               false, positive()},
              {"R_vs1", dim::resistance, 0.366 * kRes,
               "terminal vein (Starling resistor) resistance constant, 0.366 mmHg s/ml "
               "(Gadda 2015 Table 1 [READ-3P])",
               false, positive()},
              {"k_ven", dim::inverse_volume, 0.155 / kMl,
               "cerebral venous compliance constant in C_vi = 1/(k_ven (P_v - P_ic - P_v1)), "
               "0.155 /ml (Gadda 2015 Table 1 [READ-3P])",
               false, positive()},
              {"P_v1", dim::pressure, -2.5 * kMmHg,
               "venous collapse offset, -2.5 mmHg (Gadda 2015 Table 1 [READ-3P])", false},
              {"k_E", dim::inverse_volume, 0.077 / kMl,
               "intracranial elastance coefficient in C_ic = 1/(k_E P_ic), 0.077 /ml "
               "(Gadda 2015 Table 1 [READ-3P])",
               false, positive()},
              {"R_f", dim::resistance, 2.38e3 * kRes,
               "CSF formation resistance, 2.38e3 mmHg s/ml (Ursino & Lodi 1997 and Gadda "
               "2015 Table 1 [READ-3P])",
               false, positive()},
              {"R_0", dim::resistance, 526.3 * kRes,
               "CSF outflow (absorption) resistance, 526.3 mmHg s/ml (Ursino & Lodi 1997 and "
               "Gadda 2015 Table 1 [READ-3P])",
               false, positive()},
              {"P_icn", dim::pressure, 9.5 * kMmHg,
               "basal ICP, 9.5 mmHg (Gadda 2015 Table 1 [READ-3P]): reference of the "
               "exponential pressure-volume law and first guess of the initial steady state",
               false, positive()},
              {"dP_smooth", dim::pressure, 0.1 * kMmHg,
               "width over which the Starling-resistor switch max(P_ic, P_vs) and the CSF "
               "absorption cut-off are smoothed, 0.1 mmHg (venoflow choice; 0 = sharp)",
               false, non_negative()},
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
