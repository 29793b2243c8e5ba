// venoflow: what the run's two SUNDIALS integrators share (numerics/cvode_integrator.hpp,
// numerics/arkode_integrator.hpp): the owned context, state, tolerance and weight vectors, the
// sparse iteration matrix with its refactoring LU (numerics/sunlinsol_refactoring_lu.hpp) and
// its assembly from the kept Jacobian (numerics/iteration_matrix.hpp), the right-hand side and
// error callbacks, and the record of a failing right-hand side for the failure report.
#pragma once

#include <limits>
#include <string>
#include <vector>

#include "numerics/integrator.hpp"
#include "numerics/iteration_matrix.hpp"
#include "numerics/jacobian.hpp"
#include "numerics/sundials_handles.hpp"
#include "numerics/system.hpp"

namespace venoflow {

class SundialsIntegrator : public Integrator {
 public:
  SundialsIntegrator(const SundialsIntegrator&) = delete;
  SundialsIntegrator& operator=(const SundialsIntegrator&) = delete;

  SUNContext context() const override { return ctx_.get(); }
  double* state() override;
  int size() const override { return n_; }
  long jacobian_rhs_evaluations() const override { return matrix_assembly_.rhs_evaluations(); }
  const std::string& message() const override { return message_; }
  bool rhs_failed_at(double t) const override;
  void scale_tolerances(double factor) override;
  const double* error_weights() override;
  const double* local_errors() override;

 protected:
  /// The state y0 and absolute tolerances `atol` of `system`, with compiled vector operations
  /// (the integrators clone their work vectors from y_), the sparse matrix and the LU.
  SundialsIntegrator(System& system, ColouredJacobian& jacobian, const std::vector<double>& y0,
                     const std::vector<double>& atol, double rtol);
  ~SundialsIntegrator() override = default;

  /// Steps per advance() in a run: a cap against a step size collapsing without a failure.
  static constexpr long kMaxSteps = 1000000;

  /// The library's own calls behind the operations above (CVodeSVtolerances /
  /// ARKStepSVtolerances, CVodeGetErrWeights / ..., CVodeGetEstLocalErrors / ...).
  virtual int set_tolerances(double rtol, N_Vector atol) = 0;
  virtual int get_error_weights(N_Vector w) = 0;
  virtual int get_local_errors(N_Vector e) = 0;

  /// Throws std::runtime_error naming the call when flag < 0.
  void check(int flag, const char* what) const;
  /// The right-hand side and the error handler; user data: the SundialsIntegrator.
  static int rhs_cb(double t, N_Vector y, N_Vector ydot, void* user);
  static void err_cb(int code, const char* module, const char* function, char* msg, void* user);
  /// The Jacobian hook (the same signature in both libraries): J at (t, y) into J, the
  /// finite-difference increments scaled by the current error weights.
  static int jac_cb(double t, N_Vector y, N_Vector fy, SUNMatrix J, void* user, N_Vector, N_Vector,
                    N_Vector);
  /// The linear-system hooks' work (their signatures differ by ARKODE's mass matrix): A = I -
  /// gamma J from the kept Jacobian (IterationMatrix::assemble).
  int assemble_linear_system(double t, N_Vector y, N_Vector fy, SUNMatrix A, sunbooleantype jok,
                             sunbooleantype* jcur, double gamma);

  System& system_;
  int n_ = 0;
  double rtol_;
  sundials::ContextPtr ctx_;
  sundials::VectorPtr y_, atol_, scaled_atol_, weights_, errors_;
  sundials::MatrixPtr matrix_;
  sundials::SolverPtr linear_solver_;
  // The iteration matrix I - gamma J assembled in one pass from the kept Jacobian (the
  // integrators' linear-system hooks), and the Jacobian hooks' evaluations.
  IterationMatrix matrix_assembly_;
  std::string message_;
  /// Time of the latest failed right-hand side (outside Jacobians), NaN if none.
  double rhs_failure_time_ = std::numeric_limits<double>::quiet_NaN();
};

}  // namespace venoflow
