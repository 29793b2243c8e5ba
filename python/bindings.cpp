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

#include <atomic>
#include <chrono>
#include <filesystem>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "venoflow/errors.hpp"
#include "venoflow/hdf5_writer.hpp"
#include "venoflow/model_document.hpp"
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

/// Collects a run into contiguous per-quantity arrays (C order, time first).
class ArraySink : public venoflow::ResultSink {
 public:
  void begin(const venoflow::OutputLayout& l, const venoflow::Model& model) override {
    layout = l;
    model_name = model.name;
    model_yaml = model.resolved_yaml;
    const std::size_t nv = layout.vessels.size();
    pressure.assign(nv, {});
    flow.assign(nv, {});
    area.assign(nv, {});
    node_pressure.assign(layout.nodes.size(), {});
    std::size_t nq = 0;
    for (const auto& e : layout.elements) nq += e.quantities.size();
    element_values.assign(nq, {});
    // Every array at its final size at once (no doubling growth: the memory estimate holds).
    time.reserve(expected);
    for (std::size_t v = 0; v < nv; ++v)
      for (auto* a : {&pressure[v], &flow[v], &area[v]})
        a->reserve(expected * layout.vessels[v].x.size());
    for (auto* group : {&node_pressure, &element_values})
      for (auto& a : *group) a.reserve(expected);
  }
  /// Every sample is kept: the time and each value, 8 bytes each.
  venoflow::SinkFootprint footprint(const venoflow::OutputLayout& l) const override {
    std::size_t values = 1 + l.nodes.size();
    for (const auto& v : l.vessels) values += 3 * v.x.size();
    for (const auto& e : l.elements) values += e.quantities.size();
    return {8.0 * double(values), 0.0};
  }
  void write(const venoflow::Sample& s) override {
    time.push_back(s.t);
    std::size_t off = 0;
    for (std::size_t v = 0; v < layout.vessels.size(); ++v) {
      const std::size_t nx = layout.vessels[v].x.size();
      pressure[v].insert(pressure[v].end(), s.vessel_pressure.begin() + off,
                         s.vessel_pressure.begin() + off + nx);
      flow[v].insert(flow[v].end(), s.vessel_flow.begin() + off, s.vessel_flow.begin() + off + nx);
      area[v].insert(area[v].end(), s.vessel_area.begin() + off, s.vessel_area.begin() + off + nx);
      off += nx;
    }
    for (std::size_t i = 0; i < node_pressure.size(); ++i)
      node_pressure[i].push_back(s.node_pressure[i]);
    for (std::size_t i = 0; i < element_values.size(); ++i)
      element_values[i].push_back(s.element_values[i]);
  }
  void finish(const venoflow::RunStatistics& st, const venoflow::RunOutcome& out,
              const std::map<std::string, venoflow::Metric>& m) override {
    stats = st;
    outcome = out;
    metrics = m;
  }

  std::size_t expected = 0;  ///< samples the run will write (RunPlan::samples_written)
  venoflow::OutputLayout layout;
  std::string model_name, model_yaml;
  std::vector<double> time;
  std::vector<std::vector<double>> pressure, flow, area, node_pressure, element_values;
  venoflow::RunStatistics stats;
  venoflow::RunOutcome outcome;
  std::map<std::string, venoflow::Metric> metrics;
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

py::dict stats_dict(const venoflow::RunStatistics& s) {
  return py::dict("steps"_a = s.steps, "rhs_evaluations"_a = s.rhs_evaluations,
                  "jacobian_evaluations"_a = s.jacobian_evaluations,
                  "linear_solver_setups"_a = s.linear_solver_setups,
                  "error_test_failures"_a = s.error_test_failures,
                  "nonlinear_convergence_failures"_a = s.nonlinear_convergence_failures,
                  "colours"_a = s.colours, "unknowns"_a = s.unknowns, "wall_time"_a = s.wall_time,
                  "simulated_time"_a = s.simulated_time, "cycles_completed"_a = s.cycles_completed);
}

py::dict outcome_dict(const venoflow::RunOutcome& o) {
  return py::dict("complete"_a = o.complete, "interrupted"_a = o.interrupted, "error"_a = o.error,
                  "steady_state"_a = o.steady_state,
                  "steady_state_change"_a = o.steady_state_change,
                  "steady_state_location"_a = o.steady_state_location, "warnings"_a = o.warnings);
}

/// The run as a dict of numpy arrays (consumes the sink's buffers).
py::dict raw_results(ArraySink& r) {
  const auto nt = static_cast<py::ssize_t>(r.time.size());
  py::dict vessels;
  for (std::size_t v = 0; v < r.layout.vessels.size(); ++v) {
    const auto& vo = r.layout.vessels[v];
    const auto nx = static_cast<py::ssize_t>(vo.x.size());
    vessels[py::str(vo.name)] =
        py::dict("x"_a = to_numpy(std::vector<double>(vo.x), {nx}),
                 "pressure"_a = to_numpy(std::move(r.pressure[v]), {nt, nx}),
                 "flow"_a = to_numpy(std::move(r.flow[v]), {nt, nx}),
                 "area"_a = to_numpy(std::move(r.area[v]), {nt, nx}));
  }
  py::dict nodes;
  for (std::size_t i = 0; i < r.layout.nodes.size(); ++i)
    nodes[py::str(r.layout.nodes[i])] = to_numpy(std::move(r.node_pressure[i]), {nt});
  py::dict elements;
  std::size_t k = 0;
  for (const auto& e : r.layout.elements) {
    py::dict q;
    for (const auto& qty : e.quantities)
      q[py::str(qty.name)] =
          py::make_tuple(to_numpy(std::move(r.element_values[k++]), {nt}), qty.unit);
    elements[py::str(e.name)] = py::dict("type"_a = e.type, "quantities"_a = q);
  }
  py::dict metrics;
  for (const auto& [name, m] : r.metrics)
    metrics[py::str(name)] = py::make_tuple(m.value, m.unit, m.doc);
  return py::dict("model_name"_a = r.model_name, "model_yaml"_a = r.model_yaml,
                  "period"_a = r.layout.period, "time"_a = to_numpy(std::move(r.time), {nt}),
                  "vessels"_a = vessels, "nodes"_a = nodes, "elements"_a = elements,
                  "metrics"_a = metrics, "stats"_a = stats_dict(r.stats),
                  "outcome"_a = outcome_dict(r.outcome), "failure"_a = py::none(),
                  "pending_exception"_a = py::none());
}

py::dict run_model(const venoflow::ModelDocument& doc, std::optional<int> cycles,
                   std::optional<double> t_end, const std::string& output, StopFlag* stop,
                   py::object progress, bool with_text) {
  ArraySink sink;
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
    sink.expected = static_cast<std::size_t>(sim.plan(control, &tee).samples_written);
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
  ArraySink sink;
  venoflow::Model model;
  model.resolved_yaml = mem.model_yaml;
  sink.begin(mem.layout, model);
  for (const auto& s : mem.samples) sink.write(s);
  sink.finish(mem.stats, mem.outcome, mem.metrics);
  mem.samples.clear();
  py::dict d = raw_results(sink);
  d["output"] = py::str(path);
  return d;
}

/// Replay a raw results dict (as returned by run/read) into an HDF5 file. Returns the path the
/// file ended up at (`<stem>.incomplete.h5` for incomplete results).
std::string write_file(const std::string& path, const py::dict& raw) {
  using arr = py::array_t<double, py::array::c_style | py::array::forcecast>;
  venoflow::OutputLayout layout;
  layout.period = raw["period"].cast<double>();
  venoflow::Model model;
  model.name = raw["model_name"].cast<std::string>();
  model.resolved_yaml = raw["model_yaml"].cast<std::string>();
  const arr time = raw["time"].cast<arr>();
  const auto nt = time.shape(0);
  std::vector<arr> vp, vq, va, np, ev;
  for (auto [name, item] : raw["vessels"].cast<py::dict>()) {
    auto v = item.cast<py::dict>();
    const arr x = v["x"].cast<arr>();
    layout.vessels.push_back({name.cast<std::string>(), {x.data(), x.data() + x.shape(0)}});
    const std::pair<std::vector<arr>*, const char*> fields[] = {
        {&vp, "pressure"}, {&vq, "flow"}, {&va, "area"}};
    for (const auto& [vec, key] : fields) {
      vec->push_back(v[key].cast<arr>());
      if (vec->back().ndim() != 2 || vec->back().shape(0) != nt ||
          vec->back().shape(1) != x.shape(0))
        throw std::invalid_argument("vessel " + layout.vessels.back().name + ": " + key +
                                    " must have shape (nt, nx)");
    }
  }
  for (auto [name, item] : raw["nodes"].cast<py::dict>()) {
    layout.nodes.push_back(name.cast<std::string>());
    np.push_back(item.cast<arr>());
  }
  for (auto [name, item] : raw["elements"].cast<py::dict>()) {
    auto e = item.cast<py::dict>();
    venoflow::OutputLayout::ElementOut eo{
        name.cast<std::string>(), e["type"].cast<std::string>(), {}};
    for (auto [qname, q] : e["quantities"].cast<py::dict>()) {
      auto t = q.cast<py::tuple>();
      eo.quantities.push_back({qname.cast<std::string>(), t[1].cast<std::string>()});
      ev.push_back(t[0].cast<arr>());
    }
    layout.elements.push_back(std::move(eo));
  }
  for (const auto* group : {&np, &ev})
    for (const auto& a : *group)
      if (a.ndim() != 1 || a.shape(0) != nt)
        throw std::invalid_argument("node and element series must have shape (nt,)");
  std::map<std::string, venoflow::Metric> metrics;
  for (auto [name, item] : raw["metrics"].cast<py::dict>()) {
    auto t = item.cast<py::tuple>();
    metrics[name.cast<std::string>()] = {t[0].cast<double>(), t[1].cast<std::string>(),
                                         t[2].cast<std::string>()};
  }
  auto sd = raw["stats"].cast<py::dict>();
  venoflow::RunStatistics st;
  st.steps = sd["steps"].cast<long>();
  st.rhs_evaluations = sd["rhs_evaluations"].cast<long>();
  st.jacobian_evaluations = sd["jacobian_evaluations"].cast<long>();
  st.linear_solver_setups = sd["linear_solver_setups"].cast<long>();
  st.error_test_failures = sd["error_test_failures"].cast<long>();
  st.nonlinear_convergence_failures = sd["nonlinear_convergence_failures"].cast<long>();
  st.colours = sd["colours"].cast<long>();
  st.unknowns = sd["unknowns"].cast<long>();
  st.wall_time = sd["wall_time"].cast<double>();
  st.simulated_time = sd["simulated_time"].cast<double>();
  st.cycles_completed = sd["cycles_completed"].cast<int>();
  auto od = raw["outcome"].cast<py::dict>();
  venoflow::RunOutcome out;
  out.complete = od["complete"].cast<bool>();
  out.interrupted = od["interrupted"].cast<bool>();
  out.error = od["error"].cast<std::string>();
  out.steady_state = od["steady_state"].cast<bool>();
  out.steady_state_change = od["steady_state_change"].cast<double>();
  out.steady_state_location = od["steady_state_location"].cast<std::string>();
  if (od.contains("warnings")) out.warnings = od["warnings"].cast<std::vector<std::string>>();

  py::gil_scoped_release release;  // the arrays stay alive in this frame
  std::lock_guard<std::mutex> lock(g_hdf5_mutex);
  venoflow::Hdf5Writer writer(path);
  writer.begin(layout, model);
  venoflow::Sample s;
  for (py::ssize_t k = 0; k < nt; ++k) {
    s.t = time.data()[k];
    s.vessel_pressure.clear();
    s.vessel_flow.clear();
    s.vessel_area.clear();
    for (std::size_t v = 0; v < layout.vessels.size(); ++v) {
      const auto nx = static_cast<py::ssize_t>(layout.vessels[v].x.size());
      s.vessel_pressure.insert(s.vessel_pressure.end(), vp[v].data() + k * nx,
                               vp[v].data() + (k + 1) * nx);
      s.vessel_flow.insert(s.vessel_flow.end(), vq[v].data() + k * nx, vq[v].data() + (k + 1) * nx);
      s.vessel_area.insert(s.vessel_area.end(), va[v].data() + k * nx, va[v].data() + (k + 1) * nx);
    }
    s.node_pressure.resize(np.size());
    for (std::size_t i = 0; i < np.size(); ++i) s.node_pressure[i] = np[i].data()[k];
    s.element_values.resize(ev.size());
    for (std::size_t i = 0; i < ev.size(); ++i) s.element_values[i] = ev[i].data()[k];
    writer.write(s);
  }
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
              ArraySink in_memory;
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
          "Build and simulate a model with the GIL released. `t_end` [s]. Returns the raw "
          "results dict (numpy arrays in SI units); `output` also writes an HDF5 file. A solver "
          "failure is returned in 'failure'; Ctrl-C (or an exception in `progress(t, t_end)`) "
          "stops the run at its next output sample and is returned in 'pending_exception'. "
          "`with_text=False` skips writing the resolved model text (unless `output` is given): "
          "'model_yaml' is then None and the caller takes it from the document.");
  mod.def("read_results", &read_file, "path"_a,
          "Read an HDF5 results file (written by `venoflow run` or write_results) as a raw dict.");
  mod.def("write_results", &write_file, "path"_a, "raw"_a,
          "Write a raw results dict to an HDF5 results file; returns the final path.");
}
