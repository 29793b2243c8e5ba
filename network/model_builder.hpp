// venoflow (private): validate a model YAML tree and build the SI Model.
#pragma once

#include <string>
#include <vector>

#include <yaml-cpp/yaml.h>

#include "venoflow/model.hpp"

namespace venoflow::detail {

struct BuildInput {
  YAML::Node root;
  std::string file;      ///< used in diagnostics
  std::string base_dir;  ///< table files are relative to this directory
  bool from_file = false;
  std::vector<std::string> overridden;  ///< canonical paths set by overrides ("--set" location)
  std::string yaml;                     ///< resolved YAML text
};

/// Throws ModelError listing every problem found.
Model build_model(const BuildInput& in);

}  // namespace venoflow::detail
