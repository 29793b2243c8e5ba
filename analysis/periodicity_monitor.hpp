// venoflow: is the run periodic yet? (docs/numerics.md#periodic-steady-state). Every vessel's
// end and middle pressure and flow, every node pressure and element output are probed at the
// same phases in two consecutive cycles; the change of a probe is relative to its range over
// the cycle (with a floor of 1e-3 of its magnitude, and 1 Pa / 1e-9 m^3/s).
#pragma once

#include <cstddef>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "venoflow/results.hpp"

namespace venoflow {

class PeriodicityMonitor {
 public:
  explicit PeriodicityMonitor(const OutputLayout& layout);
  /// One sample of the current cycle (no allocation once two cycles have been recorded).
  void record(const Sample& s);
  /// Close a cycle. Returns the largest relative change against the previous cycle
  /// (negative if there is no previous cycle) and where it is.
  std::pair<double, std::string> end_cycle();

 private:
  enum class From { VesselPressure, VesselFlow, NodePressure, ElementValue };
  struct Probe {
    std::string name;
    double floor;  ///< smallest scale of a change [SI]
  };
  /// Where consecutive probes read the Sample: which of its arrays, from which index, how many
  /// consecutive values (node pressures and most element outputs are probed in runs: record()
  /// copies runs, not values one by one). Apart from the probes' names so that record() walks a
  /// compact array.
  struct Tap {
    From from;
    std::size_t index;
    std::size_t count;
  };
  void add(std::string name, From from, std::size_t index, double floor);
  std::vector<Probe> probes_;
  std::vector<Tap> taps_;
  /// The rows of probe values of one cycle, back to back. The storage is kept from cycle to
  /// cycle and never zero-filled (record() writes every value of a row before it is read), so
  /// that record() neither allocates nor fills once two cycles have been recorded.
  struct Rows {
    std::unique_ptr<double[]> values;
    std::size_t capacity = 0;  ///< values
    std::size_t rows = 0;      ///< rows in use
  };
  Rows previous_, current_;
  std::vector<double> lo_, hi_, mag_, diff_;  // per probe, reused by end_cycle
};

}  // namespace venoflow
