// venoflow: compiled copies of SUNDIALS' serial vector operations (numerics/serial_vector_ops.hpp).
// Each function follows SUNDIALS 6.4.1 src/nvector/serial/nvector_serial.c (BSD-3-Clause,
// LLNL): the same special cases and the same order of operations, so the results are identical
// to the last bit. No -ffast-math here: the compiler must not reorder the sums.
// GCC vectorises these loops only at -O3 (at -O2 its "very cheap" cost model refuses loops of
// unknown length): element-wise SSE2 arithmetic is exact per lane, and without -ffast-math the
// sums stay in index order, so the results do not change.
#if defined(__GNUC__) && !defined(__clang__)
#pragma GCC optimize("O3")
#endif

#include "numerics/serial_vector_ops.hpp"

#include <nvector/nvector_serial.h>

#include <cmath>

namespace venoflow {

namespace {

using Index = sunindextype;

Index len(N_Vector v) { return NV_LENGTH_S(v); }
double* data(N_Vector v) { return NV_DATA_S(v); }

void axpy(double a, N_Vector x, N_Vector y) {  // y <- a x + y (Vaxpy_Serial)
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

void linear_sum(double a, N_Vector x, double b, N_Vector y, N_Vector z) {
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

void constant(double c, N_Vector z) {
  const Index n = len(z);
  double* zd = data(z);
  for (Index i = 0; i < n; ++i) zd[i] = c;
}

void prod(N_Vector x, N_Vector y, N_Vector z) {
  const Index n = len(x);
  const double *xd = data(x), *yd = data(y);
  double* zd = data(z);
  for (Index i = 0; i < n; ++i) zd[i] = xd[i] * yd[i];
}

void div(N_Vector x, N_Vector y, N_Vector z) {
  const Index n = len(x);
  const double *xd = data(x), *yd = data(y);
  double* zd = data(z);
  for (Index i = 0; i < n; ++i) zd[i] = xd[i] / yd[i];
}

void scale(double c, N_Vector x, N_Vector z) {
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

void abs_value(N_Vector x, N_Vector z) {
  const Index n = len(x);
  const double* xd = data(x);
  double* zd = data(z);
  for (Index i = 0; i < n; ++i) zd[i] = std::fabs(xd[i]);
}

void inv(N_Vector x, N_Vector z) {
  const Index n = len(x);
  const double* xd = data(x);
  double* zd = data(z);
  for (Index i = 0; i < n; ++i) zd[i] = 1.0 / xd[i];
}

void add_const(N_Vector x, double b, N_Vector z) {
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

double wsqr_sum(N_Vector x, N_Vector w) {  // in index order, as SUNDIALS sums
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

}  // namespace

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
