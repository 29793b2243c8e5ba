// venoflow: the key tables of the model format (format/schema.hpp).
#include <algorithm>

#include "format/schema.hpp"
#include "venoflow/element_types.hpp"
#include "venoflow/model_document.hpp"

namespace venoflow::detail {

namespace {

using VK = ValueKind;

KeySpec key(std::string name, VK kind, std::string doc) {
  KeySpec k;
  k.name = std::move(name);
  k.kind = kind;
  k.doc = std::move(doc);
  return k;
}
KeySpec qty(std::string name, Dimension d, std::string def, std::string doc,
            Bound bound = Bound::None) {
  KeySpec k = key(std::move(name), VK::Quantity, std::move(doc));
  k.dim = d;
  k.default_text = std::move(def);
  k.bound = bound;
  return k;
}
KeySpec number(std::string name, std::string def, std::string doc, Bound bound = Bound::None) {
  KeySpec k = qty(std::move(name), dim::none, std::move(def), std::move(doc), bound);
  k.bare_unit.assign(1, '1');  // not = "1": GCC 12 -Wrestrict false positive (PR 105651)
  return k;
}
/// A data size: "4 GB", "512 MiB" or a bare number of bytes.
KeySpec bytes(std::string name, std::string def, std::string doc) {
  KeySpec k =
      qty(std::move(name), dim::information, std::move(def), std::move(doc), Bound::Positive);
  k.bare_unit.assign(1, 'B');
  return k;
}
KeySpec integer(std::string name, std::string def, std::string doc, Bound bound,
                long max_int = INT_MAX) {
  KeySpec k = key(std::move(name), VK::Int, std::move(doc));
  k.default_text = std::move(def);
  k.bound = bound;
  k.max_int = max_int;
  return k;
}
KeySpec boolean(std::string name, std::string def, std::string doc) {
  KeySpec k = key(std::move(name), VK::Bool, std::move(doc));
  k.default_text = std::move(def);
  return k;
}
KeySpec choice(std::string name, std::vector<std::string> choices, std::string def,
               std::string doc) {
  KeySpec k = key(std::move(name), VK::Choice, std::move(doc));
  k.choices = std::move(choices);
  k.default_text = std::move(def);
  return k;
}
KeySpec required(KeySpec k) {
  k.required = true;
  return k;
}
KeySpec map(std::string name, std::vector<KeySpec> children, std::string doc) {
  KeySpec k = key(std::move(name), VK::Map, std::move(doc));
  k.children = std::move(children);
  return k;
}
KeySpec list(std::string name, std::string index_key, std::vector<KeySpec> children,
             std::string doc) {
  KeySpec k = key(std::move(name), VK::List, std::move(doc));
  k.index_key = std::move(index_key);
  k.children = std::move(children);
  return k;
}

std::vector<KeySpec> time_function_keys(const Dimension& d) {
  KeySpec file = key("file", VK::Text, "two-column text file, relative to the model file");
  KeySpec columns = key("columns", VK::UnitPair, "units of the file's columns: [time, value]");
  KeySpec time = key("time", VK::UnitText, "unit of the times in `points`");
  KeySpec value = key("value", VK::UnitText, "unit of the values in `points`");
  KeySpec points = key("points", VK::Pairs, "[[t, v], ...] with strictly increasing t");
  KeySpec interp = choice("interpolation", {"linear", "cubic", "monotone"}, "linear",
                          "linear; cubic: a C2 spline (periodic when the table is) through the "
                          "points, which avoids the kinks that force small integrator steps but "
                          "may overshoot; monotone: C1 piecewise-cubic Hermite (PCHIP, "
                          "Fritsch-Carlson), no overshoot");
  KeySpec table = map("table", {file, columns, time, value, points, interp},
                      "table through points: either `file` + `columns`, or `time` + `value` + "
                      "`points`; `interpolation` linear (default) or cubic");
  KeySpec fmean = required(qty("mean", d, "", "mean value"));
  KeySpec funit = required(key("unit", VK::UnitText, "unit of the harmonic amplitudes"));
  KeySpec harmonics =
      required(key("harmonics", VK::Pairs, "[[a_1, phi_1], [a_2, phi_2], ...], phases in rad"));
  KeySpec fourier = map("fourier", {fmean, funit, harmonics},
                        "f(t) = mean + sum_k a_k sin(2 pi k t / T + phi_k)");
  KeySpec smean = required(qty("mean", d, "", "mean value"));
  KeySpec amp = required(qty("amplitude", d, "", "amplitude"));
  KeySpec phase = qty("phase", dim::angle, "0 deg", "phase");
  KeySpec sine =
      map("sine", {smean, amp, phase}, "f(t) = mean + amplitude sin(2 pi t / T + phase)");
  KeySpec period = qty("period", dim::time, "",
                       "period T: required for fourier and sine; a table repeats with it, "
                       "without it a table holds its end values",
                       Bound::Positive);
  return {table, fourier, sine, period};
}

KeySpec function(std::string name, Dimension d, std::string def, std::string doc) {
  KeySpec k = key(std::move(name), VK::Function, std::move(doc));
  k.dim = d;
  k.default_text = std::move(def);
  k.children = time_function_keys(d);
  return k;
}

KeySpec build_schema() {
  std::vector<KeySpec> top;
  {
    KeySpec v = required(key("venoflow", VK::Version, "format version, 1"));
    top.push_back(v);
  }
  {
    KeySpec n = key("name", VK::Text, "model name");
    n.default_text = "file stem";
    top.push_back(n);
    KeySpec d = key("description", VK::Text, "free text");
    d.default_text = "\"\"";
    top.push_back(d);
  }
  top.push_back(map(
      "blood",
      {qty("density", dim::mass_density, "1060 kg/m^3", "rho", Bound::Positive),
       qty("viscosity", dim::viscosity, "4 mPa s",
           "mu (Newtonian); 0 = inviscid (benchmark case 1)", Bound::NonNegative),
       number("profile_zeta", "9",
              "velocity profile u ~ 1-(r/R)^zeta: friction -2(zeta+2) pi mu Q/(rho A), momentum "
              "coefficient alpha=(zeta+2)/(zeta+1) (Boileau et al. 2015)",
              Bound::Positive)},
      "blood properties"));
  top.push_back(map(
      "gravity",
      {boolean("enabled", "false", "add the hydrostatic term"),
       qty("g", dim::acceleration, "9.81 m/s^2", "gravitational acceleration", Bound::NonNegative)},
      "gravity (disabled by default)"));
  top.push_back(map(
      "posture",
      {function("tilt", dim::angle, "0 deg", "body tilt: 0 deg supine, 90 deg upright (head up)")},
      "body posture (supine by default)"));
  top.push_back(
      map("initial_conditions",
          {qty("pressure", dim::pressure, "0 Pa", "uniform initial pressure; flows start at 0")},
          "initial state"));
  top.push_back(
      map("discretisation",
          {qty("dx", dim::length, "1 cm",
               "target segment length: a vessel gets cells = max(1, round(L/dx))", Bound::Positive),
           boolean("lumped", "false", "every vessel one cell (0D) regardless of dx and cells")},
          "spatial resolution"));
  top.push_back(map(
      "solver",
      {qty("period", dim::time, "inferred",
           "cardiac period; if omitted, the common period of the periodic boundary functions "
           "(0 if there is none)",
           Bound::Positive),
       integer("cycles", "", "run this many periods", Bound::AtLeastOne),
       qty("t_end", dim::time, "", "run to this time", Bound::Positive),
       qty("output_interval", dim::time, "1 ms", "sampling interval of the results",
           Bound::Positive),
       number("rtol", "1e-6", "relative tolerance", Bound::Positive),
       qty("atol_pressure", dim::pressure, "0.01 Pa", "absolute tolerance scale for pressures",
           Bound::Positive),
       qty("atol_flow", dim::flow, "scaled",
           "absolute tolerance scale for flows; by default rtol x mean |inflow| / outlets, at most "
           "1e-10 m^3/s",
           Bound::Positive),
       qty("atol_area", dim::area, "1e-10 m^2",
           "absolute tolerance scale for areas (volumes: times the cell length)", Bound::Positive),
       qty("max_step", dim::time, "period/100", "largest integrator step (0 = automatic)",
           Bound::NonNegative),
       // CVODE's BDF goes up to order 5 (SUNDIALS CVODE guide, CVodeSetMaxOrd)
       integer("max_order", "2 or 5",
               "largest BDF order, 1..5; by default 2 when a vessel has several cells (2 is "
               "A-stable for their wave modes), else 5",
               Bound::AtLeastOne, 5),
       choice("method", {"bdf", "sdirk"}, "bdf",
              "time integration: bdf (CVODE's BDF up to max_order) or sdirk (ARKODE's L-stable "
              "SDIRK of order 4, 5 stages: steps that do not shrink with the fast, lightly damped "
              "modes of large lumped networks; about five times the work per step)"),
       choice("initial_state", {"rest", "steady"}, "rest",
              "rest: start from initial_conditions; steady: first find the steady state with "
              "every boundary function at its mean (pseudo-transient continuation, else "
              "relaxation in time), then start the run"),
       choice("on_domain_violation", {"error", "warn"}, "error",
              "a sample outside the validity domain of a tube law or element: error stops the "
              "run (exit 3, time, component, quantity and bound); warn completes it with the "
              "violations stored as warnings in the results"),
       qty("startup_time", dim::time, "0 s",
           "boundary values ramp smoothly from the initial state over this time (0 = off)",
           Bound::NonNegative),
       boolean("stop_at_steady_state", "false",
               "stop when the cycle-to-cycle change is below steady_state_tolerance"),
       number("steady_state_tolerance", "1e-3", "relative to each probe's range over the cycle",
              Bound::Positive),
       integer("max_cycles", "100", "cap with stop_at_steady_state", Bound::AtLeastOne),
       integer("keep_last_cycles", "0", "keep only the last N cycles in the results (0 = all)",
               Bound::NonNegative),
       choice("results_layout", {"groups", "compact"}, "compact",
              "layout of the results file: compact (a few datasets over all vessels, nodes and "
              "element outputs, one metrics table; streamed in blocks of rows) or groups (a "
              "group per vessel, node and element: xarray opens each group)"),
       bytes("max_memory", "8 GB",
             "refuse a run whose memory estimate (state, Jacobian, integrator, samples kept in "
             "memory) exceeds this; bare number: bytes"),
       bytes("max_output_size", "4 GB",
             "refuse a run whose results (samples x values x 8 bytes + per-dataset overhead) "
             "would exceed this; bare number: bytes")},
      "run control and tolerances"));
  {
    KeySpec name = required(key("name", VK::Text, "stenosis name (unique among stenoses)"));
    KeySpec vessel = required(key("vessel", VK::Text, "the vessel that holds the stenosis"));
    KeySpec pos = required(qty("position", dim::none, "",
                               "centre of the stenosis: a percentage of the vessel length "
                               "('50 %') or a distance from the vessel inlet ('3 cm')",
                               Bound::NonNegative));
    KeySpec len = required(qty("length", dim::length, "", "stenosis length L_s", Bound::Positive));
    KeySpec ar =
        number("area_reduction", "",
               "1 - A_s/A0, in (0, 1) ('75 %'); give this or diameter_reduction", Bound::Positive);
    KeySpec dr = number("diameter_reduction", "",
                        "1 - D_s/D0, in (0, 1) ('50 %' = 75 % area); give this or area_reduction",
                        Bound::Positive);
    KeySpec mode = choice("mode", {"lumped", "geometric"}, "lumped",
                          "lumped: Young-Tsai loss in the cell holding the centre; geometric: "
                          "reduced A0 over the length plus the expansion loss");
    KeySpec kt =
        number("K_t", "1.52", "separation coefficient (Seeley & Young 1976)", Bound::NonNegative);
    KeySpec ku =
        number("K_u", "1.2", "inertance coefficient (Young & Tsai 1973)", Bound::NonNegative);
    top.push_back(list("stenoses", "name", {name, vessel, pos, len, ar, dr, mode, kt, ku},
                       "focal narrowings inside vessels"));
  }
  {
    KeySpec pname = required(key("name", VK::Text, "pathway name: metrics outflow_<name>"));
    KeySpec pv = required(
        key("vessels", VK::NodeList, "vessels whose mid-point flows are summed (their direction)"));
    KeySpec pathways = list("pathways", "name", {pname, pv},
                            "outflow pathways: mean flow over the last cycle and fraction of CBF");
    KeySpec cs = key("cross_sections", VK::NodeList,
                     "vessels whose mean mid-point area is reported as csa_<vessel>");
    top.push_back(map("metrics", {pathways, cs}, "what the results summarise"));
  }
  {
    // The virtual Doppler exam (docs/virtual-doppler.md). Thresholds: Zamboni et al. 2009 and
    // the readings collected in docs/ccsvi-criteria.md, defaults as published there.
    std::vector<KeySpec> marks;
    for (const char* side : {"R", "L"})
      for (const char* j : {"J1", "J2", "J3"})
        marks.push_back(key(std::string(j) + "_" + side, VK::Text,
                            std::string(j) + " landmark of the " +
                                (side[0] == 'R' ? "right" : "left") +
                                " internal jugular vein: the vessel sampled at its mid-point"));
    marks.push_back(key("VV_R", VK::Text, "right vertebral vein landmark (a vessel)"));
    marks.push_back(key("VV_L", VK::Text, "left vertebral vein landmark (a vessel)"));
    marks.push_back(key("deep_cerebral", VK::Text,
                        "deep cerebral vein landmark for C2 (a vessel); absent: C2 not evaluable"));
    auto breath = [&](const std::string& name, const std::string& exp, const std::string& insp,
                      const std::string& period, const std::string& ti, const std::string& doc) {
      return map(
          name,
          {qty("expiration", dim::pressure, exp, "intrathoracic pressure at end-expiration"),
           qty("inspiration", dim::pressure, insp, "intrathoracic pressure at end-inspiration"),
           qty("period", dim::time, period, "breath period: a whole number of cardiac periods",
               Bound::Positive),
           qty("inspiration_time", dim::time, ti,
               "time from end-expiration to end-inspiration, less than the period",
               Bound::Positive)},
          doc);
    };
    KeySpec crit = map(
        "criteria",
        {qty("c1_reflux", dim::time, "0.88 s", "C1: IJV/VV reflux longer than this (Mayer 2011)",
             Bound::Positive),
         choice("c1_reading", {"both", "either"}, "both",
                "C1 counted in both postures (Zamboni 2009) or in either (Mayer 2011)"),
         qty("c2_reflux", dim::time, "0.5 s", "C2: deep cerebral reflux longer than this",
             Bound::Positive),
         qty("c3_area", dim::area, "0.3 cm^2", "C3: IJV B-mode area at or below this",
             Bound::Positive),
         number("c3_reduction", "50 %", "C3: local area reduction at or above this, in (0, 1]",
                Bound::Positive),
         qty("c4_floor", dim::velocity, "1 cm/s",
             "C4: flow undetectable below this peak speed (DESIGN, no published floor)",
             Bound::Positive),
         choice("c4_reading", {"both", "either"}, "both",
                "C4 counted in both postures (Zamboni 2009) or in either"),
         qty("c5_delta_csa", dim::area, "0 m^2", "C5: J2 CSA supine - upright below this"),
         integer("required", "2", "criteria needed for the CCSVI verdict", Bound::AtLeastOne, 5)},
        "the criteria's thresholds (docs/ccsvi-criteria.md)");
    top.push_back(map(
        "exam",
        {required(map("landmarks", marks, "the sonographer's sample volumes: landmark -> vessel")),
         required(key("breathing_pressure", VK::Text,
                      "external-pressure group that the breathing drives (intrathoracic)")),
         key("thoracic_nodes", VK::NodeList,
             "pressure-boundary nodes inside the thorax, shifted with the breathing"),
         breath("quiet_breathing", "-3.7 mmHg", "-5.9 mmHg", "4 s", "1.6 s", "quiet breathing"),
         breath("deep_inspiration", "-3.7 mmHg", "-15 mmHg", "8 s", "3.2 s",
                "the deep-inspiration manoeuvre"),
         integer("max_breaths", "8", "breaths run at most to the periodic state", Bound::AtLeastOne,
                 1000),
         crit},
        "virtual Doppler exam: landmarks, breathing manoeuvres, criteria "
        "(docs/virtual-doppler.md)"));
  }
  {
    KeySpec name = required(key("name", VK::Text, "group name, referenced by external_pressure"));
    KeySpec p = required(function("pressure", dim::pressure, "", "the surrounding pressure"));
    top.push_back(list("external_pressures", "name", {name, p},
                       "named pressures surrounding groups of vessels"));
  }
  {
    KeySpec name =
        required(key("name", VK::Text, "node name; must be used by a vessel or element"));
    top.push_back(
        list("nodes", "name",
             {name,
              qty("height", dim::length, "0 m",
                  "position along the body's long axis above the hydrostatic reference (right "
                  "atrium), upright"),
              qty("anterior", dim::length, "0 m", "position above the reference when supine")},
             "node properties; nodes are otherwise implied by vessels and elements"));
  }
  {
    KeySpec type = required(choice("type", {"elastic", "venous"}, "", "wall law"));
    KeySpec tube_law = required(
        map("tube_law",
            {type,
             choice("reference", {"zero_pressure", "diastolic"}, "zero_pressure",
                    "elastic: is `radius` the zero-transmural-pressure radius, or the radius at "
                    "reference_pressure?"),
             qty("youngs_modulus", dim::pressure, "", "E (elastic: required)", Bound::Positive),
             qty("wall_thickness", dim::length, "",
                 "h at the reference radius (elastic: required unless wall_thickness_rule)",
                 Bound::Positive),
             choice("wall_thickness_rule", {"openbf_empirical"}, "",
                    "h = R0 (0.2802 exp(-505.3 R0) + 0.1324 exp(-11.14 R0)), R0 in m (openBF)"),
             qty("reference_pressure", dim::pressure, "0 Pa", "elastic diastolic form: p_ref"),
             qty("stiffness", dim::pressure, "", "venous: K", Bound::Positive),
             qty("wave_speed", dim::velocity, "", "venous: c0 at A0, sets K = rho c0^2/(m-n)",
                 Bound::Positive),
             // m > 0 > n: p(A) is monotone (tube law of docs/physiology.md A1)
             number("m", "10", "venous exponent m > 0", Bound::Positive),
             number("n", "-1.5", "venous exponent n < 0", Bound::Negative),
             number("poisson_ratio", "0.5", "nu, 0 <= nu <= 0.5", Bound::NonNegative)},
            "wall law p - p_ext = f(A)"));
    KeySpec radius = required(key(
        "radius", VK::Radius, "reference radius of the tube law; {in, out} for a linear taper"));
    radius.dim = dim::length;
    radius.bound = Bound::Positive;
    radius.children = {required(qty("in", dim::length, "", "radius at x = 0", Bound::Positive)),
                       required(qty("out", dim::length, "", "radius at x = L", Bound::Positive))};
    KeySpec ext = key("external_pressure", VK::GroupRef, "external-pressure group (none: 0 Pa)");
    top.push_back(
        list("vessels", "name",
             {required(key("name", VK::Text, "unique among vessels and elements")),
              required(key("from", VK::NodeRef,
                           "upstream node: positive flow runs from `from` to `to`")),
              required(key("to", VK::NodeRef, "downstream node")),
              required(qty("length", dim::length, "", "vessel length", Bound::Positive)), radius,
              tube_law, ext,
              integer("cells", "",
                      "segments along the vessel (1 = lumped), at most 1000000; default from dx",
                      Bound::AtLeastOne, kMaxCellsPerVessel),
              qty("dx", dim::length, "discretisation.dx", "target segment length for this vessel",
                  Bound::Positive),
              number("profile_zeta", "blood.profile_zeta", "velocity-profile parameter",
                     Bound::Positive),
              qty("initial_pressure", dim::pressure, "initial_conditions.pressure",
                  "initial pressure in this vessel")},
             "1D vessels"));
    top.back().required = true;
  }
  {
    KeySpec node = required(key("node", VK::NodeRef, "a node of the network"));
    top.push_back(list("boundary_conditions", "node",
                       {node,
                        function("pressure", dim::pressure, "",
                                 "prescribed pressure at the node (one of the two)"),
                        function("flow", dim::flow, "",
                                 "prescribed flow INTO the network at the node (one of the two)")},
                       "one per node"));
  }
  {
    std::vector<std::string> types;
    for (const auto& t : element_types()) types.push_back(t.type);
    KeySpec el = list("elements", "name",
                      {required(key("name", VK::Text, "unique among vessels and elements")),
                       required(choice("type", types, "", "element type")),
                       required(key("nodes", VK::NodeList, "port nodes, in the order of the type")),
                       key("external_pressure", VK::GroupRef,
                           "external-pressure group (only types that have one)")},
                      "lumped (0D) elements; parameters per type");
    el.element_list = true;
    top.push_back(el);
  }
  KeySpec root = map("", std::move(top), "venoflow model, format version 1");
  return root;
}

}  // namespace

const KeySpec& model_schema() {
  static const KeySpec root = build_schema();
  return root;
}

const KeySpec* find_key(const KeySpec& spec, std::string_view name) {
  for (const auto& k : spec.children)
    if (k.name == name) return &k;
  return nullptr;
}

namespace {

std::vector<KeySpec> make_element_keys(const ElementTypeSpec* t) {
  const KeySpec* elements = find_key(model_schema(), "elements");
  std::vector<KeySpec> keys;
  for (const auto& k : elements->children) {
    if (k.name == "external_pressure" && !(t && t->has_external_pressure)) continue;
    keys.push_back(k);
  }
  if (!t) return keys;
  for (const auto& p : t->parameters) {
    KeySpec k;
    k.name = p.name;
    k.kind = p.time_dependent ? ValueKind::Function : ValueKind::Quantity;
    k.dim = p.dimension;
    if (p.dimension == dim::none) k.bare_unit.assign(1, '1');  // ratios: bare numbers or %
    k.required = !p.default_value.has_value();
    k.doc = p.doc;
    if (p.time_dependent) k.children = time_function_keys(p.dimension);
    keys.push_back(k);
  }
  for (const auto& p : t->text_parameters) {
    KeySpec k;
    k.name = p.name;
    k.kind = ValueKind::Choice;
    k.choices = p.choices;
    k.required = !p.default_value.has_value();
    k.default_text = p.default_value.value_or("");
    k.doc = p.doc;
    keys.push_back(k);
  }
  return keys;
}

}  // namespace

const std::vector<KeySpec>& element_keys(const std::string& type) {
  // Built once per type (the table of element types is fixed): the builder asks for every
  // element of the model, and a copy of the key tables cost more than reading the element.
  struct Tables {
    std::vector<std::vector<KeySpec>> by_type;  // in the order of element_types()
    std::vector<KeySpec> unknown;               // common keys only
  };
  static const Tables tables = [] {
    Tables t;
    for (const auto& e : element_types()) t.by_type.push_back(make_element_keys(&e));
    t.unknown = make_element_keys(nullptr);
    return t;
  }();
  const ElementTypeSpec* t = find_element_type(type);
  if (!t) return tables.unknown;
  return tables.by_type[static_cast<std::size_t>(t - element_types().data())];
}

std::string closest(std::string_view word, const std::vector<std::string>& candidates) {
  auto distance = [](std::string_view a, std::string_view b) {
    std::vector<size_t> prev(b.size() + 1), cur(b.size() + 1);
    for (size_t j = 0; j <= b.size(); ++j) prev[j] = j;
    for (size_t i = 1; i <= a.size(); ++i) {
      cur[0] = i;
      for (size_t j = 1; j <= b.size(); ++j) {
        char ca = static_cast<char>(std::tolower(static_cast<unsigned char>(a[i - 1])));
        char cb = static_cast<char>(std::tolower(static_cast<unsigned char>(b[j - 1])));
        cur[j] = std::min({prev[j] + 1, cur[j - 1] + 1, prev[j - 1] + (ca == cb ? 0 : 1)});
      }
      std::swap(prev, cur);
    }
    return prev[b.size()];
  };
  std::string best;
  size_t best_d = static_cast<size_t>(-1);
  for (const auto& c : candidates) {
    size_t d = distance(word, c);
    if (d < best_d) {
      best_d = d;
      best = c;
    }
  }
  // accept up to a third of the word's length (at least 2 edits for short words)
  size_t limit = std::max<size_t>(2, word.size() / 3);
  if (best_d > limit) return "";
  return best;
}

}  // namespace venoflow::detail
