// venoflow: error types (include/venoflow/errors.hpp).
#include "venoflow/errors.hpp"

#include <sstream>
#include <utility>

namespace venoflow {

std::string SourceLocation::str() const {
  std::string s = file.empty() ? std::string("<unknown>") : file;
  if (line > 0) {
    s.push_back(':');
    s.append(std::to_string(line));
    if (column > 0) {
      s.push_back(':');
      s.append(std::to_string(column));
    }
  }
  return s;
}

std::string Diagnostic::str() const {
  std::string s = where.str() + ": ";
  if (!key.empty()) s += key + ": ";
  return s + message;
}

namespace {
std::string join_diagnostics(const std::vector<Diagnostic>& d) {
  std::ostringstream os;
  os << "invalid model (" << d.size() << (d.size() == 1 ? " problem)" : " problems)");
  for (const auto& x : d) os << "\n" << x.str();
  return os.str();
}
}  // namespace

ModelError::ModelError(std::vector<Diagnostic> diagnostics)
    : std::runtime_error(join_diagnostics(diagnostics)), diagnostics_(std::move(diagnostics)) {}

namespace {
std::string solver_message(double time, const std::string& component, const std::string& quantity,
                           const std::string& detail) {
  std::ostringstream os;
  os << "solver failed at t = " << time << " s";
  if (!component.empty()) os << " in " << component;
  if (!quantity.empty()) os << " (" << quantity << ")";
  if (!detail.empty()) os << ": " << detail;
  return os.str();
}
}  // namespace

SolverError::SolverError(double time, std::string component, std::string quantity,
                         std::string detail)
    : std::runtime_error(solver_message(time, component, quantity, detail)),
      time_(time),
      component_(std::move(component)),
      quantity_(std::move(quantity)) {}

OverrideError::OverrideError(Kind kind, std::string path, const std::string& message)
    : std::runtime_error("--set " + path + ": " + message), kind_(kind), path_(std::move(path)) {}

}  // namespace venoflow
