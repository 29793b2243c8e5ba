// venoflow: the observers of a run's samples (numerics/run_observers.hpp).
#include "numerics/run_observers.hpp"

#include <algorithm>
#include <cmath>

#include "venoflow/errors.hpp"

namespace venoflow {

void SampleOutput::write(Sample& s, bool always) {
  if (seen_++ % decimate_ != 0 && !always) return;
  if (ring_size_ == 0) {
    sink_.write(s);
  } else if (ring_.size() < ring_size_) {
    ring_.push_back(s);
  } else {
    // Swap, not copy: s gets the oldest sample's storage, which System::sample overwrites.
    std::swap(ring_[next_], s);
    next_ = (next_ + 1) % ring_size_;
  }
}

void SampleOutput::flush() {
  for (std::size_t i = 0; i < ring_.size(); ++i) sink_.write(ring_[(next_ + i) % ring_.size()]);
}

namespace {
std::vector<BoundaryInflow> boundary_inflows(const System& system) {
  std::vector<BoundaryInflow> out;
  for (const auto& b : system.boundaries())
    out.push_back(
        {b.node, static_cast<std::size_t>(system.node_index(b.node)), b.cumulative_state});
  return out;
}
}  // namespace

RunObservers::RunObservers(System& system, const Model& model, const OutputLayout& layout,
                           const RunPlan& plan, ResultSink& sink)
    : system_(system),
      sink_(sink),
      domain_(system.domain_checks()),
      domain_warn_(model.solver.on_domain_violation == "warn"),
      stop_when_periodic_(plan.stop_at_steady_state),
      periodic_tolerance_(model.solver.steady_state_tolerance),
      periodicity_(layout),
      cycle_metrics_(layout, model, boundary_inflows(system)),
      output_(sink, static_cast<std::size_t>(plan.ring_samples), plan.decimate) {
  sink.begin(layout, model);
}

void RunObservers::sample(double t, const double* y) {
  Sample& s = sample_;
  if (system_.sample(t, y, s))
    throw SolverError(t, system_.failure_component(), system_.failure_quantity(),
                      system_.failure());
  if (!all_finite(s.vessel_pressure) || !all_finite(s.vessel_flow) || !all_finite(s.vessel_area) ||
      !all_finite(s.node_pressure) || !all_finite(s.element_values))
    throw SolverError(t, "output", "non-finite value", "a sampled value is not finite");
  if (auto bad = domain_.check(s, domain_warn_); bad && !domain_warn_) {
    output_.write(s, true);  // the offending sample is part of the partial results
    throw SolverError(t, bad->check->component, bad->check->quantity, bad->describe());
  }
  periodicity_.record(s);
  cycle_metrics_.record(s);
  output_.write(s);  // last: it may take s's storage
}

bool RunObservers::end_cycle(double t, const double* y, RunOutcome& outcome) {
  ++cycles_;
  cycle_metrics_.end_cycle(t, y);
  const auto [change, where] = periodicity_.end_cycle();
  if (change < 0.0) return false;  // no previous cycle to compare with
  outcome.steady_state_change = change;
  outcome.steady_state_location = where;
  return stop_when_periodic_ && change < periodic_tolerance_;
}

void RunObservers::finish(const RunStatistics& stats, const RunOutcome& outcome,
                          const double* y_start, double t, const double* y_end) {
  std::map<std::string, Metric> metrics;
  // Mass balance over the run: stored volume change minus boundary inflow (exact up to
  // round-off for this scheme: docs/numerics.md#mass-conservation).
  const double stored = system_.stored_volume(y_end);
  const double imbalance =
      stored - system_.stored_volume(y_start) - system_.cumulative_inflow(y_end);
  metrics["volume_balance_error"] = {imbalance, "m^3",
                                     "stored volume change minus net boundary inflow over the run"};
  metrics["stored_volume"] = {stored, "m^3", "blood volume in the network at the end"};
  if (outcome.error.empty()) cycle_metrics_.compute(metrics, t, y_end);
  output_.flush();
  sink_.finish(stats, outcome, metrics);
}

}  // namespace venoflow
