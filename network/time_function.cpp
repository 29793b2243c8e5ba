// venoflow: prescribed functions of time (include/venoflow/time_function.hpp).
#include "venoflow/time_function.hpp"

#include <algorithm>
#include <cmath>
#include <numbers>
#include <stdexcept>
#include <string>
#include <utility>

namespace venoflow {

namespace {
constexpr double kTwoPi = 2.0 * std::numbers::pi;

bool finite_all(const std::vector<double>& v) {
  return std::all_of(v.begin(), v.end(), [](double x) { return std::isfinite(x); });
}
}  // namespace

TimeFunction TimeFunction::constant(double value) {
  if (!std::isfinite(value)) throw std::invalid_argument("constant value is not finite");
  TimeFunction f;
  f.kind_ = Kind::Constant;
  f.value_ = value;
  return f;
}

TimeFunction TimeFunction::table(std::vector<double> t, std::vector<double> v, double period) {
  if (t.empty()) throw std::invalid_argument("table has no points");
  if (t.size() != v.size())
    throw std::invalid_argument("table has " + std::to_string(t.size()) + " times but " +
                                std::to_string(v.size()) + " values");
  if (!finite_all(t) || !finite_all(v)) throw std::invalid_argument("table has non-finite values");
  for (size_t i = 1; i < t.size(); ++i)
    if (!(t[i] > t[i - 1]))
      throw std::invalid_argument("table times must increase strictly (row " +
                                  std::to_string(i + 1) + ": " + std::to_string(t[i]) + " after " +
                                  std::to_string(t[i - 1]) + ")");
  if (!(period >= 0.0) || !std::isfinite(period))
    throw std::invalid_argument("table period must be >= 0");
  // Published tables often close the period with a rounded last time (openBF's 37-artery
  // inflow ends at 0.821001 s for T = 0.821 s): accept a span up to 1e-5 T beyond the period.
  if (period > 0.0 && t.back() - t.front() > period * (1.0 + 1e-5))
    throw std::invalid_argument("table spans " + std::to_string(t.back() - t.front()) +
                                " s, longer than its period " + std::to_string(period) + " s");
  TimeFunction f;
  f.kind_ = Kind::Table;
  f.t_ = std::move(t);
  f.v_ = std::move(v);
  f.period_ = period;
  return f;
}

TimeFunction TimeFunction::fourier(double mean, std::vector<double> amplitude,
                                   std::vector<double> phase, double period) {
  if (amplitude.size() != phase.size())
    throw std::invalid_argument("fourier: as many amplitudes as phases are needed");
  if (!(period > 0.0) || !std::isfinite(period))
    throw std::invalid_argument("fourier: period must be > 0");
  if (!std::isfinite(mean) || !finite_all(amplitude) || !finite_all(phase))
    throw std::invalid_argument("fourier: non-finite coefficient");
  TimeFunction f;
  f.kind_ = Kind::Fourier;
  f.value_ = mean;
  f.amp_ = std::move(amplitude);
  f.phase_ = std::move(phase);
  f.period_ = period;
  return f;
}

TimeFunction TimeFunction::sine(double mean, double amplitude, double period, double phase) {
  if (!(period > 0.0) || !std::isfinite(period))
    throw std::invalid_argument("sine: period must be > 0");
  if (!std::isfinite(mean) || !std::isfinite(amplitude) || !std::isfinite(phase))
    throw std::invalid_argument("sine: non-finite parameter");
  TimeFunction f;
  f.kind_ = Kind::Sine;
  f.value_ = mean;
  f.amp_ = {amplitude};
  f.phase_ = {phase};
  f.period_ = period;
  return f;
}

namespace {
// Locate t in a table: returns segment (x0, y0, x1, y1) containing t, handling periodic wrap.
struct Segment {
  double x0, y0, x1, y1;
  bool flat;
};

Segment table_segment(const std::vector<double>& tt, const std::vector<double>& vv, double period,
                      double t) {
  const size_t n = tt.size();
  if (n == 1) return {tt[0], vv[0], tt[0], vv[0], true};
  if (period > 0.0) {
    double u = std::fmod(t - tt[0], period);
    if (u < 0.0) u += period;
    t = tt[0] + u;
    if (t >= tt[n - 1]) {
      // wrap segment from the last point to the first point of the next period
      if (tt[0] + period - tt[n - 1] <= 0.0)
        return {tt[n - 1], vv[n - 1], tt[n - 1], vv[n - 1], true};
      return {tt[n - 1], vv[n - 1], tt[0] + period, vv[0], false};
    }
  } else {
    if (t <= tt[0]) return {tt[0], vv[0], tt[0], vv[0], true};
    if (t >= tt[n - 1]) return {tt[n - 1], vv[n - 1], tt[n - 1], vv[n - 1], true};
  }
  // first index with tt[i] > t
  size_t i = static_cast<size_t>(std::upper_bound(tt.begin(), tt.end(), t) - tt.begin());
  if (i == 0) i = 1;
  if (i >= n) i = n - 1;
  return {tt[i - 1], vv[i - 1], tt[i], vv[i], false};
}

double table_local_time(const std::vector<double>& tt, double period, double t) {
  if (period > 0.0) {
    double u = std::fmod(t - tt[0], period);
    if (u < 0.0) u += period;
    return tt[0] + u;
  }
  return t;
}
}  // namespace

double TimeFunction::operator()(double t) const {
  switch (kind_) {
    case Kind::Constant:
      return value_;
    case Kind::Table: {
      Segment s = table_segment(t_, v_, period_, t);
      if (s.flat) return s.y0;
      double x = table_local_time(t_, period_, t);
      double w = (x - s.x0) / (s.x1 - s.x0);
      return s.y0 + w * (s.y1 - s.y0);
    }
    case Kind::Fourier:
    case Kind::Sine: {
      double f = value_;
      for (size_t k = 0; k < amp_.size(); ++k)
        f += amp_[k] * std::sin(kTwoPi * static_cast<double>(k + 1) * t / period_ + phase_[k]);
      return f;
    }
  }
  return value_;
}

double TimeFunction::derivative(double t) const {
  switch (kind_) {
    case Kind::Constant:
      return 0.0;
    case Kind::Table: {
      Segment s = table_segment(t_, v_, period_, t);
      if (s.flat) return 0.0;
      return (s.y1 - s.y0) / (s.x1 - s.x0);
    }
    case Kind::Fourier:
    case Kind::Sine: {
      double d = 0.0;
      for (size_t k = 0; k < amp_.size(); ++k) {
        double w = kTwoPi * static_cast<double>(k + 1) / period_;
        d += amp_[k] * w * std::cos(w * t + phase_[k]);
      }
      return d;
    }
  }
  return 0.0;
}

double TimeFunction::mean() const {
  switch (kind_) {
    case Kind::Constant:
    case Kind::Fourier:
    case Kind::Sine:
      return value_;
    case Kind::Table: {
      const size_t n = t_.size();
      if (n == 1) return v_[0];
      double integral = 0.0;
      for (size_t i = 1; i < n; ++i) integral += 0.5 * (v_[i] + v_[i - 1]) * (t_[i] - t_[i - 1]);
      if (period_ > 0.0) {
        double gap = t_[0] + period_ - t_[n - 1];
        integral += 0.5 * (v_[n - 1] + v_[0]) * gap;
        return integral / period_;
      }
      return integral / (t_[n - 1] - t_[0]);
    }
  }
  return value_;
}

void TimeFunction::scale(double s) {
  value_ *= s;
  for (double& x : v_) x *= s;
  for (double& x : amp_) x *= s;
}

}  // namespace venoflow
