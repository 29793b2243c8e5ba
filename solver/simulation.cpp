// venoflow: run control on CVODE (BDF, Newton, KLU with a coloured finite-difference
// Jacobian): output sampling, periodic steady state, interruption, failure diagnostics.
#include "venoflow/simulation.hpp"

#include <cvode/cvode.h>
#include <nvector/nvector_serial.h>
#include <sundials/sundials_context.h>
#include <sunlinsol/sunlinsol_klu.h>
#include <sunmatrix/sunmatrix_sparse.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <limits>
#include <sstream>

#include "solver/domain.hpp"
#include "solver/jacobian.hpp"
#include "solver/metrics.hpp"
#include "solver/run_plan.hpp"
#include "solver/steady_state.hpp"
#include "solver/sundials_handles.hpp"
#include "solver/system.hpp"

namespace venoflow {

namespace {

using sundials::ContextPtr;
using sundials::CvodePtr;
using sundials::MatrixPtr;
using sundials::SolverPtr;
using sundials::VectorPtr;

/// Largest common period of the periodic boundary functions, or 0.
double infer_period(const Model& m) {
  double T = 0.0;
  for (const auto& bc : m.boundary_conditions)
    if (bc.value.period() > 0.0) T = std::max(T, bc.value.period());
  return T;
}

/// Per-cycle comparison of probe waveforms (docs/numerics.md#periodic-steady-state): every
/// vessel's end and middle pressure and flow, every node pressure and element output,
/// sampled at the same phases in two consecutive cycles; the change is relative to the
/// probe's range over the cycle (with a floor of 1e-3 of its magnitude, and 1 Pa / 1e-9 m^3/s).
class SteadyStateMonitor {
 public:
  struct Probe {
    std::string name;
    double floor;
  };
  void setup(const OutputLayout& layout) {
    probes_.clear();
    index_.clear();
    std::size_t off = 0;
    for (const auto& v : layout.vessels) {
      const std::size_t nx = v.x.size();
      for (std::size_t j : {std::size_t{0}, nx / 2, nx - 1}) {
        add("vessel " + v.name + " pressure at x = " + std::to_string(v.x[j]) + " m", 0, off + j,
            1.0);
        add("vessel " + v.name + " flow at x = " + std::to_string(v.x[j]) + " m", 1, off + j, 1e-9);
      }
      off += nx;
    }
    for (std::size_t i = 0; i < layout.nodes.size(); ++i)
      add("node " + layout.nodes[i] + " pressure", 2, i, 1.0);
    // Element pressures, flows and volumes; a valve's opening and effective area (units 1 and
    // m^2) and indicators are left out: an idle valve's opening wanders without consequence,
    // while its flow and pressure drop are probed.
    std::size_t e = 0;
    for (const auto& el : layout.elements)
      for (const auto& q : el.quantities) {
        if (q.unit != "1" && q.unit != "m^2")
          add("element " + el.name + " " + q.name, 3, e, q.unit == "Pa" ? 1.0 : 1e-9);
        ++e;
      }
  }
  void record(const Sample& s) {
    // Rows are stored back to back (stride = number of probes): no allocation per sample.
    for (std::size_t i = 0; i < probes_.size(); ++i) {
      const auto [src, k] = index_[i];
      const std::vector<double>& v = src == 0   ? s.vessel_pressure
                                     : src == 1 ? s.vessel_flow
                                     : src == 2 ? s.node_pressure
                                                : s.element_values;
      current_.push_back(v[k]);
    }
  }
  /// Close a cycle. Returns the largest relative change against the previous cycle
  /// (negative if there is no previous cycle) and where it is.
  std::pair<double, std::string> end_cycle() {
    double worst = -1.0;
    std::string where;
    const std::size_t np = probes_.size();
    if (!previous_.empty() && previous_.size() == current_.size() && np > 0) {
      worst = 0.0;
      const std::size_t rows = current_.size() / np;
      for (std::size_t i = 0; i < np; ++i) {
        double lo = std::numeric_limits<double>::infinity(), hi = -lo, mag = 0.0, diff = 0.0;
        for (std::size_t s = 0; s < rows; ++s) {
          const double x = current_[s * np + i];
          lo = std::min(lo, x);
          hi = std::max(hi, x);
          mag = std::max(mag, std::abs(x));
          diff = std::max(diff, std::abs(x - previous_[s * np + i]));
        }
        const double scale = std::max({hi - lo, 1e-3 * mag, probes_[i].floor});
        if (diff / scale > worst) {
          worst = diff / scale;
          where = probes_[i].name;
        }
      }
    }
    previous_.swap(current_);
    current_.clear();
    return {worst, where};
  }

 private:
  void add(std::string name, int src, std::size_t k, double floor) {
    probes_.push_back({std::move(name), floor});
    index_.push_back({src, k});
  }
  std::vector<Probe> probes_;
  std::vector<std::pair<int, std::size_t>> index_;
  std::vector<double> previous_, current_;  // rows of probe values, back to back
};

}  // namespace

struct Simulation::Impl {
  Model model;
  std::unique_ptr<System> system;
  OutputLayout layout;
  std::unique_ptr<ColouredJacobian> jacobian;
  std::vector<double> jac_values;
  std::string cvode_message;
  long rhs_in_jacobian = 0;
  std::vector<double> ewt;

  static int rhs_cb(sunrealtype t, N_Vector y, N_Vector ydot, void* user) {
    auto* self = static_cast<Impl*>(user);
    const int rc = self->system->rhs(t, N_VGetArrayPointer(y), N_VGetArrayPointer(ydot));
    if (rc != 0) self->rhs_failure_time = t;
    return rc;
  }
  /// Time of the latest failed right-hand side (outside Jacobians), NaN if none.
  double rhs_failure_time = std::numeric_limits<double>::quiet_NaN();

  static int jac_cb(sunrealtype t, N_Vector y, N_Vector fy, SUNMatrix J, void* user, N_Vector,
                    N_Vector, N_Vector) {
    auto* self = static_cast<Impl*>(user);
    return self->fill_jacobian(t, y, fy, J);
  }

  void* cvode = nullptr;  // borrowed from the run's CvodePtr

  int fill_jacobian(double t, N_Vector y, N_Vector fy, SUNMatrix J) {
    const auto& p = system->pattern();
    N_Vector w = N_VClone(y);
    CVodeGetErrWeights(cvode, w);
    auto f = [this](double tt, const double* yy, double* ff) {
      ++rhs_in_jacobian;
      return system->rhs(tt, yy, ff);
    };
    const int rc = jacobian->evaluate(t, N_VGetArrayPointer(y), N_VGetArrayPointer(fy),
                                      N_VGetArrayPointer(w), f, jac_values);
    N_VDestroy(w);
    if (rc) return rc;
    // Restore the system's scratch state at (t, y) for later use.
    sunindextype* colptr = SUNSparseMatrix_IndexPointers(J);
    sunindextype* rowidx = SUNSparseMatrix_IndexValues(J);
    sunrealtype* data = SUNSparseMatrix_Data(J);
    for (int c = 0; c <= p.n; ++c) colptr[c] = p.col_ptr[c];
    for (long k = 0; k < p.nnz(); ++k) {
      rowidx[k] = p.row_idx[k];
      data[k] = jac_values[k];
    }
    return 0;
  }

  static void err_cb(int code, const char* module, const char* function, char* msg, void* user) {
    auto* self = static_cast<Impl*>(user);
    std::ostringstream o;
    o << module << "::" << function << " (" << code << "): " << msg;
    self->cvode_message = o.str();
  }
};

Simulation::Simulation(Model model) : impl_(std::make_unique<Impl>()) {
  impl_->model = std::move(model);
  if (impl_->model.solver.period <= 0.0) impl_->model.solver.period = infer_period(impl_->model);
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
void check(int flag, const char* what) {
  if (flag < 0)
    throw std::runtime_error(std::string("SUNDIALS call failed: ") + what + " (flag " +
                             std::to_string(flag) + ")");
}
}  // namespace

RunOutcome Simulation::run(ResultSink& sink, const RunControl& control) {
  Impl& m = *impl_;
  System& sys = *m.system;
  const SolverSettings& set = m.model.solver;
  const double T = set.period;
  const auto wall0 = std::chrono::steady_clock::now();

  // ---- run length, output instants, resource limits (solver/run_plan.cpp) ----
  const RunPlan plan = detail::plan_run(m.model, m.layout, sys.size(), sys.pattern().nnz(), control,
                                        sink.footprint(m.layout));
  if (!plan.has_length)
    throw std::invalid_argument(
        "no run length: give solver.cycles or solver.t_end "
        "(or --cycles / --t-end)");
  const bool steady_stop = set.stop_at_steady_state && T > 0.0;
  const double t_final = plan.t_final, dt_out = plan.output_interval;
  const long per_cycle = plan.samples_per_cycle, n_out = plan.output_steps;

  // ---- CVODE set-up ----
  SUNContext raw_ctx = nullptr;
  check(SUNContext_Create(nullptr, &raw_ctx), "SUNContext_Create");
  ContextPtr ctx(raw_ctx);
  const int n = sys.size();
  std::vector<double> y0;
  sys.initial_state(y0);
  VectorPtr y(N_VNew_Serial(n, ctx.get()));
  std::copy(y0.begin(), y0.end(), N_VGetArrayPointer(y.get()));
  VectorPtr atol(N_VNew_Serial(n, ctx.get()));
  const auto atol_v = sys.absolute_tolerances();
  std::copy(atol_v.begin(), atol_v.end(), N_VGetArrayPointer(atol.get()));
  CvodePtr cvode(CVodeCreate(CV_BDF, ctx.get()));
  if (!cvode) throw std::runtime_error("CVodeCreate failed");
  m.cvode = cvode.get();
  check(CVodeSetErrHandlerFn(cvode.get(), &Impl::err_cb, &m), "CVodeSetErrHandlerFn");
  check(CVodeInit(cvode.get(), &Impl::rhs_cb, 0.0, y.get()), "CVodeInit");
  check(CVodeSetUserData(cvode.get(), &m), "CVodeSetUserData");
  check(CVodeSVtolerances(cvode.get(), set.rtol, atol.get()), "CVodeSVtolerances");
  MatrixPtr J(SUNSparseMatrix(n, n, sys.pattern().nnz(), CSC_MAT, ctx.get()));
  SolverPtr ls(SUNLinSol_KLU(y.get(), J.get(), ctx.get()));
  if (!J || !ls) throw std::runtime_error("could not create the sparse matrix / KLU solver");
  check(CVodeSetLinearSolver(cvode.get(), ls.get(), J.get()), "CVodeSetLinearSolver");
  check(CVodeSetJacFn(cvode.get(), &Impl::jac_cb), "CVodeSetJacFn");
  // No 2/(1 + gamma ratio) rescaling of Newton corrections with an older matrix: without it
  // every Newton iterate keeps the linear invariants (the network's mass balance) exactly.
  check(CVodeSetLinearSolutionScaling(cvode.get(), SUNFALSE), "CVodeSetLinearSolutionScaling");
  const double max_step =
      set.max_step > 0.0 ? set.max_step : (T > 0.0 ? T / 100.0 : t_final / 100.0);
  check(CVodeSetMaxStep(cvode.get(), max_step), "CVodeSetMaxStep");
  check(CVodeSetMaxNumSteps(cvode.get(), 1000000), "CVodeSetMaxNumSteps");
  // Wave modes of the semi-discrete system have nearly imaginary eigenvalues, where BDF of
  // order > 2 is not stable: limit the order (solver.max_order) and detect stability limits.
  check(CVodeSetMaxOrd(cvode.get(), set.max_order), "CVodeSetMaxOrd");
  check(CVodeSetStabLimDet(cvode.get(), SUNTRUE), "CVodeSetStabLimDet");
  m.rhs_in_jacobian = 0;

  // ---- optional steady initialisation: the steady state with the boundaries at their means
  long pre_steps = 0, pre_rhs = 0, pre_jac = 0;
  if (set.initial_state == "steady") {
    sys.freeze_boundaries(true);
    // First pseudo-transient continuation (solver/steady_state.hpp): Newton's method damped
    // by implicit-Euler pseudo-time, converged to 1e-3 of the run's tolerances.
    SteadyStateOptions so;
    so.rtol = set.rtol;
    so.atol = atol_v;
    std::vector<double> ys = y0;
    const SteadyStateResult sr =
        pseudo_transient_steady_state(sys, *m.jacobian, ctx.get(), 0.0, ys, so);
    pre_rhs = sr.rhs_evaluations;
    pre_jac = sr.jacobians;
    int flag = 0;
    if (sr.converged) {
      std::copy(ys.begin(), ys.end(), N_VGetArrayPointer(y.get()));
    } else {
      // Otherwise relax in time: BDF with 100 x looser tolerances (only the end point
      // matters; same order limit: the wave modes are still there).
      check(CVodeSetMaxStep(cvode.get(), 0.0), "CVodeSetMaxStep");  // no limit
      check(CVodeSetMaxNumSteps(cvode.get(), 20000), "CVodeSetMaxNumSteps");
      N_Vector loose = N_VClone(atol.get());
      N_VScale(100.0, atol.get(), loose);
      check(CVodeSVtolerances(cvode.get(), 100.0 * set.rtol, loose), "CVodeSVtolerances");
      N_VDestroy(loose);
      double tp = 0.0;
      flag = CVode(cvode.get(), 1e6, y.get(), &tp, CV_NORMAL);  // ~11 days: steady
      long v = 0;
      CVodeGetNumSteps(cvode.get(), &pre_steps);
      CVodeGetNumRhsEvals(cvode.get(), &v);
      pre_rhs += v;
      CVodeGetNumJacEvals(cvode.get(), &v);
      pre_jac += v;
    }
    sys.freeze_boundaries(false);
    if (flag < 0) {
      // Not converged (e.g. no steady state exists): start from the initial conditions.
      std::copy(y0.begin(), y0.end(), N_VGetArrayPointer(y.get()));
    } else {
      // The run starts here: its bookkeeping integrals (boundary inflows for the volume
      // balance and the boundary means, discharged volumes) count from now, not from the
      // start of the relaxation.
      sys.reset_cumulative(N_VGetArrayPointer(y.get()));
      std::copy(N_VGetArrayPointer(y.get()), N_VGetArrayPointer(y.get()) + n, y0.begin());
    }
    check(CVodeReInit(cvode.get(), 0.0, y.get()), "CVodeReInit");
    check(CVodeSVtolerances(cvode.get(), set.rtol, atol.get()), "CVodeSVtolerances");
    check(CVodeSetMaxStep(cvode.get(), max_step), "CVodeSetMaxStep");
    check(CVodeSetMaxNumSteps(cvode.get(), 1000000), "CVodeSetMaxNumSteps");
  }
  check(CVodeSetStopTime(cvode.get(), t_final), "CVodeSetStopTime");

  // ---- output, possibly only the last N cycles ----
  sink.begin(m.layout, m.model);
  const bool ring = set.keep_last_cycles > 0 && per_cycle > 0;
  const std::size_t ring_size = ring ? std::size_t(set.keep_last_cycles) * per_cycle + 1 : 0;
  // The last ring_size samples, in a circle of reused slots (copy-assignment keeps each
  // slot's storage: no allocation per sample once the circle is full).
  std::vector<Sample> buffer;
  std::size_t ring_next = 0;  // slot of the next sample once full
  auto emit = [&](Sample& s) {
    if (!ring) {
      sink.write(s);
      return;
    }
    if (buffer.size() < ring_size) {
      buffer.push_back(s);
    } else {
      // Swap, not copy: s gets the oldest sample's storage, which sample() overwrites.
      std::swap(buffer[ring_next], s);
      ring_next = (ring_next + 1) % ring_size;
    }
  };

  RunOutcome outcome;
  RunStatistics stats;
  stats.unknowns = n;
  stats.colours = m.jacobian->colours();
  std::map<std::string, Metric> metrics;
  SteadyStateMonitor monitor;
  monitor.setup(m.layout);
  CycleMetrics cycle_metrics(m.layout, m.model);

  // Boundary bookkeeping for the summary: cumulative inflow at the start of the last cycle.
  const auto& bnd = sys.boundaries();
  std::vector<double> cum_cycle_start(bnd.size(), 0.0), cum_last_cycle_start(bnd.size(), 0.0);
  std::vector<double> p_sum(bnd.size(), 0.0), p_sum_last(bnd.size(), 0.0);
  double cycle_start_t = 0.0, last_cycle_start_t = 0.0;
  long samples_in_cycle = 0, samples_in_last = 0;
  std::vector<int> bnode;
  for (const auto& b : bnd) bnode.push_back(sys.node_index(b.node));

  Sample s;
  double t = 0.0;
  // Validity domain of every tube law and element, checked on each accepted sample.
  DomainMonitor domain(sys.domain_checks());
  const bool domain_warn = set.on_domain_violation == "warn";
  auto take_sample = [&](double tt, const double* yy) {
    if (sys.sample(tt, yy, s))
      throw SolverError(tt, sys.failure_component(), sys.failure_quantity(), sys.failure());
    auto finite = [](const std::vector<double>& v) {
      return std::all_of(v.begin(), v.end(), [](double x) { return std::isfinite(x); });
    };
    if (!finite(s.vessel_pressure) || !finite(s.vessel_flow) || !finite(s.vessel_area) ||
        !finite(s.node_pressure) || !finite(s.element_values))
      throw SolverError(tt, "output", "non-finite value", "a sampled value is not finite");
    if (auto bad = domain.check(s, domain_warn); bad && !domain_warn) {
      emit(s);  // the offending sample is part of the partial results
      throw SolverError(tt, bad->check->component, bad->check->quantity, bad->describe());
    }
    monitor.record(s);
    cycle_metrics.record(s);
    for (std::size_t i = 0; i < bnd.size(); ++i) p_sum[i] += s.node_pressure[bnode[i]];
    ++samples_in_cycle;
    emit(s);  // last: it may take s's storage (sample() refills s)
  };
  auto cum_values = [&](const double* yy) {
    std::vector<double> c(bnd.size());
    for (std::size_t i = 0; i < bnd.size(); ++i) c[i] = yy[bnd[i].cumulative_state];
    return c;
  };

  auto last_progress = std::chrono::steady_clock::now();
  std::string error;
  std::optional<SolverError> failure;
  try {
    take_sample(0.0, N_VGetArrayPointer(y.get()));
    // The sample at t = 0 opens the first cycle; each cycle's samples are phases [0, T).
    for (long k = 1; k <= n_out; ++k) {
      const double tout = std::min(k * dt_out, t_final);
      const int flag = CVode(cvode.get(), tout, y.get(), &t, CV_NORMAL);
      if (flag < 0) {
        std::string component = sys.failure_component(), quantity = sys.failure_quantity();
        std::string detail = sys.failure().empty() ? m.cvode_message : sys.failure();
        double t_now = t;
        CVodeGetCurrentTime(cvode.get(), &t_now);
        const bool rhs_failed_here =
            std::abs(m.rhs_failure_time - t_now) <= 1e-9 * std::max(1.0, std::abs(t_now));
        if (flag == CV_CONV_FAILURE && rhs_failed_here && !component.empty()) {
          // The step shrank to nothing where the right-hand side fails (a node with no
          // pressure for its volume, a vessel with no area): that is the cause to name.
          detail = sys.failure() + "; " + m.cvode_message;
        } else if (flag == CV_ERR_FAILURE || flag == CV_CONV_FAILURE) {
          // Name the unknown with the largest weighted local error estimate.
          N_Vector ele = N_VClone(y.get()), w = N_VClone(y.get());
          CVodeGetEstLocalErrors(cvode.get(), ele);
          CVodeGetErrWeights(cvode.get(), w);
          int worst = 0;
          double wmax = -1.0;
          for (int i = 0; i < n; ++i) {
            const double e = std::abs(NV_Ith_S(ele, i) * NV_Ith_S(w, i));
            if (e > wmax) {
              wmax = e;
              worst = i;
            }
          }
          N_VDestroy(ele);
          N_VDestroy(w);
          component = sys.describe_unknown(worst);
          quantity = flag == CV_ERR_FAILURE ? "error test failures" : "Newton convergence failures";
          detail =
              m.cvode_message + (sys.failure().empty() ? "" : "; last failure: " + sys.failure());
        } else if (component.empty()) {
          component = "integrator";
          quantity = "CVODE flag " + std::to_string(flag);
        }
        CVodeGetCurrentTime(cvode.get(), &t);
        throw SolverError(t, component, quantity, detail);
      }
      const bool cycle_end = per_cycle > 0 && k % per_cycle == 0;
      if (cycle_end) {
        // The sample at the cycle end is the first of the next cycle.
        ++stats.cycles_completed;
        auto [change, where] = monitor.end_cycle();
        cycle_metrics.end_cycle();
        cum_last_cycle_start = cum_cycle_start;
        cum_cycle_start = cum_values(N_VGetArrayPointer(y.get()));
        p_sum_last = p_sum;
        samples_in_last = samples_in_cycle;
        std::fill(p_sum.begin(), p_sum.end(), 0.0);
        samples_in_cycle = 0;
        last_cycle_start_t = cycle_start_t;
        cycle_start_t = t;
        if (change >= 0.0) {
          outcome.steady_state_change = change;
          outcome.steady_state_location = where;
        }
        take_sample(t, N_VGetArrayPointer(y.get()));
        if (steady_stop && change >= 0.0 && change < set.steady_state_tolerance) {
          outcome.steady_state = true;
          break;
        }
      } else {
        take_sample(t, N_VGetArrayPointer(y.get()));
      }
      if (control.stop && control.stop->load()) {
        outcome.interrupted = true;
        break;
      }
      if (control.progress) {
        const auto now = std::chrono::steady_clock::now();
        if (now - last_progress > std::chrono::milliseconds(100)) {
          control.progress(t, t_final);
          last_progress = now;
        }
      }
    }
    outcome.complete = !outcome.interrupted;
    outcome.warnings = domain.warnings();
  } catch (const SolverError& e) {
    error = e.what();
    outcome.error = error;
    failure = e;
  }

  // ---- statistics and boundary summary ----
  long v = 0;
  // Including the steady initialisation, if any (its own counters were reset by CVodeReInit).
  CVodeGetNumSteps(cvode.get(), &v);
  stats.steps = v + pre_steps;
  CVodeGetNumRhsEvals(cvode.get(), &v);
  stats.rhs_evaluations = v + pre_rhs + m.rhs_in_jacobian;
  CVodeGetNumJacEvals(cvode.get(), &v);
  stats.jacobian_evaluations = v + pre_jac;
  CVodeGetNumLinSolvSetups(cvode.get(), &v);
  stats.linear_solver_setups = v;
  CVodeGetNumErrTestFails(cvode.get(), &v);
  stats.error_test_failures = v;
  CVodeGetNumNonlinSolvConvFails(cvode.get(), &v);
  stats.nonlinear_convergence_failures = v;
  stats.simulated_time = t;
  stats.wall_time = std::chrono::duration<double>(std::chrono::steady_clock::now() - wall0).count();

  {
    // Mass balance over the run: stored volume change minus boundary inflow (exact up to
    // round-off for this scheme: docs/numerics.md#mass-conservation).
    const double* yy = N_VGetArrayPointer(y.get());
    const double v0 = sys.stored_volume(y0.data());
    const double imbalance = sys.stored_volume(yy) - v0 - sys.cumulative_inflow(yy);
    metrics["volume_balance_error"] = {
        imbalance, "m^3", "stored volume change minus net boundary inflow over the run"};
    metrics["stored_volume"] = {sys.stored_volume(yy), "m^3",
                                "blood volume in the network at the end"};
  }
  if (outcome.error.empty()) cycle_metrics.compute(metrics);
  if (outcome.error.empty()) {
    // Means over the last complete cycle (or the whole run without a period).
    const bool have_cycle = per_cycle > 0 && stats.cycles_completed >= 1;
    const auto cum_now = cum_values(N_VGetArrayPointer(y.get()));
    for (std::size_t i = 0; i < bnd.size(); ++i) {
      double q_mean, p_mean;
      if (have_cycle) {
        q_mean =
            (cum_cycle_start[i] - cum_last_cycle_start[i]) / (cycle_start_t - last_cycle_start_t);
        p_mean = p_sum_last[i] / std::max(1L, samples_in_last);
      } else {
        q_mean = t > 0 ? cum_now[i] / t : 0.0;
        p_mean = p_sum[i] / std::max(1L, samples_in_cycle);
      }
      metrics["boundary_" + bnd[i].node + "_mean_flow"] = {
          q_mean, "m^3/s", "mean inflow at boundary node " + bnd[i].node + " over the last cycle"};
      metrics["boundary_" + bnd[i].node + "_mean_pressure"] = {
          p_mean, "Pa", "mean pressure at boundary node " + bnd[i].node + " over the last cycle"};
    }
  }
  for (std::size_t i = 0; i < buffer.size(); ++i)
    sink.write(buffer[(ring_next + i) % buffer.size()]);
  sink.finish(stats, outcome, metrics);
  if (failure) throw *failure;
  return outcome;
}

}  // namespace venoflow
