// venoflow: a model file as an editable document: load YAML, apply `--set` overrides, build
// the validated Model. The same path syntax serves the command line and Python.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "venoflow/model.hpp"

namespace venoflow {

/// Limits on model input (docs/model-format.md#limits). Larger or deeper input is refused with
/// a located error, never read until memory runs out or the stack overflows.
inline constexpr std::uintmax_t kMaxModelFileBytes = std::uintmax_t{64} << 20;  ///< 64 MiB
inline constexpr int kMaxModelNesting = 64;  ///< maps/lists inside each other in one file
inline constexpr int kMaxExtendsDepth = 16;  ///< scenario files in one `extends:` chain
/// Cells of one vessel (given or computed from length/dx). 10^6 cells of 1 um in a 1 m vessel
/// are far finer than any venous model needs (1D models use mm to cm) and millions of
/// unknowns; the bound keeps the count inside `int` and a typo (dx: 1e-300 m) from
/// allocating without end. Totals over the model are the run's resource estimate.
inline constexpr long kMaxCellsPerVessel = 1'000'000;

/// The bytes of a model file, checked: a regular file (not a device, pipe or directory), at
/// most kMaxModelFileBytes, valid UTF-8. Throws ModelError naming the file (and the line and
/// column of the first invalid UTF-8 byte).
std::string read_model_file(const std::string& path);

/// A `PATH=VALUE` override, e.g. {"vessels.IJV_R_J2.radius", "6 mm"}.
struct Override {
  std::string path;
  std::string value;
};

/// Parse "PATH=VALUE" (as given to --set). Throws OverrideError(BadPath) if there is no '='.
Override parse_override(const std::string& text);

/// A model file held as a YAML tree (with source positions), editable by dotted paths.
///
/// Path syntax (docs/model-format.md#overrides): map keys separated by '.'; a list of named
/// items (vessels, nodes, elements, boundary_conditions, external_pressures) is indexed by the
/// item's `name` (boundary conditions by their `node`), e.g. `vessels.IJV_R_J2.radius`,
/// `elements.wk.R1`, `posture.tilt`, `solver.rtol`, `boundary_conditions.inlet.pressure`.
/// Setting a key that the schema allows but the file omits adds it.
///
/// A scenario file holds `extends: <base model file>` plus `set:` (dotted paths as above) and
/// `add:` (items appended to the base's lists, e.g. stenoses); docs/model-format.md#scenarios.
class ModelDocument {
 public:
  /// Read a file. Throws ModelError (file, line, message) on I/O or YAML syntax errors.
  static ModelDocument from_file(const std::string& path);
  /// Parse text; `name` is used as the file name in messages, `base_dir` resolves table files.
  static ModelDocument from_string(const std::string& text, const std::string& name = "<string>",
                                   const std::string& base_dir = ".");

  ModelDocument(const ModelDocument&);
  ModelDocument& operator=(const ModelDocument&);
  ModelDocument(ModelDocument&&) noexcept;
  ModelDocument& operator=(ModelDocument&&) noexcept;
  ~ModelDocument();

  /// Set a value (YAML text, e.g. "6 mm", "[1, 2]"). Throws OverrideError naming the path
  /// when the path does not exist and the schema does not allow it there.
  void set(const std::string& path, const std::string& value);
  void apply(const std::vector<Override>& overrides);
  /// The value at `path` as YAML text. Throws OverrideError(BadPath) if absent.
  std::string get(const std::string& path) const;

  /// Validate everything and build the SI model. Throws ModelError listing every problem.
  /// `with_text`: also store the resolved YAML in Model::resolved_yaml (what results files
  /// keep); writing it costs more than building the model, so validation and runs whose
  /// results stay in memory leave it empty and ask yaml() when it is wanted.
  Model build(bool with_text = true) const;

  /// The current document (after overrides) as YAML text.
  std::string yaml() const;
  const std::string& file() const;

  struct Impl;

 private:
  ModelDocument();
  /// A scenario file (`extends:`) becomes its base document with the scenario applied.
  static void compose_scenario(ModelDocument& doc, const std::string& file, const std::string& dir);
  std::unique_ptr<Impl> impl_;
};

/// Convenience: load, override, build.
Model load_model(const std::string& path, const std::vector<Override>& overrides = {});

/// JSON Schema (draft 2020-12) of the model format, for editors.
std::string model_json_schema();

}  // namespace venoflow
