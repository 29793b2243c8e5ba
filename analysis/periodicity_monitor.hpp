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
  /// One sample of the current cycle, compared with the previous cycle's at the same phase
  /// (no allocation once a cycle has been recorded).
  void record(const Sample& s);
  /// Close a cycle. Returns the largest relative change against the previous cycle
  /// (negative if there is no previous cycle, or one of another number of samples) and where
  /// it is.
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
  /// A row stores first the probes of one-value taps (a vessel's probes alternate pressure and
  /// flow), gathered into single_values_ and compared in one vectorised pass, then the runs,
  /// each compared straight from the sample, run k at run_position_[k] in the row.
  /// position_[i]: probe i's place in a row (the report goes by the probes' order).
  std::vector<Tap> singles_, runs_;
  std::vector<std::size_t> run_position_, position_;
  std::vector<double> single_values_;  // the current sample's singles, gathered
  /// The rows of probe values of the previous cycle, back to back, overwritten row by row by
  /// the current cycle's as record() compares them (one buffer, not one per cycle). The storage
  /// is kept from cycle to cycle and never zero-filled (record() writes every value of a row
  /// before it is read), so that record() neither allocates nor fills once a cycle has been
  /// recorded.
  std::unique_ptr<double[]> values_;
  std::size_t capacity_ = 0;       ///< values
  std::size_t rows_ = 0;           ///< rows of the current cycle so far
  std::size_t previous_rows_ = 0;  ///< rows of the previous cycle (0: none)
  /// Per place in a row, over the current cycle's rows compared so far: range, magnitude and
  /// largest change against the same row of the previous cycle.
  std::vector<double> lo_, hi_, mag_, diff_;
  void reset_accumulators();
};

}  // namespace venoflow
