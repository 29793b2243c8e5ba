// venoflow: reads a results file written by Hdf5Writer back into memory.
#include <hdf5.h>

#include <algorithm>
#include <cstdint>
#include <limits>
#include <sstream>
#include <stdexcept>
#include <type_traits>

#include "io/hdf5_util.hpp"
#include "venoflow/hdf5_writer.hpp"
#include "venoflow/result_fields.hpp"

namespace venoflow {

namespace {

using h5::check;
using h5::Handle;

Handle open_group(hid_t loc, const std::string& name, const std::string& path) {
  return Handle(
      check(H5Gopen2(loc, name.c_str(), H5P_DEFAULT), path, "opening group '" + name + "'"));
}

[[noreturn]] void corrupt(const std::string& path, const std::string& what) {
  throw std::runtime_error("results file '" + path + "': " + what);
}

/// Reads a 1-D or 2-D double dataset; returns its dims through `dims`. If `expected` is given
/// the shape must equal it, checked before anything is allocated; the values must also be
/// stored in the file (a venoflow file writes every value), so a damaged header claiming a
/// huge extent is an error instead of an allocation of that size.
std::vector<double> read_doubles(hid_t loc, const std::string& name, std::vector<hsize_t>& dims,
                                 const std::string& path, const std::string& where = "",
                                 const std::vector<hsize_t>* expected = nullptr) {
  const std::string what = "reading dataset '" + where + (where.empty() ? "" : "/") + name + "'";
  Handle ds(check(H5Dopen2(loc, name.c_str(), H5P_DEFAULT), path, what));
  Handle space(check(H5Dget_space(ds.get()), path, what));
  const int rank = check(H5Sget_simple_extent_ndims(space.get()), path, what);
  if (rank > 2) corrupt(path, what + ": " + std::to_string(rank) + " dimensions (at most 2)");
  dims.assign(static_cast<std::size_t>(rank), 0);
  check(H5Sget_simple_extent_dims(space.get(), dims.data(), nullptr), path, what);
  if (expected != nullptr && dims != *expected) {
    auto shape = [](const std::vector<hsize_t>& d) {
      std::string out = "(";
      for (std::size_t i = 0; i < d.size(); ++i) out += (i ? ", " : "") + std::to_string(d[i]);
      return out + (d.size() == 1 ? ",)" : ")");
    };
    corrupt(path, "dataset " + where + "/" + name + " has shape " + shape(dims) + ", expected " +
                      shape(*expected));
  }
  hsize_t n = 1;
  for (hsize_t d : dims) {
    if (d != 0 && n > std::numeric_limits<hsize_t>::max() / 8 / d) {
      corrupt(path, what + ": impossible size");
    }
    n *= d;
  }
  if (n > 0 && H5Dget_storage_size(ds.get()) < n * sizeof(double)) {
    corrupt(path, what + ": " + std::to_string(n) + " values, but fewer are stored in the file " +
                      "(damaged, or not written by venoflow)");
  }
  std::vector<double> out(n);
  if (n > 0) {
    check(H5Dread(ds.get(), H5T_NATIVE_DOUBLE, H5S_ALL, H5S_ALL, H5P_DEFAULT, out.data()), path,
          what);
  }
  return out;
}

std::vector<double> read_series(hid_t loc, const std::string& name, hsize_t nt, hsize_t nx,
                                const std::string& path, const std::string& where) {
  std::vector<hsize_t> dims;
  const std::vector<hsize_t> expected =
      nx == 0 ? std::vector<hsize_t>{nt} : std::vector<hsize_t>{nt, nx};
  return read_doubles(loc, name, dims, path, where, &expected);
}

/// The number of elements of a dataset's or attribute's dataspace.
hssize_t points(hid_t space, const std::string& path, const std::string& what) {
  return check(H5Sget_simple_extent_npoints(space), path, what);
}

std::string dataset_units(hid_t loc, const std::string& name, const std::string& path) {
  Handle ds(check(H5Dopen2(loc, name.c_str(), H5P_DEFAULT), path, "opening '" + name + "'"));
  return h5::has_attr(ds.get(), "units") ? h5::get_attr_string(ds.get(), "units", path) : "";
}

std::string read_string_dataset(hid_t loc, const std::string& name, const std::string& path) {
  const std::string what = "reading dataset '" + name + "'";
  Handle ds(check(H5Dopen2(loc, name.c_str(), H5P_DEFAULT), path, what));
  Handle ftype(check(H5Dget_type(ds.get()), path, what));
  if (H5Tget_class(ftype.get()) != H5T_STRING) corrupt(path, what + ": not a string");
  {
    Handle space(check(H5Dget_space(ds.get()), path, what));
    if (points(space.get(), path, what) != 1) corrupt(path, what + ": not a single string");
  }
  Handle mtype(check(H5Tcopy(H5T_C_S1), path, what));
  if (check(H5Tis_variable_str(ftype.get()), path, what) > 0) {
    check(H5Tset_size(mtype.get(), H5T_VARIABLE), path, what);
    check(H5Tset_cset(mtype.get(), H5Tget_cset(ftype.get())), path, what);
    char* text = nullptr;
    check(H5Dread(ds.get(), mtype.get(), H5S_ALL, H5S_ALL, H5P_DEFAULT, &text), path, what);
    std::string out = text != nullptr ? text : "";
    H5free_memory(text);
    return out;
  }
  const std::size_t size = H5Tget_size(ftype.get());
  check(H5Tset_size(mtype.get(), size + 1), path, what);
  std::vector<char> buf(size + 1, '\0');
  check(H5Dread(ds.get(), mtype.get(), H5S_ALL, H5S_ALL, H5P_DEFAULT, buf.data()), path, what);
  return std::string(buf.data());
}

bool get_flag(hid_t loc, const std::string& name, const std::string& path) {
  return h5::has_attr(loc, name) && h5::get_attr_int(loc, name, path) != 0;
}

std::vector<std::int64_t> read_ints(hid_t loc, const std::string& name, std::size_t expected,
                                    const std::string& path, const std::string& where) {
  const std::string what = "reading dataset '" + where + "/" + name + "'";
  if (h5::extent_1d(loc, name, path, where) != expected)
    corrupt(path, where + "/" + name + " does not have " + std::to_string(expected) + " values");
  Handle ds(check(H5Dopen2(loc, name.c_str(), H5P_DEFAULT), path, what));
  std::vector<std::int64_t> out(expected);
  if (expected > 0)
    check(H5Dread(ds.get(), H5T_NATIVE_INT64, H5S_ALL, H5S_ALL, H5P_DEFAULT, out.data()), path,
          what);
  return out;
}

/// Reads the (nt, width) table `name` of the compact layout in blocks of rows, handing each
/// row to row(k, values). The shape is checked, and the values must be stored in the file,
/// before anything is allocated.
template <class Row>
void read_table(hid_t loc, const std::string& name, hsize_t nt, hsize_t width,
                const std::string& path, const std::string& where, Row row) {
  const std::string what = "reading dataset '" + where + "/" + name + "'";
  Handle ds(check(H5Dopen2(loc, name.c_str(), H5P_DEFAULT), path, what));
  Handle space(check(H5Dget_space(ds.get()), path, what));
  hsize_t dims[2] = {0, 0};
  if (check(H5Sget_simple_extent_ndims(space.get()), path, what) != 2)
    corrupt(path, "dataset " + where + "/" + name + " is not 2-D");
  check(H5Sget_simple_extent_dims(space.get(), dims, nullptr), path, what);
  if (dims[0] != nt || dims[1] != width)
    corrupt(path, "dataset " + where + "/" + name + " has shape (" + std::to_string(dims[0]) +
                      ", " + std::to_string(dims[1]) + "), expected (" + std::to_string(nt) + ", " +
                      std::to_string(width) + ")");
  if (nt == 0 || width == 0) return;
  if (nt > std::numeric_limits<hsize_t>::max() / 8 / width)
    corrupt(path, what + ": impossible size");
  if (H5Dget_storage_size(ds.get()) < nt * width * sizeof(double))
    corrupt(path, what + ": " + std::to_string(nt * width) +
                      " values, but fewer are stored in the file (damaged, or not written by "
                      "venoflow)");
  const hsize_t block = std::max<hsize_t>(1, (hsize_t{4} << 20) / (8 * width));
  std::vector<double> buf(std::min(block, nt) * width);
  for (hsize_t k0 = 0; k0 < nt; k0 += block) {
    const hsize_t n = std::min(block, nt - k0);
    const hsize_t start[2] = {k0, 0}, count[2] = {n, width};
    check(H5Sselect_hyperslab(space.get(), H5S_SELECT_SET, start, nullptr, count, nullptr), path,
          what);
    Handle mspace(check(H5Screate_simple(2, count, nullptr), path, what));
    check(H5Dread(ds.get(), H5T_NATIVE_DOUBLE, mspace.get(), space.get(), H5P_DEFAULT, buf.data()),
          path, what);
    for (hsize_t k = 0; k < n; ++k) row(static_cast<std::size_t>(k0 + k), buf.data() + k * width);
  }
}

/// The series and metrics of a compact file (format 2, docs/results-format.md).
void read_compact(hid_t f, hsize_t nt, const std::string& path, MemoryResults& r) {
  auto& layout = r.layout;
  auto& cols = r.columns;
  {
    const std::string where = "/vessels";
    Handle g = open_group(f, "vessels", path);
    const std::size_t nv = h5::extent_1d(g.get(), "vessel", path, where);
    const auto names = h5::read_strings(g.get(), "vessel", nv, path, where);
    const auto start = read_ints(g.get(), "start", nv, path, where);
    const auto count = read_ints(g.get(), "count", nv, path, where);
    std::vector<hsize_t> dims;
    const std::vector<double> x = read_doubles(g.get(), "x", dims, path, where);
    if (dims.size() != 1) corrupt(path, "/vessels/x is not 1-D");
    std::size_t offset = 0;
    for (std::size_t i = 0; i < nv; ++i) {
      // The vessels are contiguous along x, in order, each with at least one position.
      if (start[i] != static_cast<std::int64_t>(offset) || count[i] < 1 ||
          static_cast<std::uint64_t>(count[i]) > x.size() - offset)
        corrupt(path, "/vessels/start and /vessels/count do not tile /vessels/x (vessel '" +
                          names[i] + "')");
      OutputLayout::VesselOut v;
      v.name = names[i];
      v.x.assign(x.begin() + static_cast<std::ptrdiff_t>(offset),
                 x.begin() + static_cast<std::ptrdiff_t>(offset + count[i]));
      offset += static_cast<std::size_t>(count[i]);
      layout.vessels.push_back(std::move(v));
    }
    if (offset != x.size()) corrupt(path, "/vessels/x has positions of no vessel");
    cols.vessels.resize(nv);
    for (std::size_t i = 0; i < nv; ++i) {
      const std::size_t n = static_cast<std::size_t>(nt) * layout.vessels[i].x.size();
      cols.vessels[i].pressure.resize(n);
      cols.vessels[i].flow.resize(n);
      cols.vessels[i].area.resize(n);
    }
    using Member = std::vector<double> ResultColumns::Vessel::*;
    const std::pair<const char*, Member> series[3] = {
        {"pressure", &ResultColumns::Vessel::pressure},
        {"flow", &ResultColumns::Vessel::flow},
        {"area", &ResultColumns::Vessel::area}};
    for (const auto& [name, member] : series)
      read_table(g.get(), name, nt, x.size(), path, where, [&](std::size_t k, const double* row) {
        for (std::size_t i = 0; i < nv; ++i) {
          const std::size_t nx = layout.vessels[i].x.size();
          std::copy(row + start[i], row + start[i] + nx, (cols.vessels[i].*member).data() + k * nx);
        }
      });
  }
  {
    const std::string where = "/nodes";
    Handle g = open_group(f, "nodes", path);
    const std::size_t n = h5::extent_1d(g.get(), "node", path, where);
    layout.nodes = h5::read_strings(g.get(), "node", n, path, where);
    cols.node_pressure.assign(n, std::vector<double>(nt));
    read_table(g.get(), "pressure", nt, n, path, where, [&](std::size_t k, const double* row) {
      for (std::size_t i = 0; i < n; ++i) cols.node_pressure[i][k] = row[i];
    });
  }
  {
    const std::string where = "/elements";
    Handle g = open_group(f, "elements", path);
    const std::size_t n = h5::extent_1d(g.get(), "quantity", path, where);
    const auto quantity = h5::read_strings(g.get(), "quantity", n, path, where);
    const auto element = h5::read_strings(g.get(), "element", n, path, where);
    const auto type = h5::read_strings(g.get(), "type", n, path, where);
    const auto units = h5::read_strings(g.get(), "units", n, path, where);
    for (std::size_t i = 0; i < n; ++i) {
      // An element's outputs are consecutive columns.
      if (layout.elements.empty() || layout.elements.back().name != element[i])
        layout.elements.push_back({element[i], type[i], {}});
      layout.elements.back().quantities.push_back({quantity[i], units[i]});
    }
    cols.element_values.assign(n, std::vector<double>(nt));
    read_table(g.get(), "values", nt, n, path, where, [&](std::size_t k, const double* row) {
      for (std::size_t i = 0; i < n; ++i) cols.element_values[i][k] = row[i];
    });
  }
}

/// The metrics table of a compact file.
void read_compact_metrics(hid_t f, const std::string& path, MemoryResults& r) {
  if (H5Lexists(f, "metrics", H5P_DEFAULT) > 0) {
    const std::string where = "/metrics";
    Handle g = open_group(f, "metrics", path);
    const std::size_t n = h5::extent_1d(g.get(), "metric", path, where);
    const auto names = h5::read_strings(g.get(), "metric", n, path, where);
    std::vector<hsize_t> dims;
    const std::vector<hsize_t> expected{n};
    const auto values = read_doubles(g.get(), "value", dims, path, where, &expected);
    const auto units = h5::read_strings(g.get(), "units", n, path, where);
    const auto docs = h5::read_strings(g.get(), "doc", n, path, where);
    for (std::size_t i = 0; i < n; ++i) r.metrics[names[i]] = Metric{values[i], units[i], docs[i]};
  }
}

}  // namespace

MemoryResults read_results(const std::string& path, bool series) {
  h5::ErrorSilencer quiet;
  MemoryResults r;
  if (H5Fis_hdf5(path.c_str()) <= 0) {
    const std::string detail = h5::current_error();
    corrupt(path, "not an HDF5 file" + (detail.empty() ? "" : " (" + detail + ")"));
  }
  Handle file(H5Fopen(path.c_str(), H5F_ACC_RDONLY, H5P_DEFAULT));
  if (!file.valid()) h5::fail(path, "cannot open the file (damaged?)");
  Handle root = open_group(file.get(), "/", path);
  const hid_t f = root.get();
  for (const char* required : {"time", "vessels", "nodes", "elements"}) {
    if (H5Lexists(f, required, H5P_DEFAULT) <= 0) {
      H5Eclear2(H5E_DEFAULT);
      corrupt(path, std::string("not a venoflow results file (no '/") + required +
                        "'; docs/results-format.md)");
    }
  }

  // Format 1 (groups, also the files of versions before the attribute existed) or 2 (compact).
  const std::int64_t format =
      h5::has_attr(f, "format_version") ? h5::get_attr_int(f, "format_version", path) : 1;
  if (format != 1 && format != 2)
    corrupt(path, "results format " + std::to_string(format) +
                      " (this venoflow reads formats 1 and 2: written by a newer venoflow?)");

  std::vector<hsize_t> dims;
  const std::vector<double> time =
      series ? read_doubles(f, "time", dims, path) : std::vector<double>{};
  if (series && dims.size() != 1)
    throw std::runtime_error("results file '" + path + "': /time is not 1-D");
  const hsize_t nt = series ? dims[0] : 0;

  auto& layout = r.layout;
  layout.period = h5::has_attr(f, "period") ? h5::get_attr_double(f, "period", path) : 0.0;
  // Every series is read as the file holds it, by column: no transposition.
  auto& cols = r.columns;
  cols.time = time;

  if (format == 2) {
    if (series) read_compact(f, nt, path, r);
    read_compact_metrics(f, path, r);
  }
  if (format == 1 && series) {
    Handle vg = open_group(f, "vessels", path);
    for (const auto& name : h5::list_links(vg.get(), path)) {
      Handle g = open_group(vg.get(), name, path);
      OutputLayout::VesselOut v;
      v.name = name;
      v.x = read_doubles(g.get(), "x", dims, path, "/vessels/" + name);
      if (dims.size() != 1 || v.x.empty()) corrupt(path, "/vessels/" + name + "/x is not 1-D");
      const hsize_t nx = v.x.size();
      const std::string where = "/vessels/" + name;
      ResultColumns::Vessel c;
      c.pressure = read_series(g.get(), "pressure", nt, nx, path, where);
      c.flow = read_series(g.get(), "flow", nt, nx, path, where);
      c.area = read_series(g.get(), "area", nt, nx, path, where);
      cols.vessels.push_back(std::move(c));
      layout.vessels.push_back(std::move(v));
    }
  }
  if (format == 1 && series) {
    Handle ng = open_group(f, "nodes", path);
    for (const auto& name : h5::list_links(ng.get(), path)) {
      Handle g = open_group(ng.get(), name, path);
      cols.node_pressure.push_back(read_series(g.get(), "pressure", nt, 0, path, "/nodes/" + name));
      layout.nodes.push_back(name);
    }
  }
  if (format == 1 && series) {
    Handle eg = open_group(f, "elements", path);
    for (const auto& name : h5::list_links(eg.get(), path)) {
      Handle g = open_group(eg.get(), name, path);
      OutputLayout::ElementOut e;
      e.name = name;
      e.type = h5::has_attr(g.get(), "type") ? h5::get_attr_string(g.get(), "type", path) : "";
      for (const auto& qname : h5::list_links(g.get(), path)) {
        if (qname == "time") continue;
        cols.element_values.push_back(
            read_series(g.get(), qname, nt, 0, path, "/elements/" + name));
        e.quantities.push_back(Quantity{qname, dataset_units(g.get(), qname, path)});
      }
      layout.elements.push_back(std::move(e));
    }
  }
  if (format == 1 && H5Lexists(f, "metrics", H5P_DEFAULT) > 0) {
    Handle mg = open_group(f, "metrics", path);
    for (const auto& name : h5::list_links(mg.get(), path)) {
      Handle ds(check(H5Dopen2(mg.get(), name.c_str(), H5P_DEFAULT), path,
                      "opening metric '" + name + "'"));
      Metric m;
      {
        const std::string what = "metric '" + name + "'";
        Handle space(check(H5Dget_space(ds.get()), path, what));
        if (points(space.get(), path, what) != 1) corrupt(path, what + " is not a scalar");
      }
      check(H5Dread(ds.get(), H5T_NATIVE_DOUBLE, H5S_ALL, H5S_ALL, H5P_DEFAULT, &m.value), path,
            "reading metric '" + name + "'");
      for_each_field(kMetricFields, m, [&](const auto& field, auto& value) {
        if constexpr (std::is_same_v<std::decay_t<decltype(value)>, std::string>)
          if (h5::has_attr(ds.get(), field.name))
            value = h5::get_attr_string(ds.get(), field.name, path);
      });
      r.metrics.emplace(name, std::move(m));
    }
  }
  if (H5Lexists(f, "model", H5P_DEFAULT) > 0) r.model_yaml = read_string_dataset(f, "model", path);

  r.model_name = h5::has_attr(f, "model_name") ? h5::get_attr_string(f, "model_name", path) : "";
  // The run's records, field by field (venoflow/result_fields.hpp); a field the file does not
  // have (written by an older version) keeps the record's default.
  auto read_field = [&](const auto& field, auto& value) {
    using T = std::decay_t<decltype(value)>;
    if (!h5::has_attr(f, field.name)) return;
    if constexpr (std::is_same_v<T, bool>) {
      value = get_flag(f, field.name, path);
    } else if constexpr (std::is_integral_v<T>) {
      value = static_cast<T>(h5::get_attr_int(f, field.name, path));
    } else if constexpr (std::is_same_v<T, double>) {
      value = h5::get_attr_double(f, field.name, path);
    } else if constexpr (std::is_same_v<T, std::string>) {
      value = h5::get_attr_string(f, field.name, path);
    } else {  // one line each
      std::istringstream lines(h5::get_attr_string(f, field.name, path));
      for (std::string line; std::getline(lines, line);)
        if (!line.empty()) value.push_back(line);
    }
  };
  for_each_field(kRunStatisticsFields, r.stats, read_field);
  for_each_field(kRunOutcomeFields, r.outcome, read_field);
  return r;
}

}  // namespace venoflow
