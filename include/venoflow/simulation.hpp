// venoflow: run a model. The public entry point of the solver.
#pragma once

#include <atomic>
#include <functional>
#include <memory>
#include <optional>

#include "venoflow/model.hpp"
#include "venoflow/results.hpp"

namespace venoflow {

struct RunControl {
  std::optional<int> cycles;                ///< overrides Model::solver.cycles
  std::optional<double> t_end;              ///< overrides Model::solver.t_end
  const std::atomic<bool>* stop = nullptr;  ///< set to true to stop (Ctrl-C); polled per step
  /// Called about every 0.1 s of wall time with (t, t_end).
  std::function<void(double, double)> progress;
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
