// venoflow: a run, as a plan (numerics/run_plan.hpp) carried out by its integrator (BDF,
// numerics/cvode_integrator.hpp, or SDIRK, numerics/arkode_integrator.hpp), optionally from the
// steady state (numerics/steady_state.hpp), with observers of every output sample
// (numerics/run_observers.hpp) and a diagnosis of a failure (numerics/failure_report.hpp).
#include "venoflow/simulation.hpp"

#include <algorithm>
#include <chrono>
#include <memory>
#include <optional>
#include <sstream>
#include <stdexcept>

#include "numerics/arkode_integrator.hpp"
#include "numerics/cvode_integrator.hpp"
#include "numerics/failure_report.hpp"
#include "numerics/jacobian.hpp"
#include "numerics/run_observers.hpp"
#include "numerics/run_plan.hpp"
#include "numerics/steady_state.hpp"
#include "numerics/system.hpp"

namespace venoflow {

struct Simulation::Impl {
  Model model;
  std::unique_ptr<System> system;
  OutputLayout layout;
  std::unique_ptr<ColouredJacobian> jacobian;
};

Simulation::Simulation(Model model) : impl_(std::make_unique<Impl>()) {
  impl_->model = std::move(model);
  impl_->model.solver.period = detail::run_period(impl_->model);
  detail::check_run_settings(impl_->model);
  detail::check_state_size(impl_->model);  // before the System is allocated
  impl_->system = std::make_unique<System>(impl_->model);
  impl_->layout = impl_->system->layout();
  impl_->jacobian = std::make_unique<ColouredJacobian>(impl_->system->pattern());
}

Simulation::~Simulation() = default;

RunPlan Simulation::plan(const RunControl& control, const ResultSink* sink) const {
  return detail::plan_run(impl_->model, impl_->layout, impl_->system->size(),
                          impl_->system->pattern().nnz(), control,
                          sink ? sink->footprint(impl_->layout) : SinkFootprint{});
}

const Model& Simulation::model() const { return impl_->model; }
const OutputLayout& Simulation::layout() const { return impl_->layout; }
long Simulation::unknowns() const { return impl_->system->size(); }

std::string Simulation::describe() const {
  std::ostringstream o;
  o << impl_->system->describe();
  o << "Jacobian colours (RHS evaluations per Jacobian): " << impl_->jacobian->colours() << "\n";
  return o.str();
}

namespace {
/// The integrator's statistics, with what the steady initialisation spent before its restart
/// and the right-hand sides of the finite-difference Jacobians.
RunStatistics statistics(const Integrator& integrator, const SteadyInitialisation& pre,
                         const ColouredJacobian& jacobian) {
  const Integrator::Counters c = integrator.counters();
  RunStatistics s;
  s.steps = c.steps + pre.steps;
  s.rhs_evaluations =
      c.rhs_evaluations + pre.rhs_evaluations + integrator.jacobian_rhs_evaluations();
  s.jacobian_evaluations = c.jacobian_evaluations + pre.jacobian_evaluations;
  s.linear_solver_setups = c.linear_solver_setups;
  s.error_test_failures = c.error_test_failures;
  s.nonlinear_convergence_failures = c.nonlinear_convergence_failures;
  s.unknowns = integrator.size();
  s.colours = jacobian.colours();
  return s;
}

/// Calls RunControl::progress(t, t_end) about every 0.1 s of wall time.
class Progress {
 public:
  Progress(const RunControl& control, double t_end) : control_(control), t_end_(t_end) {}
  void operator()(double t) {
    if (!control_.progress) return;
    const auto now = std::chrono::steady_clock::now();
    if (now - last_ > std::chrono::milliseconds(100)) {
      control_.progress(t, t_end_);
      last_ = now;
    }
  }

 private:
  const RunControl& control_;
  double t_end_;
  std::chrono::steady_clock::time_point last_ = std::chrono::steady_clock::now();
};
}  // namespace

RunOutcome Simulation::run(ResultSink& sink, const RunControl& control) {
  Impl& m = *impl_;
  System& sys = *m.system;
  const SolverSettings& set = m.model.solver;
  const auto wall0 = std::chrono::steady_clock::now();
  const RunPlan plan = this->plan(control, &sink);
  if (!plan.has_length)
    throw std::invalid_argument(
        "no run length: give solver.cycles or solver.t_end (or --cycles / --t-end)");

  std::vector<double> y0;
  sys.initial_state(y0);
  const std::vector<double> atol = sys.absolute_tolerances();
  // solver.method: BDF (CVODE), or the L-stable SDIRK (ARKODE) for large lumped networks.
  std::unique_ptr<Integrator> owned;
  if (set.method == "sdirk")
    owned = std::make_unique<ArkodeIntegrator>(sys, *m.jacobian, y0, atol,
                                               ArkodeIntegrator::Settings{set.rtol, plan.max_step});
  else
    owned = std::make_unique<CvodeIntegrator>(
        sys, *m.jacobian, y0, atol,
        CvodeIntegrator::Settings{set.rtol, detail::effective_max_order(m.model), plan.max_step});
  Integrator& integrator = *owned;
  SteadyInitialisation pre;
  if (set.initial_state == "steady")
    pre = initialise_at_steady_state(sys, *m.jacobian, integrator, {.rtol = set.rtol, .atol = atol},
                                     y0);
  integrator.set_stop_time(plan.t_final);

  OutputLayout layout = m.layout;  // with this run's number of samples, for the sink's blocks
  layout.samples_planned = plan.samples_written;
  RunObservers observers(sys, m.model, layout, plan, sink);
  RunOutcome outcome;
  Progress progress(control, plan.t_final);
  double t = 0.0;
  std::optional<SolverError> failure;
  try {
    // The sample at t = 0 opens the first cycle; each cycle's samples are phases [0, T).
    observers.sample(0.0, integrator.state());
    for (long k = 1; k <= plan.output_steps; ++k) {
      const double tout = std::min(k * plan.output_interval, plan.t_final);
      if (const int flag = integrator.advance(tout, t); flag < 0) {
        t = integrator.current_time();
        throw failure_report(flag, integrator, sys);
      }
      // The sample at a cycle end is the first of the next cycle.
      const bool cycle_end = plan.samples_per_cycle > 0 && k % plan.samples_per_cycle == 0;
      const bool periodic = cycle_end && observers.end_cycle(t, integrator.state(), outcome);
      observers.sample(t, integrator.state());
      if (periodic || (control.stop && control.stop->load())) {
        (periodic ? outcome.steady_state : outcome.interrupted) = true;
        break;
      }
      progress(t);
    }
    outcome.complete = !outcome.interrupted;
    outcome.warnings = observers.warnings();
  } catch (const SolverError& e) {
    outcome.error = e.what();
    failure = e;
  }

  RunStatistics stats = statistics(integrator, pre, *m.jacobian);
  stats.cycles_completed = observers.cycles_completed();
  stats.simulated_time = t;
  stats.wall_time = std::chrono::duration<double>(std::chrono::steady_clock::now() - wall0).count();
  observers.finish(stats, outcome, y0.data(), t, integrator.state());
  if (failure) throw *failure;
  return outcome;
}

}  // namespace venoflow
