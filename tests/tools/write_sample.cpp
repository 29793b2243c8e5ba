// venoflow: test-only program that writes a synthetic results file with Hdf5Writer
// (tests/python/test_results_file.py) and reports the write throughput.
//
//   venoflow_write_sample OUT.h5 [--vessels N] [--nx N] [--samples N] [--flush N] [--incomplete]
//                         [--layout groups|compact]
//
// Values are exact functions of the indices so Python can recompute them:
//   t[k] = k / 1024; vessel v (name "v<v>"), point j: x = j / 64,
//   pressure = 10000 + 100 v + j + k / 4, flow = (v + 1) * (j - k / 8) / 2^20,
//   area = (v + 1 + j / 16) / 2^12; node n ("n<n>"): pressure = 9000 + n + k / 2;
//   element "e0" (type "windkessel"): flow = k / 2^20 [m^3/s], p_c = 8000 - k / 4 [Pa].
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <exception>
#include <string>

#include "venoflow/hdf5_writer.hpp"
#include "venoflow/model.hpp"
#include "venoflow/time_function.hpp"

namespace {

// "v3" etc. (snprintf: GCC 12 -O3 gives a false -Wrestrict on "v" + std::to_string(i)).
std::string indexed_name(char prefix, long i) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%c%ld", prefix, i);
  return buf;
}

}  // namespace

int main(int argc, char** argv) {
  using namespace venoflow;
  if (argc < 2) {
    std::fprintf(stderr,
                 "usage: %s OUT.h5 [--vessels N] [--nx N] [--samples N] [--flush N] "
                 "[--incomplete] [--layout groups|compact]\n",
                 argv[0]);
    return 2;
  }
  const std::string out = argv[1];
  long vessels = 2, nx = 5, samples = 100, flush = 32, nodes = 2;
  bool complete = true;
  std::string results_layout = Model{}.solver.results_layout;  // the default, or --layout
  for (int i = 2; i < argc; ++i) {
    const std::string a = argv[i];
    auto next = [&]() -> long {
      if (i + 1 >= argc) {
        std::fprintf(stderr, "missing value after %s\n", a.c_str());
        std::exit(2);
      }
      return std::atol(argv[++i]);
    };
    if (a == "--vessels") {
      vessels = next();
    } else if (a == "--nx") {
      nx = next();
    } else if (a == "--samples") {
      samples = next();
    } else if (a == "--flush") {
      flush = next();
    } else if (a == "--incomplete") {
      complete = false;
    } else if (a == "--layout" && i + 1 < argc) {
      results_layout = argv[++i];
    } else {
      std::fprintf(stderr, "unknown argument %s\n", a.c_str());
      return 2;
    }
  }
  try {
    OutputLayout layout;
    for (long v = 0; v < vessels; ++v) {
      OutputLayout::VesselOut vo{indexed_name('v', v), {}};
      for (long j = 0; j < nx; ++j) vo.x.push_back(static_cast<double>(j) / 64.0);
      layout.vessels.push_back(vo);
    }
    for (long n = 0; n < nodes; ++n) layout.nodes.push_back(indexed_name('n', n));
    layout.elements.push_back({"e0", "windkessel", {{"flow", "m^3/s"}, {"p_c", "Pa"}}});
    layout.period = 1.0;
    Model model;
    model.name = "sample";
    model.solver.results_layout = results_layout;
    model.resolved_yaml = "name: sample\ndescription: synthetic results for tests\n";

    Hdf5Writer w(out, static_cast<int>(flush));
    w.begin(layout, model);
    Sample s;
    const auto t0 = std::chrono::steady_clock::now();
    for (long k = 0; k < samples; ++k) {
      const double kd = static_cast<double>(k);
      s.t = kd / 1024.0;
      s.vessel_pressure.clear();
      s.vessel_flow.clear();
      s.vessel_area.clear();
      for (long v = 0; v < vessels; ++v) {
        for (long j = 0; j < nx; ++j) {
          const double vd = static_cast<double>(v), jd = static_cast<double>(j);
          s.vessel_pressure.push_back(10000.0 + 100.0 * vd + jd + kd / 4.0);
          s.vessel_flow.push_back((vd + 1.0) * (jd - kd / 8.0) / 1048576.0);
          s.vessel_area.push_back((vd + 1.0 + jd / 16.0) / 4096.0);
        }
      }
      s.node_pressure.clear();
      for (long n = 0; n < nodes; ++n)
        s.node_pressure.push_back(9000.0 + static_cast<double>(n) + kd / 2.0);
      s.element_values = {kd / 1048576.0, 8000.0 - kd / 4.0};
      w.write(s);
    }
    RunStatistics stats;
    stats.steps = samples;
    stats.simulated_time = s.t;
    RunOutcome outcome;
    outcome.complete = complete;
    if (!complete) outcome.error = "synthetic failure";
    w.finish(stats, outcome,
             {{"mean_pressure", {10000.5, "Pa", "synthetic mean pressure"}},
              {"cardiac_output", {8.5e-5, "m^3/s", "synthetic cardiac output"}}});
    const double secs =
        std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    std::printf("%s %ld samples in %.4f s: %.0f samples/s\n", w.final_path().c_str(), samples, secs,
                static_cast<double>(samples) / secs);
  } catch (const std::exception& e) {
    std::fprintf(stderr, "error: %s\n", e.what());
    return 1;
  }
  return 0;
}
