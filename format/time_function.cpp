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

namespace {
/// Second derivatives of the interpolating cubic spline through (x_i, y_i): periodic (the
/// point after the last is x_0 + period with y_0) when period > 0, natural otherwise.
/// Solves the tridiagonal (cyclic: Sherman-Morrison) system of the C2 conditions.
std::vector<double> spline_second_derivatives(const std::vector<double>& x,
                                              const std::vector<double>& y, double period) {
  const std::size_t n = x.size();
  std::vector<double> m(n, 0.0);
  if (n < 3) return m;
  const bool periodic = period > 0.0;
  // With a period, a last point at x_0 + T (closing the cycle) duplicates the first one.
  std::size_t k = n;
  if (periodic && x[0] + period - x[n - 1] <= 1e-9 * period) k = n - 1;
  if (k < 3) return m;
  auto h = [&](std::size_t i) {  // length of segment i (from point i to i+1)
    return i + 1 < k ? x[i + 1] - x[i] : x[0] + period - x[k - 1];
  };
  auto yy = [&](std::size_t i) { return y[i % k]; };
  std::vector<double> a(k, 0.0), b(k, 0.0), c(k, 0.0), r(k, 0.0);
  for (std::size_t i = 0; i < k; ++i) {
    if (!periodic && (i == 0 || i == k - 1)) {
      b[i] = 1.0;  // natural end: M = 0
      continue;
    }
    const double hl = h(i == 0 ? k - 1 : i - 1), hr = h(i);
    a[i] = hl;
    b[i] = 2.0 * (hl + hr);
    c[i] = hr;
    r[i] = 6.0 * ((yy(i + 1) - yy(i)) / hr - (yy(i) - yy(i == 0 ? k - 1 : i - 1)) / hl);
  }
  auto thomas = [&](std::vector<double> aa, std::vector<double> bb, std::vector<double> cc,
                    std::vector<double> rr) {
    const std::size_t nn = bb.size();
    for (std::size_t i = 1; i < nn; ++i) {
      const double w = aa[i] / bb[i - 1];
      bb[i] -= w * cc[i - 1];
      rr[i] -= w * rr[i - 1];
    }
    std::vector<double> sol(nn);
    sol[nn - 1] = rr[nn - 1] / bb[nn - 1];
    for (std::size_t i = nn - 1; i-- > 0;) sol[i] = (rr[i] - cc[i] * sol[i + 1]) / bb[i];
    return sol;
  };
  std::vector<double> sol;
  if (!periodic) {
    sol = thomas(a, b, c, r);
  } else {
    // Cyclic tridiagonal: corners a[0] (top right) and c[k-1] (bottom left).
    const double alpha = c[k - 1], beta = a[0], gamma = -b[0];
    std::vector<double> bb = b;
    bb[0] -= gamma;
    bb[k - 1] -= alpha * beta / gamma;
    std::vector<double> u(k, 0.0);
    u[0] = gamma;
    u[k - 1] = alpha;
    const auto xs = thomas(a, bb, c, r);
    const auto z = thomas(a, bb, c, u);
    const double fact = (xs[0] + beta * xs[k - 1] / gamma) / (1.0 + z[0] + beta * z[k - 1] / gamma);
    sol.resize(k);
    for (std::size_t i = 0; i < k; ++i) sol[i] = xs[i] - fact * z[i];
  }
  for (std::size_t i = 0; i < k; ++i) m[i] = sol[i];
  if (k < n) m[n - 1] = m[0];
  return m;
}
}  // namespace

namespace {
/// Fritsch-Carlson (1980) slopes for a monotone piecewise-cubic Hermite interpolant (PCHIP):
/// zero at local extrema, a weighted harmonic mean of the adjacent secants elsewhere; periodic
/// tables wrap around, others use the end secants.
std::vector<double> pchip_slopes(const std::vector<double>& x, const std::vector<double>& y,
                                 double period) {
  const std::size_t n = x.size();
  std::vector<double> d(n, 0.0);
  if (n < 2) return d;
  const bool periodic = period > 0.0;
  std::size_t k = n;  // points in one period (a closing point at x_0 + T duplicates x_0)
  if (periodic && x[0] + period - x[n - 1] <= 1e-9 * period) k = n - 1;
  auto h = [&](std::size_t i) { return i + 1 < k ? x[i + 1] - x[i] : x[0] + period - x[k - 1]; };
  auto delta = [&](std::size_t i) { return (y[(i + 1) % k] - y[i]) / h(i); };
  for (std::size_t i = 0; i < k; ++i) {
    if (!periodic && (i == 0 || i == k - 1)) {
      d[i] = i == 0 ? delta(0) : (y[k - 1] - y[k - 2]) / (x[k - 1] - x[k - 2]);
      continue;
    }
    const std::size_t im = i == 0 ? k - 1 : i - 1;
    const double dl = delta(im), dr = delta(i);
    if (dl * dr <= 0.0) continue;  // extremum: flat
    const double hl = h(im), hr = h(i);
    const double w1 = 2 * hr + hl, w2 = hr + 2 * hl;
    d[i] = (w1 + w2) / (w1 / dl + w2 / dr);
  }
  if (k < n) d[n - 1] = d[0];
  return d;
}
}  // namespace

TimeFunction TimeFunction::table(std::vector<double> t, std::vector<double> v, double period,
                                 Interpolation interpolation) {
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
  if (interpolation == Interpolation::Cubic) f.m_ = spline_second_derivatives(f.t_, f.v_, period);
  if (interpolation == Interpolation::Monotone) f.d_ = pchip_slopes(f.t_, f.v_, period);
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
  std::size_t i0 = 0, i1 = 0;  // point indices of the segment ends
};

Segment table_segment(const std::vector<double>& tt, const std::vector<double>& vv, double period,
                      double t) {
  const size_t n = tt.size();
  if (n == 1) return {tt[0], vv[0], tt[0], vv[0], true, 0, 0};
  if (period > 0.0) {
    double u = std::fmod(t - tt[0], period);
    if (u < 0.0) u += period;
    t = tt[0] + u;
    if (t >= tt[n - 1]) {
      // wrap segment from the last point to the first point of the next period
      if (tt[0] + period - tt[n - 1] <= 0.0)
        return {tt[n - 1], vv[n - 1], tt[n - 1], vv[n - 1], true, n - 1, n - 1};
      return {tt[n - 1], vv[n - 1], tt[0] + period, vv[0], false, n - 1, 0};
    }
  } else {
    if (t <= tt[0]) return {tt[0], vv[0], tt[0], vv[0], true, 0, 0};
    if (t >= tt[n - 1]) return {tt[n - 1], vv[n - 1], tt[n - 1], vv[n - 1], true, n - 1, n - 1};
  }
  // first index with tt[i] > t
  size_t i = static_cast<size_t>(std::upper_bound(tt.begin(), tt.end(), t) - tt.begin());
  if (i == 0) i = 1;
  if (i >= n) i = n - 1;
  return {tt[i - 1], vv[i - 1], tt[i], vv[i], false, i - 1, i};
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
      const double h = s.x1 - s.x0;
      double w = (x - s.x0) / h;
      if (!d_.empty()) {  // Hermite cubic with slopes d0, d1
        const double w2 = w * w, w3 = w2 * w;
        return (2 * w3 - 3 * w2 + 1) * s.y0 + (w3 - 2 * w2 + w) * h * d_[s.i0] +
               (-2 * w3 + 3 * w2) * s.y1 + (w3 - w2) * h * d_[s.i1];
      }
      if (m_.empty()) return s.y0 + w * (s.y1 - s.y0);
      // Cubic spline on the segment with end second derivatives M0, M1.
      const double m0 = m_[s.i0], m1 = m_[s.i1], u = 1.0 - w;
      return u * s.y0 + w * s.y1 + h * h / 6.0 * ((u * u * u - u) * m0 + (w * w * w - w) * m1);
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
      const double h = s.x1 - s.x0;
      if (!d_.empty()) {
        const double w = (table_local_time(t_, period_, t) - s.x0) / h;
        return (6 * w * w - 6 * w) * (s.y0 - s.y1) / h + (3 * w * w - 4 * w + 1) * d_[s.i0] +
               (3 * w * w - 2 * w) * d_[s.i1];
      }
      if (m_.empty()) return (s.y1 - s.y0) / h;
      const double w = (table_local_time(t_, period_, t) - s.x0) / h, u = 1.0 - w;
      return (s.y1 - s.y0) / h +
             h / 6.0 * (-(3.0 * u * u - 1.0) * m_[s.i0] + (3.0 * w * w - 1.0) * m_[s.i1]);
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
      // Exact for both interpolations: a spline segment adds -h^3 (M0 + M1)/24.
      auto seg = [&](size_t a, size_t b, double h) {
        double s = 0.5 * (v_[a] + v_[b]) * h;
        if (!m_.empty()) s -= h * h * h * (m_[a] + m_[b]) / 24.0;
        if (!d_.empty()) s += h * h * (d_[a] - d_[b]) / 12.0;
        return s;
      };
      for (size_t i = 1; i < n; ++i) integral += seg(i - 1, i, t_[i] - t_[i - 1]);
      if (period_ > 0.0) {
        double gap = t_[0] + period_ - t_[n - 1];
        if (gap > 0.0) integral += seg(n - 1, 0, gap);
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
  for (double& x : m_) x *= s;
  for (double& x : d_) x *= s;
  for (double& x : amp_) x *= s;
}

}  // namespace venoflow
