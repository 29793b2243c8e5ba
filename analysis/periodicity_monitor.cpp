// venoflow: the periodic-state monitor of a run (analysis/periodicity_monitor.hpp).
#include "analysis/periodicity_monitor.hpp"

#include <algorithm>
#include <cmath>
#include <limits>

namespace venoflow {

PeriodicityMonitor::PeriodicityMonitor(const OutputLayout& layout) {
  std::size_t off = 0;
  for (const auto& v : layout.vessels) {
    const std::size_t nx = v.x.size();
    for (std::size_t j : {std::size_t{0}, nx / 2, nx - 1}) {
      add("vessel " + v.name + " pressure at x = " + std::to_string(v.x[j]) + " m",
          From::VesselPressure, off + j, 1.0);
      add("vessel " + v.name + " flow at x = " + std::to_string(v.x[j]) + " m", From::VesselFlow,
          off + j, 1e-9);
    }
    off += nx;
  }
  for (std::size_t i = 0; i < layout.nodes.size(); ++i)
    add("node " + layout.nodes[i] + " pressure", From::NodePressure, i, 1.0);
  // Element pressures, flows and volumes; a valve's opening and effective area (units 1 and
  // m^2) and indicators are left out: an idle valve's opening wanders without consequence,
  // while its flow and pressure drop are probed.
  std::size_t e = 0;
  for (const auto& el : layout.elements)
    for (const auto& q : el.quantities) {
      if (q.unit != "1" && q.unit != "m^2")
        add("element " + el.name + " " + q.name, From::ElementValue, e,
            q.unit == "Pa" ? 1.0 : 1e-9);
      ++e;
    }
}

void PeriodicityMonitor::add(std::string name, From from, std::size_t index, double floor) {
  probes_.push_back({std::move(name), from, index, floor});
}

void PeriodicityMonitor::record(const Sample& s) {
  // Rows are stored back to back (stride = number of probes): no allocation per sample.
  for (const Probe& p : probes_) {
    const std::vector<double>& v = p.from == From::VesselPressure ? s.vessel_pressure
                                   : p.from == From::VesselFlow   ? s.vessel_flow
                                   : p.from == From::NodePressure ? s.node_pressure
                                                                  : s.element_values;
    current_.push_back(v[p.index]);
  }
}

std::pair<double, std::string> PeriodicityMonitor::end_cycle() {
  double worst = -1.0;
  std::string where;
  const std::size_t np = probes_.size();
  if (!previous_.empty() && previous_.size() == current_.size() && np > 0) {
    worst = 0.0;
    const std::size_t rows = current_.size() / np;
    for (std::size_t i = 0; i < np; ++i) {
      double lo = std::numeric_limits<double>::infinity(), hi = -lo, mag = 0.0, diff = 0.0;
      for (std::size_t s = 0; s < rows; ++s) {
        const double x = current_[s * np + i];
        lo = std::min(lo, x);
        hi = std::max(hi, x);
        mag = std::max(mag, std::abs(x));
        diff = std::max(diff, std::abs(x - previous_[s * np + i]));
      }
      const double scale = std::max({hi - lo, 1e-3 * mag, probes_[i].floor});
      if (diff / scale > worst) {
        worst = diff / scale;
        where = probes_[i].name;
      }
    }
  }
  previous_.swap(current_);
  current_.clear();
  return {worst, where};
}

}  // namespace venoflow
