// venoflow: prescribed functions of time (boundary values, external pressures, posture).
#pragma once

#include <string>
#include <vector>

namespace venoflow {

/// A scalar function of time in SI units. Kinds (docs/model-format.md#time-functions):
///  - constant:  f(t) = value
///  - table:     through the points (t_i, v_i), linear or cubic-spline interpolation
///               (periodic spline when periodic, natural spline otherwise); periodic with
///               `period` if period > 0, otherwise held constant outside [t_0, t_n]
///  - fourier:   f(t) = mean + sum_k a_k sin(2 pi k t / T + phi_k)   (period T > 0)
///  - sine:      f(t) = mean + amplitude sin(2 pi t / T + phase)      (period T > 0)
/// `derivative` is exact for constant/fourier/sine and the segment slope for tables.
class TimeFunction {
 public:
  enum class Kind { Constant, Table, Fourier, Sine };
  /// Table interpolation. Linear tables have a kink at every point, which a BDF integrator
  /// must resolve with small steps; a cubic spline is C2 (docs/numerics.md#boundary-tables).
  /// Monotone: piecewise-cubic Hermite with Fritsch-Carlson slopes (PCHIP): C1, no overshoot.
  enum class Interpolation { Linear, Cubic, Monotone };

  TimeFunction() = default;
  static TimeFunction constant(double value);
  static TimeFunction table(std::vector<double> t, std::vector<double> v, double period,
                            Interpolation interpolation = Interpolation::Linear);
  static TimeFunction fourier(double mean, std::vector<double> amplitude, std::vector<double> phase,
                              double period);
  static TimeFunction sine(double mean, double amplitude, double period, double phase);

  double operator()(double t) const;
  double derivative(double t) const;
  /// Mean over one period (periodic kinds), over the table span (non-periodic tables),
  /// or the value (constant).
  double mean() const;
  Kind kind() const { return kind_; }
  double period() const { return period_; }  ///< 0 when not periodic
  bool is_constant() const { return kind_ == Kind::Constant; }
  /// Multiply every value by `s` (used for unit conversion and sign flips).
  void scale(double s);

 private:
  Kind kind_ = Kind::Constant;
  double value_ = 0.0;  // constant value or mean
  double period_ = 0.0;
  std::vector<double> t_, v_;        // table
  std::vector<double> m_;            // cubic: second derivatives at the points (empty: linear)
  std::vector<double> d_;            // monotone: first derivatives at the points
  std::vector<double> amp_, phase_;  // fourier harmonics (k = 1..n) or sine (n = 1)
};

}  // namespace venoflow
