// venoflow: a SUNDIALS linear solver (SUNLinearSolver, direct, matrix-based) on the refactoring
// sparse LU (numerics/sparse_lu.hpp), in place of SUNLinSol_KLU for CVODE's Newton iterations
// and the steady initialisation. It takes a compressed-sparse-column SUNSparseMatrix; its
// setup analyses the pattern when it differs from the one analysed last (compared entry by
// entry, so a changed pattern can never be factored on a stale analysis) and factors; its
// solve copies b into x and solves in place. Return codes as SUNLinSol_KLU's: SUNLS_SUCCESS,
// SUNLS_LUFACT_FAIL for a singular matrix (recoverable: CVODE retries with a smaller step),
// SUNLS_ILL_INPUT for a matrix that is not sparse CSC or a malformed pattern,
// SUNLS_PACKAGE_FAIL_REC for a solve without a successful setup, SUNLS_PACKAGE_FAIL_UNREC for
// an exception (out of memory).
#pragma once

#include <sundials/sundials_context.h>
#include <sundials/sundials_linearsolver.h>

namespace venoflow {

class RefactoringLU;

/// A new solver (nullptr if out of memory); free it with SUNLinSolFree.
SUNLinearSolver make_refactoring_lu_solver(SUNContext ctx);
/// The solver's factorisation (its counts), for tests and statistics; nullptr if S is not one.
const RefactoringLU* refactoring_lu_of(SUNLinearSolver S);

}  // namespace venoflow
