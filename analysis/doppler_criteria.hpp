// venoflow: Zamboni's five extracranial/intracranial venous criteria (CCSVI) evaluated on sampled
// waveforms, the scoring part of a virtual echo-colour-Doppler (ECD) exam. Sources, thresholds
// and the readings others gave them: docs/ccsvi-criteria.md.
//
// This header is the specification. Every criterion below gives its published wording (Zamboni
// et al., J Neurol Neurosurg Psychiatry 2009;80:392-399, Table 3), the threshold as others
// operationalised it, and the threshold as a parameter whose default is the published value.
// Where a choice is ours and not published it is marked DESIGN.
//
// Inputs are plain sampled series, so the criteria can be evaluated on any waveform (simulated or
// synthetic) without running the solver:
//  - time t [s], strictly increasing, at least two samples;
//  - volume flow q [m^3/s] or velocity v [m/s] with the ECD convention: POSITIVE = TOWARDS THE
//    HEART (normal venous drainage), negative = towards the head (reflux). A series whose positive
//    direction is towards the head (e.g. a model vessel oriented from the heart to the head) is
//    passed with towards_heart = -1;
//  - cross-sectional area [m^2] as one value per landmark and posture (the B-mode reading; the
//    exam chooses how it reduces an area waveform, e.g. with time_mean below);
//  - between samples every series is taken as linear: durations are exact for piecewise-linear
//    signals and converge with the sampling for smooth ones.
// Units are SI throughout (s, m^2, m/s); the docs quote the published cm^2.
//
// Landmarks (Zamboni 2009): J1 (lower), J2 (mid) and J3 (upper segment) of each internal
// jugular vein (IJV); the vertebral veins (VV); the deep cerebral veins (basal vein of Rosenthal,
// dural sinuses) for C2. Landmark names are free text here, copied into the records.
//
// Postures: supine (head at 0 deg) and upright/sitting (head at +90 deg).
//
// A criterion reading returns a CriterionRecord: the measured value that decided it, the
// threshold, whether it is positive, and the landmark and posture the deciding value came from.
// Bad input (mismatched sizes, non-finite values, time not increasing, a posture missing, a
// threshold outside its range) throws std::invalid_argument naming the series and what was
// expected.
#pragma once

#include <optional>
#include <span>
#include <string>
#include <vector>

namespace venoflow::doppler {

enum class Posture { Supine, Upright };
/// "supine" or "upright".
const char* posture_name(Posture p);

/// Flow or velocity at one landmark in one posture. `value` follows the convention above
/// (positive towards the heart) when towards_heart = +1; towards_heart = -1 flips it.
struct Waveform {
  std::string landmark;
  Posture posture = Posture::Supine;
  std::vector<double> t;      ///< [s]
  std::vector<double> value;  ///< flow [m^3/s] or velocity [m/s]
  double towards_heart = +1;  ///< sign of flow towards the heart in `value` (+1 or -1)
};

/// A B-mode cross-sectional area at one landmark in one posture.
struct AreaReading {
  std::string landmark;
  Posture posture = Posture::Supine;
  double area = 0;  ///< [m^2]
  /// Area of the adjacent proximal (towards the heart) segment [m^2], for the local-reduction
  /// reading of C3; empty when not measured.
  std::optional<double> adjacent_proximal_area;
};

/// Two readings of the two-posture criteria (C1, C4).
enum class PostureReading {
  /// Zamboni 2009 Table 3: "with the head at 0 deg and +90 deg"; Mayer 2011 C4 "supine and
  /// upright". DESIGN: positive when in each posture at least one landmark shows the finding
  /// (not necessarily the same vein), following Lanzillo/Mancini 2013's "in at least one of the
  /// three landmarks" per position.
  Both,
  /// Mayer et al. 2011 (JNNP 82:436, Table 2) C1: "in sitting or supine position"; Lanzillo/
  /// Mancini 2013 C4: absence in one position counts. Positive when any landmark in any posture
  /// shows the finding.
  Either,
};

struct CriterionRecord {
  int criterion = 0;     ///< 1..5
  std::string reading;   ///< which operationalisation, e.g. "reflux > threshold in both postures"
  double value = 0;      ///< the measured value that decided the criterion [SI]
  double threshold = 0;  ///< [SI]
  bool positive = false;
  std::string landmark;            ///< where the deciding value was measured
  std::optional<Posture> posture;  ///< and in which posture (empty for C5, which uses both)
};

// ---- waveform measures -------------------------------------------------------------------------

/// Longest continuous interval of reflux (flow towards the head: towards_heart * q < 0) in the
/// series [s]. Zero crossings are located by linear interpolation between samples; a sample
/// exactly zero ends or starts an interval at its own time. An interval still open at the first
/// or last sample is counted up to that sample (the series is not assumed periodic: pass whole
/// cycles, or several, so that the intervals of interest are closed). 0 when there is no reflux.
double longest_reflux_duration(std::span<const double> t, std::span<const double> q,
                               double towards_heart = +1);

/// Largest |v| over the series [same unit as v]; exact for a piecewise-linear signal.
double peak_speed(std::span<const double> t, std::span<const double> v);

/// Time mean of a piecewise-linear series (trapezoidal rule) [same unit as x].
double time_mean(std::span<const double> t, std::span<const double> x);

// ---- the five criteria -------------------------------------------------------------------------

/// C1. Zamboni 2009 Table 3: "Reflux constantly present in IJVs and/or VVs with the head at 0 deg
/// and +90 deg". Operationalised as reflux lasting MORE THAN 0.88 s (Mayer 2011 Table 2; BMC
/// Medicine 2013;11:260 Table 2 ">0.88 seconds with the head at 90 deg and 0 deg"). Positive when
/// the longest reflux duration > threshold.
///  Both:   value = over postures, the smaller of (the longest reflux at any landmark).
///  Either: value = the longest reflux at any landmark in any posture.
/// `extracranial` holds the IJV and VV waveforms of both postures (both must be present).
CriterionRecord c1_extracranial_reflux(std::span<const Waveform> extracranial,
                                       PostureReading reading, double threshold_s = 0.88);

/// C2. Zamboni 2009 Table 3: "Reflux in the deep cerebral veins". Operationalised as reverse
/// flow lasting MORE THAN 0.5 s in one intracranial vein (Mayer 2011 Table 2; BMC Medicine 2013
/// Table 2 "duration of 0.5 s"). Value = the longest reflux at any deep-vein waveform given (any
/// posture); positive when > threshold.
CriterionRecord c2_deep_cerebral_reflux(std::span<const Waveform> deep, double threshold_s = 0.5);

/// C3. Zamboni 2009 Table 3: "High resolution B-mode evidence of proximal IJV stenoses".
/// Area reading: IJV cross-sectional area <= 0.3 cm^2 = 3e-5 m^2 (Mayer 2011 Table 2, citing
/// Zamboni 2009; BMC Medicine 2013 "CSA of proximal IJV <= 0.3 cm^2"). Value = the smallest area
/// given; positive when <= threshold.
CriterionRecord c3_stenosis_area(std::span<const AreaReading> ijv, double threshold_m2 = 0.3e-4);

/// C3, local-reduction reading: area reduction >= 50 % against the adjacent proximal segment
/// (Zamboni, J Neurol Sci 2009;282:21-27, per Mayer 2011's footnote; BMC Medicine 2013 ">= 50 %
/// vs proximal adjacent segment"). Reduction = 1 - area / adjacent_proximal_area, over the
/// readings that have an adjacent area (at least one must); value = the largest reduction;
/// positive when >= threshold (a fraction in (0, 1]).
CriterionRecord c3_stenosis_reduction(std::span<const AreaReading> ijv,
                                      double threshold_fraction = 0.5);

/// C4. Zamboni 2009 Table 3: "Flow not Doppler detectable in the IJVs and/or VVs despite
/// numerous deep inspirations with the head at 0 deg and +90 deg" (Mayer 2011: "no flow ... in
/// the supine and upright position"). No detection floor is published: the default 0.01 m/s
/// (1 cm/s) is DESIGN, of the order of the low-velocity wall filters of clinical ECD, and has no
/// source. The waveforms should span the deep inspirations. A landmark's flow is undetectable
/// when its peak |v| over the series is BELOW the floor.
///  Both:   value = over postures, the larger of (the smallest peak |v| at any landmark).
///  Either: value = the smallest peak |v| at any landmark in any posture.
/// Positive when value < floor. Both postures must be present.
CriterionRecord c4_undetectable_flow(std::span<const Waveform> extracranial, PostureReading reading,
                                     double floor_m_s = 0.01);

/// C5. Zamboni 2009 Table 3: "Negative delta-CSA in the IJV". delta-CSA = CSA supine - CSA
/// upright at J2 (Lanzillo/Mancini 2013: "CSA at J2 greater in sitting than supine"). Positive
/// when delta-CSA < threshold (0: any negative difference). Both readings must be at the same
/// landmark, one per posture.
CriterionRecord c5_negative_delta_csa(const AreaReading& supine, const AreaReading& upright,
                                      double threshold_m2 = 0.0);

// ---- verdict
// -------------------------------------------------------------------------------------

struct Verdict {
  int positive_criteria = 0;  ///< number of distinct criteria (1..5) with a positive record
  bool ccsvi = false;         ///< positive_criteria >= required
};

/// CCSVI = at least two positive criteria (Zamboni 2009; "presence of at least two positive
/// Zamboni criteria", Lanzillo/Mancini 2013). Records of the same criterion are alternative
/// readings of it (e.g. C3 area and C3 reduction): the criterion counts once, as positive when
/// any of its records is. Pass one reading each for C1 and C4.
Verdict ccsvi_verdict(std::span<const CriterionRecord> records, int required = 2);

}  // namespace venoflow::doppler
