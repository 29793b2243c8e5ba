// venoflow: validity-domain checks on output samples (see domain.hpp).
#include "numerics/domain.hpp"

#include <cmath>
#include <sstream>

namespace venoflow {

namespace {

/// "value unit", with the clinical unit in brackets for pressures and volumes.
std::string with_unit(double v, const std::string& unit) {
  std::ostringstream o;
  o.precision(4);
  o << v << " " << unit;
  if (unit == "Pa") o << " (" << v / 133.322387415 << " mmHg)";
  if (unit == "m^3") o << " (" << v * 1e6 << " ml)";
  return o.str();
}

}  // namespace

std::string DomainViolation::describe() const {
  const DomainCheck& c = *check;
  const bool below = value < c.lower;
  std::ostringstream o;
  o << "outside the validity domain: " << c.quantity;
  if (!c.where.empty()) o << " at " << c.where;
  o << " = " << with_unit(value, c.unit) << (below ? " below the lower" : " above the upper")
    << " bound " << with_unit(below ? c.lower : c.upper, c.unit) << " [" << c.source << "]";
  return o.str();
}

DomainMonitor::DomainMonitor(std::vector<DomainCheck> checks) : checks_(std::move(checks)) {
  for (const DomainCheck& c : checks_)
    (c.from == DomainCheck::From::VesselArea ? area_bounds_ : element_bounds_)
        .push_back({c.index, c.scale, c.lower - c.slack, c.upper + c.slack});
}

std::optional<DomainViolation> DomainMonitor::check(const Sample& s, bool record) {
  // Most samples are inside: one pass over the compact bounds, the same test as below.
  auto inside = [](const std::vector<Bound>& bounds, const std::vector<double>& src) {
    bool in = true;
    for (const Bound& b : bounds) {
      const double v = src[b.index] * b.scale;
      in &= v >= b.lower && v <= b.upper;
    }
    return in;
  };
  if (inside(area_bounds_, s.vessel_area) && inside(element_bounds_, s.element_values))
    return std::nullopt;
  std::optional<DomainViolation> first;
  for (const DomainCheck& c : checks_) {
    const std::vector<double>& src =
        c.from == DomainCheck::From::VesselArea ? s.vessel_area : s.element_values;
    const double v = src[c.index] * c.scale;
    // A NaN is outside too (the sampling loop rejects non-finite values before this).
    if (v >= c.lower - c.slack && v <= c.upper + c.slack) continue;
    DomainViolation dv{s.t, &c, v};
    if (!first) first = dv;
    if (!record) return first;
    Record* r = nullptr;
    for (auto& x : records_)
      if (x.component == c.component && x.quantity == c.quantity) r = &x;
    if (!r) {
      records_.push_back({c.component, c.quantity, dv, v, 0, -1.0});
      r = &records_.back();
    }
    const double out = v < c.lower ? c.lower - v : v - c.upper;
    const double out_extreme = r->extreme < r->first.check->lower
                                   ? r->first.check->lower - r->extreme
                                   : r->extreme - r->first.check->upper;
    if (out > out_extreme) r->extreme = v;
    if (r->last_t != s.t) {
      ++r->samples;
      r->last_t = s.t;
    }
  }
  return first;
}

std::vector<std::string> DomainMonitor::warnings() const {
  std::vector<std::string> w;
  for (const auto& r : records_) {
    std::ostringstream o;
    o.precision(6);
    o << r.component << " (" << r.quantity << "): from t = " << r.first.t << " s, " << r.samples
      << " sample" << (r.samples == 1 ? "" : "s") << " " << r.first.describe() << "; furthest "
      << with_unit(r.extreme, r.first.check->unit);
    w.push_back(o.str());
  }
  return w;
}

}  // namespace venoflow
