// venoflow: the catalogue of lumped element types and their parameters (graph-level metadata).
// The numerics of each type live in solver/elements/<type>.{hpp,cpp}; a test checks that the
// two lists agree. docs/model-format.md#elements documents the same table.
#pragma once

#include <limits>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "venoflow/units.hpp"

namespace venoflow {

/// Allowed values of a parameter (SI): [min, max] with open or closed ends, and optionally at
/// most another parameter of the same element (M_rg <= M_st). The one statement of each
/// range: the loader reports violations at the key (all of them), the element constructors
/// check the same table (check_parameter_ranges).
struct ParameterRange {
  double min = -std::numeric_limits<double>::infinity();
  bool min_open = false;
  double max = std::numeric_limits<double>::infinity();
  bool max_open = false;
  std::string at_most;  ///< name of a parameter that bounds this one from above ("" = none)
  /// "in (0, 1]", "> 0", "<= dp_open", "" if any value is allowed.
  std::string str() const;
};

struct ParameterSpec {
  std::string name;                     ///< YAML key
  Dimension dimension;                  ///< expected dimension
  std::optional<double> default_value;  ///< SI; nullopt = required
  std::string doc;                      ///< meaning, with source
  bool time_dependent = false;          ///< may be given as a time function
  ParameterRange range{};               ///< allowed values
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
  /// Groups of parameters of which exactly one must be given (stenosis: area_reduction or
  /// diameter_reduction); the loader reports a group given twice or not at all.
  std::vector<std::vector<std::string>> exactly_one_of = {};
};

const std::vector<ElementTypeSpec>& element_types();
const ElementTypeSpec* find_element_type(const std::string& type);

/// "must be in (0, 1]" if `value` of parameter `p` of type `t` is outside its range (`params`: the
/// element's other values, for ranges bounded by another parameter); nullopt if allowed. NaN
/// (an optional parameter not given) is allowed.
std::optional<std::string> range_problem(const ElementTypeSpec& t, const ParameterSpec& p,
                                         double value, const std::map<std::string, double>& params);

struct Element;
/// Throws std::invalid_argument naming the element, the parameter and its range for the first
/// value of `e` outside the catalogue's ranges (the loader has reported them all before).
void check_parameter_ranges(const Element& e);

}  // namespace venoflow
