// venoflow: the diagnosis of a failed integration (numerics/failure_report.hpp).
#include "numerics/failure_report.hpp"

#include <arkode/arkode.h>
#include <cvode/cvode.h>

#include <cmath>
#include <string>

namespace venoflow {

// The two failures named below have the same flags in CVODE and ARKODE.
static_assert(CV_ERR_FAILURE == ARK_ERR_FAILURE && CV_CONV_FAILURE == ARK_CONV_FAILURE);

SolverError failure_report(int flag, Integrator& integrator, const System& system) {
  std::string component = system.failure_component(), quantity = system.failure_quantity();
  std::string detail = system.failure().empty() ? integrator.message() : system.failure();
  const double t = integrator.current_time();
  if (flag == CV_CONV_FAILURE && integrator.rhs_failed_at(t) && !component.empty()) {
    // The step shrank to nothing where the right-hand side fails (a node with no
    // pressure for its volume, a vessel with no area): that is the cause to name.
    detail = system.failure() + "; " + integrator.message();
  } else if (flag == CV_ERR_FAILURE || flag == CV_CONV_FAILURE) {
    // Name the unknown with the largest weighted local error estimate.
    const double* ele = integrator.local_errors();
    const double* w = integrator.error_weights();
    int worst = 0;
    double wmax = -1.0;
    for (int i = 0; i < integrator.size(); ++i) {
      const double e = std::abs(ele[i] * w[i]);
      if (e > wmax) {
        wmax = e;
        worst = i;
      }
    }
    component = system.describe_unknown(worst);
    quantity = flag == CV_ERR_FAILURE ? "error test failures" : "Newton convergence failures";
    detail = integrator.message() +
             (system.failure().empty() ? "" : "; last failure: " + system.failure());
  } else if (component.empty()) {
    component = "integrator";
    quantity = std::string(integrator.library()) + " flag " + std::to_string(flag);
  }
  return SolverError(t, component, quantity, detail);
}

}  // namespace venoflow
