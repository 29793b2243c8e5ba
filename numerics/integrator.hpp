// venoflow: what a run asks of its time integrator (numerics/cvode_integrator.hpp: BDF, the
// default; numerics/arkode_integrator.hpp: an L-stable SDIRK), so that the run, the steady
// initialisation and the failure report work with either.
#pragma once

#include <sundials/sundials_context.h>

#include <string>

namespace venoflow {

class Integrator {
 public:
  /// Counters since the latest (re)start.
  struct Counters {
    long steps = 0, rhs_evaluations = 0, jacobian_evaluations = 0, linear_solver_setups = 0,
         error_test_failures = 0, nonlinear_convergence_failures = 0;
  };
  virtual ~Integrator() = default;

  /// The SUNDIALS context (for other solvers of the run, e.g. the steady initialisation).
  virtual SUNContext context() const = 0;
  /// The state y (size() values): the current solution, writable before restart().
  virtual double* state() = 0;
  virtual int size() const = 0;
  /// Tolerances `factor` times the run's (relative and absolute); 1 restores them.
  virtual void scale_tolerances(double factor) = 0;
  /// Largest step [s] (0 = no limit) and largest number of steps per advance().
  virtual void limit_steps(double max_step, long max_steps) = 0;
  /// Restart at time t0 from state() with the run's tolerances and step limits (counters reset).
  virtual void restart(double t0) = 0;
  virtual void set_stop_time(double t_stop) = 0;
  /// Integrate to tout (the solution there interpolated); t receives the time reached. Returns
  /// the SUNDIALS flag: 0 or positive on success; negative on failure, with the same values in
  /// CVODE and ARKODE for the failures the report names (-3: error test failures, -4: Newton
  /// convergence failures).
  virtual int advance(double tout, double& t) = 0;
  virtual double current_time() const = 0;
  virtual Counters counters() const = 0;
  /// Right-hand sides spent on finite-difference Jacobians (not in the integrator's count).
  virtual long jacobian_rhs_evaluations() const = 0;
  /// The error weights 1/(rtol |y| + atol) and local error estimates of the last step.
  virtual const double* error_weights() = 0;
  virtual const double* local_errors() = 0;
  /// The integrator's latest error message ("" if none).
  virtual const std::string& message() const = 0;
  /// True if the right-hand side failed (outside a Jacobian) at time t.
  virtual bool rhs_failed_at(double t) const = 0;
  /// The SUNDIALS package behind it, for messages: "CVODE" or "ARKODE".
  virtual const char* library() const = 0;
};

}  // namespace venoflow
