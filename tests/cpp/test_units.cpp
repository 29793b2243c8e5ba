// Unit parsing: SI values computed by hand from the unit table in docs/model-format.md.
#include <gtest/gtest.h>

#include <cmath>
#include <numbers>
#include <stdexcept>
#include <string>

#include "venoflow/units.hpp"

using namespace venoflow;

namespace {

double q(const char* text, const Dimension& d, const char* bare = "") {
  return parse_quantity(text, d, bare);
}

std::string error_of(const char* text, const Dimension& d, const char* bare = "") {
  try {
    parse_quantity(text, d, bare);
  } catch (const std::invalid_argument& e) {
    return e.what();
  }
  return "(no error)";
}

}  // namespace

TEST(Units, LengthsAndPrefixes) {
  EXPECT_DOUBLE_EQ(q("12 mm", dim::length), 0.012);
  EXPECT_DOUBLE_EQ(q("2.6485 mm", dim::length), 2.6485e-3);
  EXPECT_DOUBLE_EQ(q("1 cm", dim::length), 0.01);
  EXPECT_DOUBLE_EQ(q("3 dm", dim::length), 0.3);
  EXPECT_DOUBLE_EQ(q("5 um", dim::length), 5e-6);
  EXPECT_DOUBLE_EQ(q("5 \xC2\xB5m", dim::length), 5e-6);  // µm
  EXPECT_DOUBLE_EQ(q("7 nm", dim::length), 7e-9);
  EXPECT_DOUBLE_EQ(q("2 km", dim::length), 2000.0);
  EXPECT_DOUBLE_EQ(q("-1.5e-2 m", dim::length), -0.015);
  EXPECT_DOUBLE_EQ(q("3mm", dim::length), 0.003);
}

TEST(Units, Pressures) {
  EXPECT_DOUBLE_EQ(q("9.5 mmHg", dim::pressure), 9.5 * 133.322387415);
  EXPECT_DOUBLE_EQ(q("10 cmH2O", dim::pressure), 980.665);
  EXPECT_DOUBLE_EQ(q("10.93 kPa", dim::pressure), 10930.0);
  EXPECT_DOUBLE_EQ(q("700 kPa", dim::pressure), 7e5);
  EXPECT_DOUBLE_EQ(q("1.2 bar", dim::pressure), 1.2e5);
  EXPECT_DOUBLE_EQ(q("3 MPa", dim::pressure), 3e6);
  EXPECT_DOUBLE_EQ(q("10 dyn/cm^2", dim::pressure), 1.0);  // 10 * 1e-5 N / 1e-4 m^2
  EXPECT_DOUBLE_EQ(q("2 N/m^2", dim::pressure), 2.0);
  EXPECT_DOUBLE_EQ(q("1 hPa", dim::pressure), 100.0);
}

TEST(Units, FlowsVolumesTimes) {
  EXPECT_DOUBLE_EQ(q("12.5 ml/s", dim::flow), 12.5e-6);
  EXPECT_DOUBLE_EQ(q("12.5 mL/s", dim::flow), 12.5e-6);
  EXPECT_DOUBLE_EQ(q("6 l/min", dim::flow), 1e-4);
  EXPECT_DOUBLE_EQ(q("3 m^3/s", dim::flow), 3.0);
  EXPECT_DOUBLE_EQ(q("5 ul", dim::volume), 5e-9);
  EXPECT_DOUBLE_EQ(q("2 L", dim::volume), 2e-3);
  EXPECT_DOUBLE_EQ(q("1 ms", dim::time), 1e-3);
  EXPECT_DOUBLE_EQ(q("2 min", dim::time), 120.0);
  EXPECT_DOUBLE_EQ(q("1.5 h", dim::time), 5400.0);
  EXPECT_DOUBLE_EQ(q("72 1/min", dim::frequency), 1.2);
  EXPECT_DOUBLE_EQ(q("2 kHz", dim::frequency), 2000.0);
  EXPECT_DOUBLE_EQ(q("3 s^-1", dim::frequency), 3.0);
}

TEST(Units, CompoundUnits) {
  EXPECT_DOUBLE_EQ(q("1060 kg/m^3", dim::mass_density), 1060.0);
  EXPECT_DOUBLE_EQ(q("1.06 g/cm^3", dim::mass_density), 1060.0);
  EXPECT_DOUBLE_EQ(q("4 mPa s", dim::viscosity), 4e-3);
  EXPECT_DOUBLE_EQ(q("4 mPa*s", dim::viscosity), 4e-3);
  EXPECT_DOUBLE_EQ(q("0.04 poise", dim::viscosity), 4e-3);
  EXPECT_DOUBLE_EQ(q("4 cpoise", dim::viscosity), 4e-3);
  EXPECT_DOUBLE_EQ(q("2.4875e8 Pa s m^-3", dim::resistance), 2.4875e8);
  EXPECT_DOUBLE_EQ(q("2 Pa s/m^3", dim::resistance), 2.0);
  EXPECT_DOUBLE_EQ(q("1 mmHg s/ml", dim::resistance), 133.322387415e6);
  EXPECT_DOUBLE_EQ(q("1.7529e-10 m^3/Pa", dim::compliance), 1.7529e-10);
  EXPECT_DOUBLE_EQ(q("1 ml/mmHg", dim::compliance), 1e-6 / 133.322387415);
  EXPECT_DOUBLE_EQ(q("3 Pa s^2 m^-3", dim::inertance), 3.0);
  EXPECT_DOUBLE_EQ(q("9.81 m/s^2", dim::acceleration), 9.81);
  EXPECT_DOUBLE_EQ(q("9.81 m/(s s)", dim::acceleration), 9.81);
  EXPECT_DOUBLE_EQ(q("5 m/s", dim::velocity), 5.0);
  // everything after the first '/' is in the denominator
  EXPECT_DOUBLE_EQ(q("1 kg/m s", dim::viscosity), 1.0);
}

TEST(Units, AnglesAndRatios) {
  EXPECT_DOUBLE_EQ(q("90 deg", dim::angle), std::numbers::pi / 2);
  EXPECT_DOUBLE_EQ(q("1.5 rad", dim::angle), 1.5);
  EXPECT_DOUBLE_EQ(q("50 %", dim::none), 0.5);
  EXPECT_DOUBLE_EQ(q("0.3", dim::none, "1"), 0.3);
  EXPECT_DOUBLE_EQ(q("0.3", dim::length, "mm"), 3e-4);  // bare number in the default unit
  // an angle is not a ratio
  EXPECT_THROW(q("90 deg", dim::none, "1"), std::invalid_argument);
}

TEST(Units, ParseUnitDimensions) {
  EXPECT_EQ(parse_unit("mmHg").dimension, dim::pressure);
  EXPECT_EQ(parse_unit("m^3/Pa").dimension, dim::compliance);
  EXPECT_EQ(parse_unit("Pa s m^-3").dimension, dim::resistance);
  EXPECT_EQ(parse_unit("1/min").dimension, dim::frequency);
  EXPECT_DOUBLE_EQ(parse_unit("1/min").factor, 1.0 / 60.0);
  EXPECT_EQ(parse_unit("%").dimension, dim::none);
  EXPECT_EQ(parse_unit("kg").dimension, (Dimension{{1, 0, 0, 0}}));
  EXPECT_DOUBLE_EQ(parse_unit("kg").factor, 1.0);
}

TEST(Units, DimensionStr) {
  EXPECT_EQ(dim::pressure.str(), "M L^-1 T^-2");
  EXPECT_EQ(dim::length.str(), "L");
  EXPECT_EQ(dim::none.str(), "dimensionless");
  EXPECT_EQ(dim::angle.str(), "angle");
  EXPECT_EQ(dim::compliance.str(), "M^-1 L^4 T^2");
}

TEST(Units, ErrorMessages) {
  EXPECT_EQ(error_of("9.5 mmHG", dim::pressure), "unknown unit 'mmHG' in '9.5 mmHG'");
  EXPECT_EQ(error_of("12 mm", dim::pressure),
            "expected a pressure (M L^-1 T^-2), got a length (L) in '12 mm'");
  EXPECT_NE(error_of("12", dim::length).find("missing unit in '12'"), std::string::npos);
  EXPECT_NE(error_of("12", dim::length).find("length"), std::string::npos);
  EXPECT_NE(error_of("mm", dim::length).find("expected a number"), std::string::npos);
  EXPECT_NE(error_of("", dim::length).find("expected a number"), std::string::npos);
  // P is not poise: it reads as a (missing) prefix
  EXPECT_EQ(error_of("0.04 P", dim::viscosity), "unknown unit 'P' in '0.04 P'");
  EXPECT_EQ(error_of("1 mmHg/", dim::pressure).find("missing unit"), 0u);
  EXPECT_THROW(parse_unit("m^"), std::invalid_argument);
  EXPECT_THROW(parse_unit("(m"), std::invalid_argument);
  EXPECT_THROW(parse_unit("2 m"), std::invalid_argument);
  EXPECT_THROW(parse_unit("kmin"), std::invalid_argument);  // min takes no prefix
  EXPECT_THROW(q("inf Pa", dim::pressure), std::invalid_argument);
  EXPECT_THROW(q("nan Pa", dim::pressure), std::invalid_argument);
  EXPECT_THROW(q("0x10 Pa", dim::pressure), std::invalid_argument);
}
