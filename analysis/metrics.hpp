// venoflow: scalar results over the last complete cardiac cycle (docs/results-format.md#metrics).
//
// Recorded per output sample: each vessel's mid-point flow and area, node pressures and element
// outputs. At the end of the run the metrics are computed from the last complete cycle (the whole
// run when there is no period):
//  - intracranial compartment (element type `intracranial`): cbf, cpp (mean arterial-port
//    pressure - mean ICP), icp_mean, icp_pulse (max - min), sinus_pressure (mean sinus-port
//    pressure), cerebral_venous_pressure, capillary_pressure, cerebral_blood_volume,
//    mean_transit_time (CBV/CBF), csf_formation, csf_absorption (means);
//  - per pathway of the model's `metrics.pathways`: outflow_<name> (sum of the vessels' mean
//    mid-point flows) and outflow_fraction_<name> (of CBF);
//  - per vessel in `metrics.cross_sections`: csa_<vessel> (mean mid-point area);
//  - per vessel: mean_flow_<vessel> (mean mid-point flow; Python's Results.mean_flow),
//    reflux_fraction_<vessel> (fraction of the cycle with negative mid-point flow)
//    and reflux_volume_<vessel> (retrograde volume per cycle);
//  - per stenosis and valve: pressure_drop_<name> (mean), and for valves reflux_volume_<name>;
//  - per boundary-condition node: boundary_<node>_mean_flow (from its cumulative inflow state
//    at the cycle ends, or over the run) and boundary_<node>_mean_pressure.
#pragma once

#include <map>
#include <span>
#include <string>
#include <vector>

#include "venoflow/model.hpp"
#include "venoflow/results.hpp"

namespace venoflow {

/// A boundary-condition node: its pressure is a Sample's node_pressure[node_index], the volume
/// that entered through it since the start is the state y[cumulative_state].
struct BoundaryInflow {
  std::string node;
  std::size_t node_index = 0;
  int cumulative_state = 0;
};

class CycleMetrics {
 public:
  CycleMetrics(const OutputLayout& layout, const Model& model,
               std::vector<BoundaryInflow> boundaries);
  void record(const Sample& s);
  /// Close a cycle at time t, state y: its samples become "the last complete cycle".
  void end_cycle(double t, const double* y);
  /// Metrics of the last complete cycle (or of everything recorded if no cycle closed); t and
  /// y: the end of the run.
  void compute(std::map<std::string, Metric>& out, double t, const double* y) const;

 private:
  /// One sample's values that compute() reads: node_p and element hold only the recorded
  /// node pressures and element outputs (node_slot_, element_slot_), not the whole sample.
  struct Row {
    double t;
    std::vector<double> q_mid, a_mid, node_p, element;
  };
  static constexpr std::size_t kNotRecorded = static_cast<std::size_t>(-1);
  void boundary_means(std::map<std::string, Metric>& out, std::span<const Row> rows, double t,
                      const double* y) const;
  const OutputLayout& layout_;
  const Model& model_;
  std::vector<std::size_t> mid_;  // concatenated index of each vessel's mid-point
  // The node pressures and element outputs compute() reads (the boundary nodes, the summarised
  // elements' outputs and the intracranial compartments' port nodes), in sample order, and the
  // slot of each in a Row (kNotRecorded for the rest): a network of thousands of nodes and
  // elements with few summaries copies a few values per sample instead of all.
  std::vector<std::size_t> node_reads_, element_reads_;
  std::vector<std::size_t> node_slot_, element_slot_;
  std::vector<bool> summarised_;  // per layout element: compute() reads its outputs
  std::size_t node_slot(std::ptrdiff_t node) const;
  std::size_t element_slot(std::size_t value) const;
  std::vector<Row> current_, last_;
  std::size_t n_current_ = 0, n_last_ = 0;  // rows in use (the vectors keep spare rows)
  std::vector<BoundaryInflow> boundaries_;
  // Cumulative inflow of each boundary at the start of the current and of the last cycle (the
  // bookkeeping integrals are zero at t = 0: System::initial_state, reset_cumulative).
  std::vector<double> inflow_start_, inflow_last_start_;
  double t_start_ = 0.0, t_last_start_ = 0.0;
};

}  // namespace venoflow
