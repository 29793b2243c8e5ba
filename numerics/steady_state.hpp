// Steady state of the network with its boundaries held at their means, by pseudo-transient
// continuation (Kelley & Keyes 1998, SIAM J Numer Anal 35(2):508-523; Coffey, Kelley & Keyes
// 2003, SIAM J Sci Comput 25(2):553-569):
//
//   (I / dtau_k - J(y_k)) dy_k = f(y_k),   y_{k+1} = y_k + dy_k,
//   dtau_{k+1} = dtau_k ||f(y_{k-1})|| / ||f(y_k)||     (switched evolution relaxation, SER)
//
// J = df/dy by the coloured finite differences of the solver (numerics/jacobian.hpp). While dtau
// is small the iteration is implicit Euler in pseudo-time and follows the damped dynamics of
// the network; as the residual falls dtau grows without bound and it becomes Newton's method,
// which converges quadratically. Unlike a time integration with error control it does not
// resolve the transient, only its end point. Bookkeeping integrals (cumulative states) have no
// steady state: their updates are held at zero. A failed residual (a vein collapsing to no
// area, a node with no pressure) halves dtau and retries. When this does not converge the
// run's initialisation (initialise_at_steady_state) falls back to a time relaxation.
#pragma once

#include <sundials/sundials_context.h>

#include <string>
#include <vector>

#include "numerics/integrator.hpp"
#include "numerics/jacobian.hpp"
#include "numerics/system.hpp"

namespace venoflow {

struct SteadyStateOptions {
  double rtol = 1e-6;        ///< weights 1/(rtol |y| + atol) of the norms
  std::vector<double> atol;  ///< per unknown
  double dtau0 = 1e-3;       ///< first pseudo-time step [s]
  double tolerance = 1e-3;   ///< converged when the Newton update's WRMS norm is below this,
  double horizon = 1e4;      ///< [s] or the residual's times this (slow drift of neutral modes)
  int max_iterations = 50;
};

struct SteadyStateResult {
  bool converged = false;
  int iterations = 0;
  long rhs_evaluations = 0;  ///< including those of the Jacobians
  int jacobians = 0;
  std::string message;  ///< why it did not converge
};

/// Iterates y (frozen boundaries are the caller's business) towards f(t, y) = 0, with its sparse LU
/// solver in the SUNDIALS context `ctx` (the run's). On failure y is left at the last accepted
/// iterate.
SteadyStateResult pseudo_transient_steady_state(System& sys, ColouredJacobian& jacobian,
                                                SUNContext ctx, double t, std::vector<double>& y,
                                                const SteadyStateOptions& options);

/// What the steady initialisation of a run spent (the integrator's own counters restart with
/// the run).
struct SteadyInitialisation {
  long steps = 0;            ///< of the time relaxation
  long rhs_evaluations = 0;  ///< pseudo-transient (Jacobians included) and time relaxation
  long jacobian_evaluations = 0;
};

/// `solver.initial_state: steady` (docs/model-format.md, docs/numerics.md#steady-initialisation):
/// the steady state of the model with every boundary held at its mean, by pseudo-transient
/// continuation; if that does not converge, by integrating in time with 100 x looser
/// tolerances (only the end point matters); if that fails too, the initial conditions y0.
/// On return integrator is restarted at t = 0 from that state with the run's settings, and y0 holds
/// it, its bookkeeping integrals (System::reset_cumulative) counting from there.
/// `options`: those of the pseudo-transient continuation (rtol, atol: the run's).
SteadyInitialisation initialise_at_steady_state(System& sys, ColouredJacobian& jacobian,
                                                Integrator& integrator,
                                                const SteadyStateOptions& options,
                                                std::vector<double>& y0);

}  // namespace venoflow
