// venoflow: the run's integrator as one object. CVODE (Hindmarsh et al. 2005, ACM TOMS
// 31:363) with BDF, Newton iterations and a sparse LU (numerics/sparse_lu.hpp) on the
// coloured finite-difference Jacobian
// (numerics/jacobian.hpp): its set-up, tolerances, step limits, stop time, statistics, and the
// error weights and local error estimates that name the cause of a failure
// (numerics/failure_report.hpp). Every SUNDIALS handle it uses is owned
// (numerics/sundials_handles.hpp), so a throw cannot leak one.
#pragma once

#include <limits>
#include <string>
#include <vector>

#include "numerics/jacobian.hpp"
#include "numerics/sundials_handles.hpp"
#include "numerics/system.hpp"

namespace venoflow {

class CvodeIntegrator {
 public:
  /// The run's settings: relative tolerance, largest BDF order, largest step [s] (0 = none).
  struct Settings {
    double rtol = 1e-6;
    int max_order = 2;
    double max_step = 0.0;
    /// CVODE's fused integrator kernels (predictor, error weights, Newton residual:
    /// numerics/cvode_fused_kernels.cpp) where the build has them (third_party/sundials_cvode).
    /// Results are the same to the bit either way; false is for the tests that check this.
    bool fused_kernels = true;
    /// The iteration matrix I - gamma J assembled in one pass from the kept Jacobian
    /// (CVodeSetLinSysFn) instead of by CVODE's copy and shift. Results are the same to the bit
    /// either way; false is for the tests that check this.
    bool one_pass_linear_system = true;
  };
  /// Counters of CVODE since the latest (re)start.
  struct Counters {
    long steps = 0, rhs_evaluations = 0, jacobian_evaluations = 0, linear_solver_setups = 0,
         error_test_failures = 0, nonlinear_convergence_failures = 0;
  };

  /// Ready to integrate `system` from y0 at t = 0 with the absolute tolerances `atol`.
  CvodeIntegrator(System& system, ColouredJacobian& jacobian, const std::vector<double>& y0,
                  const std::vector<double>& atol, const Settings& settings);
  CvodeIntegrator(const CvodeIntegrator&) = delete;
  CvodeIntegrator& operator=(const CvodeIntegrator&) = delete;

  /// The SUNDIALS context (for other solvers of the run, e.g. the steady initialisation).
  SUNContext context() const { return ctx_.get(); }
  /// The state y (n values): the integrator's current solution, writable before restart().
  double* state();
  int size() const { return n_; }

  /// Tolerances `factor` times the run's (relative and absolute); 1 restores them.
  void scale_tolerances(double factor);
  /// Largest step [s] (0 = no limit) and largest number of steps per advance().
  void limit_steps(double max_step, long max_steps);
  /// Restart at time t0 from state() with the run's tolerances and step limits (counters reset).
  void restart(double t0);
  void set_stop_time(double t_stop);
  /// Integrate to tout (CV_NORMAL); t receives the time reached. Returns CVODE's flag.
  int advance(double tout, double& t);

  double current_time() const;
  Counters counters() const;
  /// Right-hand sides spent on finite-difference Jacobians (not in CVODE's count).
  long jacobian_rhs_evaluations() const { return rhs_in_jacobian_; }
  /// CVODE's error weights 1/(rtol |y| + atol) and local error estimates of the last step.
  const double* error_weights();
  const double* local_errors();
  /// The iteration matrix CVODE hands the linear solver (for tests).
  SUNMatrix iteration_matrix() const { return matrix_.get(); }
  /// The linear solver CVODE sets up on it (for tests).
  SUNLinearSolver linear_solver() const { return linear_solver_.get(); }
  /// CVODE's latest error message ("" if none).
  const std::string& message() const { return message_; }
  /// True if the right-hand side failed (outside a Jacobian) at time t.
  bool rhs_failed_at(double t) const;

 private:
  static int rhs_cb(double t, N_Vector y, N_Vector ydot, void* user);
  static int jac_cb(double t, N_Vector y, N_Vector fy, SUNMatrix J, void* user, N_Vector, N_Vector,
                    N_Vector);
  static void err_cb(int code, const char* module, const char* function, char* msg, void* user);
  int fill_jacobian(double t, N_Vector y, N_Vector fy, SUNMatrix J);
  /// The coloured finite-difference Jacobian at (t, y), f(t, y) = fy, into `values` (the
  /// pattern's order), its increments scaled by CVODE's current error weights.
  int evaluate_jacobian(double t, N_Vector y, N_Vector fy, std::vector<double>& values);
  static int linear_system_cb(double t, N_Vector y, N_Vector fy, SUNMatrix A, sunbooleantype jok,
                              sunbooleantype* jcur, double gamma, void* user, N_Vector, N_Vector,
                              N_Vector);
  int linear_system(double t, N_Vector y, N_Vector fy, SUNMatrix A, bool jok, sunbooleantype* jcur,
                    double gamma);
  void check(int flag, const char* what) const;

  System& system_;
  ColouredJacobian& jacobian_;
  Settings settings_;
  int n_ = 0;
  sundials::ContextPtr ctx_;
  sundials::VectorPtr y_, atol_, scaled_atol_, weights_, errors_;
  sundials::CvodePtr cvode_;
  sundials::MatrixPtr matrix_;
  sundials::SolverPtr linear_solver_;
  std::vector<double> jacobian_values_;
  // The iteration matrix I - gamma J assembled in one pass (linear_system): the Jacobian's
  // pattern in CVODE's index type, the position of each diagonal entry in it (found once), the
  // latest successfully evaluated Jacobian (CVODE's saved Jacobian) and a scratch evaluation.
  std::vector<sunindextype> pattern_col_ptr_, pattern_row_idx_, diagonal_position_;
  std::vector<double> jacobian_scratch_;
  long rhs_in_jacobian_ = 0;
  std::string message_;
  /// Time of the latest failed right-hand side (outside Jacobians), NaN if none.
  double rhs_failure_time_ = std::numeric_limits<double>::quiet_NaN();
};

}  // namespace venoflow
