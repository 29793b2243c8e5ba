// venoflow: the field tables of the run records (RunStatistics, RunOutcome, Metric).
//
// One row per field: its name (the HDF5 root attribute, the Python dict key), the member, its
// unit and a sentence. The HDF5 writer and reader (io/hdf5_writer.cpp, hdf5_reader.cpp), the
// Python bindings (python/bindings.cpp) and the command-line summary (apps/summary.cpp) iterate
// these tables, so adding a statistic is one member and one row here (and a line of
// docs/results-format.md, which a test checks).
#pragma once

#include <array>
#include <string>
#include <variant>
#include <vector>

#include "venoflow/results.hpp"

namespace venoflow {

/// One field of a record: name, member pointer, unit ("" for none, "1" dimensionless), doc.
/// Integers are written as HDF5 i8, doubles as f8, flags as int8 0/1, strings as UTF-8 text and
/// lists of strings as one line each of a text.
template <class Record>
struct RecordField {
  using Member = std::variant<long Record::*, int Record::*, double Record::*, bool Record::*,
                              std::string Record::*, std::vector<std::string> Record::*>;
  const char* name;
  Member member;
  const char* unit;
  const char* doc;
};

/// Integrator statistics (root attributes of a results file, `Results.stats` in Python).
inline constexpr std::array<RecordField<RunStatistics>, 11> kRunStatisticsFields{{
    {"steps", &RunStatistics::steps, "1", "integrator steps"},
    {"rhs_evaluations", &RunStatistics::rhs_evaluations, "1",
     "right-hand-side evaluations, including those of finite-difference Jacobians"},
    {"jacobian_evaluations", &RunStatistics::jacobian_evaluations, "1", "Jacobian evaluations"},
    {"linear_solver_setups", &RunStatistics::linear_solver_setups, "1",
     "linear solver set-ups (factorisations)"},
    {"error_test_failures", &RunStatistics::error_test_failures, "1",
     "steps rejected by the local error test"},
    {"nonlinear_convergence_failures", &RunStatistics::nonlinear_convergence_failures, "1",
     "steps whose Newton iteration failed to converge"},
    {"colours", &RunStatistics::colours, "1",
     "column groups of the coloured finite-difference Jacobian"},
    {"unknowns", &RunStatistics::unknowns, "1", "unknowns of the system"},
    {"cycles_completed", &RunStatistics::cycles_completed, "1", "cardiac cycles completed"},
    {"wall_time", &RunStatistics::wall_time, "s", "wall-clock time of the run"},
    {"simulated_time", &RunStatistics::simulated_time, "s", "simulated time reached"},
}};

/// How the run ended (root attributes of a results file, `Results.outcome` in Python).
inline constexpr std::array<RecordField<RunOutcome>, 7> kRunOutcomeFields{{
    {"complete", &RunOutcome::complete, "",
     "the run reached its end (t_end, cycles or periodic steady state)"},
    {"interrupted", &RunOutcome::interrupted, "", "stopped by the user"},
    {"error", &RunOutcome::error, "", "solver failure message, empty if none"},
    {"steady_state", &RunOutcome::steady_state, "", "stopped at periodic steady state"},
    {"steady_state_change", &RunOutcome::steady_state_change, "1",
     "largest relative cycle-to-cycle change (-1 if not computed)"},
    {"steady_state_location", &RunOutcome::steady_state_location, "",
     "where that change is largest"},
    {"warnings", &RunOutcome::warnings, "",
     "validity-domain violations with solver.on_domain_violation: warn, one per line"},
}};

/// The attributes of a metric (its value is the dataset /metrics/<name>; in Python the tuple
/// (value, unit, doc) follows this order after the value).
inline constexpr std::array<RecordField<Metric>, 2> kMetricFields{{
    {"units", &Metric::unit, "", "SI unit of the value"},
    {"doc", &Metric::doc, "", "what the metric is"},
}};

/// Calls f(field, value&) for every field of `record` (value is a reference to the member).
template <class Record, std::size_t N, class F>
void for_each_field(const std::array<RecordField<Record>, N>& table, Record& record, F&& f) {
  for (const auto& field : table)
    std::visit([&](auto member) { f(field, record.*member); }, field.member);
}
template <class Record, std::size_t N, class F>
void for_each_field(const std::array<RecordField<Record>, N>& table, const Record& record, F&& f) {
  for (const auto& field : table)
    std::visit([&](auto member) { f(field, record.*member); }, field.member);
}

}  // namespace venoflow
