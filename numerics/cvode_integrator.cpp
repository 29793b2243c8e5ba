// venoflow: the run's CVODE integrator (numerics/cvode_integrator.hpp).
#include "numerics/cvode_integrator.hpp"

#include <cvode/cvode.h>
#include <nvector/nvector_serial.h>

#include <stdexcept>

namespace venoflow {

CvodeIntegrator::CvodeIntegrator(System& system, ColouredJacobian& jacobian,
                                 const std::vector<double>& y0, const std::vector<double>& atol,
                                 const Settings& settings)
    : SundialsIntegrator(system, jacobian, y0, atol, settings.rtol), settings_(settings) {
  cvode_.reset(CVodeCreate(CV_BDF, ctx_.get()));
  if (!cvode_) throw std::runtime_error("CVodeCreate failed");
  void* cv = cvode_.get();
  // Every callback's user data is the SundialsIntegrator (its rhs_cb and err_cb; this class's
  // own callbacks cast on from there).
  auto* self = static_cast<SundialsIntegrator*>(this);
  check(CVodeSetErrHandlerFn(cv, &SundialsIntegrator::err_cb, self), "CVodeSetErrHandlerFn");
  check(CVodeInit(cv, &SundialsIntegrator::rhs_cb, 0.0, y_.get()), "CVodeInit");
  check(CVodeSetUserData(cv, self), "CVodeSetUserData");
  check(CVodeSVtolerances(cv, settings_.rtol, atol_.get()), "CVodeSVtolerances");
#ifdef VENOFLOW_FUSED_CVODE_KERNELS
  // One pass over the vectors for the predictor, the error weights and the Newton residual,
  // instead of up to q(q+1)/2 + 4 (numerics/cvode_fused_kernels.cpp): same results to the bit.
  if (settings_.fused_kernels)
    check(CVodeSetUseIntegratorFusedKernels(cv, SUNTRUE), "CVodeSetUseIntegratorFusedKernels");
#endif
  check(CVodeSetLinearSolver(cv, linear_solver_.get(), matrix_.get()), "CVodeSetLinearSolver");
  check(CVodeSetJacFn(cv, &SundialsIntegrator::jac_cb), "CVodeSetJacFn");
  // The iteration matrix I - gamma J in one pass from the kept Jacobian (IterationMatrix), in
  // place of CVODE's copy of its saved Jacobian, a check that the two patterns agree and a second
  // pass that scales and shifts the diagonal found again in the pattern. Same values to the bit.
  // A pattern without every diagonal entry keeps CVODE's own assembly (its shift inserts the
  // missing entries).
  if (matrix_assembly_.every_diagonal() && settings_.one_pass_linear_system)
    check(CVodeSetLinSysFn(cv, &CvodeIntegrator::linear_system_cb), "CVodeSetLinSysFn");
  // Jacobian and iteration-matrix reuse in a linear network (System::linear): its Jacobian is
  // constant, and a setup (I - gamma J from the kept Jacobian and a sparse LU refactorisation)
  // costs about one and a half steps and a finite-difference Jacobian several right-hand sides.
  // CVODE still sets up when gamma drifts by 30 % (its default) and re-evaluates the Jacobian
  // after a convergence failure; only the periodic refreshes are spaced out, from every 20 to
  // every 50 steps (setups) and from 51 to 200 (Jacobians): 6-11 % fewer instructions on the
  // 63-255-vessel trees of bench/peers at the same steps. Not for nonlinear models: there the
  // older matrices change the step sequence (a valve's opening then overshoots its bound).
  if (system.linear()) {
    check(CVodeSetLSetupFrequency(cv, 50), "CVodeSetLSetupFrequency");
    check(CVodeSetJacEvalFrequency(cv, 200), "CVodeSetJacEvalFrequency");
  }
  // No 2/(1 + gamma ratio) rescaling of Newton corrections with an older matrix: without it
  // every Newton iterate keeps the linear invariants (the network's mass balance) exactly.
  check(CVodeSetLinearSolutionScaling(cv, SUNFALSE), "CVodeSetLinearSolutionScaling");
  limit_steps(settings_.max_step, kMaxSteps);
  // Wave modes of the semi-discrete system have nearly imaginary eigenvalues, where BDF of
  // order > 2 is not stable: limit the order (solver.max_order) and detect stability limits.
  check(CVodeSetMaxOrd(cv, settings_.max_order), "CVodeSetMaxOrd");
  check(CVodeSetStabLimDet(cv, SUNTRUE), "CVodeSetStabLimDet");
}

void CvodeIntegrator::limit_steps(double max_step, long max_steps) {
  check(CVodeSetMaxStep(cvode_.get(), max_step), "CVodeSetMaxStep");
  check(CVodeSetMaxNumSteps(cvode_.get(), max_steps), "CVodeSetMaxNumSteps");
}

void CvodeIntegrator::restart(double t0) {
  check(CVodeReInit(cvode_.get(), t0, y_.get()), "CVodeReInit");
  scale_tolerances(1.0);
  limit_steps(settings_.max_step, kMaxSteps);
}

void CvodeIntegrator::set_stop_time(double t_stop) {
  check(CVodeSetStopTime(cvode_.get(), t_stop), "CVodeSetStopTime");
}

int CvodeIntegrator::advance(double tout, double& t) {
  return CVode(cvode_.get(), tout, y_.get(), &t, CV_NORMAL);
}

double CvodeIntegrator::current_time() const {
  sunrealtype t = std::numeric_limits<double>::quiet_NaN();
  CVodeGetCurrentTime(cvode_.get(), &t);
  return t;
}

CvodeIntegrator::Counters CvodeIntegrator::counters() const {
  Counters c;
  void* cv = cvode_.get();
  CVodeGetNumSteps(cv, &c.steps);
  CVodeGetNumRhsEvals(cv, &c.rhs_evaluations);
  CVodeGetNumJacEvals(cv, &c.jacobian_evaluations);
  CVodeGetNumLinSolvSetups(cv, &c.linear_solver_setups);
  CVodeGetNumErrTestFails(cv, &c.error_test_failures);
  CVodeGetNumNonlinSolvConvFails(cv, &c.nonlinear_convergence_failures);
  return c;
}

int CvodeIntegrator::linear_system_cb(sunrealtype t, N_Vector y, N_Vector fy, SUNMatrix A,
                                      sunbooleantype jok, sunbooleantype* jcur, sunrealtype gamma,
                                      void* user, N_Vector, N_Vector, N_Vector) {
  // As CVODE's own (third_party/sundials_cvode/cvode_ls.c, cvLsLinSys), to the bit.
  auto* self = static_cast<CvodeIntegrator*>(static_cast<SundialsIntegrator*>(user));
  return self->assemble_linear_system(t, y, fy, A, jok, jcur, gamma);
}

int CvodeIntegrator::set_tolerances(double rtol, N_Vector atol) {
  return CVodeSVtolerances(cvode_.get(), rtol, atol);
}

int CvodeIntegrator::get_error_weights(N_Vector w) { return CVodeGetErrWeights(cvode_.get(), w); }

int CvodeIntegrator::get_local_errors(N_Vector e) {
  return CVodeGetEstLocalErrors(cvode_.get(), e);
}

}  // namespace venoflow
