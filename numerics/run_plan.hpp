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

/// The period of a run of `model` [s]: solver.period, or where that is 0 the common period of
/// its periodic boundary functions (Model::common_period: the loader's rule, applied again for
/// a model built in code); 0 for none. Throws std::invalid_argument unless solver.period is a
/// finite time >= 0.
double run_period(const Model& model);

/// solver.max_order, or by default: 2 when a vessel has more than one cell, else 5. The wave modes
/// of a vessel discretised in cells have nearly imaginary eigenvalues, where only BDF orders 1
/// and 2 are A-stable; a network of lumped vessels and elements has none, and higher orders take
/// far fewer steps for the same accuracy (bench/peers: 4x fewer at 127 vessels, 35x smaller
/// error); CVODE's stability-limit detection stays on (docs/numerics.md).
int effective_max_order(const Model& model);

/// Refuses run settings of the model out of range (solver.cycles, t_end, output_interval,
/// max_order, max_memory, max_output_size), with std::invalid_argument.
void check_run_settings(const Model& model);

/// The plan of a run of `model` (period from run_period, settings checked) with this layout, system
/// size and control; `sink` is what the results sink holds in memory. Throws std::invalid_argument
/// for values out of range and for an estimate above the model's limits.
RunPlan plan_run(const Model& model, const OutputLayout& layout, long unknowns,
                 long jacobian_nonzeros, const RunControl& control, const SinkFootprint& sink);

/// "38.2 GB", "512 kB", "12 B": three significant digits, decimal (SI) multiples.
std::string format_bytes(double bytes);
/// "4,000,001" (with thousands separators) up to 1e15, else "1.00e+20".
std::string format_count(double n);

}  // namespace venoflow::detail
