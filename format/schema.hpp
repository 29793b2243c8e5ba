// venoflow (private): the key tables of the model format. One table drives unknown-key
// detection and required keys (model_builder.cpp), override paths (model_document.cpp), the
// JSON Schema (schema.cpp) and is documented in docs/model-format.md.
#pragma once

#include <climits>
#include <string>
#include <string_view>
#include <vector>

#include "venoflow/units.hpp"

namespace venoflow::detail {

enum class ValueKind {
  Version,  ///< integer format version
  Text,     ///< free text or a name
  Bool,
  Int,       ///< bare integer
  Quantity,  ///< "<number> <unit>" of `dim` (bare number only if `bare_unit` is set)
  Function,  ///< quantity or time function (children: table / fourier / sine / period)
  Radius,    ///< quantity or {in, out}
  NodeRef,   ///< a node name
  NodeList,  ///< list of node names
  GroupRef,  ///< an external-pressure group name
  Choice,    ///< one of `choices`
  UnitText,  ///< a unit expression ("ml/s")
  UnitPair,  ///< [time unit, value unit]
  Pairs,     ///< list of [number, number]
  Map,
  List,  ///< list of maps with `children` as item keys, indexed by `index_key`
};

enum class Bound { None, Positive, NonNegative, AtLeastOne, Negative };

struct KeySpec {
  std::string name;
  ValueKind kind = ValueKind::Text;
  Dimension dim{};
  std::string bare_unit;  ///< unit assumed for a bare number; "" = unit required
  bool required = false;
  std::string default_text;  ///< documentation of the default ("" = none / computed)
  std::string doc;
  Bound bound = Bound::None;
  std::vector<std::string> choices;
  std::vector<KeySpec> children;  ///< Map / Radius / Function: keys; List: keys of each item
  std::string index_key;          ///< List: key that names an item
  long max_int = INT_MAX;         ///< Int: largest value (the setting is an `int`)
  bool element_list = false;      ///< List: item keys also depend on the element type
};

/// The document root (a Map).
const KeySpec& model_schema();
/// Child `name` of `spec`, or nullptr.
const KeySpec* find_key(const KeySpec& spec, std::string_view name);
/// Keys allowed in an element of `type` (common keys + its parameters), as KeySpecs; an
/// unknown type gets the common keys. Built once per type.
const std::vector<KeySpec>& element_keys(const std::string& type);
/// Closest candidate by edit distance, "" if none is reasonably close.
std::string closest(std::string_view word, const std::vector<std::string>& candidates);

}  // namespace venoflow::detail
