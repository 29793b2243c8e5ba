// venoflow: what a run produces, and the sink interface that stores it (HDF5 file, memory).
#pragma once

#include <map>
#include <memory>
#include <string>
#include <vector>

namespace venoflow {

struct Model;

/// One named output series of a node or element, with its SI unit.
struct Quantity {
  std::string name;  ///< e.g. "flow", "pressure_drop", "p_c"
  std::string unit;  ///< SI, e.g. "m^3/s", "Pa"
};

/// The shape of every sample: which vessels (and their sample positions), nodes and
/// element quantities are written, in which order.
struct OutputLayout {
  struct VesselOut {
    std::string name;
    std::vector<double> x;  ///< sample positions along the vessel [m], x[0] = 0, x.back() = L
  };
  struct ElementOut {
    std::string name;
    std::string type;
    std::vector<Quantity> quantities;
  };
  std::vector<VesselOut> vessels;
  std::vector<std::string> nodes;
  std::vector<ElementOut> elements;
  double period = 0.0;  ///< cardiac period [s], 0 if none
  /// Samples the run plans to write (RunPlan::samples_written), 0 if not known. A hint: a sink
  /// may size its blocks by it (the compact file's chunks, compact_block_rows), never relies on
  /// it (a run may stop early, and a sink accepts more samples).
  long samples_planned = 0;
};

/// One output instant. Vessel arrays are concatenated in layout order (sum of nx each).
struct Sample {
  double t = 0.0;
  std::vector<double> vessel_pressure;  ///< [Pa]
  std::vector<double> vessel_flow;      ///< [m^3/s]
  std::vector<double> vessel_area;      ///< [m^2]
  std::vector<double> node_pressure;    ///< [Pa]
  std::vector<double> element_values;   ///< concatenated quantities in layout order (SI)
};

/// Integrator statistics, read from CVODE at the end of the run.
struct RunStatistics {
  long steps = 0;
  long rhs_evaluations = 0;  ///< including those spent on finite-difference Jacobians
  long jacobian_evaluations = 0;
  long linear_solver_setups = 0;
  long error_test_failures = 0;
  long nonlinear_convergence_failures = 0;
  long colours = 0;  ///< column groups of the coloured FD Jacobian
  long unknowns = 0;
  double wall_time = 0.0;       ///< [s]
  double simulated_time = 0.0;  ///< [s] reached
  int cycles_completed = 0;
};

/// A scalar result (e.g. a perfusion metric or a boundary mean) with its SI unit.
struct Metric {
  double value = 0.0;
  std::string unit;
  std::string doc;
};

/// How a run ended.
struct RunOutcome {
  bool complete = false;      ///< reached its end (t_end, cycles, or periodic steady state)
  bool interrupted = false;   ///< stopped by the user (Ctrl-C / stop flag)
  std::string error;          ///< solver failure message, "" if none
  bool steady_state = false;  ///< stopped because the cycle-to-cycle change fell below tolerance
  double steady_state_change = -1.0;  ///< largest relative change over the last cycle
  std::string steady_state_location;  ///< where that change is largest
  /// Validity-domain violations with `solver.on_domain_violation: warn` (one line per component
  /// and quantity: first time, bound, furthest value, source); empty otherwise.
  std::vector<std::string> warnings;
};

/// What a sink holds in memory, for the memory estimate of a run (Simulation::plan).
struct SinkFootprint {
  double bytes_per_sample = 0.0;  ///< kept for every sample written (in-memory results)
  double fixed_bytes = 0.0;       ///< buffers whose size does not depend on the run length
};

/// Receives a run's output. Implementations: Hdf5Writer (hdf5_writer.hpp), MemoryResults.
class ResultSink {
 public:
  virtual ~ResultSink() = default;
  /// Memory this sink will hold for a run of this layout (default: streams samples out).
  virtual SinkFootprint footprint(const OutputLayout&) const { return {}; }
  virtual void begin(const OutputLayout& layout, const Model& model) = 0;
  virtual void write(const Sample& sample) = 0;
  /// Called exactly once, also after failures and interruptions.
  virtual void finish(const RunStatistics& stats, const RunOutcome& outcome,
                      const std::map<std::string, Metric>& metrics) = 0;
};

/// A run's series by column, the layout of the results file and of numpy: time (nt); per
/// vessel pressure, flow and area, each (nt, nx) contiguous in C order; per node its pressure
/// (nt); per element quantity, in layout order, its values (nt).
struct ResultColumns {
  struct Vessel {
    std::vector<double> pressure, flow, area;
  };
  std::vector<double> time;
  std::vector<Vessel> vessels;
  std::vector<std::vector<double>> node_pressure;
  std::vector<std::vector<double>> element_values;

  /// Empty columns for `layout`, each with room for `samples` instants (no growth below).
  void reset(const OutputLayout& layout, std::size_t samples = 0);
  /// Appends one instant (sizes as in the layout; no allocation within the room reserved).
  void append(const OutputLayout& layout, const Sample& s);
  std::size_t size() const { return time.size(); }
  /// Instant k as a Sample (a copy: for tests and row-wise checks).
  Sample row(const OutputLayout& layout, std::size_t k) const;
};

/// Read-only pointers to columns laid out as in ResultColumns (numpy arrays, or the columns
/// themselves): time and every series hold the same number of instants.
struct ColumnSpans {
  struct Vessel {
    const double* pressure = nullptr;
    const double* flow = nullptr;
    const double* area = nullptr;
  };
  const double* time = nullptr;
  std::vector<Vessel> vessels;
  std::vector<const double*> node_pressure;
  std::vector<const double*> element_values;
};

/// Pointers to `c`'s columns (valid while c is not changed).
ColumnSpans spans_of(const ResultColumns& c);

/// Instants of a MemoryResults as Samples, built on access (tests read rows).
class SampleRows {
 public:
  SampleRows(const ResultColumns& c, const OutputLayout& l) : c_(&c), l_(&l) {}
  std::size_t size() const { return c_->size(); }
  bool empty() const { return c_->size() == 0; }
  Sample operator[](std::size_t k) const { return c_->row(*l_, k); }
  Sample front() const { return c_->row(*l_, 0); }
  Sample back() const { return c_->row(*l_, size() - 1); }

  class iterator {
   public:
    iterator(const SampleRows* r, std::size_t k) : r_(r), k_(k) {}
    Sample operator*() const { return (*r_)[k_]; }
    iterator& operator++() { return ++k_, *this; }
    bool operator!=(const iterator& o) const { return k_ != o.k_; }

   private:
    const SampleRows* r_;
    std::size_t k_;
  };
  iterator begin() const { return {this, 0}; }
  iterator end() const { return {this, size()}; }

 private:
  const ResultColumns* c_;
  const OutputLayout* l_;
};

/// Keeps everything in memory, by column (tests, Python: the columns go to numpy as they are).
class MemoryResults : public ResultSink {
 public:
  SinkFootprint footprint(const OutputLayout& layout) const override;
  void begin(const OutputLayout& layout, const Model& model) override;
  void write(const Sample& sample) override;
  void finish(const RunStatistics& stats, const RunOutcome& outcome,
              const std::map<std::string, Metric>& metrics) override;

  /// Instants the run will write (RunPlan::samples_written), set before begin(): every column
  /// is then allocated once at its final size. Without it the columns grow by doubling.
  std::size_t expected_samples = 0;

  OutputLayout layout;
  ResultColumns columns;
  RunStatistics stats;
  RunOutcome outcome;
  std::map<std::string, Metric> metrics;
  std::string model_name;
  std::string model_yaml;

  /// The instants as rows (copies built on access).
  SampleRows samples() const { return {columns, layout}; }

  /// Index helpers (throw std::out_of_range for unknown names).
  std::size_t vessel_index(const std::string& name) const;
  std::size_t vessel_offset(std::size_t vessel) const;  ///< offset in the concatenated arrays
  std::size_t node_index(const std::string& name) const;
  std::size_t element_value_index(const std::string& element, const std::string& qty) const;
};

}  // namespace venoflow
