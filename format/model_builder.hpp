// venoflow (private): validate a model YAML tree and build the SI Model.
#pragma once

#include <string>
#include <vector>

#include "format/yaml_tree.hpp"

#include "venoflow/model.hpp"

namespace venoflow::detail {

struct BuildInput {
  yaml::Node root;
  std::string file;      ///< used in diagnostics
  std::string base_dir;  ///< table files are relative to this directory
  bool from_file = false;
  std::vector<std::string> overridden;  ///< canonical paths set by overrides ("--set" location)
  std::string resolved_yaml;            ///< resolved YAML text
  /// Parts that came from a scenario file: canonical path prefix -> that file (diagnostics).
  std::vector<std::pair<std::string, std::string>> origins;
  std::string source_file;  ///< the scenario file when the model extends a base ("" = file)
};

/// Throws ModelError listing every problem found.
Model build_model(const BuildInput& in);

}  // namespace venoflow::detail
