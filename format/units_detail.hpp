// venoflow (private): helpers shared by the unit parser and the model loader.
#pragma once

#include <string>
#include <string_view>

#include "venoflow/units.hpp"

namespace venoflow::detail {

/// "pressure", "length", ... or "quantity" if the dimension has no common name.
std::string dimension_name(const Dimension& d);
/// "a pressure (M L^-1 T^-2)", "a dimensionless number".
std::string describe(const Dimension& d);
/// A typical unit for messages ("mmHg" for pressure), "" if none.
std::string example_unit(const Dimension& d);
/// parse_unit, naming `context` (the whole quantity) in error messages.
Unit parse_unit_in(std::string_view unit, std::string_view context);
/// Leading decimal number of `s` (no hex/inf/nan). Returns false if there is none.
bool parse_number_prefix(const std::string& s, double& value, size_t& used);

}  // namespace venoflow::detail
