// venoflow: the virtual Doppler exam (docs/virtual-doppler.md). Runs the sonographer's
// protocol on a model -- supine (0 deg) and upright (+90 deg), each with quiet breathing and
// with deep inspirations, each to its periodic state -- samples the landmark waveforms and
// scores Zamboni's five venous criteria (analysis/doppler_criteria.hpp,
// docs/ccsvi-criteria.md) beside the perfusion of both postures.
#pragma once

#include <atomic>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "venoflow/model.hpp"
#include "venoflow/results.hpp"

namespace venoflow {

/// One row of the criteria table: a criterion read one way on one set of recordings.
struct ExamCriterion {
  int criterion = 0;       ///< 1..5
  std::string variant;     ///< the reading, e.g. "both postures", "area", "local reduction"
  std::string manoeuvre;   ///< "quiet breathing", "deep inspirations" or "both"
  double value = 0.0;      ///< the deciding measurement [SI]; NaN when not evaluable
  double threshold = 0.0;  ///< [SI]
  std::string unit;        ///< SI unit of value and threshold
  std::string comparison;  ///< how value is compared with the threshold: ">", "<=", ...
  bool positive = false;
  bool counted = false;   ///< enters the verdict (the other rows are alternative readings)
  bool evaluable = true;  ///< false: the model lacks what the criterion needs (see note)
  std::string landmark;   ///< where the deciding value was measured
  std::string posture;    ///< "supine", "upright" or "both"
  std::string note;
};

/// The waveform at one landmark in one recording (one breath at the periodic state, t from 0).
struct ExamTrace {
  std::string landmark, vessel, posture, manoeuvre;
  double x = 0.0;                ///< sample position along the vessel [m]
  std::vector<double> t;         ///< [s]
  std::vector<double> flow;      ///< [m^3/s], positive towards the heart
  std::vector<double> area;      ///< [m^2]
  std::vector<double> velocity;  ///< mean velocity flow/area [m/s], positive towards the heart
  double longest_reflux = 0.0;   ///< [s] over the periodic breath
  double peak_speed = 0.0;       ///< [m/s]
  double mean_area = 0.0;        ///< [m^2], the B-mode reading
};

/// One run of the protocol.
struct ExamRecording {
  std::string posture, manoeuvre;
  double tilt = 0.0;                       ///< [rad]
  std::shared_ptr<MemoryResults> results;  ///< the last breath, every vessel, node and element
};

struct ExamResult {
  std::vector<ExamCriterion> criteria;
  int count = 0;      ///< distinct counted criteria that are positive
  int evaluable = 0;  ///< distinct criteria that could be evaluated
  int required = 2;
  bool ccsvi = false;   ///< count >= required
  std::string verdict;  ///< one line, naming criteria that were not evaluable
  /// Per posture ("supine", "upright"), perfusion over the quiet-breathing breath: cbf, cpp,
  /// icp_mean, sinus_pressure, cerebral_venous_pressure (SI, as in the results metrics).
  std::map<std::string, std::map<std::string, Metric>> perfusion;
  std::vector<ExamTrace> traces;
  std::vector<ExamRecording> recordings;
  /// Recordings that did not reach the periodic state within exam.max_breaths, and why.
  std::vector<std::string> warnings;
  bool interrupted = false;  ///< stopped through ExamControl::stop: the exam is incomplete
};

struct ExamControl {
  const std::atomic<bool>* stop = nullptr;  ///< polled by each run (Ctrl-C)
};

/// Run the exam on `model` (after its overrides), which must have an `exam:` section
/// (std::invalid_argument otherwise) whose breath periods are whole numbers of the cardiac
/// period (ModelError located at exam.*.period otherwise). Throws SolverError if a run fails; when
/// stopped, returns at once with `interrupted` set and no criteria.
ExamResult virtual_exam(const Model& model, const ExamControl& control = {});

/// The criteria table as aligned text (the command line prints it).
std::string format_exam(const ExamResult& exam);

/// Write the exam to an HDF5 file (docs/virtual-doppler.md#the-exam-file): group /exam with
/// the criteria table, verdict, perfusion and landmark traces, and the model text. Written to
/// a temporary file renamed onto `path` when complete, so an existing file is never left
/// half-written; throws std::runtime_error naming the path on failure (nothing left behind).
void write_exam(const std::string& path, const ExamResult& exam, const std::string& model_yaml);

/// The checks write_exam makes on `path` before writing (not empty, not a directory, its
/// directory exists), to be made before the exam is computed; std::runtime_error naming it.
void check_exam_path(const std::string& path);

}  // namespace venoflow
