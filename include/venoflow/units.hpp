// venoflow: physical quantities with units in model files ("12 mm", "9.5 mmHg", "4 mPa s").
// Everything inside the library is SI (kg, m, s, Pa, m^3/s). See docs/model-format.md#units.
#pragma once

#include <array>
#include <string>
#include <string_view>

namespace venoflow {

/// Dimension as exponents of (mass, length, time, angle, information). Angle is kept separate
/// so that "90 deg" cannot be given where a dimensionless ratio is expected; information
/// (bytes) is only for the resource limits of a run (solver.max_memory, max_output_size).
struct Dimension {
  std::array<int, 5> e{0, 0, 0, 0, 0};
  bool operator==(const Dimension&) const = default;
  std::string str() const;  ///< e.g. "M L^-1 T^-2" or "dimensionless"
};

namespace dim {
inline constexpr Dimension none{{0, 0, 0, 0}};
inline constexpr Dimension length{{0, 1, 0, 0}};
inline constexpr Dimension area{{0, 2, 0, 0}};
inline constexpr Dimension volume{{0, 3, 0, 0}};
inline constexpr Dimension time{{0, 0, 1, 0}};
inline constexpr Dimension frequency{{0, 0, -1, 0}};
inline constexpr Dimension mass_density{{1, -3, 0, 0}};
inline constexpr Dimension pressure{{1, -1, -2, 0}};
inline constexpr Dimension flow{{0, 3, -1, 0}};
inline constexpr Dimension viscosity{{1, -1, -1, 0}};
inline constexpr Dimension resistance{{1, -4, -1, 0}};  ///< Pa s m^-3
inline constexpr Dimension compliance{{-1, 4, 2, 0}};   ///< m^3/Pa
inline constexpr Dimension inertance{{1, -4, 0, 0}};    ///< Pa s^2 m^-3
inline constexpr Dimension acceleration{{0, 1, -2, 0}};
inline constexpr Dimension angle{{0, 0, 0, 1}};
inline constexpr Dimension velocity{{0, 1, -1, 0}};
inline constexpr Dimension inverse_volume{{0, -3, 0, 0}};
inline constexpr Dimension inverse_pressure{{-1, 1, 2, 0}};
inline constexpr Dimension valve_rate{{-1, 1, 1, 0}};     ///< 1/(Pa s): Mynard K_vo, K_vc
inline constexpr Dimension information{{0, 0, 0, 0, 1}};  ///< bytes (B, kB, MB, GB, KiB, ...)
}  // namespace dim

/// A parsed unit expression: SI value = factor * number (+ offset is never used: no degC).
struct Unit {
  double factor = 1.0;
  Dimension dimension;
};

/// Parse a unit expression such as "mm", "ml/s", "mPa s", "Pa s m^-3", "m^3/Pa", "mmHg",
/// "cmH2O", "deg", "1/min", "%". Throws std::invalid_argument with a readable message.
Unit parse_unit(std::string_view text);

/// Parse "<number> <unit>" to SI and check its dimension. `default_unit` is used when the
/// text is a bare number and is empty if a bare number is not allowed for this key.
/// Throws std::invalid_argument naming what was expected.
double parse_quantity(std::string_view text, const Dimension& expected,
                      std::string_view default_unit = {});

}  // namespace venoflow
