// venoflow: why a run's integration failed, said in the model's words: the simulated time, the
// vessel, node or element and the quantity, and the integrator's own message (docs/numerics.md).
#pragma once

#include "numerics/integrator.hpp"
#include "numerics/system.hpp"
#include "venoflow/errors.hpp"

namespace venoflow {

/// The error for an integrator step (CVODE or ARKODE) that failed with `flag` (< 0). A right-hand
/// side that fails where the step shrank to nothing names its own cause
/// (System::failure_component); repeated error-test or Newton failures name the unknown with the
/// largest weighted local error estimate; anything else names the integrator and its flag.
SolverError failure_report(int flag, Integrator& integrator, const System& system);

}  // namespace venoflow
