// Zamboni's venous criteria (analysis/doppler_criteria.hpp) on synthetic waveforms whose reflux
// duration, area or velocity is known by construction or in closed form, just below, at and
// above each published threshold (docs/ccsvi-criteria.md).
#include <gtest/gtest.h>

#include <cmath>
#include <limits>
#include <numbers>
#include <stdexcept>
#include <vector>

#include "analysis/doppler_criteria.hpp"

using namespace venoflow::doppler;

namespace {

// Flow +1 (towards the heart), then reflux -1 for `duration` seconds from `start`: a trapezoid
// whose ramps (0.02 s) cross zero at their mid-points, start and start + duration, so the
// reflux lasts `duration` exactly for the piecewise-linear signal. Ends at start+duration+1.
Waveform trapezoid_reflux(const std::string& landmark, Posture posture, double start,
                          double duration) {
  Waveform w{landmark, posture, {}, {}};
  w.t = {0,
         start - 0.01,
         start + 0.01,
         start + duration - 0.01,
         start + duration + 0.01,
         start + duration + 1};
  w.value = {1, 1, -1, -1, 1, 1};
  return w;
}

// q = a + b sin(2 pi t / T) sampled over `cycles` cycles with `n` samples per cycle.
Waveform sinusoid(double a, double b, double T, int cycles, int n,
                  Posture posture = Posture::Supine, const std::string& landmark = "IJV J2") {
  Waveform w{landmark, posture, {}, {}};
  for (int i = 0; i <= cycles * n; ++i) {
    const double t = T * i / n;
    w.t.push_back(t);
    w.value.push_back(a + b * std::sin(2 * std::numbers::pi * t / T));
  }
  return w;
}

// Triangle wave of velocity peaking at +peak and -peak (the peaks are samples).
Waveform triangle_velocity(const std::string& landmark, Posture posture, double peak) {
  return Waveform{landmark, posture, {0, 0.5, 1.0, 1.5, 2.0}, {0, peak, 0, -peak, 0}};
}

}  // namespace

// ---- longest_reflux_duration
// ---------------------------------------------------------------------

TEST(DopplerReflux, TrapezoidDurationIsExact) {
  for (double d : {0.1, 0.49, 0.51, 0.87, 0.89, 2.5}) {
    const Waveform w = trapezoid_reflux("IJV J1", Posture::Supine, 1.25, d);
    EXPECT_NEAR(longest_reflux_duration(w.t, w.value), d, 1e-12) << d;
  }
}

TEST(DopplerReflux, CrossingsAreInterpolatedLinearly) {
  // 3 -> -1 over [0, 1] crosses at 0.75; -1 -> 1 over [2, 3] crosses at 2.5: 1.75 s of reflux.
  const std::vector<double> t{0, 1, 2, 3}, q{3, -1, -1, 1};
  EXPECT_NEAR(longest_reflux_duration(t, q), 1.75, 1e-15);
}

TEST(DopplerReflux, NoRefluxIsZero) {
  const std::vector<double> t{0, 1, 2}, q{1, 0.5, 2};
  EXPECT_EQ(longest_reflux_duration(t, q), 0.0);
  // A flow that touches zero without reversing has no reflux either.
  const std::vector<double> q0{1, 0, 1};
  EXPECT_EQ(longest_reflux_duration(t, q0), 0.0);
}

TEST(DopplerReflux, LongestContinuousIntervalNotTheSum) {
  // Reflux 0.3 s then 0.6 s, separated by forward flow: the criteria ask for a continuous
  // duration, so 0.6, not 0.9.
  // Zero samples bound the reflux intervals (1.0-1.3 and 2.0-2.6), -1 inside.
  const std::vector<double> t{0, 1.0, 1.15, 1.3, 2.0, 2.3, 2.6, 3.0};
  const std::vector<double> q{1, 0, -1, 0, 0, -1, 0, 1};
  EXPECT_NEAR(longest_reflux_duration(t, q), 0.6, 1e-12);
}

TEST(DopplerReflux, SinusoidMatchesClosedForm) {
  // q = a + b sin(2 pi t/T), |a| < b: q < 0 while sin < -a/b, i.e. for T (1/2 - asin(a/b)/pi)
  // per cycle. With towards_heart = -1 the reflux is where q > 0: T (1/2 + asin(a/b)/pi).
  const double T = 4.0, b = 1.0;
  for (double a : {-0.6, -0.2, 0.0, 0.3, 0.8}) {
    const Waveform w = sinusoid(a, b, T, 3, 40000);
    const double expected = T * (0.5 - std::asin(a / b) / std::numbers::pi);
    EXPECT_NEAR(longest_reflux_duration(w.t, w.value), expected, 1e-7) << a;
    const double flipped = T * (0.5 + std::asin(a / b) / std::numbers::pi);
    EXPECT_NEAR(longest_reflux_duration(w.t, w.value, -1), flipped, 1e-7) << a;
  }
}

TEST(DopplerReflux, IntervalOpenAtTheEndsCountsUpToTheSample) {
  // Reflux from the first sample to the crossing at 0.5, and from 2.5 to the last sample (3.0).
  const std::vector<double> t{0, 1, 2, 3}, q{-1, 1, 1, -1};
  EXPECT_NEAR(longest_reflux_duration(t, q), 0.5, 1e-15);
  const std::vector<double> q2{-1, -1, 1, 1};  // 0 -> 1.5
  EXPECT_NEAR(longest_reflux_duration(t, q2), 1.5, 1e-15);
}

TEST(DopplerReflux, BadSeriesAreRefused) {
  const std::vector<double> t{0, 1, 2}, q2{1, 2};
  EXPECT_THROW(longest_reflux_duration(t, q2), std::invalid_argument);
  const std::vector<double> t1{0}, q1{1};
  EXPECT_THROW(longest_reflux_duration(t1, q1), std::invalid_argument);
  const std::vector<double> tback{0, 1, 1}, q{1, -1, 1};
  EXPECT_THROW(longest_reflux_duration(tback, q), std::invalid_argument);
  const std::vector<double> qnan{1, std::nan(""), 1};
  EXPECT_THROW(longest_reflux_duration(t, qnan), std::invalid_argument);
  EXPECT_THROW(longest_reflux_duration(t, q, 0.0), std::invalid_argument);
  try {
    std::vector<Waveform> ws{Waveform{"VV left", Posture::Upright, {0, 1}, {1}},
                             trapezoid_reflux("IJV J1", Posture::Supine, 1, 1)};
    c1_extracranial_reflux(ws, PostureReading::Both);
    FAIL() << "mismatched waveform accepted";
  } catch (const std::invalid_argument& e) {
    EXPECT_NE(std::string(e.what()).find("VV left"), std::string::npos) << e.what();
    EXPECT_NE(std::string(e.what()).find("upright"), std::string::npos) << e.what();
  }
}

TEST(DopplerReflux, TimeMeanAndPeakSpeedOfATriangle) {
  // Triangle 0 -> 2 -> 0 over 2 s: mean 1; peak |v| of the velocity triangle is its peak.
  const std::vector<double> t{0, 1, 2}, x{0, 2, 0};
  EXPECT_DOUBLE_EQ(time_mean(t, x), 1.0);
  const Waveform v = triangle_velocity("VV", Posture::Supine, 0.25);
  EXPECT_EQ(peak_speed(v.t, v.value), 0.25);
}

// ---- C1 --------------------------------------------------------------------------------------

TEST(DopplerC1, ThresholdIsMoreThan088Seconds) {
  // Zamboni 2009 Table 3 as operationalised by Mayer 2011: reflux > 0.88 s, both postures.
  for (PostureReading reading : {PostureReading::Both, PostureReading::Either}) {
    for (auto [d, positive] : {std::pair{0.87, false}, std::pair{0.89, true}}) {
      std::vector<Waveform> ws{trapezoid_reflux("IJV J1 right", Posture::Supine, 0.5, d),
                               trapezoid_reflux("IJV J1 right", Posture::Upright, 0.5, d)};
      const CriterionRecord r = c1_extracranial_reflux(ws, reading);
      EXPECT_EQ(r.criterion, 1);
      EXPECT_EQ(r.threshold, 0.88);
      EXPECT_NEAR(r.value, d, 1e-12);
      EXPECT_EQ(r.positive, positive) << d;
      EXPECT_EQ(r.landmark, "IJV J1 right");
    }
    // Exactly 0.88 s: reflux from t = 0 (a zero sample) to t = 0.88 (a zero sample), so the
    // duration is the double 0.88 itself; "more than" makes it negative.
    std::vector<Waveform> at{
        Waveform{"VV left", Posture::Supine, {0, 0.01, 0.87, 0.88, 1.5}, {0, -1, -1, 0, 1}},
        Waveform{"VV left", Posture::Upright, {0, 0.01, 0.87, 0.88, 1.5}, {0, -1, -1, 0, 1}}};
    const CriterionRecord r = c1_extracranial_reflux(at, reading);
    EXPECT_EQ(r.value, 0.88);
    EXPECT_FALSE(r.positive);
  }
}

TEST(DopplerC1, BothAndEitherPostureReadings) {
  // Supine: IJV with 0.95 s of reflux; upright: IJV 0.87 s, VV 0.30 s.
  std::vector<Waveform> ws{trapezoid_reflux("IJV J2 left", Posture::Supine, 0.5, 0.95),
                           trapezoid_reflux("IJV J2 left", Posture::Upright, 0.5, 0.87),
                           trapezoid_reflux("VV right", Posture::Upright, 0.5, 0.30)};
  const CriterionRecord both = c1_extracranial_reflux(ws, PostureReading::Both);
  EXPECT_FALSE(both.positive);  // not present upright
  EXPECT_NEAR(both.value, 0.87, 1e-12);
  EXPECT_EQ(both.posture, Posture::Upright);
  EXPECT_EQ(both.landmark, "IJV J2 left");
  const CriterionRecord either = c1_extracranial_reflux(ws, PostureReading::Either);
  EXPECT_TRUE(either.positive);  // Mayer 2011: "in sitting or supine position"
  EXPECT_NEAR(either.value, 0.95, 1e-12);
  EXPECT_EQ(either.posture, Posture::Supine);

  // Upright reflux moves to the VV (1.2 s): now present in both postures, at different veins.
  ws[2] = trapezoid_reflux("VV right", Posture::Upright, 0.5, 1.2);
  const CriterionRecord both2 = c1_extracranial_reflux(ws, PostureReading::Both);
  EXPECT_TRUE(both2.positive);
  EXPECT_NEAR(both2.value, 0.95, 1e-12);  // the supine IJV decides (the shorter of the two)
  EXPECT_EQ(both2.posture, Posture::Supine);
}

TEST(DopplerC1, SinusoidalRefluxAroundTheThreshold) {
  // A respiratory-like IJV flow q = a + b sin(2 pi t/T), T = 4 s: choose a/b so that the reflux
  // per cycle is D = T (1/2 - asin(a/b)/pi), i.e. a/b = sin(pi (1/2 - D/T)) = cos(pi D/T).
  const double T = 4.0;
  for (auto [D, positive] : {std::pair{0.87, false}, std::pair{0.89, true}}) {
    const double a = std::cos(std::numbers::pi * D / T);
    std::vector<Waveform> ws{sinusoid(a, 1.0, T, 3, 40000, Posture::Supine),
                             sinusoid(a, 1.0, T, 3, 40000, Posture::Upright)};
    const CriterionRecord r = c1_extracranial_reflux(ws, PostureReading::Both);
    EXPECT_NEAR(r.value, D, 1e-7);
    EXPECT_EQ(r.positive, positive) << D;
  }
}

TEST(DopplerC1, APostureMissingIsRefused) {
  std::vector<Waveform> ws{trapezoid_reflux("IJV J1", Posture::Supine, 0.5, 2.0)};
  for (PostureReading reading : {PostureReading::Both, PostureReading::Either})
    EXPECT_THROW(c1_extracranial_reflux(ws, reading), std::invalid_argument);
  EXPECT_THROW(c4_undetectable_flow(ws, PostureReading::Both), std::invalid_argument);
}

// ---- C2 --------------------------------------------------------------------------------------

TEST(DopplerC2, ThresholdIsMoreThanHalfASecond) {
  for (auto [d, positive] : {std::pair{0.49, false}, std::pair{0.51, true}}) {
    std::vector<Waveform> ws{trapezoid_reflux("basal vein of Rosenthal", Posture::Supine, 0.3, d),
                             trapezoid_reflux("straight sinus", Posture::Supine, 0.3, 0.1)};
    const CriterionRecord r = c2_deep_cerebral_reflux(ws);
    EXPECT_EQ(r.threshold, 0.5);
    EXPECT_NEAR(r.value, d, 1e-12);
    EXPECT_EQ(r.positive, positive) << d;
    EXPECT_EQ(r.landmark, "basal vein of Rosenthal");
  }
  // Exactly 0.5 s (zero samples at 0 and 0.5): not more than 0.5.
  std::vector<Waveform> at{
      Waveform{"transverse sinus", Posture::Supine, {0, 0.1, 0.4, 0.5, 1}, {0, -1, -1, 0, 1}}};
  const CriterionRecord r = c2_deep_cerebral_reflux(at);
  EXPECT_EQ(r.value, 0.5);
  EXPECT_FALSE(r.positive);
  EXPECT_THROW(c2_deep_cerebral_reflux(std::vector<Waveform>{}), std::invalid_argument);
}

// ---- C3 --------------------------------------------------------------------------------------

TEST(DopplerC3, AreaAtMost03SquareCentimetres) {
  // 0.3 cm^2 = 0.3e-4 m^2 (Mayer 2011 Table 2); "<=" makes the threshold itself positive.
  for (auto [area, positive] :
       {std::pair{0.29e-4, true}, std::pair{0.30e-4, true}, std::pair{0.31e-4, false}}) {
    std::vector<AreaReading> ijv{{"IJV J1 right", Posture::Supine, 1.2e-4, {}},
                                 {"IJV J3 left", Posture::Supine, area, {}}};
    const CriterionRecord r = c3_stenosis_area(ijv);
    EXPECT_EQ(r.threshold, 0.3e-4);
    EXPECT_EQ(r.value, area);
    EXPECT_EQ(r.positive, positive) << area;
    EXPECT_EQ(r.landmark, "IJV J3 left");
  }
}

TEST(DopplerC3, LocalReductionOfHalfAgainstTheProximalSegment) {
  // Proximal segment 2 cm^2; areas 1.02, 1.00, 0.98 cm^2: reductions 49 %, 50 %, 51 %.
  for (auto [area, positive] :
       {std::pair{1.02e-4, false}, std::pair{1.00e-4, true}, std::pair{0.98e-4, true}}) {
    std::vector<AreaReading> ijv{{"IJV J2 left", Posture::Supine, 0.9e-4, {}},  // no reference
                                 {"IJV J3 left", Posture::Supine, area, 2.0e-4}};
    const CriterionRecord r = c3_stenosis_reduction(ijv);
    EXPECT_EQ(r.criterion, 3);
    EXPECT_NEAR(r.value, 1 - area / 2.0e-4, 1e-15);
    EXPECT_EQ(r.positive, positive) << area;
  }
  // Area exactly half the proximal one: the reduction is the double 0.5.
  std::vector<AreaReading> half{{"IJV J3", Posture::Supine, 1.0e-4, 2.0e-4}};
  EXPECT_EQ(c3_stenosis_reduction(half).value, 0.5);
  std::vector<AreaReading> none{{"IJV J3", Posture::Supine, 1.0e-4, {}}};
  EXPECT_THROW(c3_stenosis_reduction(none), std::invalid_argument);
  std::vector<AreaReading> negative{{"IJV J3", Posture::Supine, -1e-5, {}}};
  EXPECT_THROW(c3_stenosis_area(negative), std::invalid_argument);
}

// ---- C4 --------------------------------------------------------------------------------------

TEST(DopplerC4, UndetectableBelowTheFloor) {
  // Default floor 1 cm/s (DESIGN, no published value): peak 0.9, 1.0, 1.1 cm/s.
  for (auto [peak, positive] :
       {std::pair{0.009, true}, std::pair{0.010, false}, std::pair{0.011, false}}) {
    std::vector<Waveform> ws{triangle_velocity("VV left", Posture::Supine, peak),
                             triangle_velocity("VV left", Posture::Upright, peak),
                             triangle_velocity("IJV J1 left", Posture::Supine, 0.3),
                             triangle_velocity("IJV J1 left", Posture::Upright, 0.1)};
    const CriterionRecord r = c4_undetectable_flow(ws, PostureReading::Both);
    EXPECT_EQ(r.threshold, 0.01);
    EXPECT_EQ(r.value, peak);
    EXPECT_EQ(r.positive, positive) << peak;
    EXPECT_EQ(r.landmark, "VV left");
  }
}

TEST(DopplerC4, BothAndEitherPostureReadings) {
  // Undetectable VV supine only; every vein detectable upright.
  std::vector<Waveform> ws{triangle_velocity("VV right", Posture::Supine, 0.004),
                           triangle_velocity("IJV J2 right", Posture::Supine, 0.25),
                           triangle_velocity("VV right", Posture::Upright, 0.08),
                           triangle_velocity("IJV J2 right", Posture::Upright, 0.05)};
  const CriterionRecord both = c4_undetectable_flow(ws, PostureReading::Both);
  EXPECT_FALSE(both.positive);  // Mayer: "supine and upright"
  EXPECT_EQ(both.value, 0.05);  // the least detectable vein upright decides
  EXPECT_EQ(both.posture, Posture::Upright);
  EXPECT_EQ(both.landmark, "IJV J2 right");
  const CriterionRecord either = c4_undetectable_flow(ws, PostureReading::Either);
  EXPECT_TRUE(either.positive);  // Lanzillo/Mancini: absence in one position counts
  EXPECT_EQ(either.value, 0.004);
  EXPECT_EQ(either.posture, Posture::Supine);
  // The floor is a parameter: at 3 mm/s the supine VV is detectable.
  EXPECT_FALSE(c4_undetectable_flow(ws, PostureReading::Either, 0.003).positive);
}

// ---- C5 --------------------------------------------------------------------------------------

TEST(DopplerC5, NegativeDeltaCsaAtJ2) {
  // The PREMiSe worked example (BMC Neurol 2013;13:151, Fig. 1): 11.54 - 12.90 = -1.36 mm^2.
  const AreaReading supine{"IJV J2 left", Posture::Supine, 11.54e-6, {}};
  const AreaReading upright{"IJV J2 left", Posture::Upright, 12.90e-6, {}};
  const CriterionRecord r = c5_negative_delta_csa(supine, upright);
  EXPECT_EQ(r.criterion, 5);
  EXPECT_NEAR(r.value, -1.36e-6, 1e-18);
  EXPECT_TRUE(r.positive);
  EXPECT_EQ(r.landmark, "IJV J2 left");
  EXPECT_FALSE(r.posture.has_value());
  // Equal areas: delta 0, not negative. Normal collapse upright: positive delta, negative.
  EXPECT_FALSE(
      c5_negative_delta_csa({"J2", Posture::Supine, 5e-5, {}}, {"J2", Posture::Upright, 5e-5, {}})
          .positive);
  EXPECT_FALSE(c5_negative_delta_csa({"J2", Posture::Supine, 94.5e-6, {}},
                                     {"J2", Posture::Upright, 6.5e-6, {}})
                   .positive);
  // Readings at different landmarks or in the wrong postures are refused.
  EXPECT_THROW(
      c5_negative_delta_csa({"J2", Posture::Supine, 5e-5, {}}, {"J3", Posture::Upright, 6e-5, {}}),
      std::invalid_argument);
  EXPECT_THROW(
      c5_negative_delta_csa({"J2", Posture::Upright, 5e-5, {}}, {"J2", Posture::Supine, 6e-5, {}}),
      std::invalid_argument);
}

// ---- verdict ---------------------------------------------------------------------------------

TEST(DopplerVerdict, CcsviIsTwoOrMorePositiveCriteria) {
  auto rec = [](int c, bool positive) {
    CriterionRecord r;
    r.criterion = c;
    r.positive = positive;
    return r;
  };
  const std::vector<CriterionRecord> none{rec(1, false), rec(2, false), rec(3, false),
                                          rec(4, false), rec(5, false)};
  EXPECT_EQ(ccsvi_verdict(none).positive_criteria, 0);
  EXPECT_FALSE(ccsvi_verdict(none).ccsvi);
  const std::vector<CriterionRecord> one{rec(1, false), rec(2, false), rec(3, true), rec(4, false),
                                         rec(5, false)};
  EXPECT_EQ(ccsvi_verdict(one).positive_criteria, 1);
  EXPECT_FALSE(ccsvi_verdict(one).ccsvi);
  // C3's two readings both positive still make one criterion.
  const std::vector<CriterionRecord> c3twice{rec(3, true), rec(3, true), rec(5, false)};
  EXPECT_EQ(ccsvi_verdict(c3twice).positive_criteria, 1);
  EXPECT_FALSE(ccsvi_verdict(c3twice).ccsvi);
  // One C3 reading positive, the other negative: C3 is positive.
  const std::vector<CriterionRecord> two{rec(1, true), rec(3, false), rec(3, true)};
  EXPECT_EQ(ccsvi_verdict(two).positive_criteria, 2);
  EXPECT_TRUE(ccsvi_verdict(two).ccsvi);
  const std::vector<CriterionRecord> all{rec(1, true), rec(2, true), rec(3, true), rec(4, true),
                                         rec(5, true)};
  EXPECT_EQ(ccsvi_verdict(all).positive_criteria, 5);
  EXPECT_FALSE(ccsvi_verdict(two, 3).ccsvi);
  EXPECT_THROW(ccsvi_verdict(std::vector<CriterionRecord>{rec(6, true)}), std::invalid_argument);
}

TEST(DopplerVerdict, FromWaveforms) {
  // A subject with supine and upright IJV reflux of 1.5 s (C1 positive), a deep vein with 0.2 s
  // (C2 negative), a J3 area of 0.25 cm^2 (C3 positive), detectable flow (C4 negative) and an
  // upright IJV collapse (C5 negative): two criteria, CCSVI.
  std::vector<Waveform> neck{trapezoid_reflux("IJV J1 left", Posture::Supine, 0.5, 1.5),
                             trapezoid_reflux("IJV J1 left", Posture::Upright, 0.5, 1.5)};
  std::vector<Waveform> deep{trapezoid_reflux("straight sinus", Posture::Supine, 0.5, 0.2)};
  std::vector<AreaReading> areas{{"IJV J3 left", Posture::Supine, 0.25e-4, {}}};
  std::vector<CriterionRecord> records{
      c1_extracranial_reflux(neck, PostureReading::Both), c2_deep_cerebral_reflux(deep),
      c3_stenosis_area(areas), c4_undetectable_flow(neck, PostureReading::Both),
      c5_negative_delta_csa({"IJV J2 left", Posture::Supine, 0.9e-4, {}},
                            {"IJV J2 left", Posture::Upright, 0.1e-4, {}})};
  EXPECT_TRUE(records[0].positive);
  EXPECT_FALSE(records[1].positive);
  EXPECT_TRUE(records[2].positive);
  EXPECT_FALSE(records[3].positive);  // trapezoids peak at |q| = 1
  EXPECT_FALSE(records[4].positive);
  const Verdict v = ccsvi_verdict(records);
  EXPECT_EQ(v.positive_criteria, 2);
  EXPECT_TRUE(v.ccsvi);
}
