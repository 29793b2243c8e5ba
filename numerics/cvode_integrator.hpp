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

#include "numerics/sundials_integrator.hpp"

namespace venoflow {

class CvodeIntegrator final : public SundialsIntegrator {
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

  /// Ready to integrate `system` from y0 at t = 0 with the absolute tolerances `atol`.
  CvodeIntegrator(System& system, ColouredJacobian& jacobian, const std::vector<double>& y0,
                  const std::vector<double>& atol, const Settings& settings);

  void limit_steps(double max_step, long max_steps) override;
  void restart(double t0) override;
  void set_stop_time(double t_stop) override;
  /// Integrate to tout (CV_NORMAL); t receives the time reached. Returns CVODE's flag.
  int advance(double tout, double& t) override;
  double current_time() const override;
  Counters counters() const override;
  const char* library() const override { return "CVODE"; }
  /// The iteration matrix CVODE hands the linear solver (for tests).
  SUNMatrix iteration_matrix() const { return matrix_.get(); }
  /// The linear solver CVODE sets up on it (for tests).
  SUNLinearSolver linear_solver() const { return linear_solver_.get(); }

 private:
  static int linear_system_cb(double t, N_Vector y, N_Vector fy, SUNMatrix A, sunbooleantype jok,
                              sunbooleantype* jcur, double gamma, void* user, N_Vector, N_Vector,
                              N_Vector);
  int set_tolerances(double rtol, N_Vector atol) override;
  int get_error_weights(N_Vector w) override;
  int get_local_errors(N_Vector e) override;

  Settings settings_;
  sundials::CvodePtr cvode_;
};

}  // namespace venoflow
