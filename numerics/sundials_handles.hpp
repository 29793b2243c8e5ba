// RAII owners of SUNDIALS handles (context, vectors, sparse matrix, linear solver, CVODE and
// ARKODE memory), so that a throw cannot leak them. Used by the run's integrators
// (cvode_integrator.cpp, arkode_integrator.cpp) and the steady initialisation (steady_state.cpp).
#pragma once

#include <arkode/arkode_arkstep.h>
#include <cvode/cvode.h>
#include <sundials/sundials_context.h>
#include <sundials/sundials_linearsolver.h>
#include <sundials/sundials_matrix.h>
#include <sundials/sundials_nvector.h>

#include <memory>
#include <stdexcept>
#include <type_traits>

namespace venoflow::sundials {

struct ContextDeleter {
  void operator()(SUNContext ctx) const { SUNContext_Free(&ctx); }
};
struct VectorDeleter {
  void operator()(N_Vector v) const { N_VDestroy(v); }
};
struct MatrixDeleter {
  void operator()(SUNMatrix m) const { SUNMatDestroy(m); }
};
struct SolverDeleter {
  void operator()(SUNLinearSolver s) const { SUNLinSolFree(s); }
};
struct CvodeDeleter {
  void operator()(void* mem) const { CVodeFree(&mem); }
};
using ContextPtr = std::unique_ptr<std::remove_pointer_t<SUNContext>, ContextDeleter>;
using VectorPtr = std::unique_ptr<std::remove_pointer_t<N_Vector>, VectorDeleter>;
using MatrixPtr = std::unique_ptr<std::remove_pointer_t<SUNMatrix>, MatrixDeleter>;
using SolverPtr = std::unique_ptr<std::remove_pointer_t<SUNLinearSolver>, SolverDeleter>;
struct ArkodeDeleter {
  void operator()(void* mem) const { ARKStepFree(&mem); }
};
using CvodePtr = std::unique_ptr<void, CvodeDeleter>;
using ArkodePtr = std::unique_ptr<void, ArkodeDeleter>;

/// A new SUNDIALS context (throws if none can be created).
inline ContextPtr make_context() {
  SUNContext ctx = nullptr;
  if (SUNContext_Create(nullptr, &ctx) < 0 || ctx == nullptr)
    throw std::runtime_error("SUNDIALS call failed: SUNContext_Create");
  return ContextPtr(ctx);
}

}  // namespace venoflow::sundials
