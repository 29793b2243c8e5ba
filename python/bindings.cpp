// venoflow Python bindings (module venoflow._venoflow). Thin: documents, runs, results files.
// The Python package (python/venoflow/) builds the user-facing API on top of this.
//
// Results cross the boundary as a plain dict of numpy arrays (see `raw_results`): each array
// is assembled contiguously in C++ while the run streams its samples and then handed to numpy
// without a copy (the std::vector is moved into a capsule that owns it).
#include <pybind11/functional.h>
#include <pybind11/numpy.h>
#include <pybind11/pybind11.h>
#include <pybind11/stl.h>

#include <algorithm>
#include <array>
#include <atomic>
#include <chrono>
#include <filesystem>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <type_traits>
#include <vector>

#include "venoflow/errors.hpp"
#include "venoflow/exam.hpp"
#include "venoflow/hdf5_writer.hpp"
#include "venoflow/model_document.hpp"
#include "venoflow/result_fields.hpp"
#include "venoflow/simulation.hpp"

namespace py = pybind11;
using namespace pybind11::literals;

namespace {

// Debian's HDF5 is built without its thread-safety option: every call into it from this
// module (writer, reader) goes through one lock, so parallel simulate(output=...) calls are safe.
// (h5py uses its own bundled HDF5 copy, which has its own lock.)
std::mutex g_hdf5_mutex;

/// Stop token shared between Python threads and running simulations (sweeps, Ctrl-C).
struct StopFlag {
  std::atomic<bool> flag{false};
};

/// Forwards to several sinks; the HDF5 one under the module's HDF5 lock.
class TeeSink : public venoflow::ResultSink {
 public:
  TeeSink(venoflow::ResultSink& a, venoflow::Hdf5Writer* file) : a_(a), file_(file) {}
  venoflow::SinkFootprint footprint(const venoflow::OutputLayout& l) const override {
    venoflow::SinkFootprint f = a_.footprint(l);
    if (file_) f.fixed_bytes += file_->footprint(l).fixed_bytes;
    return f;
  }
  void begin(const venoflow::OutputLayout& l, const venoflow::Model& m) override {
    a_.begin(l, m);
    if (file_) {
      std::lock_guard<std::mutex> lock(g_hdf5_mutex);
      file_->begin(l, m);
    }
  }
  void write(const venoflow::Sample& s) override {
    a_.write(s);
    if (file_) {
      std::lock_guard<std::mutex> lock(g_hdf5_mutex);
      file_->write(s);
    }
  }
  void finish(const venoflow::RunStatistics& st, const venoflow::RunOutcome& o,
              const std::map<std::string, venoflow::Metric>& m) override {
    a_.finish(st, o, m);
    if (file_) {
      std::lock_guard<std::mutex> lock(g_hdf5_mutex);
      file_->finish(st, o, m);
    }
  }

 private:
  venoflow::ResultSink& a_;
  venoflow::Hdf5Writer* file_;
};

/// Hand a vector to numpy without copying: the capsule owns the moved vector.
py::array_t<double> to_numpy(std::vector<double>&& v, std::vector<py::ssize_t> shape) {
  if (v.empty()) return py::array_t<double>(shape);  // numpy allocates (no data to share)
  auto* owned = new std::vector<double>(std::move(v));
  py::capsule owner(owned, [](void* p) { delete static_cast<std::vector<double>*>(p); });
  return py::array_t<double>(shape, owned->data(), owner);
}

/// A record as a dict, field by field (venoflow/result_fields.hpp).
template <class Record, std::size_t N>
py::dict record_dict(const std::array<venoflow::RecordField<Record>, N>& table, const Record& r) {
  py::dict d;
  venoflow::for_each_field(table, r, [&](const auto& field, const auto& value) {
    d[py::str(field.name)] = py::cast(value);
  });
  return d;
}

/// A dict to a record, field by field; a missing key keeps the field's default.
template <class Record, std::size_t N>
Record record_from(const std::array<venoflow::RecordField<Record>, N>& table, const py::dict& d) {
  Record r;
  venoflow::for_each_field(table, r, [&](const auto& field, auto& value) {
    if (d.contains(field.name))
      value = d[field.name].template cast<std::decay_t<decltype(value)>>();
  });
  return r;
}

/// d[key] = value straight through the dict's own insertion (no item accessor).
void set_item(const py::dict& d, py::handle key, py::handle value) {
  if (PyDict_SetItem(d.ptr(), key.ptr(), value.ptr()) != 0) throw py::error_already_set();
}

/// The run as a dict of numpy arrays. The columns are the sink's own, moved to numpy as they
/// are (no copy, no transposition). The elements' series, units and types come as the three
/// dicts Results exposes (element -> {quantity: array}, element -> {quantity: unit}, element ->
/// type), built here once: a network of thousands of elements otherwise spends milliseconds
/// rearranging them in Python. Quantity names, units and types repeat across elements: one
/// Python string each.
py::dict raw_results(venoflow::MemoryResults& r) {
  auto& c = r.columns;
  const auto nt = static_cast<py::ssize_t>(c.size());
  py::dict vessels;
  for (std::size_t v = 0; v < r.layout.vessels.size(); ++v) {
    const auto& vo = r.layout.vessels[v];
    const auto nx = static_cast<py::ssize_t>(vo.x.size());
    vessels[py::str(vo.name)] =
        py::dict("x"_a = to_numpy(std::vector<double>(vo.x), {nx}),
                 "pressure"_a = to_numpy(std::move(c.vessels[v].pressure), {nt, nx}),
                 "flow"_a = to_numpy(std::move(c.vessels[v].flow), {nt, nx}),
                 "area"_a = to_numpy(std::move(c.vessels[v].area), {nt, nx}));
  }
  py::dict nodes;
  for (std::size_t i = 0; i < r.layout.nodes.size(); ++i)
    set_item(nodes, py::str(r.layout.nodes[i]), to_numpy(std::move(c.node_pressure[i]), {nt}));
  std::map<std::string, py::str> strings;
  auto shared_str = [&](const std::string& text) -> const py::str& {
    auto it = strings.find(text);
    if (it == strings.end()) it = strings.emplace(text, py::str(text)).first;
    return it->second;
  };
  py::dict elements, element_units, element_types;
  std::size_t k = 0;
  for (const auto& e : r.layout.elements) {
    py::dict values, units;
    for (const auto& qty : e.quantities) {
      const py::str& name = shared_str(qty.name);
      set_item(values, name, to_numpy(std::move(c.element_values[k++]), {nt}));
      set_item(units, name, shared_str(qty.unit));
    }
    const py::str element(e.name);
    set_item(elements, element, values);
    set_item(element_units, element, units);
    set_item(element_types, element, shared_str(e.type));
  }
  py::dict metrics;
  for (const auto& [name, m] : r.metrics) {
    py::list t;
    t.append(m.value);
    venoflow::for_each_field(venoflow::kMetricFields, m,
                             [&](const auto&, const auto& value) { t.append(py::cast(value)); });
    metrics[py::str(name)] = py::tuple(t);
  }
  return py::dict(
      "model_name"_a = r.model_name, "model_yaml"_a = r.model_yaml, "period"_a = r.layout.period,
      "time"_a = to_numpy(std::move(c.time), {nt}), "vessels"_a = vessels, "nodes"_a = nodes,
      "elements"_a = elements, "element_units"_a = element_units, "element_types"_a = element_types,
      "metrics"_a = metrics, "stats"_a = record_dict(venoflow::kRunStatisticsFields, r.stats),
      "outcome"_a = record_dict(venoflow::kRunOutcomeFields, r.outcome), "failure"_a = py::none(),
      "pending_exception"_a = py::none());
}

py::dict run_model(const venoflow::ModelDocument& doc, std::optional<int> cycles,
                   std::optional<double> t_end, const std::string& output, StopFlag* stop,
                   py::object progress, bool with_text, std::optional<int> keep_last_cycles,
                   long decimate) {
  venoflow::MemoryResults sink;
  // Every column is allocated at its final size at begin() (no doubling growth: the memory
  // estimate counts one copy); the count follows from the plan.
  sink.expected_samples = 1;
  std::optional<venoflow::SolverError> failure;
  std::string final_path;
  py::object pending;     // a Python exception raised while the solver ran (Ctrl-C, callback)
  double cpp_time = 0.0;  // build + discretise + run + file, as `venoflow run` does [s]
  {
    // Everything below runs without the GIL; the progress callback (about every 0.1 s of
    // wall time) takes it back briefly to check for signals and call `progress`.
    StopFlag local;
    StopFlag* flag = stop ? stop : &local;
    venoflow::RunControl control;
    control.cycles = cycles;
    control.t_end = t_end;
    control.keep_last_cycles = keep_last_cycles;
    control.decimate = decimate;
    control.stop = &flag->flag;
    control.progress = [&](double t, double te) {
      py::gil_scoped_acquire gil;
      if (PyErr_CheckSignals() != 0) {
        py::error_already_set err;  // fetches the KeyboardInterrupt (or other) exception
        pending = err.value();
        flag->flag.store(true);
        return;
      }
      if (!progress.is_none()) {
        try {
          progress(t, te);
        } catch (py::error_already_set& e) {
          pending = e.value();
          flag->flag.store(true);
        }
      }
    };
    py::gil_scoped_release release;
    const auto t0 = std::chrono::steady_clock::now();
    // The resolved model text is written only when a file keeps it (or it is asked for).
    const bool text = with_text || !output.empty();
    venoflow::Model model = doc.build(text);
    venoflow::Simulation sim(std::move(model));
    std::unique_ptr<venoflow::Hdf5Writer> writer;
    if (!output.empty()) {
      std::lock_guard<std::mutex> lock(g_hdf5_mutex);
      writer = std::make_unique<venoflow::Hdf5Writer>(output);
    }
    TeeSink tee(sink, writer.get());
    sink.expected_samples =
        std::max<std::size_t>(1, static_cast<std::size_t>(sim.plan(control, &tee).samples_written));
    try {
      sim.run(tee, control);
    } catch (const venoflow::SolverError& e) {
      failure = e;
    } catch (...) {
      // The results file could not be written (full disk...): the writer gives its file up
      // under the HDF5 lock like every other call into HDF5.
      std::lock_guard<std::mutex> lock(g_hdf5_mutex);
      writer.reset();
      throw;
    }
    if (writer) {
      std::lock_guard<std::mutex> lock(g_hdf5_mutex);
      final_path = writer->final_path();
      writer.reset();
    }
    cpp_time = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  }
  py::dict d = raw_results(sink);
  if (!with_text && output.empty()) d["model_yaml"] = py::none();  // the caller has the document
  d["output"] = final_path.empty() ? py::object(py::none()) : py::object(py::str(final_path));
  if (failure)
    d["failure"] =
        py::dict("message"_a = std::string(failure->what()), "time"_a = failure->time(),
                 "component"_a = failure->component(), "quantity"_a = failure->quantity());
  if (pending) d["pending_exception"] = pending;
  d["cpp_time"] = cpp_time;
  return d;
}

py::dict read_file(const std::string& path) {
  venoflow::MemoryResults mem;
  {
    py::gil_scoped_release release;
    std::lock_guard<std::mutex> lock(g_hdf5_mutex);
    mem = venoflow::read_results(path);
  }
  py::dict d = raw_results(mem);
  d["output"] = py::str(path);
  return d;
}

/// Replay a raw results dict (as returned by run/read) into an HDF5 file. Returns the path the
/// file ended up at (`<stem>.incomplete.h5` for incomplete results).
std::string write_file(const std::string& path, const py::dict& raw,
                       const std::string& file_layout) {
  using arr = py::array_t<double, py::array::c_style | py::array::forcecast>;
  venoflow::OutputLayout layout;
  layout.period = raw["period"].cast<double>();
  venoflow::Model model;
  model.name = raw["model_name"].cast<std::string>();
  model.resolved_yaml = raw["model_yaml"].cast<std::string>();
  model.solver.results_layout = file_layout;  // checked by the writer
  const arr time = raw["time"].cast<arr>();
  if (time.ndim() != 1) throw std::invalid_argument("time must have shape (nt,)");
  const auto nt = time.shape(0);
  // The arrays are written as they are, by column (each C-contiguous: forcecast copies only
  // an array that is not).
  std::vector<arr> keep;
  venoflow::ColumnSpans cols;
  cols.time = time.data();
  for (auto [name, item] : raw["vessels"].cast<py::dict>()) {
    auto v = item.cast<py::dict>();
    const arr x = v["x"].cast<arr>();
    layout.vessels.push_back({name.cast<std::string>(), {x.data(), x.data() + x.shape(0)}});
    const double* ptr[3];
    const char* const keys[3] = {"pressure", "flow", "area"};
    for (int s = 0; s < 3; ++s) {
      keep.push_back(v[keys[s]].cast<arr>());
      const arr& a = keep.back();
      if (a.ndim() != 2 || a.shape(0) != nt || a.shape(1) != x.shape(0))
        throw std::invalid_argument("vessel " + layout.vessels.back().name + ": " + keys[s] +
                                    " must have shape (nt, nx)");
      ptr[s] = a.data();
    }
    cols.vessels.push_back({ptr[0], ptr[1], ptr[2]});
  }
  auto series = [&](py::handle item) {
    keep.push_back(item.cast<arr>());
    if (keep.back().ndim() != 1 || keep.back().shape(0) != nt)
      throw std::invalid_argument("node and element series must have shape (nt,)");
    return keep.back().data();
  };
  for (auto [name, item] : raw["nodes"].cast<py::dict>()) {
    layout.nodes.push_back(name.cast<std::string>());
    cols.node_pressure.push_back(series(item));
  }
  const auto element_units = raw["element_units"].cast<py::dict>();
  const auto element_types = raw["element_types"].cast<py::dict>();
  for (auto [name, item] : raw["elements"].cast<py::dict>()) {
    const auto units = element_units[name].cast<py::dict>();
    venoflow::OutputLayout::ElementOut eo{
        name.cast<std::string>(), element_types[name].cast<std::string>(), {}};
    for (auto [qname, q] : item.cast<py::dict>()) {
      eo.quantities.push_back({qname.cast<std::string>(), units[qname].cast<std::string>()});
      cols.element_values.push_back(series(q));
    }
    layout.elements.push_back(std::move(eo));
  }
  std::map<std::string, venoflow::Metric> metrics;
  for (auto [name, item] : raw["metrics"].cast<py::dict>()) {
    auto t = item.cast<py::tuple>();
    venoflow::Metric m;
    m.value = t[0].cast<double>();
    std::size_t i = 1;
    venoflow::for_each_field(venoflow::kMetricFields, m, [&](const auto&, auto& value) {
      value = t[i++].template cast<std::decay_t<decltype(value)>>();
    });
    metrics[name.cast<std::string>()] = std::move(m);
  }
  const auto st = record_from(venoflow::kRunStatisticsFields, raw["stats"].cast<py::dict>());
  const auto out = record_from(venoflow::kRunOutcomeFields, raw["outcome"].cast<py::dict>());

  py::gil_scoped_release release;  // the arrays stay alive in this frame
  std::lock_guard<std::mutex> lock(g_hdf5_mutex);
  venoflow::Hdf5Writer writer(path);
  writer.begin(layout, model);
  writer.write(cols, static_cast<std::size_t>(nt));
  writer.finish(st, out, metrics);
  return writer.final_path();
}

py::dict graph(const venoflow::ModelDocument& doc) {
  venoflow::Model m;
  {
    py::gil_scoped_release release;
    m = doc.build();
  }
  py::list vessels, nodes, elements, bcs;
  for (const auto& v : m.vessels)
    vessels.append(py::dict("name"_a = v.name, "from"_a = v.from_node, "to"_a = v.to_node,
                            "length"_a = v.length, "radius_in"_a = v.radius_in,
                            "radius_out"_a = v.radius_out, "cells"_a = v.cells,
                            "tube_law"_a = venoflow::tube_law_name(v.tube_law)));
  for (const auto& n : m.nodes)
    nodes.append(py::dict("name"_a = n.name, "height"_a = n.height, "anterior"_a = n.anterior));
  for (const auto& e : m.elements)
    elements.append(py::dict("name"_a = e.name, "type"_a = e.type, "nodes"_a = e.nodes));
  for (const auto& b : m.boundary_conditions)
    bcs.append(py::dict(
        "node"_a = b.node,
        "kind"_a = b.kind == venoflow::BoundaryCondition::Kind::Pressure ? "pressure" : "flow"));
  return py::dict("name"_a = m.name, "description"_a = m.description, "vessels"_a = vessels,
                  "nodes"_a = nodes, "elements"_a = elements, "boundary_conditions"_a = bcs,
                  "period"_a = m.solver.period);
}

/// The virtual Doppler exam (venoflow/exam.hpp) as plain data: criteria rows, verdict,
/// perfusion, landmark traces (numpy) and each recording's raw results dict.
py::dict exam_model(const venoflow::ModelDocument& doc, const std::string& output, StopFlag* stop) {
  venoflow::ExamResult e;
  {
    py::gil_scoped_release release;
    const venoflow::Model model = doc.build(!output.empty());
    if (!output.empty()) venoflow::check_exam_path(output);
    venoflow::ExamControl control;
    if (stop) control.stop = &stop->flag;
    e = venoflow::virtual_exam(model, control);
    if (!output.empty() && !e.interrupted) {
      std::lock_guard<std::mutex> lock(g_hdf5_mutex);
      venoflow::write_exam(output, e, model.resolved_yaml);
    }
  }
  py::list rows, traces, recordings;
  for (const auto& c : e.criteria)
    rows.append(py::dict("criterion"_a = c.criterion, "value"_a = c.value,
                         "threshold"_a = c.threshold, "unit"_a = c.unit,
                         "comparison"_a = c.comparison, "positive"_a = c.positive,
                         "counted"_a = c.counted, "evaluable"_a = c.evaluable,
                         "landmark"_a = c.landmark, "posture"_a = c.posture,
                         "manoeuvre"_a = c.manoeuvre, "variant"_a = c.variant, "note"_a = c.note));
  for (auto& t : e.traces) {
    const auto n = static_cast<py::ssize_t>(t.t.size());
    traces.append(py::dict("landmark"_a = t.landmark, "vessel"_a = t.vessel,
                           "posture"_a = t.posture, "manoeuvre"_a = t.manoeuvre, "x"_a = t.x,
                           "longest_reflux"_a = t.longest_reflux, "peak_speed"_a = t.peak_speed,
                           "mean_area"_a = t.mean_area, "time"_a = to_numpy(std::move(t.t), {n}),
                           "flow"_a = to_numpy(std::move(t.flow), {n}),
                           "area"_a = to_numpy(std::move(t.area), {n}),
                           "velocity"_a = to_numpy(std::move(t.velocity), {n})));
  }
  for (auto& r : e.recordings)
    recordings.append(py::dict("posture"_a = r.posture, "manoeuvre"_a = r.manoeuvre,
                               "tilt"_a = r.tilt, "raw"_a = raw_results(*r.results)));
  py::dict perfusion;
  for (const auto& [posture, m] : e.perfusion) {
    py::dict d;
    for (const auto& [k, v] : m) d[py::str(k)] = py::make_tuple(v.value, v.unit);
    perfusion[py::str(posture)] = d;
  }
  return py::dict("criteria"_a = rows, "count"_a = e.count, "evaluable"_a = e.evaluable,
                  "required"_a = e.required, "ccsvi"_a = e.ccsvi, "verdict"_a = e.verdict,
                  "text"_a = venoflow::format_exam(e), "perfusion"_a = perfusion,
                  "traces"_a = traces, "recordings"_a = recordings, "warnings"_a = e.warnings,
                  "interrupted"_a = e.interrupted);
}

}  // namespace

PYBIND11_MODULE(_venoflow, mod) {
  mod.doc() =
      "venoflow compiled core: model documents, simulation runs and HDF5 results files.\n"
      "Use the `venoflow` package; this module is its thin C++ layer. All values are SI.";
  mod.attr("__version__") = VENOFLOW_VERSION;

  // The exception types live as long as the process (leaked references: no destruction after
  // interpreter shutdown).
  static PyObject* model_error = nullptr;
  static PyObject* solver_error = nullptr;
  {
    py::exception<venoflow::ModelError> me(mod, "ModelError", PyExc_ValueError);
    py::exception<venoflow::SolverError> se(mod, "SolverError", PyExc_RuntimeError);
    me.doc() =
        "The model is invalid (a ValueError). `diagnostics` lists every problem (Diagnostic: "
        "file, line, column, key, message); str() is the text the command line prints.";
    se.doc() =
        "The integrator failed (a RuntimeError). Attributes: `time` [s], `component` "
        "(vessel/element), `quantity`, and `results` (computed before the failure).";
    model_error = me.inc_ref().ptr();
    solver_error = se.inc_ref().ptr();
  }

  py::class_<venoflow::Diagnostic>(mod, "Diagnostic", "One problem found in a model.")
      .def_property_readonly(
          "file", [](const venoflow::Diagnostic& d) { return d.where.file; },
          "Model file path, or '--set' for an override.")
      .def_property_readonly(
          "line", [](const venoflow::Diagnostic& d) { return d.where.line; },
          "1-based, 0 = unknown.")
      .def_property_readonly(
          "column", [](const venoflow::Diagnostic& d) { return d.where.column; },
          "1-based, 0 = unknown.")
      .def_readonly("key", &venoflow::Diagnostic::key, "Dotted path of the offending key.")
      .def_readonly("message", &venoflow::Diagnostic::message, "What is wrong.")
      .def("__str__", &venoflow::Diagnostic::str)
      .def("__repr__",
           [](const venoflow::Diagnostic& d) { return "<Diagnostic " + d.str() + ">"; });

  py::register_exception_translator([](std::exception_ptr p) {
    try {
      if (p) std::rethrow_exception(p);
    } catch (const venoflow::ModelError& e) {
      py::object exc = py::handle(model_error)(e.what());
      exc.attr("diagnostics") = py::cast(e.diagnostics());
      PyErr_SetObject(model_error, exc.ptr());
    } catch (const venoflow::SolverError& e) {
      py::object exc = py::handle(solver_error)(e.what());
      exc.attr("time") = e.time();
      exc.attr("component") = e.component();
      exc.attr("quantity") = e.quantity();
      exc.attr("results") = py::none();
      PyErr_SetObject(solver_error, exc.ptr());
    } catch (const venoflow::OverrideError& e) {
      PyObject* type =
          e.kind() == venoflow::OverrideError::Kind::BadPath ? PyExc_KeyError : PyExc_ValueError;
      py::object exc = py::handle(type)(e.what());
      exc.attr("path") = e.path();
      PyErr_SetObject(type, exc.ptr());
    }
  });

  py::class_<StopFlag>(mod, "StopFlag",
                       "A stop token: set() makes every run that was given it stop at its next "
                       "output sample (results so far are kept, complete = False).")
      .def(py::init<>())
      .def("set", [](StopFlag& s) { s.flag.store(true); })
      .def("clear", [](StopFlag& s) { s.flag.store(false); })
      .def_property_readonly("is_set", [](const StopFlag& s) { return s.flag.load(); });

  py::class_<venoflow::ModelDocument>(
      mod, "ModelDocument",
      "A model file held as an editable YAML document (same path syntax as `venoflow run "
      "--set`).")
      .def_static("from_file", &venoflow::ModelDocument::from_file, "path"_a,
                  "Read a YAML model file. Raises ModelError on I/O or YAML syntax errors.")
      .def_static("from_string", &venoflow::ModelDocument::from_string, "text"_a,
                  "name"_a = "<string>", "base_dir"_a = ".",
                  "Parse YAML text; `name` appears in messages, `base_dir` resolves table files.")
      .def("copy", [](const venoflow::ModelDocument& d) { return venoflow::ModelDocument(d); })
      .def("set", &venoflow::ModelDocument::set, "path"_a, "value"_a,
           "Set a value given as YAML text with units, e.g. set('vessels.cca.radius', '3 mm'). "
           "KeyError for a path the format does not have, ValueError for unparsable YAML.")
      .def("get", &venoflow::ModelDocument::get, "path"_a,
           "The value at `path` as YAML text (KeyError if absent).")
      .def(
          "validate",
          [](const venoflow::ModelDocument& d) {
            py::gil_scoped_release release;
            (void)d.build(/*with_text=*/false);
          },
          "Build the SI model and discard it; raises ModelError listing every problem.")
      .def(
          "describe",
          [](const venoflow::ModelDocument& d) {
            std::string text;
            long n = 0;
            {
              py::gil_scoped_release release;
              venoflow::Simulation sim(d.build());
              // With the estimate of the run the model asks for, its results kept in memory.
              venoflow::MemoryResults in_memory;
              in_memory.expected_samples = 1;  // reserved at its final size, as run() does
              text = sim.describe() + sim.plan({}, &in_memory).describe();
              n = sim.unknowns();
            }
            return py::make_tuple(text, n);
          },
          "(text, unknowns): the graph and unknowns as `venoflow check` prints them, and the "
          "estimate of the run the model asks for with its results in memory (ValueError "
          "above solver.max_memory or max_output_size).")
      .def("graph", &graph,
           "The built model's graph as plain data (SI): vessels (name, from, to, length, "
           "radius_in, radius_out, cells, tube_law), nodes (name, height, anterior), elements, "
           "boundary_conditions, period.")
      .def("yaml", &venoflow::ModelDocument::yaml, "The document after overrides, as YAML text.")
      .def_property_readonly("file", &venoflow::ModelDocument::file);

  mod.def("read_model_file", &venoflow::read_model_file, "path"_a,
          "The text of a model file, checked as the command line reads it: a regular file of at "
          "most 64 MiB in UTF-8. Raises ModelError (file, line, column) otherwise.");
  mod.def("run", &run_model, "document"_a, "cycles"_a = py::none(), "t_end"_a = py::none(),
          "output"_a = "", "stop"_a = nullptr, "progress"_a = py::none(), "with_text"_a = true,
          "keep_last_cycles"_a = py::none(), "decimate"_a = 1,
          "Build and simulate a model with the GIL released. `t_end` [s]. Returns the raw "
          "results dict (numpy arrays in SI units); `output` also writes an HDF5 file. A solver "
          "failure is returned in 'failure'; Ctrl-C (or an exception in `progress(t, t_end)`) "
          "stops the run at its next output sample and is returned in 'pending_exception'. "
          "`with_text=False` skips writing the resolved model text (unless `output` is given): "
          "'model_yaml' is then None and the caller takes it from the document. "
          "`keep_last_cycles` overrides solver.keep_last_cycles; `decimate` keeps every k-th "
          "output sample (the metrics and the periodic-state check see every sample).");
  mod.def("virtual_exam", &exam_model, "document"_a, "output"_a = "", "stop"_a = nullptr,
          "Run the virtual Doppler exam (docs/virtual-doppler.md) with the GIL released; "
          "returns a dict (criteria rows, count, ccsvi, verdict, perfusion, traces, "
          "recordings as raw results dicts). `output` also writes the exam HDF5 file.");
  mod.def("read_results", &read_file, "path"_a,
          "Read an HDF5 results file (written by `venoflow run` or write_results) as a raw dict.");
  mod.def("write_results", &write_file, "path"_a, "raw"_a, "layout"_a = "compact",
          "Write a raw results dict to an HDF5 results file in `layout` (groups or compact, "
          "docs/results-format.md); returns the final path.");
}
