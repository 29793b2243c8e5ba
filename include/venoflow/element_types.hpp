// venoflow: the catalogue of lumped element types and their parameters (graph-level metadata).
// The numerics of each type live in solver/elements/<type>.{hpp,cpp}; a test checks that the
// two lists agree. docs/model-format.md#elements documents the same table.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "venoflow/units.hpp"

namespace venoflow {

struct ParameterSpec {
  std::string name;                     ///< YAML key
  Dimension dimension;                  ///< expected dimension
  std::optional<double> default_value;  ///< SI; nullopt = required
  std::string doc;                      ///< meaning, with source
  bool time_dependent = false;          ///< may be given as a time function
};

struct TextParameterSpec {
  std::string name;
  std::vector<std::string> choices;
  std::optional<std::string> default_value;
  std::string doc;
};

struct ElementTypeSpec {
  std::string type;                ///< YAML `type:` value
  std::vector<std::string> ports;  ///< names of the nodes it connects, in order
  std::vector<ParameterSpec> parameters;
  std::vector<TextParameterSpec> text_parameters;
  bool has_external_pressure = false;  ///< accepts `external_pressure: <group>`
  std::string doc;                     ///< one paragraph: circuit, equation, source
};

const std::vector<ElementTypeSpec>& element_types();
const ElementTypeSpec* find_element_type(const std::string& type);

}  // namespace venoflow
