// venoflow: the hot operations of SUNDIALS' serial N_Vector (and of its sparse matrix),
// compiled with venoflow.
//
// CVODE spends a large share of a step in vector operations (linear sums, weighted RMS norms,
// scalings: 55 % of the instructions of a 1023-vessel 0D tree, bench/peers/README.md). The
// SUNDIALS library the build links may be compiled without optimisation (the Debian 6.4.1
// package is: its N_VWSqrSumLocal_Serial keeps every operand on the stack), and each of these
// loops then costs 20-36 instructions per element. use_compiled_vector_ops() points a serial
// vector's operations at the same loops compiled here. They reproduce SUNDIALS 6.4.1
// (src/nvector/serial/nvector_serial.c) operation for operation, special cases and summation
// order included, so results are bit-identical (tests/cpp/test_serial_vector_ops.cpp).
// Vectors cloned from it (CVODE's work vectors) inherit the operations. The sparse matrix's
// zero, copy and shift follow src/sunmatrix/sparse/sunmatrix_sparse.c the same way.
#pragma once

#include <sundials/sundials_matrix.h>
#include <sundials/sundials_nvector.h>

namespace venoflow {

/// Replace the hot operations of serial vector v (N_VNew_Serial) by venoflow's compiled copies.
void use_compiled_vector_ops(N_Vector v);

/// The weighted RMS norm from a vector's weighted sum of squares, as the compiled N_VWrmsNorm
/// forms it: sqrt(sum / n).
double wrms_from_wsqr_sum(double sum, sunindextype n);

/// True if v is a serial vector whose operations are venoflow's compiled copies.
bool uses_compiled_vector_ops(N_Vector v);

/// CVODE's corrector update of the Nordsieck history and what two norms that it reads next need,
/// in one pass: z_k = a_k x + z_k for k = 0..nvec-1 (N_VScaleAddMulti with Y = Z), then
/// sum_last = N_VWSqrSumLocal(z_(nvec-1), w) and sum_before_last = N_VWSqrSumLocal(z_(nvec-2), w),
/// each the compiled operation's result to the bit (so sqrt(sum / length) is N_VWrmsNorm's).
/// Returns false and changes nothing unless 2 <= nvec <= 6 and x, w and every z_k are distinct
/// compiled serial vectors of one length.
bool scale_add_and_last_wsqr_sums(int nvec, const double* a, N_Vector x, N_Vector* z, N_Vector w,
                                  double* sum_last, double* sum_before_last);

/// The same for a sparse matrix (SUNSparseMatrix): zero, copy, c A + I (every linear-solver
/// setup copies the saved Jacobian and shifts it: 9 % of a 1023-vessel tree's instructions with
/// the unoptimised library), and clone, so that CVODE's saved copy gets them too.
void use_compiled_matrix_ops(SUNMatrix A);

}  // namespace venoflow
