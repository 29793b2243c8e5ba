// venoflow: compiled copies of SUNDIALS' serial vector operations (numerics/serial_vector_ops.hpp).
// Each function follows SUNDIALS 6.4.1 src/nvector/serial/nvector_serial.c and
// src/sunmatrix/sparse/sunmatrix_sparse.c (Copyright (c) 2002-2022, Lawrence Livermore National
// Security and Southern Methodist University; BSD-3-Clause, the license text is in
// numerics/SUNDIALS-LICENSE): the same special cases and the same
// order of operations, so the results are identical to the last bit. No -ffast-math here: the
// compiler must not reorder the sums. GCC vectorises these loops only at -O3 (at -O2 its "very
// cheap" cost model refuses loops of unknown length): element-wise SSE2 arithmetic is exact per
// lane, and without -ffast-math the sums stay in index order, so the results do not change.
#if defined(__GNUC__) && !defined(__clang__)
#pragma GCC optimize("O3")
#endif

#include "numerics/serial_vector_ops.hpp"

#include <nvector/nvector_serial.h>
#include <sunmatrix/sunmatrix_sparse.h>

#include <cmath>

// Each loop is compiled twice, for AVX2 (4 lanes) and for the baseline (SSE2, 2 lanes), and the
// loader picks the one the processor runs (GCC function multiversioning, ifunc on glibc): about
// half the instructions per element where AVX2 exists. AVX2 does not include FMA, so no
// multiply-add is contracted and every lane computes what the scalar loop does.
#if defined(__GNUC__) && !defined(__clang__) && defined(__x86_64__) && defined(__linux__)
#define VENOFLOW_SIMD_CLONES __attribute__((target_clones("avx2", "default")))
#else
#define VENOFLOW_SIMD_CLONES
#endif

namespace venoflow {

namespace {

using Index = sunindextype;

Index len(N_Vector v) { return NV_LENGTH_S(v); }
double* data(N_Vector v) { return NV_DATA_S(v); }

VENOFLOW_SIMD_CLONES void axpy(double a, N_Vector x, N_Vector y) {  // y <- a x + y (Vaxpy_Serial)
  const Index n = len(x);
  const double* xd = data(x);
  double* yd = data(y);
  if (a == 1.0) {
    for (Index i = 0; i < n; ++i) yd[i] += xd[i];
    return;
  }
  if (a == -1.0) {
    for (Index i = 0; i < n; ++i) yd[i] -= xd[i];
    return;
  }
  for (Index i = 0; i < n; ++i) yd[i] += a * xd[i];
}

VENOFLOW_SIMD_CLONES void linear_sum(double a, N_Vector x, double b, N_Vector y, N_Vector z) {
  if (b == 1.0 && z == y) return axpy(a, x, y);
  if (a == 1.0 && z == x) return axpy(b, y, x);
  const Index n = len(x);
  const double* xd = data(x);
  const double* yd = data(y);
  double* zd = data(z);
  if (a == 1.0 && b == 1.0) {  // VSum
    for (Index i = 0; i < n; ++i) zd[i] = xd[i] + yd[i];
    return;
  }
  if ((a == 1.0 && b == -1.0) || (a == -1.0 && b == 1.0)) {  // VDiff(v2, v1)
    const bool test = a == 1.0 && b == -1.0;
    const double* v2 = test ? xd : yd;
    const double* v1 = test ? yd : xd;
    for (Index i = 0; i < n; ++i) zd[i] = v2[i] - v1[i];
    return;
  }
  if (a == 1.0 || b == 1.0) {  // VLin1: z = c v1 + v2
    const bool test = a == 1.0;
    const double c = test ? b : a;
    const double* v1 = test ? yd : xd;
    const double* v2 = test ? xd : yd;
    for (Index i = 0; i < n; ++i) zd[i] = (c * v1[i]) + v2[i];
    return;
  }
  if (a == -1.0 || b == -1.0) {  // VLin2: z = c v1 - v2
    const bool test = a == -1.0;
    const double c = test ? b : a;
    const double* v1 = test ? yd : xd;
    const double* v2 = test ? xd : yd;
    for (Index i = 0; i < n; ++i) zd[i] = (c * v1[i]) - v2[i];
    return;
  }
  if (a == b) {  // VScaleSum
    for (Index i = 0; i < n; ++i) zd[i] = a * (xd[i] + yd[i]);
    return;
  }
  if (a == -b) {  // VScaleDiff
    for (Index i = 0; i < n; ++i) zd[i] = a * (xd[i] - yd[i]);
    return;
  }
  for (Index i = 0; i < n; ++i) zd[i] = (a * xd[i]) + (b * yd[i]);
}

VENOFLOW_SIMD_CLONES void constant(double c, N_Vector z) {
  const Index n = len(z);
  double* zd = data(z);
  for (Index i = 0; i < n; ++i) zd[i] = c;
}

VENOFLOW_SIMD_CLONES void prod(N_Vector x, N_Vector y, N_Vector z) {
  const Index n = len(x);
  const double *xd = data(x), *yd = data(y);
  double* zd = data(z);
  for (Index i = 0; i < n; ++i) zd[i] = xd[i] * yd[i];
}

VENOFLOW_SIMD_CLONES void div(N_Vector x, N_Vector y, N_Vector z) {
  const Index n = len(x);
  const double *xd = data(x), *yd = data(y);
  double* zd = data(z);
  for (Index i = 0; i < n; ++i) zd[i] = xd[i] / yd[i];
}

VENOFLOW_SIMD_CLONES void scale(double c, N_Vector x, N_Vector z) {
  const Index n = len(x);
  const double* xd = data(x);
  double* zd = data(z);
  if (z == x) {  // VScaleBy
    for (Index i = 0; i < n; ++i) zd[i] *= c;
  } else if (c == 1.0) {  // VCopy
    for (Index i = 0; i < n; ++i) zd[i] = xd[i];
  } else if (c == -1.0) {  // VNeg
    for (Index i = 0; i < n; ++i) zd[i] = -xd[i];
  } else {
    for (Index i = 0; i < n; ++i) zd[i] = c * xd[i];
  }
}

VENOFLOW_SIMD_CLONES void abs_value(N_Vector x, N_Vector z) {
  const Index n = len(x);
  const double* xd = data(x);
  double* zd = data(z);
  for (Index i = 0; i < n; ++i) zd[i] = std::fabs(xd[i]);
}

VENOFLOW_SIMD_CLONES void inv(N_Vector x, N_Vector z) {
  const Index n = len(x);
  const double* xd = data(x);
  double* zd = data(z);
  for (Index i = 0; i < n; ++i) zd[i] = 1.0 / xd[i];
}

VENOFLOW_SIMD_CLONES void add_const(N_Vector x, double b, N_Vector z) {
  const Index n = len(x);
  const double* xd = data(x);
  double* zd = data(z);
  for (Index i = 0; i < n; ++i) zd[i] = xd[i] + b;
}

double max_norm(N_Vector x) {
  const Index n = len(x);
  const double* xd = data(x);
  double m = 0.0;
  for (Index i = 0; i < n; ++i)
    if (std::fabs(xd[i]) > m) m = std::fabs(xd[i]);
  return m;
}

VENOFLOW_SIMD_CLONES double wsqr_sum(N_Vector x, N_Vector w) {  // in index order, as SUNDIALS sums
  const Index n = len(x);
  const double *xd = data(x), *wd = data(w);
  double sum = 0.0;
  for (Index i = 0; i < n; ++i) {
    const double p = xd[i] * wd[i];
    sum += p * p;
  }
  return sum;
}

double wrms_norm(N_Vector x, N_Vector w) {
  return std::sqrt(wsqr_sum(x, w) / static_cast<double>(len(x)));
}

double min_value(N_Vector x) {
  const Index n = len(x);
  const double* xd = data(x);
  double m = xd[0];
  for (Index i = 1; i < n; ++i)
    if (xd[i] < m) m = xd[i];
  return m;
}

// ---- sparse matrices: SUNDIALS 6.4.1 src/sunmatrix/sparse/sunmatrix_sparse.c ----

int matrix_zero(SUNMatrix A) {
  const Index nnz = SM_NNZ_S(A), np = SM_NP_S(A);
  double* x = SM_DATA_S(A);
  Index* ri = SM_INDEXVALS_S(A);
  Index* cp = SM_INDEXPTRS_S(A);
  for (Index i = 0; i < nnz; ++i) {
    x[i] = 0.0;
    ri[i] = 0;
  }
  for (Index i = 0; i <= np; ++i) cp[i] = 0;
  return SUNMAT_SUCCESS;
}

/// B = A. The library's copy when the matrices differ in kind or shape (it reports the error) or
/// B must grow; otherwise its result: B zeroed over its whole storage, then A's entries.
int matrix_copy(SUNMatrix A, SUNMatrix B) {
  const Index a_nz = SM_INDEXPTRS_S(A)[SM_NP_S(A)];
  if (SUNMatGetID(B) != SUNMATRIX_SPARSE || SM_SPARSETYPE_S(A) != SM_SPARSETYPE_S(B) ||
      SM_ROWS_S(A) != SM_ROWS_S(B) || SM_COLUMNS_S(A) != SM_COLUMNS_S(B) || SM_NNZ_S(B) < a_nz)
    return SUNMatCopy_Sparse(A, B);
  matrix_zero(B);
  const double* ax = SM_DATA_S(A);
  const Index* ai = SM_INDEXVALS_S(A);
  const Index* ap = SM_INDEXPTRS_S(A);
  double* bx = SM_DATA_S(B);
  Index* bi = SM_INDEXVALS_S(B);
  Index* bp = SM_INDEXPTRS_S(B);
  for (Index i = 0; i < a_nz; ++i) {
    bx[i] = ax[i];
    bi[i] = ai[i];
  }
  const Index np = SM_NP_S(A);
  for (Index i = 0; i < np; ++i) bp[i] = ap[i];
  bp[np] = a_nz;
  return SUNMAT_SUCCESS;
}

/// A = c A + I. When every diagonal entry is stored (venoflow's patterns hold the diagonal):
/// the library's case 1, in place; otherwise the library's function, which inserts them.
int matrix_scale_add_identity(double c, SUNMatrix A) {
  const bool csc = SM_SPARSETYPE_S(A) == CSC_MAT;
  const Index m = csc ? SM_ROWS_S(A) : SM_COLUMNS_S(A);
  const Index n = csc ? SM_COLUMNS_S(A) : SM_ROWS_S(A);
  const Index* ap = SM_INDEXPTRS_S(A);
  const Index* ai = SM_INDEXVALS_S(A);
  double* ax = SM_DATA_S(A);
  if (!ap || !ai || !ax) return SUNMatScaleAddI_Sparse(c, A);
  const Index k = m < n ? m : n;
  for (Index j = 0; j < k; ++j) {
    bool found = false;
    for (Index i = ap[j]; i < ap[j + 1]; ++i)
      if (ai[i] == j) {
        found = true;
        break;
      }
    if (!found) return SUNMatScaleAddI_Sparse(c, A);
  }
  for (Index j = 0; j < k; ++j)
    for (Index i = ap[j]; i < ap[j + 1]; ++i) ax[i] = ai[i] == j ? 1.0 + c * ax[i] : c * ax[i];
  return SUNMAT_SUCCESS;
}

SUNMatrix matrix_clone(SUNMatrix A) {  // CVODE's saved Jacobian is a clone
  SUNMatrix B = SUNMatClone_Sparse(A);
  if (B) use_compiled_matrix_ops(B);
  return B;
}

}  // namespace

void use_compiled_matrix_ops(SUNMatrix A) {
  SUNMatrix_Ops ops = A->ops;
  ops->zero = matrix_zero;
  ops->copy = matrix_copy;
  ops->scaleaddi = matrix_scale_add_identity;
  ops->clone = matrix_clone;
}

void use_compiled_vector_ops(N_Vector v) {
  N_Vector_Ops ops = v->ops;
  ops->nvlinearsum = linear_sum;
  ops->nvconst = constant;
  ops->nvprod = prod;
  ops->nvdiv = div;
  ops->nvscale = scale;
  ops->nvabs = abs_value;
  ops->nvinv = inv;
  ops->nvaddconst = add_const;
  ops->nvmaxnorm = max_norm;
  ops->nvwrmsnorm = wrms_norm;
  ops->nvwsqrsumlocal = wsqr_sum;
  ops->nvmin = min_value;
}

}  // namespace venoflow
