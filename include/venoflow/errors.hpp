// venoflow: error types shared by the library, the command line and Python.
#pragma once

#include <stdexcept>
#include <string>
#include <vector>

namespace venoflow {

/// Where a value came from: a model file position or a command-line override.
struct SourceLocation {
  std::string file;  ///< model file path, or "--set" for a command-line override
  int line = 0;      ///< 1-based line, 0 if unknown
  int column = 0;    ///< 1-based column, 0 if unknown
  std::string str() const;
};

/// One problem found while loading or validating a model.
struct Diagnostic {
  SourceLocation where;
  std::string key;          ///< dotted path of the offending key, e.g. "vessels.IJV_R_J2.radius"
  std::string message;      ///< what is wrong and what was expected
  std::string str() const;  ///< "file:line:col: key: message"
};

/// A model file (or override) is invalid. Carries every problem found, not just the first.
class ModelError : public std::runtime_error {
 public:
  explicit ModelError(std::vector<Diagnostic> diagnostics);
  const std::vector<Diagnostic>& diagnostics() const { return diagnostics_; }

 private:
  std::vector<Diagnostic> diagnostics_;
};

/// The integrator failed. States the simulated time, the vessel/element and the quantity.
class SolverError : public std::runtime_error {
 public:
  SolverError(double time, std::string component, std::string quantity, std::string detail);
  double time() const { return time_; }
  const std::string& component() const { return component_; }
  const std::string& quantity() const { return quantity_; }

 private:
  double time_;
  std::string component_, quantity_;
};

/// A `--set PATH=VALUE` override names no existing key, or has a bad value.
class OverrideError : public std::runtime_error {
 public:
  enum class Kind { BadPath, BadValue };
  OverrideError(Kind kind, std::string path, const std::string& message);
  Kind kind() const { return kind_; }
  const std::string& path() const { return path_; }

 private:
  Kind kind_;
  std::string path_;
};

}  // namespace venoflow
