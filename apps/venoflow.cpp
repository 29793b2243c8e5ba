// venoflow command-line program: parses arguments and calls the library, nothing else.
//   venoflow run MODEL.yaml [-o OUT.h5] [--set KEY=VALUE]... [--cycles N | --t-end T]
//   venoflow check MODEL.yaml [--set KEY=VALUE]...
//   venoflow exam MODEL.yaml [--set KEY=VALUE]... [-o EXAM.h5]   (virtual Doppler exam)
//   venoflow compare A.h5 B.h5
//   venoflow schema
// Exit codes: 0 success, 1 invalid model, input or output path (or the results file could not
// be written), 2 usage, 3 solver failure, 128 + signal number when stopped by SIGINT (130),
// SIGTERM (143), SIGHUP (129) or SIGQUIT (131): results so far kept, marked incomplete.
#include <unistd.h>

#include <CLI/CLI.hpp>
#include <atomic>
#include <chrono>
#include <climits>
#include <csignal>
#include <cstdio>
#include <filesystem>
#include <iostream>
#include <map>
#include <stdexcept>
#include <string>
#include <utility>

#include "apps/summary.hpp"
#include "venoflow/element_types.hpp"
#include "venoflow/exam.hpp"
#include "venoflow/hdf5_writer.hpp"
#include "venoflow/model_document.hpp"
#include "venoflow/simulation.hpp"
#include "venoflow/units.hpp"

namespace {

std::atomic<bool> g_stop{false};
volatile std::sig_atomic_t g_signal = 0;
extern "C" void on_stop_signal(int sig) {
  if (g_signal == 0) g_signal = sig;
  g_stop.store(true);
}

/// SIGINT (Ctrl-C), SIGTERM (kill, shutdown), SIGHUP (the terminal closed) and SIGQUIT
/// (Ctrl-\), unless ignored when the program started, all stop the run at the next output
/// instant; it then ends like any interrupted run: results so far in OUT.incomplete.h5, the
/// temporary file removed. SIGXFSZ (file size limit, `ulimit -f`) is ignored so that the write
/// fails with EFBIG and the run ends with an error instead of being killed with its temporary
/// file left behind.
const char* signal_name(int sig) {
  switch (sig) {
    case SIGTERM:
      return "SIGTERM";
    case SIGHUP:
      return "SIGHUP";
    case SIGQUIT:
      return "SIGQUIT";
    default:
      return "SIGINT";
  }
}

void install_signal_handlers() {
  struct sigaction sa {};
  sa.sa_handler = on_stop_signal;
  sigemptyset(&sa.sa_mask);
  for (int sig : {SIGINT, SIGTERM, SIGHUP, SIGQUIT}) {
    // A signal ignored by whoever started us stays ignored: `nohup` (SIGHUP) and a
    // non-interactive shell's background jobs (SIGINT, SIGQUIT) mean "keep running".
    struct sigaction old {};
    if (sigaction(sig, nullptr, &old) == 0 && old.sa_handler == SIG_IGN) continue;
    sigaction(sig, &sa, nullptr);
  }
  std::signal(SIGXFSZ, SIG_IGN);
}

/// The results file `venoflow run` would write, for the run plan of `venoflow check`: its
/// writer's memory, without the writer (which creates its temporary file). Never run.
class PlannedResultsFile : public venoflow::ResultSink {
 public:
  venoflow::SinkFootprint footprint(const venoflow::OutputLayout& layout) const override {
    return venoflow::Hdf5Writer::footprint_of(layout);
  }
  void begin(const venoflow::OutputLayout&, const venoflow::Model&) override { never(); }
  void write(const venoflow::Sample&) override { never(); }
  void finish(const venoflow::RunStatistics&, const venoflow::RunOutcome&,
              const std::map<std::string, venoflow::Metric>&) override {
    never();
  }

 private:
  [[noreturn]] static void never() {
    throw std::logic_error("PlannedResultsFile only plans a run");
  }
};

/// `with_text`: also the resolved model text (Model::resolved_yaml), for the commands that
/// write it to a file; `check` and an exam without -o do not need it.
venoflow::Model load(const std::string& path, const std::vector<std::string>& sets,
                     bool with_text) {
  auto doc = venoflow::ModelDocument::from_file(path);
  for (const auto& s : sets) doc.apply({venoflow::parse_override(s)});
  return doc.build(with_text);
}

void print_model_error(const venoflow::ModelError& e) {
  std::cerr << "error: invalid model (" << e.diagnostics().size() << " problem"
            << (e.diagnostics().size() == 1 ? "" : "s") << "):\n";
  for (const auto& d : e.diagnostics()) std::cerr << "  " << d.str() << "\n";
}

class ProgressBar {
 public:
  ProgressBar() : start_(std::chrono::steady_clock::now()), tty_(isatty(STDERR_FILENO)) {}
  void operator()(double t, double t_end) {
    const double elapsed =
        std::chrono::duration<double>(std::chrono::steady_clock::now() - start_).count();
    if (elapsed < 1.0) return;  // only for runs longer than a second
    const double f = t_end > 0 ? std::min(1.0, t / t_end) : 0.0;
    // Not a terminal (a log file): one line per 10 % instead of a redrawn bar.
    if (!tty_) {
      const int decile = static_cast<int>(f * 10.0);
      if (decile <= last_decile_) return;
      last_decile_ = decile;
    }
    const int width = 30, filled = int(f * width);
    const double eta = f > 0 ? elapsed * (1 - f) / f : 0.0;
    std::fprintf(stderr, "%s[%.*s%*s] %5.1f%%  t = %.3f s  elapsed %.1f s  eta %.1f s%s",
                 tty_ ? "\r" : "", filled, "==============================", width - filled, "",
                 100 * f, t, elapsed, eta, tty_ ? "" : "\n");
    shown_ = true;
  }
  void done() {
    if (shown_ && tty_) std::fprintf(stderr, "\n");
  }

 private:
  std::chrono::steady_clock::time_point start_;
  bool tty_, shown_ = false;
  int last_decile_ = -1;
};

/// --cycles: a whole number from 1 to INT_MAX (the strict form: no sign, no fraction).
int parse_cycles(const std::string& text) {
  const bool digits = !text.empty() && text.find_first_not_of("0123456789") == std::string::npos;
  if (!digits)
    throw std::invalid_argument("expected a whole number of cycles >= 1, got '" + text + "'");
  // At most 10 digits are compared as a number; longer runs of digits are out of range anyway.
  const std::string trimmed = text.substr(std::min(text.find_first_not_of('0'), text.size()));
  if (trimmed.empty() || trimmed.size() > 10 || std::stoll(trimmed) > INT_MAX)
    throw std::invalid_argument("must be a whole number from 1 to " + std::to_string(INT_MAX) +
                                ", got " + text);
  return static_cast<int>(std::stoll(trimmed));
}

/// --t-end: a finite time > 0 (a bare number is in seconds).
double parse_t_end(const std::string& text) {
  const double t = venoflow::parse_quantity(text, venoflow::dim::time, "s");
  if (!(t > 0.0)) throw std::invalid_argument("must be a time > 0, got '" + text + "'");
  return t;
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"venoflow: pressure and flow in the cerebral venous outflow (1D/0D network)"};
  app.set_version_flag("--version", std::string("venoflow ") + VENOFLOW_VERSION);
  app.require_subcommand(1);

  std::string model_path, out_path, t_end_text, cycles_text;
  std::vector<std::string> sets;
  bool quiet = false;

  auto* run = app.add_subcommand("run", "Simulate a model and write an HDF5 results file");
  run->add_option("model", model_path, "Model file (YAML)")->required()->check(CLI::ExistingFile);
  run->add_option("-o,--output", out_path, "Results file (default: <model name>.h5)");
  run->add_option("--set", sets, "Override a model value, e.g. --set vessels.IJV_R_J2.radius=6mm")
      ->type_name("KEY=VALUE");
  // Both read as text and range-checked here (run_length_option), so that an out-of-range
  // value is an invalid input (exit 1) named after its option, never a wrapped integer.
  auto* cyc =
      run->add_option("--cycles", cycles_text, "Number of cardiac cycles to run")->type_name("INT");
  auto* tend = run->add_option("--t-end", t_end_text, "End time, e.g. 12s (bare number: s)");
  cyc->excludes(tend);
  run->add_flag("-q,--quiet", quiet, "No progress bar and no summary");

  std::string exam_out;
  auto* exam = app.add_subcommand(
      "exam", "Virtual Doppler exam: Zamboni's criteria and perfusion, supine and upright");
  exam->add_option("model", model_path, "Model file (YAML) with an exam: section")
      ->required()
      ->check(CLI::ExistingFile);
  exam->add_option("--set", sets, "Override a model value")->type_name("KEY=VALUE");
  exam->add_option("-o,--output", exam_out, "Also write the exam to this HDF5 file");

  auto* chk = app.add_subcommand("check", "Validate a model and print its graph and unknowns");
  chk->add_option("model", model_path, "Model file (YAML)")->required()->check(CLI::ExistingFile);
  chk->add_option("--set", sets, "Override a model value")->type_name("KEY=VALUE");

  std::string file_a, file_b;
  std::vector<std::string> only;
  auto* cmp = app.add_subcommand("compare", "Compare the metrics of two results files");
  cmp->add_option("a", file_a, "First results file")->required()->check(CLI::ExistingFile);
  cmp->add_option("b", file_b, "Second results file")->required()->check(CLI::ExistingFile);
  cmp->add_option("--only", only,
                  "Only metrics whose names start with these prefixes (comma-separated)")
      ->delimiter(',');

  auto* schema = app.add_subcommand("schema", "Print the JSON Schema of the model format");
  bool schema_markdown = false;
  schema->add_flag("--markdown", schema_markdown,
                   "Print the docs table of element types and their parameters instead "
                   "(docs/model-format.md)");

  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    return app.exit(e) == 0 ? 0 : 2;
  }

  try {
    if (schema->parsed()) {
      if (schema_markdown)
        std::cout << venoflow::element_types_markdown();
      else
        std::cout << venoflow::model_json_schema() << "\n";
      return 0;
    }
    if (cmp->parsed()) {
      auto a = venoflow::read_results(file_a);
      auto b = venoflow::read_results(file_b);
      if (!only.empty()) {
        auto keep = [&](std::map<std::string, venoflow::Metric>& m) {
          for (auto it = m.begin(); it != m.end();) {
            bool match = false;
            for (const auto& p : only) match |= it->first.rfind(p, 0) == 0;
            it = match ? std::next(it) : m.erase(it);
          }
        };
        keep(a.metrics);
        keep(b.metrics);
      }
      std::cout << venoflow::cli::format_comparison(file_a, a.metrics, file_b, b.metrics);
      return 0;
    }
    const bool writes_text = run->parsed() || (exam->parsed() && !exam_out.empty());
    venoflow::Model model = load(model_path, sets, writes_text);
    if (chk->parsed()) {
      const std::string name = model.name, source = model.source_file;
      venoflow::Simulation sim(std::move(model));  // the model is not needed after: no copy
      std::cout << "model " << name << " (" << source << ") is valid\n" << sim.describe();
      // The run the model file asks for, as `venoflow run` would plan it for a results file
      // (its writer's memory), without creating one: check touches no file.
      PlannedResultsFile file_sink;
      std::cout << sim.plan({}, &file_sink).describe();
      return 0;
    }
    if (exam->parsed()) {
      if (!exam_out.empty()) venoflow::check_exam_path(exam_out);  // before the runs
      install_signal_handlers();
      venoflow::ExamControl ec;
      ec.stop = &g_stop;
      venoflow::ExamResult result;
      try {
        result = venoflow::virtual_exam(model, ec);
      } catch (const venoflow::SolverError& e) {
        std::cerr << "error: " << e.what() << "\n";
        return 3;
      }
      if (result.interrupted) {
        const int sig = g_signal != 0 ? int(g_signal) : SIGINT;
        std::cerr << "interrupted (" << signal_name(sig) << "): exam not completed\n";
        return 128 + sig;
      }
      std::cout << venoflow::format_exam(result);
      if (!exam_out.empty()) {
        venoflow::write_exam(exam_out, result, model.resolved_yaml);
        std::cout << "exam written to " << exam_out << "\n";
      }
      return 0;
    }
    // run
    venoflow::RunControl control;
    try {
      if (*cyc) control.cycles = parse_cycles(cycles_text);
      if (*tend) control.t_end = parse_t_end(t_end_text);
    } catch (const std::invalid_argument& e) {
      std::cerr << "error: " << (*cyc ? "--cycles" : "--t-end") << ": " << e.what() << "\n";
      return 1;
    }
    if (out_path.empty()) out_path = (model.name.empty() ? "results" : model.name) + ".h5";
    venoflow::Simulation sim(std::move(model));  // the model is not needed after: no copy
    install_signal_handlers();
    // Checks the output path and creates the temporary file before anything is computed.
    venoflow::Hdf5Writer writer(out_path);
    ProgressBar bar;
    if (!quiet) control.progress = [&bar](double t, double te) { bar(t, te); };
    control.stop = &g_stop;
    venoflow::RunOutcome outcome;
    try {
      outcome = sim.run(writer, control);
    } catch (const venoflow::SolverError& e) {
      bar.done();
      std::cerr << "error: " << e.what() << "\n"
                << "partial results kept in " << writer.final_path() << " (complete = false)\n";
      return 3;
    }
    bar.done();
    if (outcome.interrupted) {
      const int sig = g_signal != 0 ? int(g_signal) : SIGINT;
      std::cerr << "interrupted (" << signal_name(sig) << "): results so far kept in "
                << writer.final_path() << " (complete = false)\n";
      return 128 + sig;
    }
    if (!quiet) {
      // Re-read the statistics and metrics from the file we just wrote (single source); the
      // series are not needed for them.
      const auto res = venoflow::read_results(writer.final_path(), /*series=*/false);
      std::cout << venoflow::cli::format_summary(res.stats, res.outcome, res.metrics);
    } else {
      for (const auto& w : outcome.warnings) std::cerr << "warning: validity domain: " << w << "\n";
    }
    std::cout << "results written to " << writer.final_path() << "\n";
    return 0;
  } catch (const venoflow::ModelError& e) {
    print_model_error(e);
    return 1;
  } catch (const venoflow::OverrideError& e) {
    std::cerr << "error: " << e.what() << "\n";  // what() is "--set PATH: problem"
    return 1;
  } catch (const std::exception& e) {
    std::cerr << "error: " << e.what() << "\n";
    return 1;
  }
}
