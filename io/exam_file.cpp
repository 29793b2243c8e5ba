// venoflow: the virtual Doppler exam as an HDF5 file (include/venoflow/exam.hpp,
// docs/virtual-doppler.md#the-exam-file). Written whole into a temporary file in the target's
// directory and renamed onto the target only when complete, as the results file is.
#include <unistd.h>

#include <atomic>
#include <cstdio>
#include <ctime>
#include <filesystem>
#include <map>
#include <stdexcept>

#include "io/hdf5_util.hpp"
#include "venoflow/exam.hpp"

namespace venoflow {

namespace {

using h5::check;
using h5::Handle;

std::atomic<long> g_exam_serial{0};

Handle group(hid_t loc, const std::string& name, const std::string& p) {
  return Handle(check(H5Gcreate2(loc, name.c_str(), H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT), p,
                      "create group " + name));
}

void doubles(hid_t loc, const std::string& name, const std::vector<double>& v,
             const std::string& unit, const std::string& p) {
  const hsize_t n = v.size();
  Handle space(check(H5Screate_simple(1, &n, nullptr), p, "H5Screate_simple"));
  Handle d(check(H5Dcreate2(loc, name.c_str(), H5T_IEEE_F64LE, space.get(), H5P_DEFAULT,
                            H5P_DEFAULT, H5P_DEFAULT),
                 p, "create dataset " + name));
  if (n > 0)
    check(H5Dwrite(d.get(), H5T_NATIVE_DOUBLE, H5S_ALL, H5S_ALL, H5P_DEFAULT, v.data()), p,
          "write " + name);
  if (!unit.empty()) h5::set_attr(d.get(), "units", unit, p);
}

void ints(hid_t loc, const std::string& name, const std::vector<long long>& v,
          const std::string& p) {
  const hsize_t n = v.size();
  Handle space(check(H5Screate_simple(1, &n, nullptr), p, "H5Screate_simple"));
  Handle d(check(H5Dcreate2(loc, name.c_str(), H5T_STD_I64LE, space.get(), H5P_DEFAULT, H5P_DEFAULT,
                            H5P_DEFAULT),
                 p, "create dataset " + name));
  if (n > 0)
    check(H5Dwrite(d.get(), H5T_NATIVE_LLONG, H5S_ALL, H5S_ALL, H5P_DEFAULT, v.data()), p,
          "write " + name);
}

/// A list of strings as a variable-length UTF-8 dataset (h5py reads bytes; .asstr() gives str).
void strings(hid_t loc, const std::string& name, const std::vector<std::string>& v,
             const std::string& p) {
  Handle t(check(H5Tcopy(H5T_C_S1), p, "H5Tcopy"));
  check(H5Tset_size(t.get(), H5T_VARIABLE), p, "H5Tset_size");
  check(H5Tset_cset(t.get(), H5T_CSET_UTF8), p, "H5Tset_cset");
  const hsize_t n = v.size();
  Handle space(check(H5Screate_simple(1, &n, nullptr), p, "H5Screate_simple"));
  Handle d(check(
      H5Dcreate2(loc, name.c_str(), t.get(), space.get(), H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT), p,
      "create dataset " + name));
  std::vector<const char*> ptrs;
  for (const auto& s : v) ptrs.push_back(s.c_str());
  if (n > 0)
    check(H5Dwrite(d.get(), t.get(), H5S_ALL, H5S_ALL, H5P_DEFAULT, ptrs.data()), p,
          "write " + name);
}

/// A name usable as an HDF5 link: "deep inspirations" -> "deep_inspirations".
std::string slug(std::string s) {
  for (auto& c : s)
    if (c == ' ' || c == '/' || c == '.') c = '_';
  return s;
}

void write_all(hid_t f, const ExamResult& e, const std::string& model_yaml, const std::string& p) {
  h5::set_attr(f, "venoflow_version", VENOFLOW_VERSION, p);
  h5::set_attr(f, "kind", "virtual_exam", p);
  strings(f, "model", {model_yaml}, p);
  Handle ex = group(f, "exam", p);
  h5::set_attr(ex.get(), "count", static_cast<std::int64_t>(e.count), p);
  h5::set_attr(ex.get(), "evaluable", static_cast<std::int64_t>(e.evaluable), p);
  h5::set_attr(ex.get(), "required", static_cast<std::int64_t>(e.required), p);
  h5::set_attr_flag(ex.get(), "ccsvi", e.ccsvi, p);
  h5::set_attr(ex.get(), "verdict", e.verdict, p);
  strings(ex.get(), "warnings", e.warnings, p);

  // The criteria table, one dataset per column (pandas.DataFrame of the columns).
  Handle c = group(ex.get(), "criteria", p);
  std::vector<long long> num;
  std::vector<double> value, threshold;
  std::vector<long long> positive, counted, evaluable;
  std::vector<std::string> variant, manoeuvre, unit, comparison, landmark, posture, note;
  for (const auto& r : e.criteria) {
    num.push_back(r.criterion);
    value.push_back(r.value);
    threshold.push_back(r.threshold);
    positive.push_back(r.positive);
    counted.push_back(r.counted);
    evaluable.push_back(r.evaluable);
    variant.push_back(r.variant);
    manoeuvre.push_back(r.manoeuvre);
    unit.push_back(r.unit);
    comparison.push_back(r.comparison);
    landmark.push_back(r.landmark);
    posture.push_back(r.posture);
    note.push_back(r.note);
  }
  ints(c.get(), "criterion", num, p);
  doubles(c.get(), "value", value, "", p);
  doubles(c.get(), "threshold", threshold, "", p);
  strings(c.get(), "unit", unit, p);
  strings(c.get(), "comparison", comparison, p);
  ints(c.get(), "positive", positive, p);
  ints(c.get(), "counted", counted, p);
  ints(c.get(), "evaluable", evaluable, p);
  strings(c.get(), "landmark", landmark, p);
  strings(c.get(), "posture", posture, p);
  strings(c.get(), "manoeuvre", manoeuvre, p);
  strings(c.get(), "variant", variant, p);
  strings(c.get(), "note", note, p);

  Handle perf = group(ex.get(), "perfusion", p);
  for (const auto& [posture_name, metrics] : e.perfusion) {
    Handle g = group(perf.get(), posture_name, p);
    for (const auto& [k, m] : metrics) {
      doubles(g.get(), k, {m.value}, m.unit, p);
    }
  }

  // Landmark traces: /exam/traces/<posture>/<manoeuvre>/<landmark>/{time, flow, area, velocity}.
  Handle tr = group(ex.get(), "traces", p);
  std::map<std::string, Handle> groups;
  auto at = [&](const std::string& path, hid_t parent, const std::string& name) -> hid_t {
    auto it = groups.find(path);
    if (it == groups.end()) it = groups.emplace(path, group(parent, name, p)).first;
    return it->second.get();
  };
  for (const auto& t : e.traces) {
    const hid_t gp = at(t.posture, tr.get(), t.posture);
    const std::string mk = t.posture + "/" + slug(t.manoeuvre);
    const hid_t gm = at(mk, gp, slug(t.manoeuvre));
    Handle g = group(gm, t.landmark, p);
    h5::set_attr(g.get(), "vessel", t.vessel, p);
    h5::set_attr(g.get(), "x", t.x, p);
    h5::set_attr(g.get(), "longest_reflux", t.longest_reflux, p);
    h5::set_attr(g.get(), "peak_speed", t.peak_speed, p);
    h5::set_attr(g.get(), "mean_area", t.mean_area, p);
    doubles(g.get(), "time", t.t, "s", p);
    doubles(g.get(), "flow", t.flow, "m^3/s", p);
    doubles(g.get(), "area", t.area, "m^2", p);
    doubles(g.get(), "velocity", t.velocity, "m/s", p);
  }
}

}  // namespace

void check_exam_path(const std::string& path) {
  namespace fs = std::filesystem;
  if (path.empty()) throw std::runtime_error("exam file: empty output path");
  std::error_code ec;
  if (fs::is_directory(path, ec))
    throw std::runtime_error("exam file '" + path + "' is a directory");
  const fs::path parent = fs::path(path).parent_path();
  if (!parent.empty() && !fs::is_directory(parent, ec))
    throw std::runtime_error("exam file '" + path + "': directory '" + parent.string() +
                             "' does not exist");
}

void write_exam(const std::string& path, const ExamResult& exam, const std::string& model_yaml) {
  check_exam_path(path);
  if (exam.interrupted)
    throw std::runtime_error("exam file '" + path + "': the exam is incomplete");
  const std::string tmp = path + ".tmp-" + std::to_string(::getpid()) + "-exam" +
                          std::to_string(g_exam_serial.fetch_add(1));
  h5::ErrorSilencer quiet;
  try {
    {
      Handle f(H5Fcreate(tmp.c_str(), H5F_ACC_TRUNC, H5P_DEFAULT, H5P_DEFAULT));
      if (!f.valid()) h5::fail(path, "cannot create the file");
      write_all(f.get(), exam, model_yaml, path);
      check(H5Fflush(f.get(), H5F_SCOPE_GLOBAL), path, "H5Fflush");
      if (!f.reset()) h5::fail(path, "cannot close the file");
    }
    if (std::rename(tmp.c_str(), path.c_str()) != 0)
      throw std::runtime_error("exam file: cannot rename '" + tmp + "' to '" + path + "'");
  } catch (...) {
    std::remove(tmp.c_str());
    throw;
  }
}

}  // namespace venoflow
