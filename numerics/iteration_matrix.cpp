// venoflow: the Newton iteration matrix I - gamma J (numerics/iteration_matrix.hpp).
#include "numerics/iteration_matrix.hpp"

#include <nvector/nvector_serial.h>
#include <sunmatrix/sunmatrix_sparse.h>

#include <algorithm>

#include "numerics/simd_clones.hpp"
#include "numerics/sunlinsol_refactoring_lu.hpp"

namespace venoflow {

namespace {
// a = c j, then a_d += 1 at each diagonal position d: SUNDIALS' SUNMatScaleAddI(c, A) on a copy
// of J, to the bit ((c j) + 1). The scaling is element-wise (numerics/simd_clones.hpp: each lane
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

IterationMatrix::IterationMatrix(System& system, ColouredJacobian& jacobian, SUNLinearSolver solver)
    : system_(system), jacobian_(jacobian), solver_(solver) {
  // The pattern is the System's: its diagonal positions are found here once.
  const SparsityPattern& p = system.pattern();
  col_ptr_.assign(p.col_ptr.begin(), p.col_ptr.end());
  row_idx_.assign(p.row_idx.begin(), p.row_idx.end());
  diagonal_position_.assign(static_cast<std::size_t>(p.n), -1);
  for (int c = 0; c < p.n; ++c) {
    for (long k = p.col_ptr[c]; k < p.col_ptr[c + 1]; ++k)
      if (p.row_idx[k] == c) diagonal_position_[c] = k;
    every_diagonal_ = every_diagonal_ && diagonal_position_[c] >= 0;
  }
}

int IterationMatrix::evaluate(double t, N_Vector y, N_Vector fy, const double* weights,
                              std::vector<double>& values) {
  // The finite-difference increments are scaled by the error weights (numerics/jacobian.hpp).
  auto f = [this](double tt, const double* yy, double* ff) {
    ++rhs_in_jacobian_;
    return system_.rhs(tt, yy, ff);
  };
  return jacobian_.evaluate(t, N_VGetArrayPointer(y), N_VGetArrayPointer(fy), weights, f, values);
}

int IterationMatrix::fill_jacobian(double t, N_Vector y, N_Vector fy, const double* weights,
                                   SUNMatrix J) {
  const SparsityPattern& p = system_.pattern();
  if (const int rc = evaluate(t, y, fy, weights, values_)) return rc;
  sunindextype* colptr = SUNSparseMatrix_IndexPointers(J);
  sunindextype* rowidx = SUNSparseMatrix_IndexValues(J);
  sunrealtype* data = SUNSparseMatrix_Data(J);
  for (int c = 0; c <= p.n; ++c) colptr[c] = p.col_ptr[c];
  for (long k = 0; k < p.nnz(); ++k) {
    rowidx[k] = p.row_idx[k];
    data[k] = values_[k];
  }
  return 0;
}

int IterationMatrix::assemble(double t, N_Vector y, N_Vector fy, const double* weights, SUNMatrix A,
                              bool jok, sunbooleantype* jcur, double gamma) {
  const std::size_t nnz = row_idx_.size();
  if (!jok || values_.size() != nnz) {
    *jcur = SUNTRUE;
    if (const int rc = evaluate(t, y, fy, weights, scratch_)) return rc;
    values_.swap(scratch_);
  } else {
    *jcur = SUNFALSE;
  }
  // A holds the System's pattern: compared here, and a pattern changed in A by anyone written
  // back before the values are laid out in the System's order (an A of another size is refused:
  // the integrator then stops with the Jacobian's unrecoverable failure).
  const std::size_t n = col_ptr_.size() - 1;
  sunindextype* colptr = SUNSparseMatrix_IndexPointers(A);
  sunindextype* rowidx = SUNSparseMatrix_IndexValues(A);
  if (SUNSparseMatrix_Columns(A) != static_cast<sunindextype>(n) ||
      SUNSparseMatrix_NNZ(A) < static_cast<sunindextype>(nnz))
    return -1;
  if (!std::equal(col_ptr_.begin(), col_ptr_.end(), colptr) ||
      !std::equal(row_idx_.begin(), row_idx_.end(), rowidx)) {
    std::copy(col_ptr_.begin(), col_ptr_.end(), colptr);
    std::copy(row_idx_.begin(), row_idx_.end(), rowidx);
  }
  // (-gamma) J, then + 1 on the diagonal: SUNMatScaleAddI(-gamma, A) to the bit.
  shifted_scaling(-gamma, values_.data(), SUNSparseMatrix_Data(A), nnz, diagonal_position_.data(),
                  diagonal_position_.size());
  // A's pattern is now the System's: the linear solver's setup, which the integrator calls next,
  // need not compare it again.
  refactoring_lu_vouch_pattern(solver_, col_ptr_.data(), row_idx_.data());
  return 0;
}

}  // namespace venoflow
