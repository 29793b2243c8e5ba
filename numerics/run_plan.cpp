// venoflow: run length, output instants and the resource estimate of a run
// (numerics/run_plan.hpp, docs/model-format.md#resource-limits).
#include "numerics/run_plan.hpp"

#include "venoflow/hdf5_writer.hpp"

#include <algorithm>
#include <climits>
#include <cmath>
#include <cstdio>
#include <sstream>
#include <stdexcept>
#include <string_view>
#include <unordered_set>

namespace venoflow::detail {

namespace {

// Largest count the run loop may reach: integers up to 2^53 are exact in a double, so
// k * output_interval stays distinct for every output step k (and fits a long).
constexpr double kMaxCount = 9007199254740992.0;  // 2^53

// ---- memory per unknown and per Jacobian non-zero [bytes] ----
// The System's peak while it is built: one std::set of Jacobian columns per row (a node of
// 40 bytes per entry plus 48 bytes per set), the row -> column lists, the unknown descriptors and
// the per-vertex scratch and tube-law tables. Measured 376 B per unknown (peak RSS of `venoflow
// check` on single_pipe.yaml with 3e5 and 1e6 cells, minus that with 10 cells).
constexpr double kSystemPerUnknown = 400.0;
// Per non-zero: the pattern's row index (4), the coloured Jacobian's values (8), CVODE's sparse
// matrix and either its saved copy (2 x 16: value and index) or, where the integrator assembles
// I - gamma J itself, the pattern's copy in CVODE's index type and the kept Jacobian's scratch
// evaluation (16, within the same 32), and the sparse LU (numerics/sparse_lu.hpp)
// at its peak, building a pivot order: its copy of the pattern and pivot rows (12), KLU's
// extracted patterns (2 x 8) and its own arrays (2 x 32: per entry of L and U a value, three
// indices and an update, and a working value; allowance of 2 x for a fill-in of at most the
// matrix itself: the pattern is a chain per vessel with small dense blocks at nodes, which AMD
// orders with little fill). KLU's own factors (2 x 16) and their extraction (2 x 16) are freed
// before.
constexpr double kPerNonzero = 4.0 + 8.0 + 32.0 + 92.0;
// Per unknown outside the System: the pattern's and matrices' column pointers (3 x 8), the
// finite-difference Jacobian's perturbed state, right-hand side and increments (3 x 8), the
// run's copies of the initial state and tolerances (2 x 8) and the sparse LU's permutations,
// pivots, row scales, work vector and KLU's symbolic analysis (about 13 x 8).
constexpr double kLinearPerUnknown = 24.0 + 24.0 + 16.0 + 104.0;
// CVODE's N-vectors (Hindmarsh et al. 2005, ACM TOMS 31:363, and cvode_impl.h): the Nordsieck
// history zn[0..q_max], plus ewt, acor, tempv, ftemp, the three linear-solver work vectors,
// the absolute tolerances, y and the saved state of the linear solver: about q_max + 11.
constexpr double kIntegratorVectors = 11.0;
// ARKODE's ARKStep with the 5-stage SDIRK (solver.method: sdirk; Reynolds et al. 2023, ACM TOMS
// 49:19, and arkode_arkstep_impl.h): the stages' right-hand sides, the stage data, predictor and
// correction, the interpolant's history, its temporaries, the error weights and the same
// linear-solver and run vectors as above: 24, measured: the peak resident memory of the
// 4095-vessel tree of bench/peers (12288 unknowns, 2 cycles) 81.6 MB against BDF's 80.8 MB at
// order 5 (16 vectors), 8 vectors more.
constexpr double kSdirkVectors = 24.0;

// ---- results file ----
// Per dataset or group: object header, attributes (units, long_name) and dimension-scale
// references. Measured: a run of single_pipe.yaml with 10 cells and 3 samples writes about
// 2.4 kB per object beyond its data (tests/python/test_run_limits.py compares).
constexpr double kFileBytesPerObject = 2048.0;
// Rows per chunk of the results file's time series (Hdf5Writer's flush_every): storage is
// allocated in whole chunks.
constexpr double kChunkRows = 256.0;

// The integrator's vectors of state size, by solver.method.
double integrator_vectors(const Model& model) {
  if (model.solver.method == "sdirk") return kSdirkVectors;
  return std::max(1, effective_max_order(model)) + kIntegratorVectors;
}

double state_bytes(double unknowns, double nonzeros, const Model& model) {
  return unknowns * (kSystemPerUnknown + kLinearPerUnknown + 8.0 * integrator_vectors(model)) +
         nonzeros * kPerNonzero;
}

[[noreturn]] void fail(const std::string& what) { throw std::invalid_argument(what); }

std::string seconds(double t) {
  std::ostringstream o;
  o.precision(6);
  o << t << " s";
  return o.str();
}

}  // namespace

std::string format_bytes(double b) {
  static const char* const units[] = {"B", "kB", "MB", "GB", "TB", "PB", "EB"};
  if (!std::isfinite(b)) return "inf B";
  int u = 0;
  double x = b;
  while (u < 6 && std::abs(x) >= 999.5) {
    x /= 1000.0;
    ++u;
  }
  char buf[64];
  if (u == 0)
    std::snprintf(buf, sizeof buf, "%.0f B", x);
  else
    std::snprintf(buf, sizeof buf, "%.3g %s", x, units[u]);
  return buf;
}

std::string format_count(double n) {
  char buf[64];
  if (!(n < 1e15)) {
    std::snprintf(buf, sizeof buf, "%.2e", n);
    return buf;
  }
  std::snprintf(buf, sizeof buf, "%.0f", n);
  std::string digits = buf, out;
  const std::size_t lead = digits.size() % 3 == 0 ? 3 : digits.size() % 3;
  out = digits.substr(0, lead);
  for (std::size_t i = lead; i < digits.size(); i += 3) out += "," + digits.substr(i, 3);
  return out;
}

void check_state_size(const Model& model) {
  const SolverSettings& set = model.solver;
  // The System's unknowns (numerics/system.hpp): 2 N - 1 per vessel of N cells, one volume and
  // at most one cumulative inflow per node, and the elements' states (a few each: 8 allowed).
  double unknowns = 0.0, cells = 0.0, most = 0.0;
  std::string most_name;
  // (the distinct node names, counted through a hash set: an ordered set of strings cost more
  // than the rest of the check at a thousand nodes)
  std::unordered_set<std::string_view> nodes;
  nodes.reserve(2 * model.vessels.size() + 2 * model.elements.size());
  for (const auto& v : model.vessels) {
    const double n = std::max(1, v.cells);
    unknowns += 2.0 * n - 1.0;
    cells += n;
    if (n > most) {
      most = n;
      most_name = v.name;
    }
    nodes.insert(v.from_node);
    nodes.insert(v.to_node);
  }
  for (const auto& e : model.elements) {
    unknowns += 8.0;
    nodes.insert(e.nodes.begin(), e.nodes.end());
  }
  unknowns += 2.0 * double(nodes.size());
  const std::string where = format_count(cells) + " cells in " +
                            std::to_string(model.vessels.size()) +
                            (model.vessels.size() == 1 ? " vessel" : " vessels") + ", most in " +
                            most_name + ": " + format_count(most);
  if (unknowns > double(INT_MAX))
    fail("the model would have " + format_count(unknowns) + " unknowns (" + where +
         "); the solver indexes at most " + format_count(INT_MAX) +
         ": coarsen discretisation.dx or vessels." + most_name + ".cells");
  // The Jacobian has about 4 non-zeros per unknown (a flow row: 3 flows and 2 areas, an
  // area row: 2 flows and itself; `venoflow check` prints the exact count).
  const double bytes = state_bytes(unknowns, 4.0 * unknowns, model);
  if (bytes > set.max_memory)
    fail("the model would have " + format_count(unknowns) + " unknowns (" + where +
         "): its state, Jacobian and integrator need about " + format_bytes(bytes) +
         " of memory; limit solver.max_memory = " + format_bytes(set.max_memory) +
         ": raise it or coarsen discretisation.dx (or vessels." + most_name + ".cells)");
}

int effective_max_order(const Model& model) {
  if (model.solver.max_order) return *model.solver.max_order;
  for (const auto& v : model.vessels)
    if (v.cells > 1) return 2;
  return 5;
}

double run_period(const Model& model) {
  const double T = model.solver.period;
  if (!(std::isfinite(T) && T >= 0.0))
    fail("solver.period must be a finite time > 0 s, got " + seconds(T));
  return T > 0.0 ? T : model.common_period();
}

void check_run_settings(const Model& model) {
  // The loader checks the file; these values may also come from code.
  const SolverSettings& set = model.solver;
  if (set.cycles && *set.cycles < 1)
    fail("solver.cycles must be >= 1, got " + std::to_string(*set.cycles));
  if (set.t_end && !(std::isfinite(*set.t_end) && *set.t_end > 0.0))
    fail("solver.t_end must be a finite time > 0 s, got " + seconds(*set.t_end));
  if (!(std::isfinite(set.output_interval) && set.output_interval > 0.0))
    fail("solver.output_interval must be a finite time > 0 s, got " + seconds(set.output_interval));
  if (set.max_order && (*set.max_order < 1 || *set.max_order > 5))
    fail("solver.max_order must be between 1 and 5");
  if (set.method != "bdf" && set.method != "sdirk")
    fail("solver.method must be bdf or sdirk, got '" + set.method + "'");
  if (!(set.max_memory > 0.0)) fail("solver.max_memory must be > 0 B");
  if (!(set.max_output_size > 0.0)) fail("solver.max_output_size must be > 0 B");
}

RunPlan plan_run(const Model& model, const OutputLayout& layout, long unknowns,
                 long jacobian_nonzeros, const RunControl& control, const SinkFootprint& sink) {
  const SolverSettings& set = model.solver;  // checked by check_run_settings
  const double T = set.period;               // resolved by run_period
  RunPlan plan;
  plan.unknowns = unknowns;
  plan.jacobian_nonzeros = jacobian_nonzeros;
  plan.memory_limit = set.max_memory;
  plan.output_limit = set.max_output_size;

  // ---- the control's values in range (--cycles, --t-end, Python's simulate)
  if (control.cycles && *control.cycles < 1)
    fail("cycles must be a whole number >= 1, got " + std::to_string(*control.cycles));
  if (control.t_end && !(std::isfinite(*control.t_end) && *control.t_end > 0.0))
    fail("t_end must be a finite time > 0 s, got " + seconds(*control.t_end));

  // ---- run length: the control (command line) overrides the model file ----
  std::optional<int> cycles;
  std::optional<double> t_end;
  if (control.cycles)
    cycles = control.cycles;
  else if (control.t_end)
    t_end = control.t_end;
  else if (set.cycles)
    cycles = set.cycles;
  else if (set.t_end)
    t_end = set.t_end;
  const bool steady_stop = set.stop_at_steady_state && T > 0.0;
  double t_final = 0.0;
  if (cycles) {
    if (!(T > 0.0))
      fail("a number of cycles needs a period (solver.period or a periodic boundary condition)");
    t_final = *cycles * T;
  } else if (t_end) {
    t_final = *t_end;
  } else if (steady_stop) {
    t_final = set.max_cycles * T;
  }
  // A run shorter than a microsecond resolves nothing of this model (the fastest process, a
  // pressure wave crossing a 1 mm cell at 6 m/s, takes about 0.2 ms), and CVODE cannot take a
  // first step towards a stop time within round-off of t = 0 (it fails with "tstop is behind
  // t"): refuse it here, naming where the length comes from.
  constexpr double kMinRunLength = 1e-6;  // [s]
  if (t_final > 0.0 && t_final < kMinRunLength)
    fail("the run length " + seconds(t_final) + " (" +
         (cycles  ? std::to_string(*cycles) + " cycles of solver.period " + seconds(T)
          : t_end ? std::string(control.t_end ? "t_end" : "solver.t_end")
                  : "solver.max_cycles periods") +
         ") is shorter than 1 us: no run can resolve it");
  plan.has_length = t_final > 0.0;
  plan.t_final = t_final;
  plan.stop_at_steady_state = steady_stop;
  // The integrator's largest step: solver.max_step, else a hundredth of the period (of the run
  // without one) so that no step jumps over a boundary function's features.
  plan.max_step = set.max_step > 0.0 ? set.max_step : (T > 0.0 ? T / 100.0 : t_final / 100.0);

  // ---- output instants: a whole number per period so that cycles align with samples ----
  double dt_out = set.output_interval;
  double per_cycle = 0.0;
  if (T > 0.0) {
    per_cycle = std::max(1.0, std::round(T / dt_out));
    if (per_cycle > kMaxCount)
      fail("solver.output_interval = " + seconds(dt_out) + " gives " + format_count(per_cycle) +
           " samples per period of " + seconds(T) + ", more than a run can count (" +
           format_count(kMaxCount) + "): coarsen solver.output_interval");
    dt_out = T / per_cycle;
  }
  double steps = plan.has_length ? std::max(1.0, std::round(t_final / dt_out)) : 0.0;
  if (steps > kMaxCount)
    fail("the run would take " + format_count(steps) + " output samples (" + seconds(t_final) +
         " every " + seconds(dt_out) + "), more than a run can count (" + format_count(kMaxCount) +
         "): shorten the run or coarsen solver.output_interval");
  plan.output_interval = dt_out;
  plan.samples_per_cycle = static_cast<long>(per_cycle);
  plan.output_steps = static_cast<long>(steps);

  // ---- samples: all of them (every decimate-th), or a ring of the last keep_last_cycles periods
  if (control.keep_last_cycles && *control.keep_last_cycles < 0)
    fail("keep_last_cycles must be a whole number >= 0, got " +
         std::to_string(*control.keep_last_cycles));
  if (control.decimate < 1)
    fail("decimate must be a whole number >= 1, got " + std::to_string(control.decimate));
  const int keep_last = control.keep_last_cycles.value_or(set.keep_last_cycles);
  const double k_dec = double(control.decimate);
  plan.decimate = control.decimate;
  // Instants 0, k, 2k, ... up to the last output step.
  const double samples = plan.has_length ? std::floor(steps / k_dec) + 1.0 : 0.0;
  const bool ring = keep_last > 0 && per_cycle > 0.0;
  const double ring_samples =
      ring ? std::min(samples, std::floor(double(keep_last) * per_cycle / k_dec) + 1.0) : 0.0;
  const double written = ring ? ring_samples : samples;
  plan.samples_written = static_cast<long>(written);
  // (a ring as long as the run never wraps: the same as one of keep_last_cycles periods)
  plan.ring_samples = static_cast<long>(ring_samples);

  // ---- what one sample holds ----
  double nx_total = 0.0, n_values = 0.0;
  double file_values = 1.0, objects = 3.0;  // root time, /model, /metrics
  for (const auto& v : layout.vessels) {
    nx_total += double(v.x.size());
    file_values += 1.0 + 3.0 * double(v.x.size());  // time, pressure, flow, area
    objects += 6.0;                                 // group, x, time, pressure, flow, area
  }
  double element_values = 0.0;
  for (const auto& e : layout.elements) {
    element_values += double(e.quantities.size());
    file_values += 1.0 + double(e.quantities.size());
    objects += 2.0 + double(e.quantities.size());
  }
  const double n_nodes = double(layout.nodes.size());
  file_values += 2.0 * n_nodes;
  objects += 3.0 * n_nodes;
  n_values = 3.0 * nx_total + n_nodes + element_values;  // one Sample's arrays
  if (set.results_layout == "compact") {
    // Format 2 (io/hdf5_writer.cpp): /time and a copy in vessels, nodes and elements, one table
    // per quantity; about 25 objects (groups, tables, name lists, the metrics table) whatever
    // the model, plus the per-vessel index and names.
    file_values = 4.0 + n_values;
    objects = 25.0;
  }
  plan.values_per_sample = static_cast<long>(file_values);

  // ---- results size ----
  // HDF5 allocates whole chunks (io/hdf5_writer.cpp): kChunkRows samples per chunk in the groups
  // layout, a block of compact_block_rows in the compact one (fewer rows for wide tables).
  double chunk_rows = kChunkRows;
  if (set.results_layout == "compact") {
    const double widest = std::max({nx_total, n_nodes, element_values, 1.0});  // table widths
    chunk_rows = double(
        compact_block_rows(std::size_t(widest), std::size_t(kChunkRows), std::size_t(written)));
  }
  const double rows_stored = std::ceil(written / chunk_rows) * chunk_rows;
  plan.output_bytes = rows_stored * file_values * 8.0 + objects * kFileBytesPerObject +
                      double(model.resolved_yaml.size());
  if (plan.output_bytes > set.max_output_size)
    fail("the run would write " + format_bytes(plan.output_bytes) + " of results (" +
         format_count(written) + " samples x " + format_count(file_values) + " values x 8 bytes" +
         (ring ? ", the last " + std::to_string(keep_last) + " cycles" : "") +
         "); limit solver.max_output_size = " + format_bytes(set.max_output_size) +
         ": raise it or coarsen solver.output_interval" +
         (ring ? "" : " (or keep only the last cycles: solver.keep_last_cycles)"));

  // ---- memory ----
  auto add = [&](std::string name, double bytes, std::string detail) {
    plan.memory.push_back({std::move(name), bytes, std::move(detail)});
    plan.memory_bytes += bytes;
  };
  add("state and Jacobian", state_bytes(double(unknowns), double(jacobian_nonzeros), model),
      format_count(double(unknowns)) + " unknowns, " + format_count(double(jacobian_nonzeros)) +
          " Jacobian non-zeros");
  // The periodic-state monitor (two cycles of its probes: every vessel's ends and middle,
  // pressure and flow, nodes and element outputs) and the cycle metrics (two cycles of rows of
  // mid-point flows and areas, node pressures and element outputs, four arrays per row); without
  // a period, everything the run samples is one "cycle".
  const double rows = per_cycle > 0.0 ? per_cycle + 1.0 : (plan.has_length ? steps + 1.0 : 0.0);
  const double probes = 6.0 * double(layout.vessels.size()) + n_nodes + element_values;
  const double row_values = 2.0 * double(layout.vessels.size()) + n_nodes + element_values;
  add("per-cycle records",
      rows * (3.0 * 8.0 * probes + 2.0 * (8.0 * row_values + 4.0 * 40.0 + 104.0)),
      format_count(rows) + (per_cycle > 0.0 ? " samples per period" : " samples"));
  if (ring)
    add("last-cycles buffer", ring_samples * (8.0 * n_values + 2.0 * sizeof(Sample) + 80.0),
        format_count(ring_samples) + " samples x " + format_count(n_values) + " values");
  if (sink.bytes_per_sample > 0.0)
    add("results in memory", written * sink.bytes_per_sample,
        format_count(written) + " samples x " + format_count(n_values) + " values");
  if (sink.fixed_bytes > 0.0) add("results-file buffers", sink.fixed_bytes, "");
  if (plan.memory_bytes > set.max_memory) {
    std::string parts;
    const RunPlan::Part* largest = &plan.memory.front();
    for (const auto& p : plan.memory) {
      parts += (parts.empty() ? "" : "; ") + p.name + " " + format_bytes(p.bytes) +
               (p.detail.empty() ? "" : " (" + p.detail + ")");
      if (p.bytes > largest->bytes) largest = &p;
    }
    std::string advice = "coarsen solver.output_interval";
    if (largest->name == "state and Jacobian" || largest->name == "results-file buffers")
      advice = "coarsen discretisation.dx";
    else if (largest->name == "results in memory")
      advice =
          "coarsen solver.output_interval, keep only the last cycles "
          "(solver.keep_last_cycles) or write the results to a file";
    else if (largest->name == "last-cycles buffer")
      advice = "keep fewer cycles (solver.keep_last_cycles) or coarsen solver.output_interval";
    fail("the run would need about " + format_bytes(plan.memory_bytes) + " of memory (" + parts +
         "); limit solver.max_memory = " + format_bytes(set.max_memory) + ": raise it or " +
         advice);
  }
  return plan;
}

}  // namespace venoflow::detail

namespace venoflow {

std::string RunPlan::describe() const {
  using detail::format_bytes;
  using detail::format_count;
  std::ostringstream o;
  if (has_length) {
    o << "run: to t = " << t_final << " s, a sample every " << output_interval << " s ("
      << format_count(double(output_steps) + 1.0) << " samples";
    if (decimate > 1) o << ", 1 in " << decimate << " kept";
    if (samples_written != output_steps / decimate + 1)
      o << ", the last " << format_count(double(samples_written)) << " kept";
    o << ")\n";
  } else {
    o << "run: no length in the model (solver.cycles or solver.t_end; --cycles or --t-end)\n";
  }
  o << "estimate: memory " << format_bytes(memory_bytes) << " (";
  for (std::size_t i = 0; i < memory.size(); ++i)
    o << (i ? ", " : "") << memory[i].name << " " << format_bytes(memory[i].bytes);
  o << "; limit solver.max_memory = " << format_bytes(memory_limit) << ")\n";
  if (has_length)
    o << "estimate: results " << format_bytes(output_bytes) << " ("
      << format_count(double(samples_written)) << " samples x "
      << format_count(double(values_per_sample))
      << " values; limit solver.max_output_size = " << format_bytes(output_limit) << ")\n";
  return o.str();
}

}  // namespace venoflow
