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
  // A row's layout: the singles, then the runs.
  for (const Tap& tap : taps_) (tap.count == 1 ? singles_ : runs_).push_back(tap);
  single_values_.resize(singles_.size());
  std::size_t single = 0, run = singles_.size();
  for (const Tap& tap : taps_) {
    if (tap.count == 1) {
      position_.push_back(single++);
    } else {
      run_position_.push_back(run);
      for (std::size_t k = 0; k < tap.count; ++k) position_.push_back(run + k);
      run += tap.count;
    }
  }
  reset_accumulators();
}

void PeriodicityMonitor::add(std::string name, From from, std::size_t index, double floor) {
  probes_.push_back({std::move(name), floor});
  if (!taps_.empty() && taps_.back().from == from &&
      taps_.back().index + taps_.back().count == index)
    ++taps_.back().count;
  else
    taps_.push_back({from, index, 1});
}

namespace {
// One run of consecutive probes of the current row against the same row of the previous cycle,
// which it then replaces: each probe's range, magnitude and change so far. Exact operations
// (min, max, abs), so the order of evaluation does not matter: vectorised (compiled at -O3 for
// AVX2 and the baseline, as numerics/serial_vector_ops.cpp).
#pragma GCC push_options
#pragma GCC optimize("O3")
__attribute__((target_clones("avx2", "default"))) void compare_run(
    const double* __restrict cur, double* __restrict prev, std::size_t n, double* __restrict lo,
    double* __restrict hi, double* __restrict mag, double* __restrict diff) {
  for (std::size_t i = 0; i < n; ++i) {
    const double x = cur[i];
    lo[i] = std::min(lo[i], x);
    hi[i] = std::max(hi[i], x);
    mag[i] = std::max(mag[i], std::abs(x));
    diff[i] = std::max(diff[i], std::abs(x - prev[i]));
    prev[i] = x;
  }
}
#pragma GCC pop_options
}  // namespace

void PeriodicityMonitor::reset_accumulators() {
  const std::size_t np = probes_.size();
  lo_.assign(np, std::numeric_limits<double>::infinity());
  hi_.assign(np, -std::numeric_limits<double>::infinity());
  mag_.assign(np, 0.0);
  diff_.assign(np, 0.0);
}

void PeriodicityMonitor::record(const Sample& s) {
  const double* from[4] = {s.vessel_pressure.data(), s.vessel_flow.data(), s.node_pressure.data(),
                           s.element_values.data()};
  const std::size_t np = probes_.size();
  const std::size_t n0 = rows_ * np;
  if (n0 + np > capacity_) {
    // Grows over the first cycle only, geometrically (amortised). Beyond the previous cycle's
    // rows (capacity_ holds them all): only the current cycle's n0 values are in use.
    const std::size_t capacity = std::max(n0 + np, 2 * capacity_);
    auto values = std::make_unique_for_overwrite<double[]>(capacity);
    std::copy_n(values_.get(), n0, values.get());
    values_ = std::move(values);
    capacity_ = capacity;
  }
  double* row = values_.get() + n0;
  const std::size_t ns = singles_.size();
  if (rows_++ >= previous_rows_) {
    // No row of the previous cycle to compare with (the first cycle): stored only.
    for (std::size_t k = 0; k < ns; ++k)
      row[k] = from[static_cast<int>(singles_[k].from)][singles_[k].index];
    for (std::size_t k = 0; k < runs_.size(); ++k)
      std::copy_n(from[static_cast<int>(runs_[k].from)] + runs_[k].index, runs_[k].count,
                  row + run_position_[k]);
    return;
  }
  // Compared with the previous cycle's row at this phase while it is replaced: the accumulators
  // of end_cycle() in the same time order, without a second pass over both cycles.
  double* single = single_values_.data();
  for (std::size_t k = 0; k < ns; ++k)
    single[k] = from[static_cast<int>(singles_[k].from)][singles_[k].index];
  compare_run(single, row, ns, lo_.data(), hi_.data(), mag_.data(), diff_.data());
  for (std::size_t k = 0; k < runs_.size(); ++k) {
    const std::size_t at = run_position_[k];
    compare_run(from[static_cast<int>(runs_[k].from)] + runs_[k].index, row + at, runs_[k].count,
                lo_.data() + at, hi_.data() + at, mag_.data() + at, diff_.data() + at);
  }
}

std::pair<double, std::string> PeriodicityMonitor::end_cycle() {
  double worst = -1.0;
  std::string where;
  const std::size_t np = probes_.size();
  // Every row compared only if the two cycles have as many (record() compared them all).
  if (previous_rows_ > 0 && previous_rows_ == rows_ && np > 0) {
    worst = 0.0;
    for (std::size_t i = 0; i < np; ++i) {
      const std::size_t p = position_[i];
      const double scale = std::max({hi_[p] - lo_[p], 1e-3 * mag_[p], probes_[i].floor});
      if (diff_[p] / scale > worst) {
        worst = diff_[p] / scale;
        where = probes_[i].name;
      }
    }
  }
  previous_rows_ = rows_;
  rows_ = 0;
  reset_accumulators();
  return {worst, where};
}

}  // namespace venoflow
