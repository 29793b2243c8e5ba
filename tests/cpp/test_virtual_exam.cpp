// The exam: section of the model format (docs/model-format.md#exam) and the virtual exam's
// refusal of a model without one. The exam's runs are tested end to end in
// tests/python/test_virtual_exam.py.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <string>

#include "format/schema.hpp"
#include "venoflow/exam.hpp"
#include "venoflow/model_document.hpp"

using namespace venoflow;

namespace {

// Three IJV segments per side as one chain each, head (height 20 cm) to heart (0 cm), a
// thoracic group and a 0.8 s cardiac period.
const std::string kNeck = R"(venoflow: 1
gravity: {enabled: true}
nodes:
  - {name: headR, height: 20 cm}
  - {name: r32, height: 15 cm}
  - {name: r21, height: 10 cm}
  - {name: headL, height: 20 cm}
  - {name: l32, height: 15 cm}
  - {name: l21, height: 10 cm}
  - {name: heart, height: 0 cm}
external_pressures:
  - {name: thorax, pressure: -4 mmHg}
vessels:
  - {name: R3, from: headR, to: r32, length: 5 cm, radius: 5 mm, tube_law: {type: venous, stiffness: 1 mmHg}}
  - {name: R2, from: r32, to: r21, length: 5 cm, radius: 5 mm, tube_law: {type: venous, stiffness: 1 mmHg}}
  - {name: R1, from: r21, to: heart, length: 10 cm, radius: 5 mm, tube_law: {type: venous, stiffness: 1 mmHg}}
  - {name: L3, from: headL, to: l32, length: 5 cm, radius: 5 mm, tube_law: {type: venous, stiffness: 1 mmHg}}
  - {name: L2, from: l32, to: l21, length: 5 cm, radius: 5 mm, tube_law: {type: venous, stiffness: 1 mmHg}}
  - {name: L1, from: l21, to: heart, length: 10 cm, radius: 5 mm, tube_law: {type: venous, stiffness: 1 mmHg}}
boundary_conditions:
  - {node: headR, pressure: {sine: {mean: 10 mmHg, amplitude: 1 mmHg}, period: 0.8 s}}
  - {node: headL, pressure: 10 mmHg}
  - {node: heart, pressure: 4 mmHg}
solver: {t_end: 1 s}
)";
const std::string kLandmarks = R"(exam:
  landmarks: {J1_R: R1, J2_R: R2, J3_R: R3, J1_L: L1, J2_L: L2, J3_L: L3}
  breathing_pressure: thorax
)";

Model build(const std::string& text) { return ModelDocument::from_string(text, "m.yaml").build(); }

std::string diagnostics(const std::string& text) {
  try {
    build(text);
  } catch (const ModelError& e) {
    std::string all;
    for (const auto& d : e.diagnostics()) all += d.str() + "\n";
    return all;
  }
  return "";
}

}  // namespace

// The defaults written in the key tables (and so in the schema and docs/model-format.md) are
// the ones the loader applies, and they are the published values of docs/ccsvi-criteria.md.
TEST(ExamSection, DefaultsAreTheKeyTablesAndThePublishedThresholds) {
  const Model m = build(kNeck + kLandmarks);
  ASSERT_TRUE(m.exam.present);
  const auto& root = detail::model_schema();
  const detail::KeySpec* exam = detail::find_key(root, "exam");
  ASSERT_TRUE(exam);
  const detail::KeySpec* crit = detail::find_key(*exam, "criteria");
  auto si = [&](const detail::KeySpec& spec, const char* name) {
    const auto* k = detail::find_key(spec, name);
    return parse_quantity(k->default_text, k->dim, k->bare_unit);
  };
  EXPECT_DOUBLE_EQ(si(*crit, "c1_reflux"), m.exam.c1_reflux);
  EXPECT_DOUBLE_EQ(si(*crit, "c2_reflux"), m.exam.c2_reflux);
  EXPECT_DOUBLE_EQ(si(*crit, "c3_area"), m.exam.c3_area);
  EXPECT_DOUBLE_EQ(si(*crit, "c3_reduction"), m.exam.c3_reduction);
  EXPECT_DOUBLE_EQ(si(*crit, "c4_floor"), m.exam.c4_floor);
  EXPECT_DOUBLE_EQ(si(*crit, "c5_delta_csa"), m.exam.c5_delta_csa);
  // Published: 0.88 s (Mayer 2011), 0.5 s, 0.3 cm^2, 50 % (docs/ccsvi-criteria.md)
  EXPECT_DOUBLE_EQ(m.exam.c1_reflux, 0.88);
  EXPECT_DOUBLE_EQ(m.exam.c2_reflux, 0.5);
  EXPECT_NEAR(m.exam.c3_area, 0.3e-4, 1e-18);
  EXPECT_DOUBLE_EQ(m.exam.c3_reduction, 0.5);
  EXPECT_EQ(m.exam.required, 2);
  EXPECT_EQ(m.exam.c1_reading, "both");
  const detail::KeySpec* deep = detail::find_key(*exam, "deep_inspiration");
  EXPECT_DOUBLE_EQ(si(*deep, "period"), m.exam.deep.period);
  EXPECT_DOUBLE_EQ(si(*deep, "inspiration"), m.exam.deep.inspiration);
  EXPECT_NEAR(m.exam.deep.inspiration, -15 * 133.322387415, 1e-6);
}

TEST(ExamSection, ProblemsAreLocatedAtTheirKeys) {
  // a landmark vessel drawn from the heart to the head, an unknown vessel and group, a thoracic
  // node without a pressure boundary, inspiration above expiration: all reported at once
  std::string text = kNeck + R"(exam:
  landmarks: {J1_R: R1, J2_R: R2, J3_R: R3, J1_L: L1, J2_L: L2, J3_L: L3, VV_R: RX}
  breathing_pressure: thorx
  thoracic_nodes: [r32]
  deep_inspiration: {period: 7.5 s, inspiration: -2 mmHg, expiration: -3 mmHg}
)";
  text.replace(text.find("headR, to: r32"), 14, "r32, to: headR");
  const std::string d = diagnostics(text);
  EXPECT_NE(d.find("exam.landmarks.J3_R"), std::string::npos) << d;
  EXPECT_NE(d.find("towards the heart"), std::string::npos) << d;
  EXPECT_NE(d.find("exam.landmarks.VV_R"), std::string::npos) << d;
  EXPECT_NE(d.find("no vessel 'RX'"), std::string::npos) << d;
  EXPECT_NE(d.find("no external pressure 'thorx' (did you mean 'thorax'?)"), std::string::npos)
      << d;
  EXPECT_NE(d.find("'r32' is not a node with a pressure boundary"), std::string::npos) << d;
  EXPECT_NE(d.find("exam.deep_inspiration.inspiration"), std::string::npos) << d;
  EXPECT_NE(d.find("m.yaml:"), std::string::npos) << d;  // file and line, as every key
  // a missing IJV landmark
  std::string missing = kNeck + kLandmarks;
  missing.replace(missing.find(", J3_L: L3"), 10, "");
  EXPECT_NE(diagnostics(missing).find("missing landmark 'J3_L'"), std::string::npos);
}

// A breath must be a whole number of cardiac periods (the run's period is the breath); the
// model alone may run with another solver.period, so the exam checks it when it starts, at the
// key's line.
TEST(VirtualExam, RefusesABreathThatIsNotAWholeNumberOfCardiacPeriods) {
  const std::string text = kNeck + kLandmarks + "  deep_inspiration: {period: 7.5 s}\n";
  const Model m = build(text);  // valid as a model
  try {
    (void)virtual_exam(m);
    FAIL() << "expected ModelError";
  } catch (const ModelError& e) {
    ASSERT_EQ(e.diagnostics().size(), 1u);
    const auto& d = e.diagnostics()[0];
    EXPECT_EQ(d.key, "exam.deep_inspiration.period");
    EXPECT_EQ(d.where.file, "m.yaml");
    EXPECT_EQ(d.where.line, static_cast<int>(std::count(text.begin(), text.end(), '\n')));
    EXPECT_NE(d.message.find("whole number of cardiac periods (solver.period = 0.8 s)"),
              std::string::npos)
        << d.message;
  }
}

TEST(VirtualExam, RefusesAModelWithoutExamSection) {
  const Model m = build(kNeck);
  EXPECT_FALSE(m.exam.present);
  try {
    (void)virtual_exam(m);
    FAIL() << "expected std::invalid_argument";
  } catch (const std::invalid_argument& e) {
    EXPECT_NE(std::string(e.what()).find("has no exam: section"), std::string::npos);
  }
}
