// Run set-up: data-size units, range checks of the run length and output instants, and the
// resource limits (numerics/run_plan.cpp). Figures are worked out by hand in each test.
#include <gtest/gtest.h>
#include <hdf5.h>
#include <unistd.h>

#include <chrono>
#include <cmath>
#include <filesystem>
#include <functional>
#include <stdexcept>
#include <string>
#include <system_error>

#include "format/schema.hpp"
#include "io/hdf5_util.hpp"
#include "venoflow/hdf5_writer.hpp"
#include "venoflow/model_document.hpp"
#include "venoflow/simulation.hpp"
#include "venoflow/units.hpp"

using namespace venoflow;

namespace {

// One elastic vessel of 20 cm between a prescribed pressure at each end; no elements.
// 20 cm / 1 mm = 200 cells: 201 vertices, 2 nodes.
const std::string kPipe = R"(venoflow: 1
solver:
  t_end: 1 s
  output_interval: 1 ms
discretisation:
  dx: 1 mm
vessels:
  - name: v1
    from: a
    to: b
    length: 20 cm
    radius: 5 mm
    tube_law: {type: elastic, youngs_modulus: 400 kPa, wall_thickness: 0.5 mm}
boundary_conditions:
  - node: a
    pressure: 10 mmHg
  - node: b
    pressure: 5 mmHg
)";

Model build(const std::string& yaml, std::vector<std::pair<std::string, std::string>> sets = {}) {
  auto doc = ModelDocument::from_string(yaml, "m.yaml");
  for (const auto& [k, v] : sets) doc.set(k, v);
  return doc.build();
}

std::string message_of(const std::function<void()>& f) {
  try {
    f();
  } catch (const std::invalid_argument& e) {
    return e.what();
  }
  return "";
}

// Values per sample in the results file, by hand: the root time, per vessel its time and
// 3 x 201 vertex values, per node its time and pressure.
constexpr double kValues = 1 + (1 + 3 * 201) + 2 * 2;  // 609

}  // namespace

TEST(RunPlanUnits, DataSizes) {
  EXPECT_DOUBLE_EQ(parse_quantity("4 GB", dim::information), 4e9);
  EXPECT_DOUBLE_EQ(parse_quantity("512 MiB", dim::information), 512.0 * 1024 * 1024);
  EXPECT_DOUBLE_EQ(parse_quantity("3 kB", dim::information), 3000.0);
  EXPECT_DOUBLE_EQ(parse_quantity("2 KiB", dim::information), 2048.0);
  EXPECT_DOUBLE_EQ(parse_quantity("1e6", dim::information, "B"), 1e6);
  // No general prefixes on B: a millibyte or decibyte is an error, not 1e-3 or 0.1 B.
  EXPECT_THROW(parse_quantity("1 mB", dim::information), std::invalid_argument);
  EXPECT_THROW(parse_quantity("3 dB", dim::information), std::invalid_argument);
  // A data size is not a time, nor a dimensionless number.
  EXPECT_THROW(parse_quantity("4 GB", dim::time), std::invalid_argument);
  EXPECT_THROW(parse_quantity("4 GB", dim::none), std::invalid_argument);
}

TEST(RunPlanLimits, KeysAndDefaults) {
  const Model m = build(kPipe);
  const auto& solver = *detail::find_key(detail::model_schema(), "solver");
  for (const char* name : {"max_memory", "max_output_size"}) {
    const auto* k = detail::find_key(solver, name);
    ASSERT_TRUE(k) << name;
    const double def = parse_quantity(k->default_text, k->dim, k->bare_unit);
    EXPECT_DOUBLE_EQ(
        def, std::string(name) == "max_memory" ? m.solver.max_memory : m.solver.max_output_size);
  }
  EXPECT_DOUBLE_EQ(m.solver.max_memory, 8e9);
  EXPECT_DOUBLE_EQ(m.solver.max_output_size, 4e9);
  const Model set =
      build(kPipe, {{"solver.max_memory", "1.5 GiB"}, {"solver.max_output_size", "2e6"}});
  EXPECT_DOUBLE_EQ(set.solver.max_memory, 1.5 * 1073741824.0);
  EXPECT_DOUBLE_EQ(set.solver.max_output_size, 2e6);
  EXPECT_THROW(build(kPipe, {{"solver.max_memory", "-1 GB"}}), ModelError);
  EXPECT_THROW(build(kPipe, {{"solver.max_memory", "1 s"}}), ModelError);
}

TEST(RunPlan, SamplesAndValuesByHand) {
  Simulation sim(build(kPipe, {{"solver.results_layout", "groups"}}));
  const RunPlan p = sim.plan();
  ASSERT_TRUE(p.has_length);
  EXPECT_EQ(p.output_steps, 1000);  // 1 s / 1 ms
  EXPECT_EQ(p.samples_written, 1001);
  EXPECT_EQ(p.values_per_sample, long(kValues));
  EXPECT_EQ(p.unknowns, 2 * 200 - 1 + 2);  // Q and interior A, two cumulative inflows
  // Results: the data (whole chunks of 256 rows: 1024 rows) plus a small per-object overhead.
  const double data = 1024 * kValues * 8;
  EXPECT_GE(p.output_bytes, data);
  EXPECT_LE(p.output_bytes, 1.02 * data);
}

// The run hands its planned sample count to the results file, whose chunks it sizes: 0.1 s
// every 1 ms is 101 samples, one block of 101 rows (the cap alone would give 163-row chunks,
// 62 of them empty). The file holds what the plan sized (within the plan's bound).
TEST(RunPlan, TheResultsFileIsChunkedAsPlanned) {
  Simulation sim(build(kPipe, {{"solver.t_end", "0.1 s"}}));
  const RunPlan p = sim.plan();
  ASSERT_EQ(p.samples_written, 101);
  // Removed however the test ends (an ASSERT returns early).
  struct RemovedAtExit {
    std::string path;
    ~RemovedAtExit() {
      std::error_code ec;
      std::filesystem::remove(path, ec);
    }
  } file{(std::filesystem::temp_directory_path() /
          ("venoflow_plan_" + std::to_string(::getpid()) + ".h5"))
             .string()};
  const std::string& path = file.path;
  {
    Hdf5Writer writer(path);
    ASSERT_TRUE(sim.run(writer).complete);
  }
  {
    h5::Handle f(H5Fopen(path.c_str(), H5F_ACC_RDONLY, H5P_DEFAULT));
    ASSERT_TRUE(f.valid());
    h5::Handle ds(H5Dopen2(f.get(), "/vessels/pressure", H5P_DEFAULT));
    ASSERT_TRUE(ds.valid());
    h5::Handle dcpl(H5Dget_create_plist(ds.get()));
    hsize_t chunk[2] = {};
    ASSERT_EQ(H5Pget_chunk(dcpl.get(), 2, chunk), 2);
    EXPECT_EQ(chunk[0], 101u);
    EXPECT_EQ(chunk[1], 201u);
    EXPECT_EQ(H5Dget_storage_size(ds.get()), 101u * 201u * 8u);
  }
  const auto file_bytes = static_cast<double>(std::filesystem::file_size(path));
  EXPECT_LE(file_bytes, p.output_bytes);
}

TEST(RunPlan, CompactResultsSizeByHand) {
  // The compact layout (the default): /time and its copies in vessels, nodes, elements, the
  // 3 x 201 vertex values and the 2 node pressures: 4 + 603 + 2 = 609 values per sample (as the
  // groups layout, by chance: no elements). Its tables are chunked in blocks of at most
  // 256 KiB / (8 x 201) = 163 rows (the widest table: 201 positions), so 1001 samples take
  // 7 blocks, and the planned samples spread over them: 7 x 143 = 1001 rows (blocks of 163
  // would store 1141, the groups layout's 256-row chunks 1024).
  Simulation sim(build(kPipe));
  const RunPlan p = sim.plan();
  EXPECT_EQ(p.values_per_sample, 609);
  const double data = 1001 * 609 * 8;
  EXPECT_GE(p.output_bytes, data);
  EXPECT_LE(p.output_bytes, 1.02 * data);
}

// The integrator's share of the memory estimate follows solver.method: BDF holds q_max + 11
// vectors of state size (the pipe has 200 cells: order 2, so 13), the SDIRK 24 (run_plan.cpp,
// measured on the 4095-vessel tree): 11 x 8 bytes more per unknown, and nothing else changes.
TEST(RunPlan, IntegratorMemoryFollowsTheMethod) {
  const RunPlan bdf = Simulation(build(kPipe)).plan();
  const RunPlan sdirk = Simulation(build(kPipe, {{"solver.method", "sdirk"}})).plan();
  // 200 cell flows, 199 interior areas, the cumulative flow of each prescribed-pressure node
  EXPECT_EQ(bdf.unknowns, 200 + 199 + 2);
  EXPECT_DOUBLE_EQ(sdirk.memory_bytes - bdf.memory_bytes, 11.0 * 8.0 * double(bdf.unknowns));
}

// A Model built in code is checked as the loader checks a file: an unknown method is refused.
TEST(RunPlan, UnknownMethodIsRefused) {
  Model m = build(kPipe);
  m.solver.method = "euler";
  EXPECT_NE(message_of([&] { Simulation s(m); })
                .find("solver.method must be bdf or sdirk, got "
                      "'euler'"),
            std::string::npos);
}

TEST(RunPlan, RunControlOutOfRange) {
  Simulation sim(build(kPipe));
  for (double t : {std::nan(""), double(INFINITY), -1.0, 0.0}) {
    RunControl c;
    c.t_end = t;
    EXPECT_NE(message_of([&] { sim.plan(c); }).find("t_end must be a finite time > 0"),
              std::string::npos)
        << t;
    MemoryResults mem;
    EXPECT_THROW(sim.run(mem, c), std::invalid_argument) << t;
  }
  for (int n : {0, -3}) {
    RunControl c;
    c.cycles = n;
    EXPECT_NE(message_of([&] { sim.plan(c); }).find("cycles must be a whole number >= 1"),
              std::string::npos);
  }
  RunControl huge;
  huge.t_end = 1e300;  // 1e303 output steps: more than a run counts exactly (2^53)
  EXPECT_NE(message_of([&] { sim.plan(huge); }).find("1.00e+303 output samples"),
            std::string::npos);
}

// output_interval 1e-12 s with a period of 1 s: 1e12 samples per period (an int would wrap to
// one sample per cycle); refused with the figures of the results size.
TEST(RunPlan, TinyOutputIntervalRefusedWithFigures) {
  Simulation sim(build(kPipe, {{"solver.period", "1 s"}, {"solver.output_interval", "1e-12 s"}}));
  const auto t0 = std::chrono::steady_clock::now();
  const std::string msg = message_of([&] { sim.plan(); });
  EXPECT_LT(std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count(), 0.1);
  // t_end 1 s / 1e-12 s + 1 = 1,000,000,000,001 samples
  EXPECT_NE(msg.find("1,000,000,000,001 samples x 609 values"), std::string::npos) << msg;
  EXPECT_NE(msg.find("solver.max_output_size = 4 GB"), std::string::npos) << msg;
  // 1e12 x 609 x 8 = 4.87e15 B
  EXPECT_NE(msg.find("4.87 PB"), std::string::npos) << msg;
}

// cells: 1e8 is refused before the System is allocated (in milliseconds, not after GBs).
TEST(RunPlan, HugeCellCountRefusedBeforeAllocation) {
  // The loader caps cells at 10^6 per vessel; a Model built in code is not bound by that, and
  // the Simulation constructor must still refuse it before allocating.
  Model m = build(kPipe, {});
  m.vessels[0].cells = 100000000;
  const auto t0 = std::chrono::steady_clock::now();
  std::string msg;
  try {
    Simulation sim(m);
  } catch (const std::invalid_argument& e) {
    msg = e.what();
  }
  EXPECT_LT(std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count(), 0.5);
  // 2 x 1e8 - 1 vessel unknowns + 2 per node (2 nodes)
  EXPECT_NE(msg.find("200,000,003 unknowns"), std::string::npos) << msg;
  EXPECT_NE(msg.find("solver.max_memory = 8 GB"), std::string::npos) << msg;
}

// A limit just above the estimate lets the run proceed; just below, it is refused.
TEST(RunPlan, NearButBelowTheLimitProceeds) {
  const Model base = build(kPipe, {{"solver.t_end", "20 ms"}});
  MemoryResults probe;  // keeps every sample: its share of memory counts, so plan with it
  const RunPlan p = Simulation(base).plan({}, &probe);
  EXPECT_EQ(p.samples_written, 21);  // 20 ms / 1 ms + 1
  {
    Model m = base;
    m.solver.max_output_size = 1.001 * p.output_bytes;
    m.solver.max_memory = 1.001 * p.memory_bytes;
    Simulation sim(m);
    MemoryResults mem;
    EXPECT_TRUE(sim.run(mem).complete);
    EXPECT_EQ(mem.samples().size(), 21u);
  }
  for (const bool output : {true, false}) {
    Model m = base;
    (output ? m.solver.max_output_size : m.solver.max_memory) =
        0.999 * (output ? p.output_bytes : p.memory_bytes);
    Simulation sim(m);
    MemoryResults mem;
    EXPECT_THROW(sim.run(mem), std::invalid_argument);
    EXPECT_TRUE(mem.samples().empty());  // refused before the first sample
  }
}

// Two vessels of 1.2e9 cells each: every count fits an int, their unknowns (4.8e9) do not;
// refused whatever the memory limit, not wrapped.
TEST(RunPlan, UnknownsBeyondTheSolverIndexRefused) {
  const std::string two = kPipe + R"(  - node: c
    pressure: 1 mmHg
)";
  std::string yaml = two;
  const std::string second = R"(  - name: v2
    from: b
    to: c
    length: 20 cm
    radius: 5 mm
    tube_law: {type: elastic, youngs_modulus: 400 kPa, wall_thickness: 0.5 mm}
boundary_conditions:)";
  yaml.replace(yaml.find("boundary_conditions:"), 20, second);
  Model m = build(yaml, {{"solver.max_memory", "1e18"}});
  for (auto& v : m.vessels) v.cells = 1200000000;  // in code: past the loader's per-vessel cap
  std::string msg;
  try {
    Simulation sim(m);
  } catch (const std::invalid_argument& e) {
    msg = e.what();
  }
  // 2 x (2 x 1.2e9 - 1) = 4,799,999,998, + 2 per node (3 nodes)
  EXPECT_NE(msg.find("4,800,000,004 unknowns"), std::string::npos) << msg;
  EXPECT_NE(msg.find("indexes at most 2,147,483,647"), std::string::npos) << msg;
}

// The period of a run follows one rule, the loader's (Model::common_period,
// docs/model-format.md#solver): boundary functions of 0.9 s and 1 s have no common period, so
// the run has none, as the loaded model says (the run used to take the larger one, 1 s); a
// model built in code gets the same inference; a period or output interval out of range is
// refused when the Simulation is built, not when it runs.
TEST(RunPlan, PeriodByOneRuleCheckedWhenBuilt) {
  auto with_periods = [](const char* pa, const char* pb) {
    std::string yaml = kPipe;
    yaml.replace(yaml.find("10 mmHg"), 7,
                 std::string("{sine: {mean: 10 mmHg, amplitude: 1 mmHg}, period: ") + pa + "}");
    yaml.replace(yaml.find("5 mmHg"), 6,
                 std::string("{sine: {mean: 5 mmHg, amplitude: 1 mmHg}, period: ") + pb + "}");
    return build(yaml);
  };
  const Model differ = with_periods("0.9 s", "1 s");
  EXPECT_DOUBLE_EQ(differ.solver.period, 0.0);
  Simulation sim(differ);
  EXPECT_DOUBLE_EQ(sim.model().solver.period, 0.0);
  EXPECT_DOUBLE_EQ(sim.layout().period, 0.0);
  EXPECT_EQ(sim.plan().samples_per_cycle, 0);
  RunControl two;
  two.cycles = 2;
  EXPECT_NE(message_of([&] { sim.plan(two); }).find("a number of cycles needs a period"),
            std::string::npos);

  Model same = with_periods("0.9 s", "900 ms");
  EXPECT_DOUBLE_EQ(same.solver.period, 0.9);
  same.solver.period = 0.0;  // as if built in code
  Simulation inferred(same);
  EXPECT_DOUBLE_EQ(inferred.model().solver.period, 0.9);
  EXPECT_EQ(inferred.plan().samples_per_cycle, 900);  // 0.9 s / 1 ms

  for (double bad : {-1.0, std::nan(""), double(INFINITY)}) {
    Model m = build(kPipe);
    m.solver.period = bad;
    EXPECT_NE(message_of([&] { Simulation s(m); }).find("solver.period must be a finite time"),
              std::string::npos)
        << bad;
  }
  Model m = build(kPipe);
  m.solver.output_interval = 0.0;
  EXPECT_NE(message_of([&] { Simulation s(m); }).find("solver.output_interval must be a finite"),
            std::string::npos);
}

TEST(RunPlan, DecimationKeepsEveryKthSample) {
  Simulation sim(build(kPipe));
  RunControl control;
  control.decimate = 3;
  const RunPlan p = sim.plan(control);
  EXPECT_EQ(p.output_steps, 1000);    // the integrator still stops at every instant
  EXPECT_EQ(p.samples_written, 334);  // instants 0, 3, ..., 999: floor(1000 / 3) + 1
  EXPECT_NE(p.describe().find("1 in 3 kept"), std::string::npos) << p.describe();
  control.decimate = 0;
  EXPECT_THROW((void)sim.plan(control), std::invalid_argument);
  control.decimate = 1;
  control.keep_last_cycles = -1;
  EXPECT_THROW((void)sim.plan(control), std::invalid_argument);
}
