// Time functions against hand-computed values, analytic integrals and finite differences.
#include <gtest/gtest.h>

#include <cmath>
#include <numbers>

#include "venoflow/time_function.hpp"

using venoflow::TimeFunction;
constexpr double kPi = std::numbers::pi;

TEST(TimeFunction, Constant) {
  auto f = TimeFunction::constant(3.5);
  EXPECT_TRUE(f.is_constant());
  EXPECT_DOUBLE_EQ(f(0.0), 3.5);
  EXPECT_DOUBLE_EQ(f(100.0), 3.5);
  EXPECT_DOUBLE_EQ(f.derivative(1.0), 0.0);
  EXPECT_DOUBLE_EQ(f.mean(), 3.5);
  EXPECT_DOUBLE_EQ(f.period(), 0.0);
  f.scale(-2.0);
  EXPECT_DOUBLE_EQ(f(0.0), -7.0);
}

TEST(TimeFunction, TableHeld) {
  auto f = TimeFunction::table({0.0, 1.0, 3.0}, {0.0, 2.0, 4.0}, 0.0);
  EXPECT_EQ(f.kind(), TimeFunction::Kind::Table);
  EXPECT_DOUBLE_EQ(f(0.5), 1.0);
  EXPECT_DOUBLE_EQ(f(2.0), 3.0);
  EXPECT_DOUBLE_EQ(f(-1.0), 0.0);  // held
  EXPECT_DOUBLE_EQ(f(10.0), 4.0);  // held
  EXPECT_DOUBLE_EQ(f.derivative(0.5), 2.0);
  EXPECT_DOUBLE_EQ(f.derivative(2.0), 1.0);
  EXPECT_DOUBLE_EQ(f.derivative(10.0), 0.0);
  // trapezoids: (0+2)/2*1 + (2+4)/2*2 = 7 over 3 s
  EXPECT_DOUBLE_EQ(f.mean(), 7.0 / 3.0);
}

TEST(TimeFunction, TablePeriodicWrapsToFirstPoint) {
  // points cover [0, 0.6] of a 1 s period: the last segment runs back to v(0) at t = 1
  auto f = TimeFunction::table({0.0, 0.3, 0.6}, {5.0, 12.0, 6.0}, 1.0);
  EXPECT_DOUBLE_EQ(f.period(), 1.0);
  EXPECT_NEAR(f(0.15), 8.5, 1e-12);
  EXPECT_NEAR(f(1.15), 8.5, 1e-12);
  EXPECT_NEAR(f(-0.85), 8.5, 1e-12);
  EXPECT_NEAR(f(0.8), 5.5, 1e-12);  // halfway from 6 (t=0.6) to 5 (t=1)
  EXPECT_NEAR(f.derivative(0.8), -2.5, 1e-12);
  EXPECT_NEAR(f.derivative(2.1), 70.0 / 3.0, 1e-9);
  // integral: (5+12)/2*0.3 + (12+6)/2*0.3 + (6+5)/2*0.4 = 2.55 + 2.7 + 2.2 = 7.45
  EXPECT_NEAR(f.mean(), 7.45, 1e-12);
  f.scale(2.0);
  EXPECT_NEAR(f(0.15), 17.0, 1e-12);
  EXPECT_NEAR(f.mean(), 14.9, 1e-12);
}

TEST(TimeFunction, TableRejectsBadInput) {
  EXPECT_THROW(TimeFunction::table({}, {}, 0.0), std::invalid_argument);
  EXPECT_THROW(TimeFunction::table({0.0, 1.0}, {1.0}, 0.0), std::invalid_argument);
  EXPECT_THROW(TimeFunction::table({0.0, 1.0, 1.0}, {1.0, 2.0, 3.0}, 0.0), std::invalid_argument);
  EXPECT_THROW(TimeFunction::table({0.0, 2.0}, {1.0, 2.0}, 1.0), std::invalid_argument);
}

TEST(TimeFunction, SineValuesAndDerivative) {
  const double T = 4.0;
  auto f = TimeFunction::sine(-3.0, 2.0, T, kPi / 6);
  EXPECT_EQ(f.kind(), TimeFunction::Kind::Sine);
  EXPECT_NEAR(f(0.0), -3.0 + 2.0 * 0.5, 1e-12);  // sin(pi/6) = 1/2
  EXPECT_NEAR(f(1.0), -3.0 + 2.0 * std::sin(kPi / 2 + kPi / 6), 1e-12);
  EXPECT_NEAR(f.derivative(0.0), 2.0 * (2 * kPi / T) * std::sqrt(3.0) / 2, 1e-12);
  EXPECT_DOUBLE_EQ(f.mean(), -3.0);
  EXPECT_DOUBLE_EQ(f.period(), T);
  EXPECT_THROW(TimeFunction::sine(0.0, 1.0, 0.0, 0.0), std::invalid_argument);
}

TEST(TimeFunction, FourierDerivativeMatchesFiniteDifference) {
  const double T = 1.1;
  auto f = TimeFunction::fourier(6.5, {3.294, 1.9262, 0.5}, {-0.023974, -1.1801, 2.0}, T);
  // value at t = 0: mean + sum a_k sin(phi_k)
  EXPECT_NEAR(f(0.0),
              6.5 + 3.294 * std::sin(-0.023974) + 1.9262 * std::sin(-1.1801) + 0.5 * std::sin(2.0),
              1e-12);
  for (double t : {0.0, 0.13, 0.5, 0.77, 1.3}) {
    const double h = 1e-6;
    double fd = (f(t + h) - f(t - h)) / (2 * h);
    EXPECT_NEAR(f.derivative(t), fd, 1e-5 * std::max(1.0, std::abs(fd))) << "t=" << t;
    EXPECT_NEAR(f(t + T), f(t), 1e-12);
  }
  // mean by numerical quadrature over one period
  const int n = 10000;
  double s = 0.0;
  for (int i = 0; i < n; ++i) s += f((i + 0.5) * T / n);
  EXPECT_NEAR(f.mean(), s / n, 1e-9);
  EXPECT_DOUBLE_EQ(f.mean(), 6.5);
  f.scale(1e-6);
  EXPECT_NEAR(f.mean(), 6.5e-6, 1e-18);
  EXPECT_THROW(TimeFunction::fourier(0.0, {1.0}, {}, 1.0), std::invalid_argument);
  EXPECT_THROW(TimeFunction::fourier(0.0, {1.0}, {0.0}, -1.0), std::invalid_argument);
}

TEST(TimeFunction, TableDerivativeMatchesFiniteDifferenceInsideSegments) {
  auto f = TimeFunction::table({0.0, 0.2, 0.5, 0.9}, {1.0, 3.0, -1.0, 2.0}, 1.0);
  for (double t : {0.1, 0.35, 0.7, 0.95, 1.1, 2.35}) {
    const double h = 1e-7;
    EXPECT_NEAR(f.derivative(t), (f(t + h) - f(t - h)) / (2 * h), 1e-5) << "t=" << t;
  }
}

// Cubic-spline tables: through the points, C1 across the periodic wrap, fourth-order accurate
// for a smooth periodic signal, with an exact mean.
TEST(TimeFunctionCubic, PeriodicSplineInterpolatesSmoothSignal) {
  const double T = 1.1;
  auto sample = [&](int n) {
    std::vector<double> t, v;
    for (int i = 0; i < n; ++i) {
      t.push_back(T * i / n);
      v.push_back(3.0 + std::sin(2 * M_PI * t.back() / T) +
                  0.5 * std::cos(4 * M_PI * t.back() / T));
    }
    return TimeFunction::table(t, v, T, TimeFunction::Interpolation::Cubic);
  };
  auto exact = [&](double t) {
    return 3.0 + std::sin(2 * M_PI * t / T) + 0.5 * std::cos(4 * M_PI * t / T);
  };
  double err[2];
  for (int k = 0; k < 2; ++k) {
    const auto f = sample(k == 0 ? 40 : 80);
    double e = 0.0;
    for (int i = 0; i < 1000; ++i)
      e = std::max(e, std::abs(f(0.37 + 2.3 * i / 1000.0) - exact(0.37 + 2.3 * i / 1000.0)));
    err[k] = e;
    EXPECT_NEAR(f.mean(), 3.0, 1e-6);
    // Derivative continuous across the wrap (t = T) and close to the exact derivative.
    const double d_exact = 2 * M_PI / T;
    EXPECT_NEAR(f.derivative(T - 1e-9), f.derivative(T + 1e-9), 1e-6);
    EXPECT_NEAR(f.derivative(T + 1e-9), d_exact, 1e-2 * d_exact);
  }
  // Halving the spacing divides the error by ~16 (fourth order): observed order > 3.5.
  EXPECT_GT(std::log2(err[0] / err[1]), 3.5) << err[0] << " " << err[1];
  EXPECT_LT(err[1], 1e-5);
}

TEST(TimeFunctionCubic, PassesThroughPointsAndHoldsOutsideWhenNotPeriodic) {
  std::vector<double> t{0.0, 0.2, 0.5, 0.6, 1.0}, v{1.0, 3.0, -1.0, 0.5, 2.0};
  const auto f = TimeFunction::table(t, v, 0.0, TimeFunction::Interpolation::Cubic);
  for (std::size_t i = 0; i < t.size(); ++i) EXPECT_NEAR(f(t[i]), v[i], 1e-14);
  EXPECT_DOUBLE_EQ(f(-1.0), 1.0);
  EXPECT_DOUBLE_EQ(f(3.0), 2.0);
  // Derivative against a central difference inside a segment.
  const double h = 1e-6;
  EXPECT_NEAR(f.derivative(0.33), (f(0.33 + h) - f(0.33 - h)) / (2 * h), 1e-6);
  // A closing point at t0 + T duplicates the first one in a periodic table.
  const auto g = TimeFunction::table({0.0, 0.5, 1.0}, {1.0, 2.0, 1.0}, 1.0,
                                     TimeFunction::Interpolation::Cubic);
  EXPECT_NEAR(g(0.25), g(0.75), 1e-12);  // symmetric periodic data gives a symmetric spline
  EXPECT_NEAR(g(1.25), g(0.25), 1e-12);
}

// Monotone (PCHIP) tables: through the points, no overshoot, C1, exact mean of the Hermite cubics.
TEST(TimeFunctionMonotone, NoOvershootAndContinuousSlope) {
  // A sharp systolic-like peak sampled coarsely: a C2 spline overshoots, PCHIP may not.
  std::vector<double> t{0.0, 0.1, 0.15, 0.2, 0.3, 0.6}, v{0.0, 0.0, 10.0, 0.0, -1.0, 0.0};
  const auto f = TimeFunction::table(t, v, 0.8, TimeFunction::Interpolation::Monotone);
  const auto c = TimeFunction::table(t, v, 0.8, TimeFunction::Interpolation::Cubic);
  double fmax = -1e9, fmin = 1e9, cmin = 1e9;
  for (int i = 0; i <= 8000; ++i) {
    const double x = 0.8 * i / 8000.0;
    fmax = std::max(fmax, f(x));
    fmin = std::min(fmin, f(x));
    cmin = std::min(cmin, c(x));
  }
  EXPECT_LE(fmax, 10.0 + 1e-12);
  EXPECT_GE(fmin, -1.0 - 1e-12);
  EXPECT_LT(cmin, -1.5);  // the spline does overshoot here (why monotone exists)
  for (std::size_t i = 0; i < t.size(); ++i) EXPECT_NEAR(f(t[i]), v[i], 1e-12);
  // C1: slopes from both sides of the points agree; derivative matches a difference quotient.
  for (double x : {0.1, 0.15, 0.2, 0.3, 0.6, 0.8}) {
    EXPECT_NEAR(f.derivative(x - 1e-9), f.derivative(x + 1e-9), 1e-4) << x;
    EXPECT_NEAR(f.derivative(x + 0.01), (f(x + 0.01 + 1e-6) - f(x + 0.01 - 1e-6)) / 2e-6, 1e-4);
  }
  // Mean against a fine trapezoid of the function itself.
  double integral = 0.0;
  const int n = 80000;
  for (int i = 0; i < n; ++i) integral += 0.5 * (f(0.8 * i / n) + f(0.8 * (i + 1) / n)) * 0.8 / n;
  EXPECT_NEAR(f.mean(), integral / 0.8, 1e-8);
}
