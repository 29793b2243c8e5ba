// venoflow: the run's integrator by an L-stable singly diagonally implicit Runge-Kutta method
// (solver.method: sdirk). ARKODE's ARKStep (Reynolds et al. 2023, ACM TOMS 49:19; SUNDIALS
// 6.4.1) with the implicit table SDIRK_5_3_4: 5 stages, order 4, embedded order 3, L-stable
// and stiffly accurate (Hairer & Wanner 1996, Solving ODEs II, IV.6, eq. 6.16), Newton
// iterations on the same sparse LU (numerics/sparse_lu.hpp) and coloured finite-difference
// Jacobian (numerics/jacobian.hpp) as the BDF integrator (numerics/cvode_integrator.hpp).
//
// Why: BDF of order 3 to 5 is not A-stable. Lightly damped, fast modes near the imaginary axis
// (the L-C modes of the small vessels of a large lumped network) then limit its step, whatever
// the tolerance: on the binary trees of bench/peers its steps grow as N^0.45 and hardly fall
// with a looser tolerance, while an L-stable method's steps stay flat in N (bench/peers/
// README.md). Each SDIRK step costs about five BDF steps (five stages, one Newton solve each),
// so BDF stays the default; SDIRK pays off on large lumped networks.
//
// Solution between steps: ARKODE's Lagrange interpolant (its choice for stiff problems). Each
// stage's Newton iteration starts from that interpolant extrapolated to the stage (predictor
// 1) and runs to ARKODE's convergence test (arkode_integrator.cpp says why not its
// one-iteration mode for linear problems).
#pragma once

#include <vector>

#include "numerics/sundials_integrator.hpp"

namespace venoflow {

class ArkodeIntegrator final : public SundialsIntegrator {
 public:
  struct Settings {
    double rtol = 1e-6;
    double max_step = 0.0;  ///< largest step [s] (0 = none)
  };

  /// Ready to integrate `system` from y0 at t = 0 with the absolute tolerances `atol`.
  ArkodeIntegrator(System& system, ColouredJacobian& jacobian, const std::vector<double>& y0,
                   const std::vector<double>& atol, const Settings& settings);

  void limit_steps(double max_step, long max_steps) override;
  void restart(double t0) override;
  void set_stop_time(double t_stop) override;
  /// Integrate to tout (ARK_NORMAL); t receives the time reached. Returns ARKODE's flag.
  int advance(double tout, double& t) override;
  double current_time() const override;
  /// rhs_evaluations: of the implicit right-hand side (the only one).
  Counters counters() const override;
  const char* library() const override { return "ARKODE"; }

 private:
  static int linear_system_cb(double t, N_Vector y, N_Vector fy, SUNMatrix A, SUNMatrix M,
                              sunbooleantype jok, sunbooleantype* jcur, double gamma, void* user,
                              N_Vector, N_Vector, N_Vector);
  int set_tolerances(double rtol, N_Vector atol) override;
  int get_error_weights(N_Vector w) override;
  int get_local_errors(N_Vector e) override;
  void configure();

  Settings settings_;
  sundials::ArkodePtr arkode_;
};

}  // namespace venoflow
