// venoflow: the validity domain of a run (docs/cerebral-model.md#validity-domain). Every tube
// law and element states where its equations hold (TubeLaw::area_domain, ElementBlock::domain);
// the run checks each output sample against those bounds (cheap: not per right-hand side) and
// either stops with a SolverError naming time, component, quantity and bound
// (`solver.on_domain_violation: error`, the default) or records a warning per component and
// quantity (`warn`), stored with the results.
#pragma once

#include <cstddef>
#include <optional>
#include <string>
#include <vector>

#include "venoflow/results.hpp"

namespace venoflow {

/// One bound on one sampled value: value * scale in [lower - slack, upper + slack].
struct DomainCheck {
  enum class From { VesselArea, ElementValue } from = From::ElementValue;
  std::size_t index = 0;  ///< into Sample::vessel_area or Sample::element_values
  double scale = 1.0;     ///< 1/reference area for area ratios, 1 otherwise
  double lower = 0.0, upper = 0.0, slack = 0.0;
  std::string component;  ///< "vessel IJV_R_J2", "element brain"
  std::string quantity;   ///< "A/A0", "icp"
  std::string unit;       ///< SI unit of value * scale ("1" for ratios)
  std::string where;      ///< position detail, e.g. "x = 0.035 m" ("" for elements)
  std::string source;     ///< why the equations stop holding outside
};

/// A sample outside the domain.
struct DomainViolation {
  double t = 0.0;
  const DomainCheck* check = nullptr;
  double value = 0.0;  ///< value * scale
  /// "icp = 0 Pa (0 mmHg) below the lower bound 126.7 Pa (0.95 mmHg) of its validity domain
  /// (source)"
  std::string describe() const;
};

class DomainMonitor {
 public:
  explicit DomainMonitor(std::vector<DomainCheck> checks);
  /// The first violated check of the sample, if any; in warn mode also records every
  /// violation (first time, extreme value and sample count per component and quantity).
  std::optional<DomainViolation> check(const Sample& s, bool record);
  /// One line per component and quantity that left the domain.
  std::vector<std::string> warnings() const;

 private:
  struct Record {
    std::string component, quantity;
    DomainViolation first;
    double extreme = 0.0;  ///< furthest value outside
    long samples = 0;      ///< samples with at least one value outside
    double last_t = -1.0;
  };
  std::vector<DomainCheck> checks_;
  /// The bounds of checks_ in compact form, per source array (what check() tests first: every
  /// sample; the full checks only when one bound fails).
  struct Bound {
    std::size_t index;
    double scale, lower, upper;  ///< lower - slack and upper + slack
  };
  std::vector<Bound> area_bounds_, element_bounds_;
  std::vector<Record> records_;
};

}  // namespace venoflow
