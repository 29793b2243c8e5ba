// venoflow: a run's length, output instants and resource estimate, worked out before anything
// is allocated for it (docs/model-format.md#resource-limits). Every count is computed in
// double precision and range-checked before it becomes an integer: no silent wrap-around.
#pragma once

#include <string>

#include "venoflow/model.hpp"
#include "venoflow/results.hpp"
#include "venoflow/simulation.hpp"

namespace venoflow::detail {

/// Refuses a model whose unknowns (counted from its vessel cells, before the System is built)
/// exceed what the solver can index, or whose state, Jacobian and integrator alone would exceed
/// solver.max_memory. Throws std::invalid_argument with the figures.
void check_state_size(const Model& model);

/// The plan of a run of `model` (period already inferred) with this layout, system size and
/// control; `sink` is what the results sink holds in memory. Throws std::invalid_argument for
/// values out of range and for an estimate above the model's limits.
RunPlan plan_run(const Model& model, const OutputLayout& layout, long unknowns,
                 long jacobian_nonzeros, const RunControl& control, const SinkFootprint& sink);

/// "38.2 GB", "512 kB", "12 B": three significant digits, decimal (SI) multiples.
std::string format_bytes(double bytes);
/// "4,000,001" (with thousands separators) up to 1e15, else "1.00e+20".
std::string format_count(double n);

}  // namespace venoflow::detail
