// venoflow: shorthands for writing element specifications (numerics/elements/<type>.hpp): ranges
// and the units of the published parameter tables. Plain data, no numerics: the format layer
// includes the specifications through numerics/elements/element_list.hpp.
#pragma once

#include <limits>

#include "venoflow/element_types.hpp"

namespace venoflow::spec {

// Units of the Ursino-Lodi / Gadda tables (specifications store SI).
inline constexpr double kMmHg = 133.322387415;  // Pa
inline constexpr double kMl = 1e-6;             // m^3
inline constexpr double kRes = kMmHg / kMl;     // 1 mmHg s/ml in Pa s m^-3
inline constexpr double kComp = kMl / kMmHg;    // 1 ml/mmHg in m^3/Pa
inline constexpr double kInf = std::numeric_limits<double>::infinity();
/// Default of an optional parameter without default (an exactly-one-of member): not given.
inline constexpr double kNotGiven = std::numeric_limits<double>::quiet_NaN();

inline ParameterRange positive() { return {0.0, true, kInf, false, ""}; }
inline ParameterRange non_negative() { return {0.0, false, kInf, false, ""}; }
inline ParameterRange between(double lo, bool lo_open, double hi, bool hi_open) {
  return {lo, lo_open, hi, hi_open, ""};
}
/// At most another parameter of the same element (and at least `lo`).
inline ParameterRange at_most(const char* other, double lo = -kInf) {
  return {lo, false, kInf, false, other};
}

/// Strictly below another parameter of the same element.
inline ParameterRange below(const char* other) { return {-kInf, false, kInf, true, other}; }

}  // namespace venoflow::spec
