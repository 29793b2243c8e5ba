// venoflow: the run's CVODE integrator (numerics/cvode_integrator.hpp).
#include "numerics/cvode_integrator.hpp"

#include <cvode/cvode.h>
#include <nvector/nvector_serial.h>
#include <sunmatrix/sunmatrix_sparse.h>

#include <algorithm>
#include <cmath>
#include <sstream>
#include <stdexcept>

#include "numerics/serial_vector_ops.hpp"
#include "numerics/simd_clones.hpp"
#include "numerics/sunlinsol_refactoring_lu.hpp"

namespace venoflow {

namespace {
// Steps per advance() in a run: a cap against a step size collapsing without a failure.
constexpr long kMaxSteps = 1000000;

// a = c j, then a_d += 1 at each diagonal position d: CVODE's SUNMatScaleAddI(c, A) on a copy of
// J, to the bit ((c j) + 1). The scaling is element-wise (numerics/simd_clones.hpp: each lane
// computes what the scalar loop does; no contraction into an FMA).
#pragma GCC push_options
#pragma GCC optimize("O3", "fp-contract=off")
VENOFLOW_SIMD_CLONES void shifted_scaling(double c, const double* __restrict j,
                                          double* __restrict a, std::size_t nnz,
                                          const sunindextype* __restrict diagonal, std::size_t n) {
  for (std::size_t k = 0; k < nnz; ++k) a[k] = c * j[k];
  for (std::size_t i = 0; i < n; ++i) a[diagonal[i]] += 1.0;
}
#pragma GCC pop_options
}  // namespace

void CvodeIntegrator::check(int flag, const char* what) const {
  if (flag < 0)
    throw std::runtime_error(std::string("SUNDIALS call failed: ") + what + " (flag " +
                             std::to_string(flag) + ")");
}

CvodeIntegrator::CvodeIntegrator(System& system, ColouredJacobian& jacobian,
                                 const std::vector<double>& y0, const std::vector<double>& atol,
                                 const Settings& settings)
    : system_(system), jacobian_(jacobian), settings_(settings), n_(system.size()) {
  SUNContext raw_ctx = nullptr;
  check(SUNContext_Create(nullptr, &raw_ctx), "SUNContext_Create");
  ctx_.reset(raw_ctx);
  y_.reset(N_VNew_Serial(n_, ctx_.get()));
  atol_.reset(N_VNew_Serial(n_, ctx_.get()));
  weights_.reset(N_VNew_Serial(n_, ctx_.get()));
  if (!y_ || !atol_ || !weights_) throw std::runtime_error("could not create the state vectors");
  // CVODE clones its work vectors from y_: they all get the compiled operations.
  for (N_Vector v : {y_.get(), atol_.get(), weights_.get()}) use_compiled_vector_ops(v);
  std::copy(y0.begin(), y0.end(), N_VGetArrayPointer(y_.get()));
  std::copy(atol.begin(), atol.end(), N_VGetArrayPointer(atol_.get()));
  cvode_.reset(CVodeCreate(CV_BDF, ctx_.get()));
  if (!cvode_) throw std::runtime_error("CVodeCreate failed");
  void* cv = cvode_.get();
  check(CVodeSetErrHandlerFn(cv, &CvodeIntegrator::err_cb, this), "CVodeSetErrHandlerFn");
  check(CVodeInit(cv, &CvodeIntegrator::rhs_cb, 0.0, y_.get()), "CVodeInit");
  check(CVodeSetUserData(cv, this), "CVodeSetUserData");
  check(CVodeSVtolerances(cv, settings_.rtol, atol_.get()), "CVodeSVtolerances");
#ifdef VENOFLOW_FUSED_CVODE_KERNELS
  // One pass over the vectors for the predictor, the error weights and the Newton residual,
  // instead of up to q(q+1)/2 + 4 (numerics/cvode_fused_kernels.cpp): same results to the bit.
  if (settings_.fused_kernels)
    check(CVodeSetUseIntegratorFusedKernels(cv, SUNTRUE), "CVodeSetUseIntegratorFusedKernels");
#endif
  matrix_.reset(SUNSparseMatrix(n_, n_, system.pattern().nnz(), CSC_MAT, ctx_.get()));
  // The refactoring sparse LU (numerics/sparse_lu.hpp): KLU's AMD ordering (on the pattern of
  // A + A^T: a network's Jacobian is structurally symmetric, a node's balance reads the flows at
  // it and the flows read the node) and partial pivoting, and its own refactorisation and
  // triangular solves on flat arrays, every pivot re-checked at each setup
  // (docs/numerics.md#time-integration).
  linear_solver_.reset(make_refactoring_lu_solver(ctx_.get()));
  if (!matrix_ || !linear_solver_)
    throw std::runtime_error("could not create the sparse matrix / linear solver");
  use_compiled_matrix_ops(matrix_.get());
  check(CVodeSetLinearSolver(cv, linear_solver_.get(), matrix_.get()), "CVodeSetLinearSolver");
  check(CVodeSetJacFn(cv, &CvodeIntegrator::jac_cb), "CVodeSetJacFn");
  // The iteration matrix I - gamma J in one pass from the kept Jacobian (linear_system), in place
  // of CVODE's copy of its saved Jacobian, a check that the two patterns agree and a second pass
  // that scales and shifts the diagonal found again in the pattern: the pattern is the System's,
  // its diagonal positions are found here once. Same values to the bit. A pattern without every
  // diagonal entry keeps CVODE's own assembly (its shift inserts the missing entries).
  const SparsityPattern& p = system.pattern();
  pattern_col_ptr_.assign(p.col_ptr.begin(), p.col_ptr.end());
  pattern_row_idx_.assign(p.row_idx.begin(), p.row_idx.end());
  diagonal_position_.assign(static_cast<std::size_t>(p.n), -1);
  bool every_diagonal = true;
  for (int c = 0; c < p.n; ++c) {
    for (long k = p.col_ptr[c]; k < p.col_ptr[c + 1]; ++k)
      if (p.row_idx[k] == c) diagonal_position_[c] = k;
    every_diagonal = every_diagonal && diagonal_position_[c] >= 0;
  }
  if (every_diagonal && settings_.one_pass_linear_system)
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

double* CvodeIntegrator::state() { return N_VGetArrayPointer(y_.get()); }

void CvodeIntegrator::scale_tolerances(double factor) {
  if (factor == 1.0) {
    check(CVodeSVtolerances(cvode_.get(), settings_.rtol, atol_.get()), "CVodeSVtolerances");
    return;
  }
  if (!scaled_atol_) scaled_atol_.reset(N_VNew_Serial(n_, ctx_.get()));
  if (!scaled_atol_) throw std::runtime_error("could not create the tolerance vector");
  use_compiled_vector_ops(scaled_atol_.get());
  N_VScale(factor, atol_.get(), scaled_atol_.get());
  check(CVodeSVtolerances(cvode_.get(), factor * settings_.rtol, scaled_atol_.get()),
        "CVodeSVtolerances");
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

const double* CvodeIntegrator::error_weights() {
  check(CVodeGetErrWeights(cvode_.get(), weights_.get()), "CVodeGetErrWeights");
  return N_VGetArrayPointer(weights_.get());
}

const double* CvodeIntegrator::local_errors() {
  if (!errors_) errors_.reset(N_VNew_Serial(n_, ctx_.get()));
  if (!errors_) throw std::runtime_error("could not create the local error vector");
  check(CVodeGetEstLocalErrors(cvode_.get(), errors_.get()), "CVodeGetEstLocalErrors");
  return N_VGetArrayPointer(errors_.get());
}

bool CvodeIntegrator::rhs_failed_at(double t) const {
  return std::abs(rhs_failure_time_ - t) <= 1e-9 * std::max(1.0, std::abs(t));
}

int CvodeIntegrator::rhs_cb(sunrealtype t, N_Vector y, N_Vector ydot, void* user) {
  auto* self = static_cast<CvodeIntegrator*>(user);
  const int rc = self->system_.rhs(t, N_VGetArrayPointer(y), N_VGetArrayPointer(ydot));
  if (rc != 0) self->rhs_failure_time_ = t;
  return rc;
}

int CvodeIntegrator::jac_cb(sunrealtype t, N_Vector y, N_Vector fy, SUNMatrix J, void* user,
                            N_Vector, N_Vector, N_Vector) {
  return static_cast<CvodeIntegrator*>(user)->fill_jacobian(t, y, fy, J);
}

int CvodeIntegrator::evaluate_jacobian(double t, N_Vector y, N_Vector fy,
                                       std::vector<double>& values) {
  // The finite-difference increments are scaled by the error weights (numerics/jacobian.hpp).
  CVodeGetErrWeights(cvode_.get(), weights_.get());
  auto f = [this](double tt, const double* yy, double* ff) {
    ++rhs_in_jacobian_;
    return system_.rhs(tt, yy, ff);
  };
  return jacobian_.evaluate(t, N_VGetArrayPointer(y), N_VGetArrayPointer(fy),
                            N_VGetArrayPointer(weights_.get()), f, values);
}

int CvodeIntegrator::fill_jacobian(double t, N_Vector y, N_Vector fy, SUNMatrix J) {
  const SparsityPattern& p = system_.pattern();
  if (const int rc = evaluate_jacobian(t, y, fy, jacobian_values_)) return rc;
  sunindextype* colptr = SUNSparseMatrix_IndexPointers(J);
  sunindextype* rowidx = SUNSparseMatrix_IndexValues(J);
  sunrealtype* data = SUNSparseMatrix_Data(J);
  for (int c = 0; c <= p.n; ++c) colptr[c] = p.col_ptr[c];
  for (long k = 0; k < p.nnz(); ++k) {
    rowidx[k] = p.row_idx[k];
    data[k] = jacobian_values_[k];
  }
  return 0;
}

int CvodeIntegrator::linear_system_cb(sunrealtype t, N_Vector y, N_Vector fy, SUNMatrix A,
                                      sunbooleantype jok, sunbooleantype* jcur, sunrealtype gamma,
                                      void* user, N_Vector, N_Vector, N_Vector) {
  return static_cast<CvodeIntegrator*>(user)->linear_system(t, y, fy, A, jok != SUNFALSE, jcur,
                                                            gamma);
}

int CvodeIntegrator::linear_system(double t, N_Vector y, N_Vector fy, SUNMatrix A, bool jok,
                                   sunbooleantype* jcur, double gamma) {
  // As CVODE's own (third_party/sundials_cvode/cvode_ls.c, cvLsLinSys): with jok the saved
  // Jacobian, else a new one (jcur set first: CVODE counts the evaluation even if it fails), kept
  // only once it succeeded; then A = I - gamma J.
  const std::size_t nnz = pattern_row_idx_.size();
  if (!jok || jacobian_values_.size() != nnz) {
    *jcur = SUNTRUE;
    if (const int rc = evaluate_jacobian(t, y, fy, jacobian_scratch_)) return rc;
    jacobian_values_.swap(jacobian_scratch_);
  } else {
    *jcur = SUNFALSE;
  }
  // A holds the System's pattern: compared here, and a pattern changed in A by anyone written
  // back before the values are laid out in the System's order (an A of another size is refused:
  // CVODE then stops with the Jacobian's unrecoverable failure).
  const std::size_t n = pattern_col_ptr_.size() - 1;
  sunindextype* colptr = SUNSparseMatrix_IndexPointers(A);
  sunindextype* rowidx = SUNSparseMatrix_IndexValues(A);
  if (SUNSparseMatrix_Columns(A) != static_cast<sunindextype>(n) ||
      SUNSparseMatrix_NNZ(A) < static_cast<sunindextype>(nnz))
    return -1;
  if (!std::equal(pattern_col_ptr_.begin(), pattern_col_ptr_.end(), colptr) ||
      !std::equal(pattern_row_idx_.begin(), pattern_row_idx_.end(), rowidx)) {
    std::copy(pattern_col_ptr_.begin(), pattern_col_ptr_.end(), colptr);
    std::copy(pattern_row_idx_.begin(), pattern_row_idx_.end(), rowidx);
  }
  // (-gamma) J, then + 1 on the diagonal: CVODE's SUNMatScaleAddI(-gamma, A) to the bit.
  shifted_scaling(-gamma, jacobian_values_.data(), SUNSparseMatrix_Data(A), nnz,
                  diagonal_position_.data(), diagonal_position_.size());
  // A's pattern is now the System's: the linear solver's setup, which CVODE calls next
  // (cvLsSetup), need not compare it again.
  refactoring_lu_vouch_pattern(linear_solver_.get(), pattern_col_ptr_.data(),
                               pattern_row_idx_.data());
  return 0;
}

void CvodeIntegrator::err_cb(int code, const char* module, const char* function, char* msg,
                             void* user) {
  auto* self = static_cast<CvodeIntegrator*>(user);
  std::ostringstream o;
  o << module << "::" << function << " (" << code << "): " << msg;
  self->message_ = o.str();
}

}  // namespace venoflow
