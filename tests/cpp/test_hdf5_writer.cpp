// venoflow: tests of the HDF5 results file (solver/hdf5_writer.cpp, solver/hdf5_reader.cpp)
// and of MemoryResults.
#include <gtest/gtest.h>
#include <hdf5.h>
#include <hdf5_hl.h>
#include <unistd.h>

#include <cmath>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <limits>
#include <sstream>
#include <stdexcept>
#include <string>

#include "venoflow/hdf5_writer.hpp"
#include "venoflow/model.hpp"
#include "venoflow/results.hpp"

namespace fs = std::filesystem;
using namespace venoflow;

namespace {

class Hdf5WriterTest : public ::testing::Test {
 protected:
  void SetUp() override {
    const auto* info = ::testing::UnitTest::GetInstance()->current_test_info();
    dir_ = fs::temp_directory_path() /
           ("venoflow_h5_" + std::string(info->name()) + "_" + std::to_string(::getpid()));
    fs::remove_all(dir_);
    fs::create_directories(dir_);
  }
  void TearDown() override { fs::remove_all(dir_); }

  std::string file(const std::string& name) const { return (dir_ / name).string(); }

  fs::path dir_;
};

OutputLayout make_layout() {
  OutputLayout layout;
  layout.vessels.push_back({"aorta", {0.0, 0.025, 0.05, 0.075, 0.1}});
  OutputLayout::VesselOut carotid{"carotid_L", {}};
  for (int j = 0; j < 11; ++j) carotid.x.push_back(0.012 * j);
  layout.vessels.push_back(carotid);
  layout.nodes = {"heart", "bifurcation"};
  layout.elements.push_back({"rcr_out", "windkessel", {{"flow", "m^3/s"}, {"p_c", "Pa"}}});
  layout.period = 0.8;
  return layout;
}

Model make_model() {
  Model m;
  m.name = "two_vessels";
  m.resolved_yaml = "name: two_vessels\nvessels:\n  - name: aorta  # ünïcode ok\n";
  return m;
}

Sample make_sample(const OutputLayout& layout, std::size_t k) {
  Sample s;
  s.t = 1e-3 * static_cast<double>(k);
  std::size_t idx = 0;
  for (std::size_t v = 0; v < layout.vessels.size(); ++v) {
    for (std::size_t j = 0; j < layout.vessels[v].x.size(); ++j, ++idx) {
      const double phase =
          std::sin(0.37 * static_cast<double>(k) + 0.11 * static_cast<double>(idx));
      s.vessel_pressure.push_back(13000.0 + 1000.0 * phase + static_cast<double>(v));
      s.vessel_flow.push_back(1e-5 * phase / 3.0);
      s.vessel_area.push_back(3e-4 + 1e-6 * phase);
    }
  }
  for (std::size_t n = 0; n < layout.nodes.size(); ++n) {
    s.node_pressure.push_back(10000.0 + std::cos(0.1 * static_cast<double>(k + n)));
  }
  s.element_values = {1e-6 * static_cast<double>(k) / 7.0, 9000.0 - static_cast<double>(k) / 3.0};
  return s;
}

RunStatistics make_stats() {
  RunStatistics st;
  st.steps = 12345;
  st.rhs_evaluations = 67890;
  st.jacobian_evaluations = 12;
  st.linear_solver_setups = 345;
  st.error_test_failures = 6;
  st.nonlinear_convergence_failures = 7;
  st.colours = 9;
  st.unknowns = 48;
  st.wall_time = 1.2345;
  st.simulated_time = 0.999;
  st.cycles_completed = 3;
  return st;
}

std::map<std::string, Metric> make_metrics() {
  return {{"mean_aortic_pressure", {12345.678, "Pa", "time-averaged pressure at aorta x=0"}},
          {"cardiac_output", {8.3e-5, "m^3/s", "mean flow into the aorta"}}};
}

RunOutcome complete_outcome() {
  RunOutcome o;
  o.complete = true;
  return o;
}

std::string slurp(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

std::string tmp_name(const std::string& path) {
  return path + ".tmp-" + std::to_string(::getpid());
}

void expect_samples_equal(const std::vector<Sample>& a, const std::vector<Sample>& b) {
  ASSERT_EQ(a.size(), b.size());
  for (std::size_t k = 0; k < a.size(); ++k) {
    EXPECT_EQ(a[k].t, b[k].t) << k;
    EXPECT_EQ(a[k].vessel_pressure, b[k].vessel_pressure) << k;
    EXPECT_EQ(a[k].vessel_flow, b[k].vessel_flow) << k;
    EXPECT_EQ(a[k].vessel_area, b[k].vessel_area) << k;
    EXPECT_EQ(a[k].node_pressure, b[k].node_pressure) << k;
    EXPECT_EQ(a[k].element_values, b[k].element_values) << k;
  }
}

}  // namespace

TEST(MemoryResults, IndexHelpers) {
  MemoryResults r;
  r.begin(make_layout(), make_model());
  EXPECT_EQ(r.model_yaml, make_model().resolved_yaml);
  EXPECT_EQ(r.vessel_index("aorta"), 0u);
  EXPECT_EQ(r.vessel_index("carotid_L"), 1u);
  EXPECT_EQ(r.vessel_offset(0), 0u);
  EXPECT_EQ(r.vessel_offset(1), 5u);
  EXPECT_EQ(r.node_index("bifurcation"), 1u);
  EXPECT_EQ(r.element_value_index("rcr_out", "p_c"), 1u);
  EXPECT_THROW(r.vessel_index("nope"), std::out_of_range);
  EXPECT_THROW(r.vessel_offset(2), std::out_of_range);
  EXPECT_THROW(r.node_index("nope"), std::out_of_range);
  EXPECT_THROW(r.element_value_index("rcr_out", "nope"), std::out_of_range);
  EXPECT_THROW(r.element_value_index("nope", "flow"), std::out_of_range);
  r.write(make_sample(r.layout, 0));
  r.finish(make_stats(), complete_outcome(), make_metrics());
  EXPECT_EQ(r.samples.size(), 1u);
  EXPECT_TRUE(r.outcome.complete);
  EXPECT_EQ(r.metrics.size(), 2u);
}

TEST_F(Hdf5WriterTest, RoundTripIsExact) {
  const OutputLayout layout = make_layout();
  const std::string path = file("run.h5");
  MemoryResults expected;
  expected.begin(layout, make_model());
  RunOutcome outcome;
  outcome.complete = true;
  outcome.steady_state = true;
  outcome.steady_state_change = 4.5e-4;
  outcome.steady_state_location = "aorta pressure at x = 0";
  {
    Hdf5Writer w(path, 64);
    w.begin(layout, make_model());
    for (std::size_t k = 0; k < 1000; ++k) {
      const Sample s = make_sample(layout, k);
      w.write(s);
      expected.write(s);
    }
    EXPECT_EQ(w.final_path(), "");
    w.finish(make_stats(), outcome, make_metrics());
    EXPECT_EQ(w.final_path(), path);
  }
  expected.finish(make_stats(), outcome, make_metrics());
  EXPECT_TRUE(fs::exists(path));
  EXPECT_FALSE(fs::exists(tmp_name(path)));

  const MemoryResults r = read_results(path);
  ASSERT_EQ(r.layout.vessels.size(), 2u);
  for (std::size_t v = 0; v < 2; ++v) {
    EXPECT_EQ(r.layout.vessels[v].name, layout.vessels[v].name);
    EXPECT_EQ(r.layout.vessels[v].x, layout.vessels[v].x);
  }
  EXPECT_EQ(r.layout.nodes, layout.nodes);
  ASSERT_EQ(r.layout.elements.size(), 1u);
  EXPECT_EQ(r.layout.elements[0].name, "rcr_out");
  EXPECT_EQ(r.layout.elements[0].type, "windkessel");
  ASSERT_EQ(r.layout.elements[0].quantities.size(), 2u);
  EXPECT_EQ(r.layout.elements[0].quantities[0].name, "flow");
  EXPECT_EQ(r.layout.elements[0].quantities[0].unit, "m^3/s");
  EXPECT_EQ(r.layout.elements[0].quantities[1].name, "p_c");
  EXPECT_EQ(r.layout.elements[0].quantities[1].unit, "Pa");
  EXPECT_EQ(r.layout.period, 0.8);
  expect_samples_equal(r.samples, expected.samples);

  ASSERT_EQ(r.metrics.size(), 2u);
  for (const auto& [name, m] : expected.metrics) {
    ASSERT_TRUE(r.metrics.count(name)) << name;
    EXPECT_EQ(r.metrics.at(name).value, m.value);
    EXPECT_EQ(r.metrics.at(name).unit, m.unit);
    EXPECT_EQ(r.metrics.at(name).doc, m.doc);
  }
  const RunStatistics& a = r.stats;
  const RunStatistics b = make_stats();
  EXPECT_EQ(a.steps, b.steps);
  EXPECT_EQ(a.rhs_evaluations, b.rhs_evaluations);
  EXPECT_EQ(a.jacobian_evaluations, b.jacobian_evaluations);
  EXPECT_EQ(a.linear_solver_setups, b.linear_solver_setups);
  EXPECT_EQ(a.error_test_failures, b.error_test_failures);
  EXPECT_EQ(a.nonlinear_convergence_failures, b.nonlinear_convergence_failures);
  EXPECT_EQ(a.colours, b.colours);
  EXPECT_EQ(a.unknowns, b.unknowns);
  EXPECT_EQ(a.wall_time, b.wall_time);
  EXPECT_EQ(a.simulated_time, b.simulated_time);
  EXPECT_EQ(a.cycles_completed, b.cycles_completed);
  EXPECT_TRUE(r.outcome.complete);
  EXPECT_FALSE(r.outcome.interrupted);
  EXPECT_TRUE(r.outcome.steady_state);
  EXPECT_EQ(r.outcome.error, "");
  EXPECT_EQ(r.outcome.steady_state_change, outcome.steady_state_change);
  EXPECT_EQ(r.outcome.steady_state_location, outcome.steady_state_location);
  EXPECT_EQ(r.model_yaml, make_model().resolved_yaml);
}

TEST_F(Hdf5WriterTest, FileHasCompleteFlagUnitsAndDimensionScales) {
  const OutputLayout layout = make_layout();
  const std::string path = file("attrs.h5");
  Hdf5Writer w(path, 16);
  w.begin(layout, make_model());
  for (std::size_t k = 0; k < 40; ++k) w.write(make_sample(layout, k));
  w.finish(make_stats(), complete_outcome(), make_metrics());

  const hid_t f = H5Fopen(path.c_str(), H5F_ACC_RDONLY, H5P_DEFAULT);
  ASSERT_GE(f, 0);
  // `complete` is an 8-bit integer 0/1.
  const hid_t attr = H5Aopen(f, "complete", H5P_DEFAULT);
  ASSERT_GE(attr, 0);
  const hid_t type = H5Aget_type(attr);
  EXPECT_EQ(H5Tget_class(type), H5T_INTEGER);
  EXPECT_EQ(H5Tget_size(type), 1u);
  signed char complete = 0;
  ASSERT_GE(H5Aread(attr, H5T_NATIVE_SCHAR, &complete), 0);
  EXPECT_EQ(complete, 1);
  H5Tclose(type);
  H5Aclose(attr);

  for (const char* name : {"venoflow_version", "created", "model_name", "error"}) {
    EXPECT_GT(H5Aexists(f, name), 0) << name;
  }
  const hid_t p = H5Dopen2(f, "/vessels/carotid_L/pressure", H5P_DEFAULT);
  const hid_t t = H5Dopen2(f, "/vessels/carotid_L/time", H5P_DEFAULT);
  const hid_t x = H5Dopen2(f, "/vessels/carotid_L/x", H5P_DEFAULT);
  ASSERT_GE(p, 0);
  EXPECT_GT(H5Aexists(p, "units"), 0);
  EXPECT_GT(H5DSis_scale(t), 0);
  EXPECT_GT(H5DSis_scale(x), 0);
  EXPECT_GT(H5DSis_attached(p, t, 0), 0);
  EXPECT_GT(H5DSis_attached(p, x, 1), 0);
  char name[16] = {};
  EXPECT_GT(H5DSget_scale_name(t, name, sizeof name), 0);
  EXPECT_STREQ(name, "time");
  hsize_t dims[2] = {};
  const hid_t space = H5Dget_space(p);
  H5Sget_simple_extent_dims(space, dims, nullptr);
  EXPECT_EQ(dims[0], 40u);
  EXPECT_EQ(dims[1], 11u);
  H5Sclose(space);
  H5Dclose(p);
  H5Dclose(t);
  H5Dclose(x);
  H5Fclose(f);
}

TEST_F(Hdf5WriterTest, IncompleteRunKeepsExistingTarget) {
  const OutputLayout layout = make_layout();
  const std::string path = file("run.h5");
  {
    std::ofstream out(path, std::ios::binary);
    out << "precious results from an earlier run\n";
  }
  const std::string before = slurp(path);
  RunOutcome outcome;
  outcome.complete = false;
  outcome.error = "CVODE: convergence test failures at t = 0.0123";
  Hdf5Writer w(path, 8);
  w.begin(layout, make_model());
  for (std::size_t k = 0; k < 21; ++k) w.write(make_sample(layout, k));
  w.finish(make_stats(), outcome, {});
  const std::string incomplete = file("run.incomplete.h5");
  EXPECT_EQ(w.final_path(), incomplete);
  EXPECT_EQ(slurp(path), before);
  EXPECT_FALSE(fs::exists(tmp_name(path)));
  const MemoryResults r = read_results(incomplete);
  EXPECT_FALSE(r.outcome.complete);
  EXPECT_EQ(r.outcome.error, outcome.error);
  EXPECT_EQ(r.samples.size(), 21u);
  EXPECT_EQ(r.samples.back().vessel_flow, make_sample(layout, 20).vessel_flow);
}

TEST_F(Hdf5WriterTest, InterruptedRunWithoutH5SuffixGetsIncompleteName) {
  const OutputLayout layout = make_layout();
  const std::string path = file("result_file");
  Hdf5Writer w(path);
  w.begin(layout, make_model());
  w.write(make_sample(layout, 0));
  RunOutcome outcome;
  outcome.interrupted = true;
  w.finish(make_stats(), outcome, {});
  EXPECT_EQ(w.final_path(), path + ".incomplete.h5");
  EXPECT_FALSE(fs::exists(path));
  EXPECT_TRUE(read_results(w.final_path()).outcome.interrupted);
}

TEST_F(Hdf5WriterTest, RejectsNonFiniteValuesNamingTheQuantity) {
  const OutputLayout layout = make_layout();
  const std::string path = file("nan.h5");
  Hdf5Writer w(path, 4);
  w.begin(layout, make_model());
  w.write(make_sample(layout, 0));

  Sample s = make_sample(layout, 1);
  s.vessel_flow[5 + 3] = std::numeric_limits<double>::quiet_NaN();
  try {
    w.write(s);
    FAIL() << "NaN accepted";
  } catch (const std::runtime_error& e) {
    const std::string msg = e.what();
    EXPECT_NE(msg.find("carotid_L"), std::string::npos) << msg;
    EXPECT_NE(msg.find("flow"), std::string::npos) << msg;
    EXPECT_NE(msg.find("index 3"), std::string::npos) << msg;
    EXPECT_NE(msg.find("NaN"), std::string::npos) << msg;
  }
  s = make_sample(layout, 1);
  s.node_pressure[1] = std::numeric_limits<double>::infinity();
  try {
    w.write(s);
    FAIL() << "Inf accepted";
  } catch (const std::runtime_error& e) {
    EXPECT_NE(std::string(e.what()).find("bifurcation"), std::string::npos) << e.what();
  }
  s = make_sample(layout, 1);
  s.element_values[1] = -std::numeric_limits<double>::infinity();
  try {
    w.write(s);
    FAIL() << "-Inf accepted";
  } catch (const std::runtime_error& e) {
    EXPECT_NE(std::string(e.what()).find("p_c"), std::string::npos) << e.what();
  }
  // Rejected samples leave nothing behind; the run can still be finished.
  w.finish(make_stats(), RunOutcome{}, {});
  const MemoryResults r = read_results(w.final_path());
  ASSERT_EQ(r.samples.size(), 1u);
  EXPECT_EQ(r.samples[0].vessel_flow, make_sample(layout, 0).vessel_flow);
}

TEST_F(Hdf5WriterTest, RejectsSampleOfWrongSize) {
  const OutputLayout layout = make_layout();
  Hdf5Writer w(file("size.h5"));
  w.begin(layout, make_model());
  Sample s = make_sample(layout, 0);
  s.vessel_area.pop_back();
  EXPECT_THROW(w.write(s), std::runtime_error);
}

TEST_F(Hdf5WriterTest, TempFileRemovedWhenDestroyedWithoutFinish) {
  const OutputLayout layout = make_layout();
  const std::string path = file("aborted.h5");
  {
    Hdf5Writer w(path, 16);
    w.begin(layout, make_model());
    for (std::size_t k = 0; k < 50; ++k) w.write(make_sample(layout, k));
    EXPECT_TRUE(fs::exists(tmp_name(path)));
  }
  EXPECT_FALSE(fs::exists(tmp_name(path)));
  EXPECT_FALSE(fs::exists(path));
  EXPECT_FALSE(fs::exists(file("aborted.incomplete.h5")));
  EXPECT_TRUE(fs::is_empty(dir_));
}

TEST_F(Hdf5WriterTest, MissingDirectoryIsAClearError) {
  const std::string path = file("no_such_dir/sub/out.h5");
  Hdf5Writer w(path);
  try {
    w.begin(make_layout(), make_model());
    FAIL() << "no error";
  } catch (const std::runtime_error& e) {
    const std::string msg = e.what();
    EXPECT_NE(msg.find(path), std::string::npos) << msg;
    EXPECT_NE(msg.find("does not exist"), std::string::npos) << msg;
  }
  EXPECT_FALSE(fs::exists(file("no_such_dir")));
  w.finish(make_stats(), RunOutcome{}, {});  // nothing to finish, no throw
  EXPECT_EQ(w.final_path(), "");
}

TEST_F(Hdf5WriterTest, EmptyRunRoundTrips) {
  const OutputLayout layout = make_layout();
  const std::string path = file("empty.h5");
  Hdf5Writer w(path);
  w.begin(layout, make_model());
  w.finish(make_stats(), complete_outcome(), {});
  const MemoryResults r = read_results(path);
  EXPECT_TRUE(r.samples.empty());
  EXPECT_EQ(r.layout.vessels.size(), 2u);
  EXPECT_TRUE(r.outcome.complete);
}

TEST_F(Hdf5WriterTest, ReadingAMissingFileNamesIt) {
  const std::string path = file("missing.h5");
  try {
    (void)read_results(path);
    FAIL() << "no error";
  } catch (const std::runtime_error& e) {
    EXPECT_NE(std::string(e.what()).find(path), std::string::npos) << e.what();
  }
}

TEST_F(Hdf5WriterTest, Hdf5FailuresBecomeQuietRuntimeErrors) {
  const std::string path = file("not_hdf5.h5");
  {
    std::ofstream out(path);
    out << "this is not an HDF5 file\n";
  }
  ::testing::internal::CaptureStderr();
  try {
    (void)read_results(path);
    ADD_FAILURE() << "no error";
  } catch (const std::runtime_error& e) {
    EXPECT_NE(std::string(e.what()).find(path), std::string::npos) << e.what();
  }
  const std::string err = ::testing::internal::GetCapturedStderr();
  EXPECT_EQ(err, "") << "HDF5 printed its error stack";
}

TEST_F(Hdf5WriterTest, FlushEveryOneRoundTrips) {
  const OutputLayout layout = make_layout();
  const std::string path = file("one.h5");
  Hdf5Writer w(path, 1);
  w.begin(layout, make_model());
  std::vector<Sample> expected;
  for (std::size_t k = 0; k < 7; ++k) {
    expected.push_back(make_sample(layout, k));
    w.write(expected.back());
  }
  w.finish(make_stats(), complete_outcome(), {});
  expect_samples_equal(read_results(path).samples, expected);
}
