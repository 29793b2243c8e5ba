// venoflow: the run's SDIRK integrator (numerics/arkode_integrator.hpp).
#include "numerics/arkode_integrator.hpp"

#include <arkode/arkode_arkstep.h>
#include <nvector/nvector_serial.h>

#include <stdexcept>

namespace venoflow {

ArkodeIntegrator::ArkodeIntegrator(System& system, ColouredJacobian& jacobian,
                                   const std::vector<double>& y0, const std::vector<double>& atol,
                                   const Settings& settings)
    : SundialsIntegrator(system, jacobian, y0, atol, settings.rtol), settings_(settings) {
  // Only an implicit part (fe = NULL): the whole right-hand side is stiff.
  arkode_.reset(ARKStepCreate(nullptr, &SundialsIntegrator::rhs_cb, 0.0, y_.get(), ctx_.get()));
  if (!arkode_) throw std::runtime_error("ARKStepCreate failed");
  configure();
}

// Everything ARKStepReInit keeps is set once; the rest again after each restart (configure is
// idempotent).
void ArkodeIntegrator::configure() {
  void* ark = arkode_.get();
  // Every callback's user data is the SundialsIntegrator (its rhs_cb and err_cb; this class's
  // own callbacks cast on from there).
  auto* self = static_cast<SundialsIntegrator*>(this);
  check(ARKStepSetErrHandlerFn(ark, &SundialsIntegrator::err_cb, self), "ARKStepSetErrHandlerFn");
  check(ARKStepSetUserData(ark, self), "ARKStepSetUserData");
  check(ARKStepSetTableNum(ark, ARKODE_SDIRK_5_3_4, ARKODE_ERK_NONE), "ARKStepSetTableNum");
  check(ARKStepSetInterpolantType(ark, ARK_INTERP_LAGRANGE), "ARKStepSetInterpolantType");
  check(set_tolerances(settings_.rtol, atol_.get()), "ARKStepSVtolerances");
  check(ARKStepSetLinearSolver(ark, linear_solver_.get(), matrix_.get()), "ARKStepSetLinearSolver");
  check(ARKStepSetJacFn(ark, &SundialsIntegrator::jac_cb), "ARKStepSetJacFn");
  if (matrix_assembly_.every_diagonal())
    check(ARKStepSetLinSysFn(ark, &ArkodeIntegrator::linear_system_cb), "ARKStepSetLinSysFn");
  // Each stage's Newton iteration starts from the interpolant of the last step extrapolated to
  // the stage time (ARKODE's predictor 1) instead of the last solution: the first correction is
  // then small, and the stages' results are more accurate at the same convergence test (the
  // trivial predictor left 1.3e-4 of the peak pressure on the 15-vessel tree). Not ARKODE's
  // one-iteration mode for linear problems (ARKStepSetLinear): it takes the finite-difference
  // Jacobian as exact and keeps it, and one evaluated at rest (increments at the scale of the
  // absolute tolerances) made the stages of an R-C charging curve inexact: 2e-4 of its
  // amplitude off at rtol 1e-9 (LumpedElementsByMethod.RcChargingCurve), 1.5e-7 with the
  // iteration.
  check(ARKStepSetPredictorMethod(ark, 1), "ARKStepSetPredictorMethod");
  // Stages solved to 0.01 of the local error tolerance (ARKODE's default 0.1): the embedded
  // error estimate differences the stages, and stage errors of a tenth of the tolerance made it
  // fail where the step was accurate. On the 4095-vessel tree of bench/peers: 2070 steps and 38
  // error test failures against 3213 and 211 (1023 vessels: 2066 against 2142), 1.2e-6 and
  // 7.1e-7 of the peak pressure at 15 and 127 vessels against 6.9e-6 and 2.4e-6.
  check(ARKStepSetNonlinConvCoef(ark, 0.01), "ARKStepSetNonlinConvCoef");
  // A stage's f(z_i) from its solution, (z_i - a_i) / (h gamma), instead of one more right-hand
  // side per stage (ARKODE evaluates it by default): the Newton iteration has solved that
  // relation to within its tolerance.
  check(ARKStepSetDeduceImplicitRhs(ark, SUNTRUE), "ARKStepSetDeduceImplicitRhs");
  // As the BDF integrator: no rescaling of Newton corrections computed with an older matrix, so
  // that every iterate keeps the network's linear invariants (its mass balance) exactly.
  check(ARKStepSetLinearSolutionScaling(ark, SUNFALSE), "ARKStepSetLinearSolutionScaling");
  limit_steps(settings_.max_step, kMaxSteps);
}

void ArkodeIntegrator::limit_steps(double max_step, long max_steps) {
  check(ARKStepSetMaxStep(arkode_.get(), max_step), "ARKStepSetMaxStep");
  check(ARKStepSetMaxNumSteps(arkode_.get(), max_steps), "ARKStepSetMaxNumSteps");
}

void ArkodeIntegrator::restart(double t0) {
  check(ARKStepReInit(arkode_.get(), nullptr, &SundialsIntegrator::rhs_cb, t0, y_.get()),
        "ARKStepReInit");
  configure();
}

void ArkodeIntegrator::set_stop_time(double t_stop) {
  check(ARKStepSetStopTime(arkode_.get(), t_stop), "ARKStepSetStopTime");
}

int ArkodeIntegrator::advance(double tout, double& t) {
  return ARKStepEvolve(arkode_.get(), tout, y_.get(), &t, ARK_NORMAL);
}

double ArkodeIntegrator::current_time() const {
  sunrealtype t = std::numeric_limits<double>::quiet_NaN();
  ARKStepGetCurrentTime(arkode_.get(), &t);
  return t;
}

Integrator::Counters ArkodeIntegrator::counters() const {
  Counters c;
  void* ark = arkode_.get();
  long explicit_rhs = 0;
  ARKStepGetNumSteps(ark, &c.steps);
  ARKStepGetNumRhsEvals(ark, &explicit_rhs, &c.rhs_evaluations);
  ARKStepGetNumJacEvals(ark, &c.jacobian_evaluations);
  ARKStepGetNumLinSolvSetups(ark, &c.linear_solver_setups);
  ARKStepGetNumErrTestFails(ark, &c.error_test_failures);
  ARKStepGetNumNonlinSolvConvFails(ark, &c.nonlinear_convergence_failures);
  return c;
}

int ArkodeIntegrator::linear_system_cb(sunrealtype t, N_Vector y, N_Vector fy, SUNMatrix A,
                                       SUNMatrix /*M: identity, no mass matrix*/,
                                       sunbooleantype jok, sunbooleantype* jcur, sunrealtype gamma,
                                       void* user, N_Vector, N_Vector, N_Vector) {
  auto* self = static_cast<ArkodeIntegrator*>(static_cast<SundialsIntegrator*>(user));
  return self->assemble_linear_system(t, y, fy, A, jok, jcur, gamma);
}

int ArkodeIntegrator::set_tolerances(double rtol, N_Vector atol) {
  return ARKStepSVtolerances(arkode_.get(), rtol, atol);
}

int ArkodeIntegrator::get_error_weights(N_Vector w) {
  return ARKStepGetErrWeights(arkode_.get(), w);
}

int ArkodeIntegrator::get_local_errors(N_Vector e) {
  return ARKStepGetEstLocalErrors(arkode_.get(), e);
}

}  // namespace venoflow
