#include "apps/summary.hpp"

#include <cmath>
#include <cstdio>
#include <sstream>
#include <type_traits>

#include "venoflow/result_fields.hpp"

namespace venoflow::cli {

namespace {
std::string fmt(const char* f, double v) {
  char buf[64];
  std::snprintf(buf, sizeof buf, f, v);
  return buf;
}
}  // namespace

std::string format_value(double value, const std::string& unit) {
  // Display units: mmHg for pressure, ml/s for flow, ml for volume, mm^2 for area.
  if (unit == "Pa") return fmt("%10.3f", value / 133.322387415) + " mmHg";
  if (unit == "m^3/s") return fmt("%10.4f", value * 1e6) + " ml/s";
  if (unit == "m^3") return fmt("%10.4g", value * 1e6) + " ml";
  if (unit == "m^2") return fmt("%10.4f", value * 1e6) + " mm^2";
  return fmt("%10.5g", value) + (unit.empty() || unit == "1" ? "" : " " + unit);
}

std::string format_summary(const RunStatistics& st, const RunOutcome& out,
                           const std::map<std::string, Metric>& metrics) {
  std::ostringstream o;
  o << "Boundaries (means over the last cycle):\n";
  for (const auto& [name, m] : metrics) {
    if (name.rfind("boundary_", 0) != 0) continue;
    o << "  " << name.substr(9);
    o << std::string(name.size() < 45 ? 45 - name.size() : 1, ' ') << format_value(m.value, m.unit)
      << "\n";
  }
  bool header = false;
  for (const auto& [name, m] : metrics) {
    if (name.rfind("boundary_", 0) == 0) continue;
    if (!header) o << "Metrics:\n";
    header = true;
    o << "  " << name << std::string(name.size() < 36 ? 36 - name.size() : 1, ' ')
      << format_value(m.value, m.unit) << "\n";
  }
  o << "Solver:\n";
  for_each_field(kRunStatisticsFields, st, [&](const auto& field, const auto& value) {
    using T = std::decay_t<decltype(value)>;
    const std::string name = field.name;
    o << "  " << name << std::string(name.size() < 36 ? 36 - name.size() : 1, ' ');
    if constexpr (std::is_integral_v<T>)
      o << fmt("%10.0f", static_cast<double>(value)) << "\n";
    else if constexpr (std::is_floating_point_v<T>)
      o << format_value(value, field.unit) << "\n";
  });
  if (st.wall_time > 0)
    o << "  simulated / wall time" << std::string(15, ' ')
      << fmt("%10.3g", st.simulated_time / st.wall_time) << " x real time\n";
  if (out.steady_state_change >= 0.0) {
    o << "Periodicity: largest cycle-to-cycle change " << fmt("%.3g", out.steady_state_change)
      << " (relative) at " << out.steady_state_location
      << (out.steady_state ? " -- periodic steady state reached" : "") << "\n";
  }
  if (!out.warnings.empty()) {
    o << "WARNING: " << out.warnings.size() << " validity-domain violation"
      << (out.warnings.size() == 1 ? "" : "s")
      << " (solver.on_domain_violation: warn); these results lie outside where the model's "
         "equations hold:\n";
    for (const auto& w : out.warnings) o << "  " << w << "\n";
  }
  return o.str();
}

std::string format_comparison(const std::string& name_a, const std::map<std::string, Metric>& a,
                              const std::string& name_b, const std::map<std::string, Metric>& b) {
  std::ostringstream o;
  o << "metric" << std::string(34, ' ') << name_a << "  |  " << name_b << "  |  change\n";
  for (const auto& [name, ma] : a) {
    auto it = b.find(name);
    if (it == b.end()) {
      o << name << ": only in " << name_a << "\n";
      continue;
    }
    const double va = ma.value, vb = it->second.value;
    o << name << std::string(name.size() < 38 ? 38 - name.size() : 1, ' ')
      << format_value(va, ma.unit) << " | " << format_value(vb, ma.unit) << " | "
      << format_value(vb - va, ma.unit);
    if (va != 0.0) o << fmt(" (%+.2f %%)", 100.0 * (vb - va) / std::abs(va));
    o << "\n";
  }
  for (const auto& [name, mb] : b)
    if (!a.count(name)) o << name << ": only in " << name_b << "\n";
  return o.str();
}

}  // namespace venoflow::cli
