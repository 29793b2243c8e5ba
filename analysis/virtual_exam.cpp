// venoflow: the virtual Doppler exam (include/venoflow/exam.hpp, docs/virtual-doppler.md).
// Runs the protocol through the public Simulation and scores the landmark waveforms with
// analysis/doppler_criteria (the criteria's definitions and sources are there and in
// docs/ccsvi-criteria.md).
#include <algorithm>
#include <cmath>
#include <iomanip>
#include <limits>
#include <numbers>
#include <sstream>
#include <stdexcept>

#include "analysis/doppler_criteria.hpp"
#include "venoflow/exam.hpp"
#include "venoflow/simulation.hpp"

namespace venoflow {

namespace {

namespace dc = doppler;

const char* kQuiet = "quiet breathing";
const char* kDeep = "deep inspirations";
constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();

/// The intrathoracic pressure of one breath: from end-expiration down to end-inspiration over
/// the inspiration time and back over the rest of the period. Monotone (PCHIP) interpolation
/// through the three points: smooth (C1), no overshoot, flat at both extremes.
TimeFunction breath_function(double expiration, double inspiration, const ExamSpec::Breathing& b) {
  return TimeFunction::table({0.0, b.inspiration_time, b.period},
                             {expiration, inspiration, expiration}, b.period,
                             TimeFunction::Interpolation::Monotone);
}

/// The model of one recording: the posture held, the breathing applied to the intrathoracic
/// group and to the thoracic pressure boundaries (the right atrium follows the pleural
/// pressure, as in models/scenarios/respiration.yaml), the run's period set to the breath and
/// the run stopped at its periodic state, keeping the last breath.
Model recording_model(const Model& base, double tilt, const ExamSpec::Breathing& b) {
  Model m = base;
  const ExamSpec& ex = base.exam;
  m.posture.tilt = TimeFunction::constant(tilt);
  for (auto& g : m.external_pressures)
    if (g.name == ex.breathing_pressure)
      g.pressure = breath_function(b.expiration, b.inspiration, b);
  for (auto& bc : m.boundary_conditions)
    if (std::find(ex.thoracic_nodes.begin(), ex.thoracic_nodes.end(), bc.node) !=
        ex.thoracic_nodes.end()) {
      // The breathing replaces whatever the node had: its time mean (a constant, or the mean of
      // a respiratory swing such as scenarios/respiration.yaml's) plus the exam's swing.
      const double c = bc.value.mean();
      bc.value = breath_function(c, c + (b.inspiration - b.expiration), b);
    }
  m.solver.period = b.period;
  m.solver.cycles.reset();
  m.solver.t_end.reset();
  m.solver.stop_at_steady_state = true;
  m.solver.max_cycles = ex.max_breaths;
  m.solver.keep_last_cycles = 1;
  return m;
}

/// Velocity series rotated to start at its most forward instant, so that an interval of
/// reflux that spans the start of the recorded breath is read whole (the breath is periodic:
/// the last sample repeats the first). Returns {t, v}, t from 0.
std::pair<std::vector<double>, std::vector<double>> periodic_from_peak(const std::vector<double>& t,
                                                                       const std::vector<double>& v,
                                                                       double period) {
  const std::size_t n1 = t.size();
  if (n1 < 3 || std::abs((t.back() - t.front()) - period) > 1e-6 * period) {
    std::vector<double> t0(t);
    for (auto& x : t0) x -= t.front();
    return {t0, v};
  }
  const std::size_t n = n1 - 1;  // samples in one period
  const std::size_t i0 = static_cast<std::size_t>(
      std::max_element(v.begin(), v.begin() + static_cast<std::ptrdiff_t>(n)) - v.begin());
  std::vector<double> tr(n1), vr(n1);
  for (std::size_t k = 0; k <= n; ++k) {
    const std::size_t i = (i0 + k) % n;
    tr[k] = t[i] - t[i0] + (i < i0 || k == n ? period : 0.0);
    vr[k] = v[i];
  }
  return {tr, vr};
}

struct Landmark {
  std::string name, vessel;
};

std::vector<Landmark> landmarks_of(const ExamSpec& ex, const std::vector<std::string>& names) {
  std::vector<Landmark> out;
  for (const auto& n : names)
    if (auto it = ex.landmarks.find(n); it != ex.landmarks.end()) out.push_back({n, it->second});
  return out;
}

const std::vector<std::string> kIjv = {"J1_R", "J2_R", "J3_R", "J1_L", "J2_L", "J3_L"};
const std::vector<std::string> kExtracranial = {"J1_R", "J2_R", "J3_R", "J1_L",
                                                "J2_L", "J3_L", "VV_R", "VV_L"};

/// Time mean over the recorded breath of a vessel's area at sample j (trapezoidal rule).
double mean_area_at(const MemoryResults& r, std::size_t vi, std::size_t j) {
  const std::size_t nx = r.layout.vessels[vi].x.size(), nt = r.columns.size();
  std::vector<double> a(nt);
  for (std::size_t k = 0; k < nt; ++k) a[k] = r.columns.vessels[vi].area[k * nx + j];
  return dc::time_mean(r.columns.time, a);
}

ExamTrace trace_of(const ExamRecording& rec, const Landmark& lm) {
  const MemoryResults& r = *rec.results;
  const std::size_t vi = r.vessel_index(lm.vessel);
  const auto& vo = r.layout.vessels[vi];
  const std::size_t nx = vo.x.size(), mid = nx / 2, nt = r.columns.size();
  ExamTrace tr;
  tr.landmark = lm.name;
  tr.vessel = lm.vessel;
  tr.posture = rec.posture;
  tr.manoeuvre = rec.manoeuvre;
  tr.x = vo.x[mid];
  for (std::size_t k = 0; k < nt; ++k) {
    const double q = r.columns.vessels[vi].flow[k * nx + mid];
    const double a = r.columns.vessels[vi].area[k * nx + mid];
    tr.t.push_back(r.columns.time[k] - r.columns.time.front());
    tr.flow.push_back(q);
    tr.area.push_back(a);
    tr.velocity.push_back(a > 0.0 ? q / a : 0.0);
  }
  if (nt >= 2) {
    const auto [t, v] = periodic_from_peak(r.columns.time, tr.velocity, r.layout.period);
    tr.longest_reflux = dc::longest_reflux_duration(t, v);
    tr.peak_speed = dc::peak_speed(tr.t, tr.velocity);
    tr.mean_area = dc::time_mean(tr.t, tr.area);
  }
  return tr;
}

dc::Waveform waveform_of(const ExamTrace& tr, double period) {
  dc::Waveform w;
  w.landmark = tr.landmark;
  w.posture = tr.posture == "supine" ? dc::Posture::Supine : dc::Posture::Upright;
  auto [t, v] = periodic_from_peak(tr.t, tr.velocity, period);
  w.t = std::move(t);
  w.value = std::move(v);
  return w;
}

ExamCriterion row_of(const dc::CriterionRecord& r, const std::string& variant,
                     const std::string& manoeuvre, const std::string& unit,
                     const std::string& comparison, bool counted) {
  ExamCriterion c;
  c.criterion = r.criterion;
  c.variant = variant;
  c.manoeuvre = manoeuvre;
  c.value = r.value;
  c.threshold = r.threshold;
  c.unit = unit;
  c.comparison = comparison;
  c.positive = r.positive;
  c.counted = counted;
  c.landmark = r.landmark;
  c.posture = r.posture ? dc::posture_name(*r.posture) : "both";
  return c;
}

}  // namespace

ExamResult virtual_exam(const Model& model, const ExamControl& control) {
  const ExamSpec& ex = model.exam;
  if (!ex.present)
    throw std::invalid_argument(
        "model '" + model.name +
        "' has no exam: section (the landmarks and breathing of the virtual Doppler exam; "
        "docs/model-format.md#exam)");
  // The run's period is the breath: the cardiac cycle must repeat within it, else the two
  // rhythms have no common period and no periodic state. Checked here, not at load, because a
  // run of the model alone (another solver.period) does not need it.
  {
    std::vector<Diagnostic> bad;
    const double cardiac = model.solver.period;
    for (const auto& [name, b] :
         {std::pair{"quiet_breathing", &ex.quiet}, std::pair{"deep_inspiration", &ex.deep}}) {
      const double k = cardiac > 0.0 ? b->period / cardiac : 0.0;
      if (!(k >= 1.0 && std::abs(k - std::round(k)) <= 1e-9 * k)) {
        std::ostringstream msg;
        msg << "must be a whole number of cardiac periods (solver.period = " << cardiac
            << " s), got " << b->period << " s";
        bad.push_back(
            Diagnostic{b->period_where, std::string("exam.") + name + ".period", msg.str()});
      }
    }
    if (!bad.empty()) throw ModelError(bad);
  }
  ExamResult out;
  out.required = ex.required;

  // ---- the protocol: two postures x two breathing patterns, each to its periodic state ----
  struct Variant {
    const char* posture;
    double tilt;
    const char* manoeuvre;
    const ExamSpec::Breathing* breathing;
  };
  const double up = 0.5 * std::numbers::pi;  // +90 deg
  const Variant variants[] = {{"supine", 0.0, kQuiet, &ex.quiet},
                              {"supine", 0.0, kDeep, &ex.deep},
                              {"upright", up, kQuiet, &ex.quiet},
                              {"upright", up, kDeep, &ex.deep}};
  for (const auto& v : variants) {
    ExamRecording rec;
    rec.posture = v.posture;
    rec.manoeuvre = v.manoeuvre;
    rec.tilt = v.tilt;
    Simulation sim(recording_model(model, v.tilt, *v.breathing));
    auto res = std::make_shared<MemoryResults>();
    RunControl rc;
    rc.stop = control.stop;
    res->expected_samples = static_cast<std::size_t>(sim.plan(rc, res.get()).samples_written);
    const RunOutcome o = sim.run(*res, rc);  // a solver failure throws SolverError
    rec.results = res;
    out.recordings.push_back(rec);
    if (o.interrupted) {
      out.interrupted = true;
      return out;
    }
    if (!o.steady_state)
      out.warnings.push_back(
          std::string(v.posture) + ", " + v.manoeuvre +
          ": not periodic within exam.max_breaths = " + std::to_string(ex.max_breaths) +
          " breaths (largest change " + std::to_string(o.steady_state_change) + " at " +
          o.steady_state_location + ")");
    for (const auto& w : o.warnings)
      out.warnings.push_back(std::string(v.posture) + ", " + v.manoeuvre +
                             ": validity domain: " + w);
  }
  auto recording = [&](const std::string& posture, const std::string& manoeuvre) {
    for (const auto& r : out.recordings)
      if (r.posture == posture && r.manoeuvre == manoeuvre) return &r;
    throw std::logic_error("virtual_exam: missing recording");
  };

  // ---- the sonographer's sample volumes ----
  std::vector<std::string> all = kExtracranial;
  all.push_back("deep_cerebral");
  for (const auto& rec : out.recordings)
    for (const auto& lm : landmarks_of(ex, all)) out.traces.push_back(trace_of(rec, lm));
  auto traces = [&](const std::vector<std::string>& names, const std::string& manoeuvre) {
    std::vector<dc::Waveform> w;
    for (const auto& tr : out.traces)
      if (tr.manoeuvre == manoeuvre &&
          std::find(names.begin(), names.end(), tr.landmark) != names.end())
        w.push_back(waveform_of(tr, manoeuvre == kQuiet ? ex.quiet.period : ex.deep.period));
    return w;
  };
  auto trace = [&](const std::string& lm, const std::string& posture,
                   const std::string& manoeuvre) -> const ExamTrace& {
    for (const auto& tr : out.traces)
      if (tr.landmark == lm && tr.posture == posture && tr.manoeuvre == manoeuvre) return tr;
    throw std::logic_error("virtual_exam: missing trace " + lm);
  };

  const auto c1_main =
      ex.c1_reading == "either" ? dc::PostureReading::Either : dc::PostureReading::Both;
  const auto c4_main =
      ex.c4_reading == "either" ? dc::PostureReading::Either : dc::PostureReading::Both;
  auto reading_name = [](dc::PostureReading r) {
    return r == dc::PostureReading::Both ? std::string("both postures (Zamboni 2009)")
                                         : std::string("either posture (Mayer 2011)");
  };
  auto other = [](dc::PostureReading r) {
    return r == dc::PostureReading::Both ? dc::PostureReading::Either : dc::PostureReading::Both;
  };

  // C1: reflux in the IJVs/VVs, quiet breathing (counted), its other reading, and the reading
  // under the deep-inspiration manoeuvre (reported beside it, not counted).
  {
    const auto quiet = traces(kExtracranial, kQuiet);
    const auto deep = traces(kExtracranial, kDeep);
    out.criteria.push_back(row_of(dc::c1_extracranial_reflux(quiet, c1_main, ex.c1_reflux),
                                  reading_name(c1_main), kQuiet, "s", ">", true));
    out.criteria.push_back(row_of(dc::c1_extracranial_reflux(quiet, other(c1_main), ex.c1_reflux),
                                  reading_name(other(c1_main)), kQuiet, "s", ">", false));
    out.criteria.push_back(row_of(dc::c1_extracranial_reflux(deep, c1_main, ex.c1_reflux),
                                  reading_name(c1_main), kDeep, "s", ">", false));
  }
  // C2: reflux in a deep cerebral vein, both postures, quiet breathing.
  if (ex.landmarks.count("deep_cerebral")) {
    auto row = row_of(dc::c2_deep_cerebral_reflux(traces({"deep_cerebral"}, kQuiet), ex.c2_reflux),
                      "any posture", kQuiet, "s", ">", true);
    out.criteria.push_back(row);
  } else {
    ExamCriterion c;
    c.criterion = 2;
    c.variant = "any posture";
    c.manoeuvre = kQuiet;
    c.value = kNaN;
    c.threshold = ex.c2_reflux;
    c.unit = "s";
    c.comparison = ">";
    c.counted = true;
    c.evaluable = false;
    c.landmark = "deep_cerebral";
    c.posture = "both";
    c.note =
        "not evaluable: the model has no deep cerebral vein landmark (exam.landmarks."
        "deep_cerebral)";
    out.criteria.push_back(c);
  }
  // C3: B-mode IJV area at J1-J3, supine (where the healthy IJV is open), quiet breathing. A
  // landmark's reading is the time-mean area at its mid-point; the adjacent proximal (towards
  // the heart) segment of J3 is J2 and of J2 is J1. A stenosis inside a landmark vessel is also
  // read where it lies: a lumped stenosis (a loss term; the model's lumen is not narrowed) as
  // the local area times (1 - area_reduction) against the local area, a geometric one (narrowed
  // reference lumen) at its centre against the lumen past its distal end.
  {
    const ExamRecording& sup = *recording("supine", kQuiet);
    std::vector<dc::AreaReading> areas;
    for (const auto& lm : landmarks_of(ex, kIjv)) {
      dc::AreaReading a;
      a.landmark = lm.name;
      a.area = trace(lm.name, "supine", kQuiet).mean_area;
      const std::string next = lm.name[1] == '3' ? "J2" : lm.name[1] == '2' ? "J1" : "";
      if (!next.empty() && ex.landmarks.count(next + lm.name.substr(2)))
        a.adjacent_proximal_area = trace(next + lm.name.substr(2), "supine", kQuiet).mean_area;
      areas.push_back(a);
      const MemoryResults& r = *sup.results;
      const std::size_t vi = r.vessel_index(lm.vessel);
      const auto& x = r.layout.vessels[vi].x;
      for (const auto& st : model.stenoses) {
        if (st.vessel != lm.vessel) continue;
        auto nearest = [&](double pos) {
          std::size_t j = 0;
          for (std::size_t i = 1; i < x.size(); ++i)
            if (std::abs(x[i] - pos) < std::abs(x[j] - pos)) j = i;
          return j;
        };
        dc::AreaReading s;
        s.landmark = lm.name + " (stenosis " + st.name + ")";
        const double local = mean_area_at(r, vi, nearest(st.position));
        if (st.mode == "geometric") {
          s.area = local;
          std::size_t j = x.size() - 1;
          for (std::size_t i = 0; i < x.size(); ++i)
            if (x[i] > st.position + 0.5 * st.length) {
              j = i;
              break;
            }
          s.adjacent_proximal_area = mean_area_at(r, vi, j);
        } else {
          s.area = local * (1.0 - st.area_reduction);
          s.adjacent_proximal_area = local;
        }
        areas.push_back(s);
      }
    }
    for (auto& a : areas) a.posture = dc::Posture::Supine;
    auto area =
        row_of(dc::c3_stenosis_area(areas, ex.c3_area), "B-mode area", kQuiet, "m^2", "<=", true);
    auto red = row_of(dc::c3_stenosis_reduction(areas, ex.c3_reduction),
                      "local reduction vs adjacent proximal segment", kQuiet, "1", ">=", true);
    out.criteria.push_back(area);
    out.criteria.push_back(red);
  }
  // C4: flow not detectable despite deep inspirations, both postures.
  {
    const auto deep = traces(kExtracranial, kDeep);
    out.criteria.push_back(row_of(dc::c4_undetectable_flow(deep, c4_main, ex.c4_floor),
                                  reading_name(c4_main), kDeep, "m/s", "<", true));
    out.criteria.push_back(row_of(dc::c4_undetectable_flow(deep, other(c4_main), ex.c4_floor),
                                  reading_name(other(c4_main)), kDeep, "m/s", "<", false));
  }
  // C5: delta-CSA = CSA supine - CSA upright at J2, each side, quiet breathing.
  for (const char* side : {"R", "L"}) {
    const std::string j2 = std::string("J2_") + side;
    if (!ex.landmarks.count(j2)) continue;
    dc::AreaReading s{j2, dc::Posture::Supine, trace(j2, "supine", kQuiet).mean_area, {}};
    dc::AreaReading u{j2, dc::Posture::Upright, trace(j2, "upright", kQuiet).mean_area, {}};
    out.criteria.push_back(row_of(dc::c5_negative_delta_csa(s, u, ex.c5_delta_csa),
                                  "CSA supine - upright at J2", kQuiet, "m^2", "<", true));
  }

  // ---- verdict over the counted, evaluable rows ----
  std::vector<dc::CriterionRecord> counted;
  std::vector<int> evaluable, not_evaluable;
  for (const auto& c : out.criteria) {
    if (!c.counted) continue;
    if (!c.evaluable) {
      not_evaluable.push_back(c.criterion);
      continue;
    }
    evaluable.push_back(c.criterion);
    dc::CriterionRecord r;
    r.criterion = c.criterion;
    r.positive = c.positive;
    counted.push_back(r);
  }
  std::sort(evaluable.begin(), evaluable.end());
  evaluable.erase(std::unique(evaluable.begin(), evaluable.end()), evaluable.end());
  out.evaluable = static_cast<int>(evaluable.size());
  const auto v = dc::ccsvi_verdict(counted, ex.required);
  out.count = v.positive_criteria;
  out.ccsvi = v.ccsvi;
  std::ostringstream s;
  s << "CCSVI: " << (out.ccsvi ? "yes" : "no") << " (" << out.count << " of " << out.evaluable
    << " evaluable criteria positive, " << ex.required << " required";
  for (int c : not_evaluable)
    s << "; C" << c << " not evaluable: no deep cerebral vein landmark in the model";
  s << ")";
  out.verdict = s.str();

  // ---- perfusion of both postures, over the quiet breath ----
  for (const char* posture : {"supine", "upright"}) {
    const auto& m = recording(posture, kQuiet)->results->metrics;
    auto& p = out.perfusion[posture];
    for (const char* k : {"cbf", "cpp", "icp_mean", "sinus_pressure", "cerebral_venous_pressure"})
      if (auto it = m.find(k); it != m.end()) p[k] = it->second;
  }
  return out;
}

std::string format_exam(const ExamResult& e) {
  // Clinical units for reading: s, cm^2, cm/s, %.
  auto shown = [](double v, const std::string& unit) {
    std::ostringstream o;
    if (std::isnan(v)) return std::string("n/a");
    if (unit == "m^2")
      o << std::setprecision(3) << v * 1e4 << " cm^2";
    else if (unit == "m/s")
      o << std::setprecision(3) << v * 1e2 << " cm/s";
    else if (unit == "1")
      o << std::setprecision(3) << v * 1e2 << " %";
    else
      o << std::setprecision(3) << v << " " << unit;
    return o.str();
  };
  std::ostringstream o;
  o << std::left << std::setw(4) << "" << std::setw(11) << "value" << std::setw(4) << ""
    << std::setw(11) << "threshold" << std::setw(9) << "positive" << std::setw(28) << "landmark"
    << std::setw(9) << "posture" << std::setw(19) << "manoeuvre"
    << "variant\n";
  for (const auto& c : e.criteria) {
    o << std::left << std::setw(4) << ("C" + std::to_string(c.criterion)) << std::setw(11)
      << shown(c.value, c.unit) << std::setw(4) << c.comparison << std::setw(11)
      << shown(c.threshold, c.unit) << std::setw(9)
      << (!c.evaluable ? "n/e"
          : c.positive ? "YES"
                       : "no")
      << std::setw(28) << c.landmark << std::setw(9) << c.posture << std::setw(19) << c.manoeuvre
      << c.variant << (c.counted ? "" : " [not counted]")
      << (c.note.empty() ? "" : "  (" + c.note + ")") << "\n";
  }
  o << e.verdict << "\n";
  o << "Perfusion (quiet breathing):\n";
  constexpr double mmHg = 133.322387415;
  for (const auto& [posture, m] : e.perfusion) {
    o << "  " << std::setw(8) << posture;
    for (const auto& [k, v] : m) {
      if (v.unit == "m^3/s")
        o << "  " << k << " " << std::setprecision(4) << v.value * 6e7 << " ml/min";
      else if (v.unit == "Pa")
        o << "  " << k << " " << std::setprecision(3) << v.value / mmHg << " mmHg";
    }
    o << "\n";
  }
  for (const auto& w : e.warnings) o << "warning: " << w << "\n";
  return o.str();
}

}  // namespace venoflow
