// venoflow: what the run's two SUNDIALS integrators share (numerics/sundials_integrator.hpp).
#include "numerics/sundials_integrator.hpp"

#include <nvector/nvector_serial.h>
#include <sunmatrix/sunmatrix_sparse.h>

#include <algorithm>
#include <cmath>
#include <sstream>
#include <stdexcept>

#include "numerics/serial_vector_ops.hpp"
#include "numerics/sunlinsol_refactoring_lu.hpp"

namespace venoflow {

SundialsIntegrator::SundialsIntegrator(System& system, ColouredJacobian& jacobian,
                                       const std::vector<double>& y0,
                                       const std::vector<double>& atol, double rtol)
    : system_(system),
      n_(system.size()),
      rtol_(rtol),
      ctx_(sundials::make_context()),
      linear_solver_(make_refactoring_lu_solver(ctx_.get())),
      matrix_assembly_(system, jacobian, linear_solver_.get()) {
  y_.reset(N_VNew_Serial(n_, ctx_.get()));
  atol_.reset(N_VNew_Serial(n_, ctx_.get()));
  weights_.reset(N_VNew_Serial(n_, ctx_.get()));
  if (!y_ || !atol_ || !weights_) throw std::runtime_error("could not create the state vectors");
  // The integrators clone their work vectors from y_: they all get the compiled operations.
  for (N_Vector v : {y_.get(), atol_.get(), weights_.get()}) use_compiled_vector_ops(v);
  std::copy(y0.begin(), y0.end(), N_VGetArrayPointer(y_.get()));
  std::copy(atol.begin(), atol.end(), N_VGetArrayPointer(atol_.get()));
  matrix_.reset(SUNSparseMatrix(n_, n_, system.pattern().nnz(), CSC_MAT, ctx_.get()));
  // The refactoring sparse LU (numerics/sparse_lu.hpp): KLU's AMD ordering (on the pattern of
  // A + A^T: a network's Jacobian is structurally symmetric, a node's balance reads the flows at
  // it and the flows read the node) and partial pivoting, and its own refactorisation and
  // triangular solves on flat arrays, every pivot re-checked at each setup
  // (docs/numerics.md#time-integration).
  if (!matrix_ || !linear_solver_)
    throw std::runtime_error("could not create the sparse matrix / linear solver");
  use_compiled_matrix_ops(matrix_.get());
}

void SundialsIntegrator::check(int flag, const char* what) const {
  if (flag < 0)
    throw std::runtime_error(std::string("SUNDIALS call failed: ") + what + " (flag " +
                             std::to_string(flag) + ")");
}

double* SundialsIntegrator::state() { return N_VGetArrayPointer(y_.get()); }

void SundialsIntegrator::scale_tolerances(double factor) {
  if (factor == 1.0) {
    check(set_tolerances(rtol_, atol_.get()), "setting the tolerances");
    return;
  }
  if (!scaled_atol_) scaled_atol_.reset(N_VNew_Serial(n_, ctx_.get()));
  if (!scaled_atol_) throw std::runtime_error("could not create the tolerance vector");
  use_compiled_vector_ops(scaled_atol_.get());
  N_VScale(factor, atol_.get(), scaled_atol_.get());
  check(set_tolerances(factor * rtol_, scaled_atol_.get()), "setting the tolerances");
}

const double* SundialsIntegrator::error_weights() {
  check(get_error_weights(weights_.get()), "reading the error weights");
  return N_VGetArrayPointer(weights_.get());
}

const double* SundialsIntegrator::local_errors() {
  if (!errors_) errors_.reset(N_VNew_Serial(n_, ctx_.get()));
  if (!errors_) throw std::runtime_error("could not create the local error vector");
  check(get_local_errors(errors_.get()), "reading the local error estimates");
  return N_VGetArrayPointer(errors_.get());
}

int SundialsIntegrator::jac_cb(sunrealtype t, N_Vector y, N_Vector fy, SUNMatrix J, void* user,
                               N_Vector, N_Vector, N_Vector) {
  auto* self = static_cast<SundialsIntegrator*>(user);
  // No check in a callback: a throw must not cross the C library.
  self->get_error_weights(self->weights_.get());
  return self->matrix_assembly_.fill_jacobian(t, y, fy, N_VGetArrayPointer(self->weights_.get()),
                                              J);
}

int SundialsIntegrator::assemble_linear_system(double t, N_Vector y, N_Vector fy, SUNMatrix A,
                                               sunbooleantype jok, sunbooleantype* jcur,
                                               double gamma) {
  get_error_weights(weights_.get());
  return matrix_assembly_.assemble(t, y, fy, N_VGetArrayPointer(weights_.get()), A, jok != SUNFALSE,
                                   jcur, gamma);
}

bool SundialsIntegrator::rhs_failed_at(double t) const {
  return std::abs(rhs_failure_time_ - t) <= 1e-9 * std::max(1.0, std::abs(t));
}

int SundialsIntegrator::rhs_cb(sunrealtype t, N_Vector y, N_Vector ydot, void* user) {
  auto* self = static_cast<SundialsIntegrator*>(user);
  const int rc = self->system_.rhs(t, N_VGetArrayPointer(y), N_VGetArrayPointer(ydot));
  if (rc != 0) self->rhs_failure_time_ = t;
  return rc;
}

void SundialsIntegrator::err_cb(int code, const char* module, const char* function, char* msg,
                                void* user) {
  auto* self = static_cast<SundialsIntegrator*>(user);
  std::ostringstream o;
  o << module << "::" << function << " (" << code << "): " << msg;
  self->message_ = o.str();
}

}  // namespace venoflow
