// venoflow: reads a results file written by Hdf5Writer back into memory.
#include <hdf5.h>

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

}  // namespace

MemoryResults read_results(const std::string& path) {
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

  std::vector<hsize_t> dims;
  const std::vector<double> time = read_doubles(f, "time", dims, path);
  if (dims.size() != 1) throw std::runtime_error("results file '" + path + "': /time is not 1-D");
  const hsize_t nt = dims[0];

  auto& layout = r.layout;
  layout.period = h5::has_attr(f, "period") ? h5::get_attr_double(f, "period", path) : 0.0;
  // Every series is read as the file holds it, by column: no transposition.
  auto& cols = r.columns;
  cols.time = time;

  {
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
  {
    Handle ng = open_group(f, "nodes", path);
    for (const auto& name : h5::list_links(ng.get(), path)) {
      Handle g = open_group(ng.get(), name, path);
      cols.node_pressure.push_back(read_series(g.get(), "pressure", nt, 0, path, "/nodes/" + name));
      layout.nodes.push_back(name);
    }
  }
  {
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
  if (H5Lexists(f, "metrics", H5P_DEFAULT) > 0) {
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
