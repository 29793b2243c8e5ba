// venoflow: what a run does with each output instant. The sample is taken from the state,
// checked (finite, inside the validity domain: numerics/domain.hpp) and fed to the observers:
// the periodicity monitor (analysis/periodicity_monitor.hpp), the cycle metrics with the
// boundary means (analysis/metrics.hpp) and the output, which is the results sink or the ring of
// the last cycles (solver.keep_last_cycles) written to it at the end. Nothing is allocated per
// sample once two cycles have been recorded and the ring is full.
#pragma once

#include <algorithm>
#include <cstddef>
#include <map>
#include <string>
#include <vector>

#include "analysis/metrics.hpp"
#include "analysis/periodicity_monitor.hpp"
#include "numerics/domain.hpp"
#include "numerics/system.hpp"
#include "venoflow/simulation.hpp"

namespace venoflow {

/// The samples a run writes: straight to the results sink, or into a ring of the last
/// `ring_samples` that flush() writes to the sink, oldest first.
class SampleOutput {
 public:
  SampleOutput(ResultSink& sink, std::size_t ring_samples, long decimate = 1)
      : sink_(sink), ring_size_(ring_samples), decimate_(std::max(decimate, 1L)) {}
  /// Keeps every decimate-th sample (the first, then every decimate-th after it), and any
  /// sample with `always` (the one a run fails at). May take s's storage (s then holds that of
  /// an older sample, to be overwritten).
  void write(Sample& s, bool always = false);
  /// Writes the samples held in the ring.
  void flush();

 private:
  ResultSink& sink_;
  std::size_t ring_size_;     // 0: no ring
  std::vector<Sample> ring_;  // reused slots: no allocation once full
  std::size_t next_ = 0;      // slot of the next sample once full
  long decimate_;
  long seen_ = 0;  // samples offered so far
};

/// The observers of one run, fed in the order of the run's output instants.
class RunObservers {
 public:
  /// Calls sink.begin(layout, model); finish() calls sink.finish.
  RunObservers(System& system, const Model& model, const OutputLayout& layout, const RunPlan& plan,
               ResultSink& sink);
  /// Samples the state y at time t, checks the sample and feeds it to every observer. Throws
  /// SolverError for a sample that fails or is not finite, and (solver.on_domain_violation:
  /// error) for one outside the validity domain, which is written first.
  void sample(double t, const double* y);
  /// Closes a cycle at (t, y), before the sample that opens the next one, and records in
  /// `outcome` the largest relative change of the periodicity probes against the previous
  /// cycle and where it is. True if the run is to stop there: periodic to
  /// solver.steady_state_tolerance with solver.stop_at_steady_state.
  bool end_cycle(double t, const double* y, RunOutcome& outcome);
  int cycles_completed() const { return cycles_; }
  /// The validity-domain warnings (solver.on_domain_violation: warn).
  std::vector<std::string> warnings() const { return domain_.warnings(); }
  /// Writes the samples held back and finishes the sink with the run's metrics: the volume
  /// balance from y_start to y_end and, unless the run failed, the cycle metrics at its end
  /// (t, y_end).
  void finish(const RunStatistics& stats, const RunOutcome& outcome, const double* y_start,
              double t, const double* y_end);

 private:
  System& system_;
  ResultSink& sink_;
  Sample sample_;
  DomainMonitor domain_;
  bool domain_warn_;
  bool stop_when_periodic_;
  double periodic_tolerance_;
  int cycles_ = 0;
  PeriodicityMonitor periodicity_;
  CycleMetrics cycle_metrics_;
  SampleOutput output_;
};

}  // namespace venoflow
