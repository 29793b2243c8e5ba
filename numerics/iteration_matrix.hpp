// venoflow: the Newton iteration matrix A = I - gamma J of the run's implicit integrators
// (CVODE's and ARKODE's linear-system hooks, numerics/cvode_integrator.hpp and
// numerics/arkode_integrator.hpp), from the coloured finite-difference Jacobian
// (numerics/jacobian.hpp) kept between setups.
#pragma once

#include <sundials/sundials_linearsolver.h>
#include <sundials/sundials_matrix.h>
#include <sundials/sundials_nvector.h>

#include <vector>

#include "numerics/jacobian.hpp"
#include "numerics/system.hpp"

namespace venoflow {

class IterationMatrix {
 public:
  /// For `system`'s pattern; `solver` is the refactoring LU that factors A
  /// (numerics/sunlinsol_refactoring_lu.hpp), told after each assembly that A's pattern is the
  /// System's.
  IterationMatrix(System& system, ColouredJacobian& jacobian, SUNLinearSolver solver);

  /// Whether the pattern holds every diagonal entry: only then can assemble() build A (else the
  /// integrator's own assembly inserts the missing entries).
  bool every_diagonal() const { return every_diagonal_; }

  /// The coloured finite-difference Jacobian at (t, y), f(t, y) = fy, into `values` (the
  /// pattern's order), its increments scaled by the integrator's error weights `weights`.
  int evaluate(double t, N_Vector y, N_Vector fy, const double* weights,
               std::vector<double>& values);
  /// J at (t, y) into the sparse matrix J (the integrator's Jacobian hook).
  int fill_jacobian(double t, N_Vector y, N_Vector fy, const double* weights, SUNMatrix J);
  /// A = I - gamma J: with jok the kept Jacobian, else a new one at (t, y) (jcur set first: the
  /// integrators count the evaluation even if it fails), kept only once it succeeded. As
  /// CVODE's own cvLsLinSys (and ARKODE's arkLsLinSys with the identity mass matrix), to the
  /// bit. Returns -1 for an A of another size.
  int assemble(double t, N_Vector y, N_Vector fy, const double* weights, SUNMatrix A, bool jok,
               sunbooleantype* jcur, double gamma);

  /// Right-hand sides spent on finite-difference Jacobians.
  long rhs_evaluations() const { return rhs_in_jacobian_; }

 private:
  System& system_;
  ColouredJacobian& jacobian_;
  SUNLinearSolver solver_;
  // The Jacobian's pattern in SUNDIALS' index type, the position of each diagonal entry in it
  // (found once), the latest successfully evaluated Jacobian and a scratch evaluation.
  std::vector<sunindextype> col_ptr_, row_idx_, diagonal_position_;
  bool every_diagonal_ = true;
  std::vector<double> values_, scratch_;
  long rhs_in_jacobian_ = 0;
};

}  // namespace venoflow
