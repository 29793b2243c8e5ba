// venoflow: Zamboni's venous criteria on sampled waveforms; the specification (definitions,
// sources, thresholds) is in doppler_criteria.hpp and docs/ccsvi-criteria.md.
#include "analysis/doppler_criteria.hpp"

#include <algorithm>
#include <cmath>
#include <cstddef>
#include <limits>
#include <stdexcept>

namespace venoflow::doppler {

const char* posture_name(Posture p) { return p == Posture::Supine ? "supine" : "upright"; }

namespace {

[[noreturn]] void fail(const std::string& what) { throw std::invalid_argument(what); }

std::string describe(const Waveform& w) {
  return "waveform at landmark '" + w.landmark + "' (" + posture_name(w.posture) + ")";
}

std::string describe(const AreaReading& a) {
  return "area reading at landmark '" + a.landmark + "' (" + posture_name(a.posture) + ")";
}

// Checks shared by every series: same length, at least two samples, finite, t increasing.
void check_series(std::span<const double> t, std::span<const double> x, const std::string& what) {
  if (t.size() != x.size())
    fail(what + ": " + std::to_string(t.size()) + " times but " + std::to_string(x.size()) +
         " values; expected one value per time");
  if (t.size() < 2) fail(what + ": " + std::to_string(t.size()) + " samples; expected at least 2");
  for (std::size_t i = 0; i < t.size(); ++i) {
    if (!std::isfinite(t[i]) || !std::isfinite(x[i]))
      fail(what + ": sample " + std::to_string(i) + " is not finite; expected finite numbers");
    if (i > 0 && !(t[i] > t[i - 1]))
      fail(what + ": time at sample " + std::to_string(i) + " (" + std::to_string(t[i]) +
           " s) does not exceed the previous one; expected strictly increasing times");
  }
}

void check_sign(double towards_heart, const std::string& what) {
  if (towards_heart != 1.0 && towards_heart != -1.0)
    fail(what + ": towards_heart = " + std::to_string(towards_heart) + "; expected +1 or -1");
}

void check_threshold(double value, double low, double high, const char* name) {
  if (!std::isfinite(value) || value < low || value > high)
    fail(std::string("criterion threshold ") + name + " = " + std::to_string(value) +
         "; expected a finite value in [" + std::to_string(low) + ", " + std::to_string(high) +
         "]");
}

// Time at which the linear segment from (t0, s0) to (t1, s1) crosses zero; s0 and s1 are on
// different sides of zero or one is zero. A zero end is returned as its own time exactly (the
// interpolation formula could round it by an ulp).
double zero_crossing(double t0, double s0, double t1, double s1) {
  if (s0 == 0) return t0;
  if (s1 == 0) return t1;
  return t0 + (t1 - t0) * (s0 / (s0 - s1));
}

// Per posture, the extreme of a per-landmark measure; used by the two-posture criteria.
struct Extreme {
  bool seen = false;
  double value = 0;
  std::string landmark;
};

void require_both_postures(const Extreme (&by_posture)[2], const char* criterion) {
  for (int p = 0; p < 2; ++p)
    if (!by_posture[p].seen)
      fail(std::string(criterion) + ": no " + posture_name(static_cast<Posture>(p)) +
           " waveform; expected waveforms in both postures (supine and upright)");
}

}  // namespace

double longest_reflux_duration(std::span<const double> t, std::span<const double> q,
                               double towards_heart) {
  check_series(t, q, "reflux series");
  check_sign(towards_heart, "reflux series");
  double longest = 0;
  bool in_reflux = towards_heart * q[0] < 0;
  double start = t[0];
  for (std::size_t i = 0; i + 1 < t.size(); ++i) {
    const double s0 = towards_heart * q[i], s1 = towards_heart * q[i + 1];
    if (s0 < 0 && s1 >= 0) {  // reflux ends in this segment
      longest = std::max(longest, zero_crossing(t[i], s0, t[i + 1], s1) - start);
      in_reflux = false;
    } else if (s0 >= 0 && s1 < 0) {  // reflux starts in this segment
      start = zero_crossing(t[i], s0, t[i + 1], s1);
      in_reflux = true;
    }
  }
  if (in_reflux) longest = std::max(longest, t.back() - start);
  return longest;
}

double peak_speed(std::span<const double> t, std::span<const double> v) {
  check_series(t, v, "velocity series");
  double peak = 0;
  for (double x : v) peak = std::max(peak, std::abs(x));
  return peak;
}

double time_mean(std::span<const double> t, std::span<const double> x) {
  check_series(t, x, "series");
  double integral = 0;
  for (std::size_t i = 0; i + 1 < t.size(); ++i)
    integral += 0.5 * (x[i] + x[i + 1]) * (t[i + 1] - t[i]);
  return integral / (t.back() - t.front());
}

namespace {

double reflux_of(const Waveform& w) {
  check_series(w.t, w.value, describe(w));
  check_sign(w.towards_heart, describe(w));
  return longest_reflux_duration(w.t, w.value, w.towards_heart);
}

double peak_of(const Waveform& w) {
  check_series(w.t, w.value, describe(w));
  return peak_speed(w.t, w.value);
}

}  // namespace

CriterionRecord c1_extracranial_reflux(std::span<const Waveform> extracranial,
                                       PostureReading reading, double threshold_s) {
  check_threshold(threshold_s, 0, std::numeric_limits<double>::max(), "C1 reflux duration [s]");
  // Per posture: the longest reflux at any landmark.
  Extreme longest[2];
  for (const Waveform& w : extracranial) {
    const double d = reflux_of(w);
    Extreme& e = longest[static_cast<int>(w.posture)];
    if (!e.seen || d > e.value) e = {true, d, w.landmark};
  }
  require_both_postures(longest, "C1 (extracranial reflux)");
  CriterionRecord r;
  r.criterion = 1;
  r.threshold = threshold_s;
  // Both: the finding must be present in each posture, so the posture with the shorter reflux
  // decides; Either: the longer one does.
  const bool supine_decides = reading == PostureReading::Both
                                  ? longest[0].value <= longest[1].value
                                  : longest[0].value >= longest[1].value;
  const int p = supine_decides ? 0 : 1;
  r.reading = reading == PostureReading::Both ? "reflux > threshold in both postures"
                                              : "reflux > threshold in either posture";
  r.value = longest[p].value;
  r.landmark = longest[p].landmark;
  r.posture = static_cast<Posture>(p);
  r.positive = r.value > threshold_s;
  return r;
}

CriterionRecord c2_deep_cerebral_reflux(std::span<const Waveform> deep, double threshold_s) {
  check_threshold(threshold_s, 0, std::numeric_limits<double>::max(), "C2 reflux duration [s]");
  if (deep.empty()) fail("C2 (deep cerebral reflux): no waveform; expected at least one");
  CriterionRecord r;
  r.criterion = 2;
  r.reading = "reflux > threshold in a deep cerebral vein";
  r.threshold = threshold_s;
  r.value = -1;
  for (const Waveform& w : deep) {
    const double d = reflux_of(w);
    if (d > r.value) {
      r.value = d;
      r.landmark = w.landmark;
      r.posture = w.posture;
    }
  }
  r.positive = r.value > threshold_s;
  return r;
}

CriterionRecord c3_stenosis_area(std::span<const AreaReading> ijv, double threshold_m2) {
  check_threshold(threshold_m2, 0, std::numeric_limits<double>::max(), "C3 area [m^2]");
  if (ijv.empty()) fail("C3 (IJV stenosis, area): no area reading; expected at least one");
  CriterionRecord r;
  r.criterion = 3;
  r.reading = "IJV area <= threshold";
  r.threshold = threshold_m2;
  bool first = true;
  for (const AreaReading& a : ijv) {
    if (!std::isfinite(a.area) || a.area < 0)
      fail(describe(a) + ": area = " + std::to_string(a.area) + "; expected a finite area >= 0");
    if (first || a.area < r.value) {
      r.value = a.area;
      r.landmark = a.landmark;
      r.posture = a.posture;
      first = false;
    }
  }
  r.positive = r.value <= threshold_m2;
  return r;
}

CriterionRecord c3_stenosis_reduction(std::span<const AreaReading> ijv, double threshold_fraction) {
  if (!(threshold_fraction > 0 && threshold_fraction <= 1))
    fail("criterion threshold C3 area reduction = " + std::to_string(threshold_fraction) +
         "; expected a fraction in (0, 1]");
  CriterionRecord r;
  r.criterion = 3;
  r.reading = "IJV area reduction against the adjacent proximal segment >= threshold";
  r.threshold = threshold_fraction;
  bool first = true;
  for (const AreaReading& a : ijv) {
    if (!a.adjacent_proximal_area) continue;
    const double ref = *a.adjacent_proximal_area;
    if (!std::isfinite(a.area) || a.area < 0 || !std::isfinite(ref) || !(ref > 0))
      fail(describe(a) + ": area " + std::to_string(a.area) + ", adjacent proximal area " +
           std::to_string(ref) + "; expected a finite area >= 0 and a proximal area > 0");
    const double reduction = 1 - a.area / ref;
    if (first || reduction > r.value) {
      r.value = reduction;
      r.landmark = a.landmark;
      r.posture = a.posture;
      first = false;
    }
  }
  if (first)
    fail(
        "C3 (IJV stenosis, local reduction): no reading with an adjacent proximal area; "
        "expected at least one");
  r.positive = r.value >= threshold_fraction;
  return r;
}

CriterionRecord c4_undetectable_flow(std::span<const Waveform> extracranial, PostureReading reading,
                                     double floor_m_s) {
  check_threshold(floor_m_s, 0, std::numeric_limits<double>::max(), "C4 detection floor [m/s]");
  // Per posture: the smallest peak speed at any landmark (the least detectable vein).
  Extreme weakest[2];
  for (const Waveform& w : extracranial) {
    const double v = peak_of(w);
    Extreme& e = weakest[static_cast<int>(w.posture)];
    if (!e.seen || v < e.value) e = {true, v, w.landmark};
  }
  require_both_postures(weakest, "C4 (flow not detectable)");
  CriterionRecord r;
  r.criterion = 4;
  r.threshold = floor_m_s;
  // Both: undetectable flow in each posture, so the posture with the stronger weakest flow
  // decides; Either: the weaker one does.
  const bool supine_decides = reading == PostureReading::Both
                                  ? weakest[0].value >= weakest[1].value
                                  : weakest[0].value <= weakest[1].value;
  const int p = supine_decides ? 0 : 1;
  r.reading = reading == PostureReading::Both ? "peak |v| < floor in both postures"
                                              : "peak |v| < floor in either posture";
  r.value = weakest[p].value;
  r.landmark = weakest[p].landmark;
  r.posture = static_cast<Posture>(p);
  r.positive = r.value < floor_m_s;
  return r;
}

CriterionRecord c5_negative_delta_csa(const AreaReading& supine, const AreaReading& upright,
                                      double threshold_m2) {
  if (!std::isfinite(threshold_m2))
    fail("criterion threshold C5 delta-CSA [m^2] is not finite; expected a finite area");
  if (supine.posture != Posture::Supine || upright.posture != Posture::Upright)
    fail("C5 (delta-CSA): got " + describe(supine) + " and " + describe(upright) +
         "; expected one supine and one upright reading, in that order");
  if (supine.landmark != upright.landmark)
    fail("C5 (delta-CSA): got " + describe(supine) + " and " + describe(upright) +
         "; expected both at the same landmark (J2)");
  for (const AreaReading* a : {&supine, &upright})
    if (!std::isfinite(a->area) || a->area < 0)
      fail(describe(*a) + ": area = " + std::to_string(a->area) + "; expected a finite area >= 0");
  CriterionRecord r;
  r.criterion = 5;
  r.reading = "CSA supine - CSA upright < threshold";
  r.value = supine.area - upright.area;
  r.threshold = threshold_m2;
  r.positive = r.value < threshold_m2;
  r.landmark = supine.landmark;
  return r;
}

Verdict ccsvi_verdict(std::span<const CriterionRecord> records, int required) {
  if (required < 1 || required > 5)
    fail("CCSVI verdict: required = " + std::to_string(required) + "; expected 1 to 5 criteria");
  bool positive[5] = {false, false, false, false, false};
  for (const CriterionRecord& r : records) {
    if (r.criterion < 1 || r.criterion > 5)
      fail("CCSVI verdict: a record of criterion " + std::to_string(r.criterion) +
           "; expected criteria 1 to 5");
    positive[r.criterion - 1] = positive[r.criterion - 1] || r.positive;
  }
  Verdict v;
  v.positive_criteria = static_cast<int>(std::count(positive, positive + 5, true));
  v.ccsvi = v.positive_criteria >= required;
  return v;
}

}  // namespace venoflow::doppler
