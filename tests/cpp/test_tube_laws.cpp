// Tube laws: inverse, derivative and wave speed against closed forms and finite differences.
#include <gtest/gtest.h>

#include <cmath>
#include <memory>
#include <numbers>

#include "venoflow/model.hpp"
#include "venoflow/tube_law.hpp"

using namespace venoflow;

namespace {
ElasticTubeLaw elastic(double E, double h) {
  ElasticTubeLaw s;
  s.youngs_modulus = E;
  s.wall_thickness = h;
  return s;
}
}  // namespace

TEST(ElasticLaw, WaveSpeedMatchesMoensKortewegForm) {
  // Boileau et al. 2015 case 1: r0 = 10 mm, h = 1.5 mm, E = 400 kPa, rho = 1050:
  // c0 = sqrt(2 E h / (3 rho r0)) = 6.172 m/s (benchmark README, analytic).
  auto law = make_tube_law(elastic(400e3, 1.5e-3), {10e-3}, 1050.0);
  const double a0 = std::numbers::pi * 1e-4;
  EXPECT_NEAR(law->pressure(0, a0), 0.0, 1e-12);
  EXPECT_NEAR(law->wave_speed(0, a0, 1050.0), std::sqrt(2 * 400e3 * 1.5e-3 / (3 * 1050 * 10e-3)),
              1e-12);
  EXPECT_NEAR(law->wave_speed(0, a0, 1050.0), 6.172, 5e-4);
}

TEST(ElasticLaw, InverseAndDerivative) {
  auto law = make_tube_law(elastic(700e3, 0.3e-3), {3e-3}, 1060.0);
  for (double p : {-2000.0, 0.0, 5e3, 13e3, 20e3}) {
    const double a = law->area(0, p);
    ASSERT_TRUE(a > 0.0);
    EXPECT_NEAR(law->pressure(0, a), p, 1e-9 * (1 + std::abs(p)));
    const double h = 1e-6 * a;
    const double fd = (law->pressure(0, a + h) - law->pressure(0, a - h)) / (2 * h);
    EXPECT_NEAR(law->dpressure_darea(0, a), fd, 1e-6 * fd);
  }
  // An elastic tube cannot collapse: far below zero there is no positive area.
  EXPECT_TRUE(std::isnan(law->area(0, -1e7)));
}

TEST(ElasticLaw, DiastolicAndZeroPressureFormsAgree) {
  // Nektar++ (diastolic) vs openBF (zero pressure): identical when h0 = h_d (r0/r_d)^2.
  const double E = 500e3, rd = 8.6e-3, hd = 1.032e-3, pd = 9466.0;
  ElasticTubeLaw dia = elastic(E, hd);
  dia.reference = "diastolic";
  dia.reference_pressure = pd;
  auto ld = make_tube_law(dia, {rd}, 1060.0);
  const double a0 = ld->area(0, 0.0);
  const double r0 = std::sqrt(a0 / std::numbers::pi);
  auto lz = make_tube_law(elastic(E, hd * (r0 / rd) * (r0 / rd)), {r0}, 1060.0);
  for (double p : {0.0, 5e3, 9466.0, 16e3})
    EXPECT_NEAR(ld->area(0, p), lz->area(0, p), 1e-12 * ld->area(0, p));
  EXPECT_NEAR(ld->area(0, pd), std::numbers::pi * rd * rd, 1e-15);
}

TEST(VenousLaw, InverseIsAccurateOverTheWholeRange) {
  VenousTubeLaw s;
  s.stiffness = 10.0;
  auto law = make_tube_law(s, {6e-3}, 1050.0);
  const double a0 = std::numbers::pi * 36e-6;
  EXPECT_DOUBLE_EQ(law->pressure(0, a0), 0.0);
  // From deep collapse (A/A0 ~ 1e-4) to distension (A/A0 ~ 2).
  for (double alpha : {1e-4, 1e-2, 0.1, 0.5, 0.9, 1.0, 1.1, 1.5, 2.0}) {
    const double p = law->pressure(0, alpha * a0);
    EXPECT_NEAR(law->area(0, p) / a0, alpha, 1e-12 * alpha) << "alpha " << alpha;
  }
  // Well defined as A -> 0: finite pressure, positive area for very negative pressure.
  EXPECT_TRUE(std::isfinite(law->pressure(0, 1e-12 * a0)));
  const double a = law->area(0, -1e6);
  EXPECT_GT(a, 0.0);
  EXPECT_NEAR(law->pressure(0, a), -1e6, 1e-6);
}

TEST(VenousLaw, WaveSpeedAtReferenceIsSqrtKmMinusNOverRho) {
  // c0^2 = K (m - n) / rho (docs/physiology.md A1, derived): K = 117 Pa gives c0 = 1.13 m/s.
  VenousTubeLaw s;
  s.stiffness = 117.0;
  auto law = make_tube_law(s, {5e-3}, 1050.0);
  const double a0 = std::numbers::pi * 25e-6;
  EXPECT_NEAR(law->wave_speed(0, a0, 1050.0), std::sqrt(117.0 * 11.5 / 1050.0), 1e-12);
  // Collapse stiffens: c grows without bound as A -> 0.
  EXPECT_GT(law->wave_speed(0, 1e-3 * a0, 1050.0), 10 * law->wave_speed(0, a0, 1050.0));
  // Specifying c0 instead of K gives the same law.
  VenousTubeLaw c;
  c.wave_speed = std::sqrt(117.0 * 11.5 / 1050.0);
  auto law2 = make_tube_law(c, {5e-3}, 1050.0);
  EXPECT_NEAR(law2->pressure(0, 0.5 * a0), law->pressure(0, 0.5 * a0), 1e-9);
}

namespace {
// The venous law of a vein of radius 6 mm, E = 1 MPa, h = 0.5 mm:
// K = E/(12 (1 - nu^2)) (h/R)^3 with nu = 1/2.
struct Vein {
  std::unique_ptr<TubeLaw> law;
  double K, a0;
};
Vein six_mm_vein() {
  VenousTubeLaw s;
  s.youngs_modulus = 1e6;
  s.wall_thickness = 0.5e-3;
  return {make_tube_law(s, {6e-3}, 1050.0), 1e6 / 9.0 * std::pow(0.5 / 6.0, 3),
          std::numbers::pi * 36e-6};
}
}  // namespace

TEST(VenousLaw, DerivativeMatchesFiniteDifference) {
  const auto [law, K, a0] = six_mm_vein();
  EXPECT_NEAR(law->pressure(0, 2 * a0), K * (std::pow(2.0, 10) - std::pow(2.0, -1.5)), 1e-9);
  for (double alpha : {0.05, 0.3, 1.0, 1.4}) {
    const double a = alpha * a0, h = 1e-7 * a;
    const double fd = (law->pressure(0, a + h) - law->pressure(0, a - h)) / (2 * h);
    EXPECT_NEAR(law->dpressure_darea(0, a), fd, 1e-6 * std::abs(fd));
  }
}

// Shapiro's default exponents (10, -3/2) take a written-out path (integer powers and one square
// root): pressure and dp/dA against std::pow's closed forms over the law's domain
// 0.01 <= A/A0 <= 2. Bound: alpha = (alpha A0) / A0 carries two roundings (2.2e-16), which
// alpha^10 multiplies tenfold, plus four roundings of the products: 3e-15 relative.
TEST(VenousLaw, DefaultExponentsMatchTheClosedForm) {
  const auto [law, K, a0] = six_mm_vein();
  for (double alpha = 0.01; alpha <= 2.0; alpha *= 1.0137) {
    const double p = K * (std::pow(alpha, 10) - std::pow(alpha, -1.5));
    const double dp = K / a0 * (10 * std::pow(alpha, 9) + 1.5 * std::pow(alpha, -2.5));
    // |p| carries the cancellation of the two terms near alpha = 1: bound by the terms' sizes.
    const double scale = K * (std::pow(alpha, 10) + std::pow(alpha, -1.5));
    double dp_da = 0.0;
    EXPECT_NEAR(law->pressure(0, alpha * a0, dp_da), p, 3e-15 * scale) << alpha;
    EXPECT_NEAR(dp_da, dp, 3e-15 * dp) << alpha;
    EXPECT_NEAR(law->pressure(0, alpha * a0), p, 3e-15 * scale) << alpha;
  }
}

TEST(VenousLaw, WarmStartedInverseAgreesWithTheBracketedOne) {
  // The node-volume solve uses the inverse started from a hint and its dp/dA; both must agree
  // with the bracketed inverse and the derivative of the forward law, for hints far and near.
  VenousTubeLaw s;
  s.stiffness = 8.0;
  auto law = make_tube_law(s, {6e-3}, 1050.0);
  const double a0 = std::numbers::pi * 36e-6;
  for (double alpha : {1e-3, 0.05, 0.3, 1.0, 1.2, 1.6}) {
    const double p = law->pressure(0, alpha * a0);
    for (double hint : {0.5, 0.9, 1.0, 1.1, 3.0}) {
      double dpda = 0.0;
      const double a = law->area(0, p, hint * alpha * a0, dpda);
      EXPECT_NEAR(a, law->area(0, p), 1e-12 * a) << alpha << " " << hint;
      EXPECT_NEAR(dpda, law->dpressure_darea(0, a), 1e-9 * dpda) << alpha << " " << hint;
    }
  }
  // Absurd hints (e.g. left by an attempt at a volume that has no pressure) whose powers
  // overflow must not stall the iteration into a false answer.
  for (double p : {-2e3, -10.0, 0.0, 5.0, 1e3}) {
    for (double hint : {1e-154, 1e-40, 1e40}) {
      double dpda = 0.0;
      const double a = law->area(0, p, hint * a0, dpda);
      EXPECT_NEAR(a, law->area(0, p), 1e-12 * a) << p << " " << hint;
      EXPECT_NEAR(law->pressure(0, a), p, 1e-9 * (std::abs(p) + 1.0)) << p << " " << hint;
    }
  }
}
