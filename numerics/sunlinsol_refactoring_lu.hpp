// venoflow: a SUNDIALS linear solver (SUNLinearSolver, direct, matrix-based) on the refactoring
// sparse LU (numerics/sparse_lu.hpp), in place of SUNLinSol_KLU for CVODE's Newton iterations
// and the steady initialisation. It takes a compressed-sparse-column SUNSparseMatrix; its
// setup analyses the pattern when it differs from the one analysed last (compared entry by
// entry, so a changed pattern can never be factored on a stale analysis; or vouched for by a
// caller that keeps A's pattern equal to its own fixed arrays: refactoring_lu_vouch_pattern)
// and factors; its
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
/// For a caller that makes A's pattern, before each setup, equal to one pair of arrays it owns
/// and never changes (CvodeIntegrator::linear_system compares A's pattern with the System's and
/// writes it back if anything changed it): the next setup of S, and only the next, takes A's
/// pattern to be col_ptr (n + 1 entries, n = A's columns) and row_idx, and compares them with
/// the analysed pattern only when they are not the arrays it verified last. The pattern is thus
/// compared once per setup (by the caller) instead of twice. False if S is not this solver.
bool refactoring_lu_vouch_pattern(SUNLinearSolver S, const sunindextype* col_ptr,
                                  const sunindextype* row_idx);
/// Setups of S that compared a pattern with the analysed one entry by entry (for tests).
long refactoring_lu_pattern_comparisons(SUNLinearSolver S);

}  // namespace venoflow
