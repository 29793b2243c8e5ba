// venoflow: run a model. The public entry point of the solver.
#pragma once

#include <atomic>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "venoflow/model.hpp"
#include "venoflow/results.hpp"

namespace venoflow {

struct RunControl {
  std::optional<int> cycles;    ///< overrides Model::solver.cycles
  std::optional<double> t_end;  ///< overrides Model::solver.t_end
  /// Overrides Model::solver.keep_last_cycles (0 = keep every cycle).
  std::optional<int> keep_last_cycles;
  /// Keep every `decimate`-th output sample (t = 0 first), >= 1. Only what the results sink
  /// receives is thinned: the periodic-state check and the metrics see every sample.
  long decimate = 1;
  const std::atomic<bool>* stop = nullptr;  ///< set to true to stop (Ctrl-C); polled per step
  /// Called about every 0.1 s of wall time with (t, t_end).
  std::function<void(double, double)> progress;
};

/// A run's length, output instants and resource estimate, worked out before anything is
/// allocated for it (numerics/run_plan.cpp, docs/model-format.md#resource-limits).
struct RunPlan {
  bool has_length = false;       ///< false: neither the model nor the control gives a length
  double t_final = 0.0;          ///< [s]
  double output_interval = 0.0;  ///< [s], a whole fraction of the period when there is one
  long samples_per_cycle = 0;    ///< output instants per period, 0 without a period
  long output_steps = 0;         ///< output instants after t = 0
  long samples_written = 0;      ///< samples the results receive (the last cycles only, if set)
  long ring_samples = 0;         ///< samples held back to keep the last cycles, 0 = none
  long decimate = 1;             ///< every decimate-th sample goes to the results
  double max_step = 0.0;         ///< [s] the integrator's largest step
  bool stop_at_steady_state = false;  ///< stop once the cycles repeat (needs a period)
  long values_per_sample = 0;         ///< numbers per sample in the results, times included
  long unknowns = 0;
  long jacobian_nonzeros = 0;
  struct Part {
    std::string name;  ///< e.g. "state and Jacobian"
    double bytes = 0.0;
    std::string detail;  ///< what it is proportional to
  };
  std::vector<Part> memory;                       ///< parts of the memory estimate
  double memory_bytes = 0.0;                      ///< their sum: the estimated peak [bytes]
  double output_bytes = 0.0;                      ///< size of the results [bytes]
  double memory_limit = 0.0, output_limit = 0.0;  ///< solver.max_memory, max_output_size
  /// Several lines for `venoflow check`.
  std::string describe() const;
};

/// Owns the discretised system and the CVODE integrator for one model. Not thread-safe
/// itself; separate Simulation objects run concurrently (one SUNContext each).
class Simulation {
 public:
  explicit Simulation(Model model);
  ~Simulation();
  Simulation(const Simulation&) = delete;
  Simulation& operator=(const Simulation&) = delete;

  const Model& model() const;
  const OutputLayout& layout() const;
  long unknowns() const;

  /// The run `run(sink, control)` would make. Throws std::invalid_argument for a run length
  /// or output interval out of range and for an estimate above solver.max_memory or
  /// solver.max_output_size (the message has the figures).
  RunPlan plan(const RunControl& control = {}, const ResultSink* sink = nullptr) const;

  /// Integrate from the initial state. Writes samples to `sink` and always calls
  /// sink.finish(). Throws SolverError after finish() on integrator failure.
  RunOutcome run(ResultSink& sink, const RunControl& control = {});

  /// Human-readable description of the unknowns (for `venoflow check`).
  std::string describe() const;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace venoflow
