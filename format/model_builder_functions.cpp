// venoflow: time functions and table files in model files (docs/model-format.md#time-functions).
#include "format/builder.hpp"
#include "venoflow/model_document.hpp"

namespace venoflow::detail {

std::optional<TimeFunction> Builder::function(const yaml::Node& n, const std::string& path,
                                              const KeySpec& spec) {
  const Dimension& d = spec.dim;
  if (n.IsScalar()) {
    auto v = quantity_node(n, path, d, "");
    if (!v) return std::nullopt;
    return TimeFunction::constant(*v);
  }
  if (!n.IsMap()) {
    error(n, path,
          "expected " + describe(d) + " or a time function (table, fourier, sine), got " +
              kind_of(n));
    return std::nullopt;
  }
  check_keys(n, path, spec.children);
  auto table = child(n, "table");
  auto fourier = child(n, "fourier");
  auto sine = child(n, "sine");
  int count = (table ? 1 : 0) + (fourier ? 1 : 0) + (sine ? 1 : 0);
  if (count != 1) {
    error(n, path,
          count == 0 ? "expected a time function: give one of table, fourier, sine"
                     : "give only one of table, fourier, sine");
    return std::nullopt;
  }
  double period = 0.0;
  bool has_period = false;
  if (auto p = child(n, "period")) {
    auto v = quantity_node(*p, join(path, "period"), dim::time, "", Bound::Positive);
    if (!v) return std::nullopt;
    period = *v;
    has_period = true;
  }
  try {
    if (table) {
      std::string tp = join(path, "table");
      const KeySpec* ts = find_key(spec, "table");
      if (!table->IsMap()) {
        error(*table, tp, "expected a map with file + columns, or time + value + points");
        return std::nullopt;
      }
      check_keys(*table, tp, ts->children);
      std::vector<double> t, v;
      auto file = child(*table, "file");
      auto points = child(*table, "points");
      if (file && points) {
        error(*table, tp, "give either file (with columns) or points, not both");
        return std::nullopt;
      }
      std::optional<Unit> tu, vu;
      if (file) {
        auto cols = child(*table, "columns");
        if (!cols) {
          error(*table, join(tp, "columns"),
                "missing required key 'columns' (units of the file's columns, e.g. [s, ml/s])");
          return std::nullopt;
        }
        if (!cols->IsSequence() || cols->size() != 2) {
          error(*cols, join(tp, "columns"),
                "expected [time unit, value unit], got " + kind_of(*cols));
          return std::nullopt;
        }
        tu = unit_node((*cols)[0], join(tp, "columns"), dim::time);
        vu = unit_node((*cols)[1], join(tp, "columns"), d);
        if (!tu || !vu) return std::nullopt;
        if (!read_table_file(*file, join(tp, "file"), t, v)) return std::nullopt;
      } else if (points) {
        auto tn = child(*table, "time");
        auto vn = child(*table, "value");
        if (!tn || !vn) {
          error(*table, join(tp, tn ? "value" : "time"),
                "missing required key '" + std::string(tn ? "value" : "time") +
                    "' (the unit of the points' " + (tn ? "values" : "times") + ")");
          return std::nullopt;
        }
        tu = unit_node(*tn, join(tp, "time"), dim::time);
        vu = unit_node(*vn, join(tp, "value"), d);
        if (!tu || !vu) return std::nullopt;
        if (!pairs_node(*points, join(tp, "points"), t, v)) return std::nullopt;
      } else {
        error(*table, tp, "a table needs `file` (with `columns`) or `points`");
        return std::nullopt;
      }
      for (double& x : t) x *= tu->factor;
      for (double& x : v) x *= vu->factor;
      auto interp = TimeFunction::Interpolation::Linear;
      if (auto c = choice(*table, *ts, "interpolation", tp); c && *c == "cubic")
        interp = TimeFunction::Interpolation::Cubic;
      else if (c && *c == "monotone")
        interp = TimeFunction::Interpolation::Monotone;
      try {
        return TimeFunction::table(std::move(t), std::move(v), period, interp);
      } catch (const std::invalid_argument& e) {
        error(*table, tp, e.what());
        return std::nullopt;
      }
    }
    if (fourier) {
      std::string fp = join(path, "fourier");
      const KeySpec* fs = find_key(spec, "fourier");
      if (!fourier->IsMap()) {
        error(*fourier, fp, "expected a map with mean, unit, harmonics");
        return std::nullopt;
      }
      check_keys(*fourier, fp, fs->children);
      if (!has_period) {
        error(n, join(path, "period"), "a fourier series needs a period");
        return std::nullopt;
      }
      auto mean = quantity(*fourier, *fs, "mean", fp);
      std::optional<Unit> u;
      if (auto un = child(*fourier, "unit")) u = unit_node(*un, join(fp, "unit"), d);
      std::vector<double> a, phi;
      bool ok = false;
      if (auto h = child(*fourier, "harmonics")) ok = pairs_node(*h, join(fp, "harmonics"), a, phi);
      if (!mean || !u || !ok) return std::nullopt;
      for (double& x : a) x *= u->factor;
      return TimeFunction::fourier(*mean, std::move(a), std::move(phi), period);
    }
    std::string sp = join(path, "sine");
    const KeySpec* ss = find_key(spec, "sine");
    if (!sine->IsMap()) {
      error(*sine, sp, "expected a map with mean, amplitude, phase");
      return std::nullopt;
    }
    check_keys(*sine, sp, ss->children);
    if (!has_period) {
      error(n, join(path, "period"), "a sine needs a period");
      return std::nullopt;
    }
    auto mean = quantity(*sine, *ss, "mean", sp);
    auto amp = quantity(*sine, *ss, "amplitude", sp);
    double phase = 0.0;
    if (child(*sine, "phase")) {
      auto ph = quantity(*sine, *ss, "phase", sp);
      if (!ph) return std::nullopt;
      phase = *ph;
    }
    if (!mean || !amp) return std::nullopt;
    return TimeFunction::sine(*mean, *amp, period, phase);
  } catch (const std::invalid_argument& e) {
    error(n, path, e.what());
    return std::nullopt;
  }
}

bool Builder::read_table_file(const yaml::Node& file_node, const std::string& path,
                              std::vector<double>& t, std::vector<double>& v) {
  auto name = text_node(file_node, path, "a file name");
  if (!name) return false;
  std::filesystem::path p(*name);
  if (p.is_relative()) p = std::filesystem::path(in_.base_dir) / p;
  // Read as model files are: a regular file, at most kMaxModelFileBytes, UTF-8 text.
  std::string text;
  try {
    text = read_model_file(p.string());
  } catch (const ModelError& e) {
    const Diagnostic& d = e.diagnostics().front();
    error(file_node, path,
          d.where.line > 0 ? "table file " + d.where.str() + ": " + d.message
                           : "cannot open table file '" + p.string() + "': " + d.message);
    return false;
  }
  std::istringstream f(text);
  std::string line;
  int lineno = 0;
  while (std::getline(f, line)) {
    ++lineno;
    if (auto hash = line.find('#'); hash != std::string::npos) line.erase(hash);
    std::istringstream is(line);
    std::vector<std::string> words;
    std::string w;
    while (is >> w) words.push_back(w);
    if (words.empty()) continue;
    double a = 0, b = 0;
    if (words.size() != 2 || !parse_full_number(words[0], a) || !parse_full_number(words[1], b)) {
      error(
          file_node, path,
          p.string() + ":" + std::to_string(lineno) + ": expected two numbers, got '" + line + "'");
      return false;
    }
    t.push_back(a);
    v.push_back(b);
  }
  if (t.empty()) {
    error(file_node, path, "table file '" + p.string() + "' has no data rows");
    return false;
  }
  return true;
}

}  // namespace venoflow::detail
