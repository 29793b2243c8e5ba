// venoflow: SUNLinearSolver on the refactoring sparse LU (numerics/sunlinsol_refactoring_lu.hpp).
#include "numerics/sunlinsol_refactoring_lu.hpp"

#include <nvector/nvector_serial.h>
#include <sunmatrix/sunmatrix_sparse.h>

#include <algorithm>
#include <stdexcept>

#include "numerics/sparse_lu.hpp"

namespace venoflow {

namespace {

struct Content {
  RefactoringLU lu;
  sunindextype last_flag = SUNLS_SUCCESS;
  // The pattern a caller vouches for at the next setup (refactoring_lu_vouch_pattern), and the
  // vouched arrays last found equal to the analysed pattern (null after any other setup).
  const sunindextype *vouched_col_ptr = nullptr, *vouched_row_idx = nullptr;
  const sunindextype *verified_col_ptr = nullptr, *verified_row_idx = nullptr;
  long pattern_comparisons = 0;
};

Content* content(SUNLinearSolver S) { return static_cast<Content*>(S->content); }

SUNLinearSolver_Type get_type(SUNLinearSolver) { return SUNLINEARSOLVER_DIRECT; }
SUNLinearSolver_ID get_id(SUNLinearSolver) { return SUNLINEARSOLVER_CUSTOM; }

// The factors are kept: the next setup compares the pattern and re-checks every pivot anyway.
int initialize(SUNLinearSolver S) {
  content(S)->last_flag = SUNLS_SUCCESS;
  return SUNLS_SUCCESS;
}

int setup(SUNLinearSolver S, SUNMatrix A) {
  Content* c = content(S);
  // A vouch holds for this setup only, whatever its outcome.
  const sunindextype *vouched_col_ptr = c->vouched_col_ptr, *vouched_row_idx = c->vouched_row_idx;
  c->vouched_col_ptr = c->vouched_row_idx = nullptr;
  if (!A || SUNMatGetID(A) != SUNMATRIX_SPARSE || SUNSparseMatrix_SparseType(A) != CSC_MAT ||
      SUNSparseMatrix_Rows(A) != SUNSparseMatrix_Columns(A))
    return c->last_flag = SUNLS_ILL_INPUT;
  try {
    const sunindextype n = SUNSparseMatrix_Columns(A);
    // A's pattern: the vouched arrays (equal to A's by the caller's word, for this setup only),
    // else A's own. Compared with the analysed pattern entry by entry unless they are the
    // vouched arrays verified last (whose caller keeps them unchanged).
    const bool vouched = vouched_col_ptr != nullptr;
    const sunindextype* col_ptr = vouched ? vouched_col_ptr : SUNSparseMatrix_IndexPointers(A);
    const sunindextype* row_idx = vouched ? vouched_row_idx : SUNSparseMatrix_IndexValues(A);
    if (!(vouched && col_ptr == c->verified_col_ptr && row_idx == c->verified_row_idx)) {
      c->verified_col_ptr = c->verified_row_idx = nullptr;
      ++c->pattern_comparisons;
      if (!c->lu.analysed_for(n, col_ptr, row_idx)) c->lu.analyse(n, col_ptr, row_idx);
      if (vouched) {
        c->verified_col_ptr = col_ptr;
        c->verified_row_idx = row_idx;
      }
    }
    c->last_flag = c->lu.factor(SUNSparseMatrix_Data(A)) ? SUNLS_SUCCESS : SUNLS_LUFACT_FAIL;
  } catch (const std::invalid_argument&) {
    c->last_flag = SUNLS_ILL_INPUT;
  } catch (...) {  // no exception may cross the C library
    c->last_flag = SUNLS_PACKAGE_FAIL_UNREC;
  }
  return static_cast<int>(c->last_flag);
}

int solve(SUNLinearSolver S, SUNMatrix, N_Vector x, N_Vector b, sunrealtype) {
  Content* c = content(S);
  double* xv = N_VGetArrayPointer(x);
  if (!xv || !N_VGetArrayPointer(b) || N_VGetLength(x) != c->lu.size())
    return static_cast<int>(c->last_flag = SUNLS_MEM_NULL);
  if (x != b) N_VScale(1.0, b, x);  // CVODE (third_party/sundials_cvode) solves in place
  c->last_flag = c->lu.solve(xv) ? SUNLS_SUCCESS : SUNLS_PACKAGE_FAIL_REC;
  return static_cast<int>(c->last_flag);
}

sunindextype last_flag(SUNLinearSolver S) { return content(S)->last_flag; }

int free_solver(SUNLinearSolver S) {
  if (!S) return SUNLS_SUCCESS;
  delete content(S);
  S->content = nullptr;
  SUNLinSolFreeEmpty(S);
  return SUNLS_SUCCESS;
}

}  // namespace

SUNLinearSolver make_refactoring_lu_solver(SUNContext ctx) {
  SUNLinearSolver S = SUNLinSolNewEmpty(ctx);
  if (!S) return nullptr;
  try {
    S->content = new Content;
  } catch (...) {
    SUNLinSolFreeEmpty(S);
    return nullptr;
  }
  S->ops->gettype = get_type;
  S->ops->getid = get_id;
  S->ops->initialize = initialize;
  S->ops->setup = setup;
  S->ops->solve = solve;
  S->ops->lastflag = last_flag;
  S->ops->free = free_solver;
  return S;
}

const RefactoringLU* refactoring_lu_of(SUNLinearSolver S) {
  if (!S || !S->ops || S->ops->free != free_solver) return nullptr;
  return &content(S)->lu;
}

bool refactoring_lu_vouch_pattern(SUNLinearSolver S, const sunindextype* col_ptr,
                                  const sunindextype* row_idx) {
  if (!refactoring_lu_of(S) || !col_ptr || !row_idx) return false;
  content(S)->vouched_col_ptr = col_ptr;
  content(S)->vouched_row_idx = row_idx;
  return true;
}

long refactoring_lu_pattern_comparisons(SUNLinearSolver S) {
  return refactoring_lu_of(S) ? content(S)->pattern_comparisons : 0;
}

}  // namespace venoflow
