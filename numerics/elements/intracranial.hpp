// venoflow: the intracranial compartment as one lumped element (type `intracranial`): cerebral
// arteries, pial arterioles with autoregulation, capillaries, cerebral veins with a Starling
// resistor, CSF formation and absorption, and the craniospinal pressure-volume relation. This
// header is the specification (plain data, with provenance tags as in docs/physiology.md) and
// the typed parameters; the block is in intracranial.cpp.
//
// Intracranial compartment of Ursino & Lodi (1998, Am J Physiol 274:H1715, the "complete"
// model) as used by Gadda et al. (2015, Am J Physiol Heart Circ Physiol) [READ-3P: equations
// and Table 1 via docs/physiology.md A2/A4]. Ports: [arterial, sinus]. Everything inside the skull
// except the dural sinuses belongs to the element; the sinus node (port 2) is rigid here and is
// whatever the network makes of it (pressure BC, or a node with vessels/capacitors).
//
// Pressures (all absolute, Pa; the internal ones are referred to the height of the sinus node:
// P_a = head_arterial - head_sinus + p_sinus, P_vs = p_sinus, so a resting hydrostatic column
// between the ports gives no flow):
//
//   large arteries      q     = (P_a - P_pa) / (R_la + R_pa/2)                     (CBF)
//   pial arterioles     V_pa  = C_pa (P_pa - P_ic),  R_pa = k_R C_pan^2 / V_pa^2
//                       the compliance sits in the middle of R_pa, so R_pa/2 lies on each
//                       side [DERIVED, docs/physiology.md A4: (P_a - P_pa)/q = R_la + R_pa/2]
//   capillaries (no volume, algebraic node)
//                       2 (P_pa - P_c)/R_pa = (P_c - P_v)/R_pv + (P_c - P_ic)/R_f
//   cerebral veins      C_vi = 1/(k_ven (P_v - P_ic - P_v1))  [READ-3P A2], i.e. the volume
//                       V_vi = (1/k_ven) ln(P_v - P_ic - P_v1) + const
//   venous outflow      q_vs = (P_v - P_vs)/R_vs,  R_vs = R_vs1 (P_v - P_vs)/(P_v - P_ic) when
//                       P_ic > P_vs (Starling resistor, [READ-3P A2]) and R_vs = R_vs1 when
//                       P_vs >= P_ic (uncollapsed vein: the 1998 form reduces to this at
//                       P_ic = P_vs, [UNVERIFIED] as a case distinction of the original). Both
//                       cases are q_vs = (P_v - max(P_ic, P_vs))/R_vs1, which is how the 1997
//                       model states it (A4: outflow pressure max(P_ic, P_vs)). CHOSEN
//                       smoothing: max(a, b) -> (a+b)/2 + sqrt(((a-b)/2)^2 + dP_smooth^2),
//                       C-infinity, exact for dP_smooth = 0, error dP_smooth^2/|a-b| away from
//                       the switch (0.003 mmHg at the basal state with 0.1 mmHg).
//   deep venous outflow With the optional third port `deep` (deep cerebral veins -> Galen vein ->
//                       straight sinus), a share f_d = deep_fraction of the terminal conductance
//                       drains there through a Starling resistor of its own:
//                         q_vs = (1 - f_d)(P_v - max(P_ic, P_vs))/R_vs1        (sinus port)
//                              +      f_d (P_v - max(P_ic, P_vd))/R_vs1        (deep port)
//                       with P_vd the deep port's pressure referred to the sinus port's height
//                       [CHOSEN split of the Ursino-Lodi resistor; at equal port pressures the
//                       total is the original]. CSF absorption stays at the sinus port
//                       (arachnoid granulations along the SSS).
//   CSF formation       q_f = (P_c - P_ic)/R_f                                  [READ-3P A4]
//   CSF absorption      q_o = pos(P_ic - P_vs)/R_0, zero when negative [READ-3P A4]; CHOSEN
//                       smoothing pos(x) = (x + sqrt(x^2 + dP_smooth^2))/2.
//   craniospinal space  Ursino-Lodi: one space, C_ic = dV_ic/dP_ic = 1/(k_E P_ic) [READ-3P A4],
//                       i.e. P_ic = P_icn exp(k_E (V_ic - V_icn)), P_ic > 0 always. Here split
//                       in a cranial and a spinal space (spinal_fraction f_s > 0; f_s = 0 and
//                       P_0 = 0 is Ursino-Lodi's law exactly), each with Marmarou's offset form
//                       [UNVERIFIED form; docs/physiology.md F2/F6]
//                         P_ref = P_0 + (P_icn - P_0) exp(k_cr dV_cr)   (cranial, at the ICP
//                                                                        reference level)
//                         P_sp  = P_0 + (P_icn - P_0) exp(k_sp dV_sp)   (spinal, at the
//                                                                        centroid of its
//                                                                        compliance)
//                       C = 1/(k (P - P_0)); k_cr = 1/((1 - f_s) C_b (P_icn - P_0)),
//                       k_sp = 1/(f_s C_b (P_icn - P_0)) with C_b = 1/(k_E P_icn): at the basal
//                       pressure the two compliances add up to Ursino-Lodi's and split
//                       f_s : 1 - f_s [DERIVED; the split from Marmarou 1975 (cats, 32 %
//                       spinal), Gehlen 2017 (model, 35 % horizontal), Tain 2011 (MRI,
//                       pulsatile, 69-78 %), docs/physiology.md F2]. P_0 < 0 lets the ICP at
//                       the reference level go below 0 upright (Norager 2021: -5.9 .. 8.3 mmHg).
//   CSF column          The internal pressures are at the sinus port; the ICP reference level
//                       lies d_ref and the spinal centroid d_sp below it along the body axis, so
//                       with g_ax = g sin(tilt) (ElementContext) and rho_CSF (Sincomb 2022):
//                         P_ic = P_ref - rho_CSF g_ax d_ref      (ICP at the sinus port)
//                         q_fm = (P_ref + rho_CSF g_ax (d_sp - d_ref) - P_sp) / R_fm
//                       (foramen magnum, cranial -> spinal, driven by piezometric CSF pressures:
//                       Pascal's law in the resting column, Magnaes 1976 [READ], F1). R_fm:
//                       no measured value [CHOSEN, parameter doc].
//   volume balance      dV_cr/dt = dV_pa/dt + dV_vi/dt + q_f - q_o - q_fm = q - q_vs - q_o - q_fm,
//                       dV_sp/dt = q_fm
//                       (the 1998 ICP equation C_ic dP_ic/dt = dV_pa/dt + dV_vi/dt + q_f -
//                       q_o, reduced with the capillary balance; no injection term I_i).
//   autoregulation      tau_aut dx_aut/dt = -x_aut + G_aut (q - q_n)/q_n
//                       C_pa = [(C_pan - dC/2) + (C_pan + dC/2) e^(-x_aut/k)]/(1 + e^(-x_aut/k))
//                            = C_pan - (dC/2) tanh(2 x_aut/dC),  k = dC/4,
//                       dC = dC_pa1 for x_aut < 0 (dilation), dC_pa2 for x_aut > 0
//                       (constriction) [READ-3P A4 for the sigmoid; the 1998 first-order
//                       filter on x_aut instead of on C_pa, and CO2 reactivity left out, are
//                       from Ursino & Lodi 1998 [UNVERIFIED]]. The slope at x_aut = 0 is -1
//                       on both sides, so the switch dC1/dC2 is C^2. CHOSEN: q is the arterial
//                       inflow (both candidates agree at steady state). With
//                       `autoregulation: off`, C_pa = C_pan (x_aut is still filtered and output).
//
// States (kind): dV_cr = V_ic - V_icn [m^3] (Volume), V_pa [m^3] (Volume), V_vi - V_vin [m^3]
// (Volume), xi = x_aut/G_aut [-] (Dimensionless; the filtered relative CBF deviation, tau dxi/dt =
// -xi + (q - q_n)/q_n, scaled so that its tolerance does not depend on G_aut), and with a spinal
// space dV_sp [m^3] (Volume). Volumes rather than pressures are states so that (1) the mass
// balance is a linear invariant: the volume stored in the element is dV_cr + dV_sp (blood + CSF
// inside the skull and the dural sac) and
//   d(dV_cr + dV_sp)/dt = q - (q_vs + q_o) = (flow in at the arterial port) - (flow into the
//                         sinus), exactly, so internal_volume(y) = y[0] (+ y[4]);
// (2) P > P_0 and P_v - P_ic > P_v1 hold by construction (the log/exp laws stay defined), and
// a change of C_pa at fixed V_pa moves P_pa exactly as the 1998 term dC_pa/dt (P_pa - P_ic).
// V_vin is the venous volume at the transmural value u_n = q_n R_vs1 - P_v1 (the Starling-regime
// basal state; 1 mmHg if that is not positive).
//
// Port flows: arterial port q (leaves the arterial node); sinus port -(q_vs + q_o).
// Initial state: the steady state for the initial port pressures and heads, in the posture at
// t = 0 (pseudo-transient continuation on the four or five states); if there is none, the basal
// state (dV_cr = dV_sp = 0, xi = 0). P_icn is
// the reference pressure of the P-V law (and of the first guess); q_n is the autoregulation
// set point; neither is imposed.
//
// Outputs: `icp` is P_ref (the reference level); `spinal_csf_pressure` P_sp; `cpp` the arterial
// pressure at the reference level (P_a + rho_blood g_ax d_ref) minus P_ref.
//
// Validity domain (domain(), checked on every output sample; docs/cerebral-model.md#validity-
// domain). The exponential craniospinal P-V law is the Marmarou form characterised by bolus
// injection and withdrawal around the resting ICP (pressure-volume index PVI = ln(10)/k, the
// volume that changes P - P_0 tenfold: 30 ml for Ursino-Lodi's k_E = 0.077/ml) [READ-3P A4 for
// the law; PVI definition Marmarou et al. 1975 [UNVERIFIED]]. Far from the basal state the real
// curve leaves the exponential (a flat zone where the CSF spaces empty, Loefgren et al. 1973
// [UNVERIFIED]; a stretched dura at high pressure). CHOSEN bounds, one PVI either side of the
// basal state of each space [DERIVED from k, P_icn, P_0]:
//   icp                         in [P_0 + (P_icn - P_0)/10, P_0 + 10 (P_icn - P_0)]
//                               (0.95 .. 95 mmHg for Ursino-Lodi; -8.05 .. 185 mmHg with
//                               P_0 = -10 mmHg)
//   intracranial_volume_change  in [-ln(10)/k_cr, ln(10)/k_cr]
//   spinal_volume_change        in [-ln(10)/k_sp, ln(10)/k_sp]
// Without a spinal space and with P_0 = 0 (Ursino-Lodi), an upright state with the sinus port
// high has no CSF steady state (absorption (P_ic - P_vs)/R_0 exceeds formation for P_vs below
// -(R_0/R_f) P_c, about -3.2 mmHg): the ICP creeps to the floor and the run fails loudly.
// P_v - P_ic > P_v1 (the cerebral-vein law) and V_pa > 0 hold by construction of the states.
#pragma once

#include <memory>

#include "numerics/elements/spec_helpers.hpp"

namespace venoflow {

class ElementBlock;
struct Element;

inline const ElementTypeSpec& intracranial_spec() {
  using namespace spec;
  constexpr Dimension kPressureCubedTimePerVolume{{3, -6, -5, 0}};  // Pa^3 s m^-3 (k_R)
  static const ElementTypeSpec s{
      .type = "intracranial",
      .ports = {"arterial", "sinus", "deep"},
      .optional_ports = 1,
      .port_parameters = {{"deep", {"deep_fraction"}}},
      .parameters =
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
              {"P_0", dim::pressure, 0.0,
               "reference pressure of the craniospinal P-V law P = P_0 + (P_icn - P_0) "
               "exp(k dV) (Marmarou's offset form [UNVERIFIED form], F3 of "
               "docs/physiology.md): the pressure the CSF spaces approach when they empty. 0 = "
               "Ursino-Lodi (ICP > 0); below 0 lets the ICP at the reference level go "
               "negative upright",
               false, below("P_icn")},
              {"spinal_fraction", dim::none, 0.0,
               "share f_s of the basal craniospinal compliance 1/(k_E P_icn) in the spinal "
               "dural sac, joined to the cranial CSF through the foramen magnum; 0 = no spinal "
               "space (Ursino-Lodi). Marmarou et al. 1975 (cats, infusion) 32 %, Gehlen et al. "
               "2017 (model, horizontal) 35 %, Tain et al. 2011 (MRI, pulsatile) 69-78 % "
               "(docs/physiology.md F2)",
               false, between(0.0, false, 1.0, true)},
              {"R_fm", dim::resistance, 0.1 * kRes,
               "resistance to CSF flow between the cranial and the spinal space (foramen "
               "magnum and cervical subarachnoid space), 0.1 mmHg s/ml: no measured value "
               "(docs/physiology.md F2/F6); a Poiseuille slit estimate of the cervical "
               "subarachnoid space gives 0.02 mmHg s/ml, raised for trabeculae and nerve "
               "roots [DERIVED + CHOSEN]; time constant with the default split 0.03 s",
               false, positive()},
              {"icp_reference_depth", dim::length, 0.0,
               "depth of the ICP reference level (where `icp` is reported and the cranial P-V "
               "law holds; clinically the foramen of Monro / external acoustic meatus) below "
               "the sinus port along the body axis; 0 = at the sinus port",
               false},
              {"spinal_depth", dim::length, 0.43,
               "depth of the centroid of the spinal compliance below the sinus port along the "
               "body axis, 43 cm: sinus port 40 cm and foramen magnum 27 cm above the right "
               "atrium (docs/cerebral-model.md heights), compliance spread evenly over the "
               "60 cm spinal subarachnoid space (Sincomb et al. 2022 [READ]) [DERIVED]; used "
               "when spinal_fraction > 0",
               false},
              {"csf_density", dim::mass_density, 1000.0,
               "CSF density, 1000 kg/m^3 (Sincomb et al. 2022 [READ], docs/physiology.md F): "
               "weight of the craniospinal CSF column, 0.736 mmHg per cm upright",
               false, positive()},
              {"deep_fraction", dim::none, kNotGiven,
               "share f_d of the terminal venous conductance 1/R_vs1 that drains into the "
               "optional `deep` port (deep cerebral veins, vein of Galen, straight sinus) "
               "instead of the sinus port, each share through its own Starling resistor against "
               "ICP; required with the deep port, not allowed without it",
               false, between(0.0, true, 1.0, true)},
              {"dP_smooth", dim::pressure, 0.1 * kMmHg,
               "width over which the Starling-resistor switch max(P_ic, P_vs) and the CSF "
               "absorption cut-off are smoothed, 0.1 mmHg (venoflow choice; 0 = sharp)",
               false, non_negative()},
          },
      .text_parameters = {{"autoregulation",
                           {"on", "off"},
                           "on",
                           "on: pial arterial compliance follows the autoregulation sigmoid; "
                           "off: C_pa = C_pan"}},
      .doc =
          "Intracranial compartment of Ursino & Lodi 1998 as used by Gadda et al. 2015 "
          "between the arterial inflow node and the dural sinus node: large arteries R_la, "
          "pial arterioles with autoregulated compliance and R_pa = k_R C_pan^2/V_pa^2, "
          "capillaries, cerebral veins (C_vi = 1/(k_ven (P_v - P_ic - P_v1))) draining "
          "through a smoothed Starling resistor q = (P_v - max(P_ic, P_vs))/R_vs1, CSF "
          "formation (P_c - P_ic)/R_f and absorption max(P_ic - P_vs, 0)/R_0, craniospinal "
          "compliance 1/(k_E P_ic) (P_0 = 0, spinal_fraction = 0), or split into a cranial "
          "and a spinal CSF space (spinal_fraction > 0) with the laws P = P_0 + (P_icn - P_0) "
          "exp(k dV), joined through the foramen magnum (R_fm) by the weight of the CSF column "
          "in posture. Four states (five with a spinal space); starts at the steady state for "
          "the initial port pressures and posture.",
      .outputs = {{"cbf", "m^3/s"},
                  {"icp", "Pa"},
                  {"pial_arterial_pressure", "Pa"},
                  {"capillary_pressure", "Pa"},
                  {"cerebral_venous_pressure", "Pa"},
                  {"cerebral_blood_volume", "m^3"},
                  {"csf_formation", "m^3/s"},
                  {"csf_absorption", "m^3/s"},
                  {"venous_outflow", "m^3/s"},
                  {"arterial_compliance", "m^3/Pa"},
                  {"pial_arterial_resistance", "Pa s m^-3"},
                  {"autoregulation_state", "m^3/Pa"},
                  {"intracranial_volume_change", "m^3"},
                  {"spinal_csf_pressure", "Pa"},
                  {"foramen_magnum_flow", "m^3/s"},
                  {"spinal_volume_change", "m^3"},
                  {"cpp", "Pa"},
                  {"deep_venous_outflow", "m^3/s"}},
      .summaries = {.cerebral = true},
  };
  return s;
}

/// The parameters of an intracranial element, checked against intracranial_spec().
struct IntracranialParams {
  double R_la, k_R, C_pan, dC_pa1, dC_pa2, G_aut, tau_aut, q_n, R_pv, R_vs1, k_ven, P_v1, k_E, R_f,
      R_0, P_icn, P_0, spinal_fraction, R_fm, icp_reference_depth, spinal_depth, csf_density,
      deep_fraction, dP_smooth;
  bool autoregulation;
  static IntracranialParams from(const ElementValues& v) {
    return {v.at("R_la"),
            v.at("k_R"),
            v.at("C_pan"),
            v.at("dC_pa1"),
            v.at("dC_pa2"),
            v.at("G_aut"),
            v.at("tau_aut"),
            v.at("q_n"),
            v.at("R_pv"),
            v.at("R_vs1"),
            v.at("k_ven"),
            v.at("P_v1"),
            v.at("k_E"),
            v.at("R_f"),
            v.at("R_0"),
            v.at("P_icn"),
            v.at("P_0"),
            v.at("spinal_fraction"),
            v.at("R_fm"),
            v.at("icp_reference_depth"),
            v.at("spinal_depth"),
            v.at("csf_density"),
            v.at("deep_fraction"),
            v.at("dP_smooth"),
            v.text("autoregulation") != "off"};
  }
};

std::unique_ptr<ElementBlock> make_intracranial(const Element& e, const ElementValues& v);

}  // namespace venoflow
