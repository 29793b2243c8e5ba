// venoflow command line: human-readable summaries of a run (printed by `venoflow run`).
#pragma once

#include <map>
#include <string>

#include "venoflow/results.hpp"

namespace venoflow::cli {

/// Boundary means, metrics and solver statistics as aligned text.
std::string format_summary(const RunStatistics& stats, const RunOutcome& outcome,
                           const std::map<std::string, Metric>& metrics);

/// Format a value given in SI with its SI unit in the unit users read (mmHg, ml/s, ...).
std::string format_value(double value, const std::string& si_unit);

/// Side-by-side comparison of the metrics of two runs (absolute and relative change).
std::string format_comparison(const std::string& name_a, const std::map<std::string, Metric>& a,
                              const std::string& name_b, const std::map<std::string, Metric>& b);

}  // namespace venoflow::cli
