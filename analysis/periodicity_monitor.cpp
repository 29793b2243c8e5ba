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
    // start, middle and end; a vessel of one cell (0D) has two vertices: its middle is its
    // end, probed once (a second probe of the same value never changes the result)
    const std::size_t at[3] = {0, nx / 2, nx - 1};
    for (int k = 0; k < 3; ++k) {
      if (k > 0 && at[k] == at[k - 1]) continue;
      const std::size_t j = at[k];
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
  probes_.push_back({std::move(name), floor});
  if (!taps_.empty() && taps_.back().from == from &&
      taps_.back().index + taps_.back().count == index)
    ++taps_.back().count;
  else
    taps_.push_back({from, index, 1});
}

void PeriodicityMonitor::record(const Sample& s) {
  const double* from[4] = {s.vessel_pressure.data(), s.vessel_flow.data(), s.node_pressure.data(),
                           s.element_values.data()};
  const std::size_t np = probes_.size();
  const std::size_t n0 = current_.rows * np;
  if (n0 + np > current_.capacity) {
    // Grows over the first cycles only, geometrically (amortised).
    const std::size_t capacity = std::max(n0 + np, 2 * current_.capacity);
    auto values = std::make_unique_for_overwrite<double[]>(capacity);
    std::copy_n(current_.values.get(), n0, values.get());
    current_.values = std::move(values);
    current_.capacity = capacity;
  }
  ++current_.rows;
  double* row = current_.values.get() + n0;
  for (const Tap& tap : taps_) {
    const double* src = from[static_cast<int>(tap.from)] + tap.index;
    // A run of one (a vessel's probes alternate pressure and flow) without a call to memmove.
    if (tap.count == 1)
      *row++ = *src;
    else
      row = std::copy_n(src, tap.count, row);
  }
}

namespace {
// One row of a cycle against the same row of the previous cycle: each probe's range, magnitude
// and change so far. Exact operations (min, max, abs), so the order of evaluation does not
// matter: vectorised (compiled at -O3 for AVX2 and the baseline, as
// numerics/serial_vector_ops.cpp; the per-probe loop was most of end_cycle's cost).
#pragma GCC push_options
#pragma GCC optimize("O3")
__attribute__((target_clones("avx2", "default"))) void accumulate_row(
    const double* __restrict cur, const double* __restrict prev, std::size_t n,
    double* __restrict lo, double* __restrict hi, double* __restrict mag, double* __restrict diff) {
  for (std::size_t i = 0; i < n; ++i) {
    const double x = cur[i];
    lo[i] = std::min(lo[i], x);
    hi[i] = std::max(hi[i], x);
    mag[i] = std::max(mag[i], std::abs(x));
    diff[i] = std::max(diff[i], std::abs(x - prev[i]));
  }
}
#pragma GCC pop_options
}  // namespace

std::pair<double, std::string> PeriodicityMonitor::end_cycle() {
  double worst = -1.0;
  std::string where;
  const std::size_t np = probes_.size();
  if (previous_.rows > 0 && previous_.rows == current_.rows && np > 0) {
    worst = 0.0;
    const std::size_t rows = current_.rows;
    // Row by row (the order the samples are stored in), each probe's range, magnitude and
    // change accumulated over its samples in time order as before.
    lo_.assign(np, std::numeric_limits<double>::infinity());
    hi_.assign(np, -std::numeric_limits<double>::infinity());
    mag_.assign(np, 0.0);
    diff_.assign(np, 0.0);
    for (std::size_t s = 0; s < rows; ++s)
      accumulate_row(current_.values.get() + s * np, previous_.values.get() + s * np, np,
                     lo_.data(), hi_.data(), mag_.data(), diff_.data());
    for (std::size_t i = 0; i < np; ++i) {
      const double scale = std::max({hi_[i] - lo_[i], 1e-3 * mag_[i], probes_[i].floor});
      if (diff_[i] / scale > worst) {
        worst = diff_[i] / scale;
        where = probes_[i].name;
      }
    }
  }
  std::swap(previous_, current_);
  current_.rows = 0;
  return {worst, where};
}

}  // namespace venoflow
