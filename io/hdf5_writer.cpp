// venoflow: HDF5 results file writer (docs/results-format.md).
#include "venoflow/hdf5_writer.hpp"

#include <fcntl.h>
#include <hdf5.h>
#include <hdf5_hl.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <bit>
#include <cerrno>
#include <chrono>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <ctime>
#include <filesystem>
#include <stdexcept>
#include <system_error>
#include <thread>
#include <type_traits>

#include "io/hdf5_util.hpp"
#include "venoflow/model.hpp"
#include "venoflow/result_fields.hpp"

namespace venoflow {

namespace {

using h5::check;
using h5::Handle;

constexpr std::size_t kMaxChunkBytes = std::size_t{4} << 20;  // cap on one chunk of a 2-D series
constexpr std::size_t kMaxAttrString = 60000;  // HDF5 compact attributes must stay < 64 KiB

std::string iso8601_utc_now() {
  const std::time_t now = std::chrono::system_clock::to_time_t(std::chrono::system_clock::now());
  std::tm tm{};
  gmtime_r(&now, &tm);
  char buf[32];
  std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%SZ", &tm);
  return buf;
}

/// The path without a trailing ".h5".
std::string stem_of(const std::string& path) {
  std::string stem = path;
  if (stem.size() >= 3 && stem.compare(stem.size() - 3, 3, ".h5") == 0) {
    stem.resize(stem.size() - 3);
  }
  return stem;
}

std::string incomplete_path(const std::string& path) { return stem_of(path) + ".incomplete.h5"; }

void check_name(const std::string& name, const std::string& kind) {
  if (name.empty() || name == "." || name == ".." || name.find('/') != std::string::npos) {
    throw std::runtime_error("results file: invalid " + kind + " name '" + name +
                             "' (must be non-empty and must not contain '/')");
  }
}

std::string errno_text(int err) { return std::strerror(err); }

// ---- temporary files -------------------------------------------------------------------------
//
// A writer writes "<path>.tmp-<pid>-<serial>" (serial: per process, so that threads writing the
// same output do not share a file) and holds an exclusive flock on it for its whole life, from
// an open file description of its own. The lock is what tells a live writer's file from one
// left by a process that died (SIGKILL, power loss): the kernel drops it with the process, and a
// reused PID does not bring it back. A later writer of the same output removes the files whose
// lock it can take; it never touches a file whose lock is held, nor any other name.

std::atomic<unsigned long> g_writer_serial{0};

/// "<name>.tmp-<digits>-<digits>" for the file name (no directory) of an output.
bool is_temp_name_of(const std::string& entry, const std::string& output_name) {
  const std::string prefix = output_name + ".tmp-";
  if (entry.size() <= prefix.size() || entry.compare(0, prefix.size(), prefix) != 0) return false;
  const std::string rest = entry.substr(prefix.size());
  const auto dash = rest.find('-');
  auto digits = [](const std::string& t) {
    return !t.empty() && t.size() <= 20 &&
           std::all_of(t.begin(), t.end(), [](char c) { return c >= '0' && c <= '9'; });
  };
  return dash != std::string::npos && digits(rest.substr(0, dash)) && digits(rest.substr(dash + 1));
}

bool same_file(const struct stat& a, const struct stat& b) {
  return a.st_dev == b.st_dev && a.st_ino == b.st_ino;
}

/// Removes `name` if it is a regular file whose lock nobody holds (its writer is dead), while
/// holding that lock and after checking that the name still refers to the locked file.
/// Returns true if it removed the file.
bool remove_if_abandoned(const std::string& name) {
  const int fd = ::open(name.c_str(), O_RDWR | O_NOFOLLOW | O_NONBLOCK | O_NOCTTY | O_CLOEXEC);
  if (fd < 0) return false;
  bool removed = false;
  struct stat held {};
  struct stat now {};
  if (::fstat(fd, &held) == 0 && S_ISREG(held.st_mode) && ::flock(fd, LOCK_EX | LOCK_NB) == 0 &&
      ::lstat(name.c_str(), &now) == 0 && same_file(held, now)) {
    removed = ::unlink(name.c_str()) == 0;
  }
  ::close(fd);  // releases the lock
  return removed;
}

/// Removes the temporary files of `path` left by dead writers (see above).
void remove_stale_temps(const std::filesystem::path& path) {
  const std::filesystem::path dir = path.has_parent_path() ? path.parent_path() : ".";
  const std::string own = path.filename().string();
  std::error_code ec;
  std::filesystem::directory_iterator it(dir, ec), end;
  for (; !ec && it != end; it.increment(ec)) {
    const std::string entry = it->path().filename().string();
    if (is_temp_name_of(entry, own)) remove_if_abandoned(it->path().string());
  }
}

/// Checks the output path before anything is computed: the run must not find out at its end
/// that its results cannot be put there.
void check_output_path(const std::string& path) {
  namespace fs = std::filesystem;
  const fs::path p(path);
  const std::string head = "cannot write results file '" + path + "': ";
  if (!p.has_filename() || p.filename() == "." || p.filename() == "..") {
    throw std::runtime_error(head + "the path names a directory, not a file");
  }
  std::error_code ec;
  const fs::file_status st = fs::status(p, ec);
  if (fs::is_directory(st)) throw std::runtime_error(head + "it is an existing directory");
  if (fs::exists(st) && !fs::is_regular_file(st)) {
    throw std::runtime_error(head + "it exists and is not a regular file");
  }
  const fs::path dir = p.has_parent_path() ? p.parent_path() : fs::path(".");
  const fs::file_status ds = fs::status(dir, ec);
  if (!fs::exists(ds)) {
    throw std::runtime_error(head + "directory '" + dir.string() + "' does not exist");
  }
  if (!fs::is_directory(ds)) {
    throw std::runtime_error(head + "'" + dir.string() + "' is not a directory");
  }
}

/// Creates `name` (which must not exist: O_EXCL) and takes its lock; returns the descriptor
/// that holds the lock. A file already there under this name was left by a dead process with
/// this PID (no live writer has our PID and serial) and is removed first.
int create_locked_temp(const std::string& name, const std::string& path) {
  for (int attempt = 0; attempt < 50; ++attempt) {
    const int fd = ::open(name.c_str(), O_RDWR | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0666);
    if (fd < 0) {
      const int err = errno;
      if (err == EEXIST) {
        if (!remove_if_abandoned(name)) std::this_thread::sleep_for(std::chrono::milliseconds(2));
        continue;
      }
      const std::filesystem::path dir = std::filesystem::path(path).has_parent_path()
                                            ? std::filesystem::path(path).parent_path()
                                            : std::filesystem::path(".");
      throw std::runtime_error("cannot write results file '" + path +
                               "': cannot create a file in directory '" + dir.string() +
                               "': " + errno_text(err));
    }
    struct stat held {};
    struct stat now {};
    // Another writer's clean-up may hold the lock on our new (empty) file for an instant, and
    // then removes it: start again with a new file.
    if (::flock(fd, LOCK_EX | LOCK_NB) == 0 && ::fstat(fd, &held) == 0 &&
        ::lstat(name.c_str(), &now) == 0 && same_file(held, now)) {
      return fd;
    }
    ::close(fd);
    std::this_thread::sleep_for(std::chrono::milliseconds(2));
  }
  throw std::runtime_error("cannot write results file '" + path +
                           "': could not create and lock the temporary file '" + name + "'");
}

const char* non_finite_word(double v) { return std::isnan(v) ? "NaN" : "infinite"; }

// Whether every value is finite, as one vectorised pass (an OR of exponent tests with no early
// exit, as numerics/system.cpp checks ydot and the run its samples: a loop over std::isfinite
// that stops at the first failure costs 5 instructions per value), compiled at -O3 for AVX2
// and the baseline.
#pragma GCC push_options
#pragma GCC optimize("O3")
__attribute__((target_clones("avx2", "default"))) bool all_finite(const double* a, std::size_t n) {
  constexpr std::uint64_t kExponent = 0x7ff0000000000000ull;  // IEEE 754: all ones for inf, NaN
  std::uint64_t nonfinite = 0;
  for (std::size_t i = 0; i < n; ++i)
    nonfinite |= (std::bit_cast<std::uint64_t>(a[i]) & kExponent) == kExponent;
  return nonfinite == 0;
}
#pragma GCC pop_options

Handle create_group(hid_t loc, const std::string& name, const std::string& path) {
  Handle gcpl(check(H5Pcreate(H5P_GROUP_CREATE), path, "H5Pcreate"));
  check(H5Pset_link_creation_order(gcpl.get(), H5P_CRT_ORDER_TRACKED | H5P_CRT_ORDER_INDEXED), path,
        "H5Pset_link_creation_order");
  return Handle(check(H5Gcreate2(loc, name.c_str(), H5P_DEFAULT, gcpl.get(), H5P_DEFAULT), path,
                      "creating group '" + name + "'"));
}

void set_units(hid_t ds, const std::string& units, const std::string& long_name,
               const std::string& path) {
  h5::set_attr(ds, "units", units, path);
  if (!long_name.empty()) h5::set_attr(ds, "long_name", long_name, path);
}

/// Extensible time series: (0) or (0, nx), unlimited along time, chunked (chunk_t[, nx]).
Handle create_series(hid_t loc, const std::string& name, hsize_t nx, hsize_t chunk_t,
                     const std::string& path) {
  const int rank = nx == 0 ? 1 : 2;
  const hsize_t dims[2] = {0, nx};
  const hsize_t maxdims[2] = {H5S_UNLIMITED, nx};
  const hsize_t chunk[2] = {chunk_t, nx};
  Handle space(check(H5Screate_simple(rank, dims, maxdims), path, "H5Screate_simple"));
  Handle dcpl(check(H5Pcreate(H5P_DATASET_CREATE), path, "H5Pcreate"));
  check(H5Pset_chunk(dcpl.get(), rank, chunk), path, "H5Pset_chunk");
  // Every element below the extent is written, so no fill values are needed.
  check(H5Pset_fill_time(dcpl.get(), H5D_FILL_TIME_NEVER), path, "H5Pset_fill_time");
  // Writes cover whole chunks (flush_every rows), so a chunk cache only costs memory; keep it
  // small so memory does not grow with the number of datasets either.
  Handle dapl(check(H5Pcreate(H5P_DATASET_ACCESS), path, "H5Pcreate"));
  const std::size_t chunk_bytes = static_cast<std::size_t>(chunk_t * std::max<hsize_t>(nx, 1)) * 8;
  check(H5Pset_chunk_cache(dapl.get(), 11, chunk_bytes, 1.0), path, "H5Pset_chunk_cache");
  return Handle(check(H5Dcreate2(loc, name.c_str(), H5T_IEEE_F64LE, space.get(), H5P_DEFAULT,
                                 dcpl.get(), dapl.get()),
                      path, "creating dataset '" + name + "'"));
}

/// Appends rows [nt, nt + n) of a series from a contiguous (n[, nx]) buffer.
void append_rows(hid_t ds, hsize_t nt, hsize_t n, hsize_t nx, const double* data,
                 const std::string& path, const std::string& what) {
  const int rank = nx == 0 ? 1 : 2;
  const hsize_t new_dims[2] = {nt + n, nx};
  check(H5Dset_extent(ds, new_dims), path, "extending " + what);
  Handle fspace(check(H5Dget_space(ds), path, what));
  const hsize_t start[2] = {nt, 0};
  const hsize_t count[2] = {n, nx};
  check(H5Sselect_hyperslab(fspace.get(), H5S_SELECT_SET, start, nullptr, count, nullptr), path,
        what);
  Handle mspace(check(H5Screate_simple(rank, count, nullptr), path, what));
  check(H5Dwrite(ds, H5T_NATIVE_DOUBLE, mspace.get(), fspace.get(), H5P_DEFAULT, data), path,
        "writing " + what);
}

/// Dimension-scale attachments of one group, written in one pass with the layout of the HDF5
/// Dimension Scales specification as H5DSattach_scale writes it: on each dataset a
/// DIMENSION_LIST attribute (per dimension a variable-length list of object references to its
/// scales), on each scale a REFERENCE_LIST attribute ({dataset: object reference,
/// dimension: int} per attachment). H5DSattach_scale reads, deletes and rewrites both attributes
/// at every call, which was a third of a results file's set-up; this writes each once. The
/// scales carry CLASS and NAME from H5DSset_scale. Readers: h5py's `dims`, netCDF-4 and
/// h5netcdf (tests/python/test_results_file.py).
class ScaleAttachments {
 public:
  void attach(hid_t dataset, hid_t scale, unsigned dim) { items_.push_back({dataset, scale, dim}); }

  /// Write the attributes of everything attached since the last call (the datasets and scales
  /// must still be open).
  void write(const std::string& path) {
    if (items_.empty()) return;
    Handle vlen(check(H5Tvlen_create(H5T_STD_REF_OBJ), path, "H5Tvlen_create"));
    Handle compound(check(H5Tcreate(H5T_COMPOUND, sizeof(RefEntry)), path, "H5Tcreate"));
    check(H5Tinsert(compound.get(), "dataset", HOFFSET(RefEntry, ref), H5T_STD_REF_OBJ), path,
          "H5Tinsert");
    check(H5Tinsert(compound.get(), "dimension", HOFFSET(RefEntry, dim), H5T_NATIVE_INT), path,
          "H5Tinsert");
    auto ref_to = [&](hid_t obj) {
      hobj_ref_t r;
      check(H5Rcreate(&r, obj, ".", H5R_OBJECT, -1), path, "H5Rcreate");
      return r;
    };
    auto write_attr = [&](hid_t obj, const char* name, hid_t type, hsize_t n, const void* data) {
      Handle space(check(H5Screate_simple(1, &n, nullptr), path, "H5Screate_simple"));
      Handle a(check(H5Acreate2(obj, name, type, space.get(), H5P_DEFAULT, H5P_DEFAULT), path,
                     std::string("creating attribute ") + name));
      check(H5Awrite(a.get(), type, data), path, std::string("writing attribute ") + name);
    };
    // DIMENSION_LIST of each dataset, in order of first attachment.
    std::vector<hid_t> datasets, scales;
    for (const auto& it : items_) {
      if (std::find(datasets.begin(), datasets.end(), it.dataset) == datasets.end())
        datasets.push_back(it.dataset);
      if (std::find(scales.begin(), scales.end(), it.scale) == scales.end())
        scales.push_back(it.scale);
    }
    for (hid_t d : datasets) {
      Handle space(check(H5Dget_space(d), path, "H5Dget_space"));
      const int rank = std::max(1, H5Sget_simple_extent_ndims(space.get()));
      std::vector<std::vector<hobj_ref_t>> refs(static_cast<std::size_t>(rank));
      for (const auto& it : items_)
        if (it.dataset == d) refs.at(it.dim).push_back(ref_to(it.scale));
      std::vector<hvl_t> buf(static_cast<std::size_t>(rank));
      for (int k = 0; k < rank; ++k) buf[k] = {refs[k].size(), refs[k].data()};
      write_attr(d, "DIMENSION_LIST", vlen.get(), static_cast<hsize_t>(rank), buf.data());
    }
    for (hid_t sc : scales) {
      std::vector<RefEntry> list;
      for (const auto& it : items_)
        if (it.scale == sc) list.push_back({ref_to(it.dataset), static_cast<int>(it.dim)});
      write_attr(sc, "REFERENCE_LIST", compound.get(), list.size(), list.data());
    }
    items_.clear();
  }

 private:
  struct Item {
    hid_t dataset, scale;
    unsigned dim;
  };
  struct RefEntry {  // as H5DS's ds_list_t
    hobj_ref_t ref;
    int dim;
  };
  std::vector<Item> items_;
};

Handle create_fixed_1d(hid_t loc, const std::string& name, const std::vector<double>& values,
                       const std::string& path) {
  const hsize_t dims[1] = {values.size()};
  Handle space(check(H5Screate_simple(1, dims, nullptr), path, "H5Screate_simple"));
  Handle ds(check(H5Dcreate2(loc, name.c_str(), H5T_IEEE_F64LE, space.get(), H5P_DEFAULT,
                             H5P_DEFAULT, H5P_DEFAULT),
                  path, "creating dataset '" + name + "'"));
  check(H5Dwrite(ds.get(), H5T_NATIVE_DOUBLE, H5S_ALL, H5S_ALL, H5P_DEFAULT, values.data()), path,
        "writing dataset '" + name + "'");
  return ds;
}

/// A 1-D int64 dataset (the compact layout's vessel index).
Handle create_fixed_1d_int(hid_t loc, const std::string& name,
                           const std::vector<std::int64_t>& values, const std::string& path) {
  const hsize_t dims[1] = {values.size()};
  Handle space(check(H5Screate_simple(1, dims, nullptr), path, "H5Screate_simple"));
  Handle ds(check(H5Dcreate2(loc, name.c_str(), H5T_STD_I64LE, space.get(), H5P_DEFAULT,
                             H5P_DEFAULT, H5P_DEFAULT),
                  path, "creating dataset '" + name + "'"));
  if (!values.empty())
    check(H5Dwrite(ds.get(), H5T_NATIVE_INT64, H5S_ALL, H5S_ALL, H5P_DEFAULT, values.data()), path,
          "writing dataset '" + name + "'");
  return ds;
}

/// Compact layout: an extensible (time, width) table, chunked (rows, width). A table of width 0
/// (a model without nodes or element outputs) keeps its shape (nt, 0).
Handle create_table(hid_t loc, const std::string& name, hsize_t width, hsize_t rows,
                    const std::string& path) {
  const hsize_t dims[2] = {0, width};
  const hsize_t maxdims[2] = {H5S_UNLIMITED, width == 0 ? H5S_UNLIMITED : width};
  const hsize_t chunk[2] = {rows, std::max<hsize_t>(width, 1)};
  Handle space(check(H5Screate_simple(2, dims, maxdims), path, "H5Screate_simple"));
  Handle dcpl(check(H5Pcreate(H5P_DATASET_CREATE), path, "H5Pcreate"));
  check(H5Pset_chunk(dcpl.get(), 2, chunk), path, "H5Pset_chunk");
  check(H5Pset_fill_time(dcpl.get(), H5D_FILL_TIME_NEVER), path, "H5Pset_fill_time");
  Handle dapl(check(H5Pcreate(H5P_DATASET_ACCESS), path, "H5Pcreate"));
  // Blocks are written whole chunks at a time (the last one maybe in part), never read back: no
  // chunk cache. A chunk larger than the cache, unfiltered and without fill values
  // (H5D_FILL_TIME_NEVER), is written straight from the block to the file; through a cache of
  // one chunk, HDF5 allocated and copied each chunk first (a quarter of the sampling's cost on
  // the 1D cerebral model).
  check(H5Pset_chunk_cache(dapl.get(), 0, 0, 1.0), path, "H5Pset_chunk_cache");
  return Handle(check(H5Dcreate2(loc, name.c_str(), H5T_IEEE_F64LE, space.get(), H5P_DEFAULT,
                                 dcpl.get(), dapl.get()),
                      path, "creating dataset '" + name + "'"));
}

/// Appends rows [nt, nt + n) of a (time, width) table from a row-major (n, width) block.
void append_block(hid_t ds, hsize_t nt, hsize_t n, hsize_t width, const double* data,
                  const std::string& path, const std::string& what) {
  const hsize_t new_dims[2] = {nt + n, width};
  check(H5Dset_extent(ds, new_dims), path, "extending " + what);
  if (width == 0) return;
  Handle fspace(check(H5Dget_space(ds), path, what));
  const hsize_t start[2] = {nt, 0};
  const hsize_t count[2] = {n, width};
  check(H5Sselect_hyperslab(fspace.get(), H5S_SELECT_SET, start, nullptr, count, nullptr), path,
        what);
  Handle mspace(check(H5Screate_simple(2, count, nullptr), path, what));
  check(H5Dwrite(ds, H5T_NATIVE_DOUBLE, mspace.get(), fspace.get(), H5P_DEFAULT, data), path,
        "writing " + what);
}

}  // namespace

struct Hdf5Writer::Impl {
  std::string path;
  std::string tmp_path;
  std::string final_path;
  hsize_t chunk_t = 256;
  std::size_t flush_every = 256;

  Handle file;
  OutputLayout layout;
  std::size_t total_nx = 0;
  std::size_t n_element_values = 0;

  struct VesselSets {
    Handle time, pressure, flow, area;
    std::size_t nx = 0, offset = 0;
  };
  Handle root_time;
  std::vector<VesselSets> vessels;
  std::vector<Handle> node_time, node_pressure;
  std::vector<Handle> element_time;
  std::vector<Handle> element_values;  // one per value, in concatenated order

  // Compact layout (format 2): a (time, width) table per quantity, buffered by rows.
  bool compact = false;
  std::size_t block_rows = 0;  // rows per buffer and per chunk of the tables
  struct Table {
    Handle ds;
    std::size_t width = 0;
    std::vector<double> rows;  // block_rows x width, row-major
    std::string name;
  };
  Handle vessels_time, nodes_time, elements_time;  // the groups' copies of /time
  Table t_pressure, t_flow, t_area, t_nodes, t_elements;
  std::vector<double> time_rows;

  // `flush_every` instants by column, as the datasets hold them (rows [0, n_buffered) used).
  ResultColumns buf;
  std::size_t n_buffered = 0;
  hsize_t n_written = 0;

  bool begun = false;
  bool finished = false;

  int lock_fd = -1;  // holds the flock on tmp_path (see "temporary files" above)

  /// Closes every handle; returns false if closing the file failed (data may be lost).
  bool close_all() {
    for (auto& v : vessels) {
      v.time.reset();
      v.pressure.reset();
      v.flow.reset();
      v.area.reset();
    }
    vessels.clear();
    node_time.clear();
    node_pressure.clear();
    element_time.clear();
    element_values.clear();
    for (Table* t : {&t_pressure, &t_flow, &t_area, &t_nodes, &t_elements}) t->ds.reset();
    vessels_time.reset();
    nodes_time.reset();
    elements_time.reset();
    root_time.reset();
    return file.reset();
  }

  /// Gives the file up (a failed write, an exception before finish()): its content is not
  /// wanted, but closing it makes HDF5 write its cached chunks and metadata, and when that
  /// fails (disk full, file size limit) HDF5 1.10 keeps the half-closed file registered and
  /// crashes at exit closing it again. So the file's descriptor is first pointed at /dev/null,
  /// where every write succeeds: the close then completes and releases every identifier.
  void abandon() {
    if (file.valid()) {
      void* handle = nullptr;
      if (H5Fget_vfd_handle(file.get(), H5P_DEFAULT, &handle) >= 0 && handle != nullptr) {
        const int devnull = ::open("/dev/null", O_RDWR | O_CLOEXEC);
        if (devnull >= 0) {
          ::dup2(devnull, *static_cast<int*>(handle));
          ::close(devnull);
        }
      }
    }
    close_all();
    if (file.valid()) file.reset();  // a second try once the writes cannot fail
    H5Eclear2(H5E_DEFAULT);
  }

  /// Removes the temporary file and releases its lock.
  void discard_temp() {
    if (lock_fd < 0) return;
    ::unlink(tmp_path.c_str());
    ::close(lock_fd);
    lock_fd = -1;
  }

  /// Appends rows [n_written, n_written + n) of every dataset from columns in the file's
  /// layout (the buffers, or a caller's columns): no transposition.
  void append(hsize_t n, const ColumnSpans& c) {
    append_rows(root_time.get(), n_written, n, 0, c.time, path, "/time");
    for (std::size_t i = 0; i < vessels.size(); ++i) {
      auto& v = vessels[i];
      const std::string base = "/vessels/" + layout.vessels[i].name + "/";
      append_rows(v.time.get(), n_written, n, 0, c.time, path, base + "time");
      append_rows(v.pressure.get(), n_written, n, v.nx, c.vessels[i].pressure, path,
                  base + "pressure");
      append_rows(v.flow.get(), n_written, n, v.nx, c.vessels[i].flow, path, base + "flow");
      append_rows(v.area.get(), n_written, n, v.nx, c.vessels[i].area, path, base + "area");
    }
    for (std::size_t i = 0; i < node_pressure.size(); ++i) {
      const std::string base = "/nodes/" + layout.nodes[i] + "/";
      append_rows(node_time[i].get(), n_written, n, 0, c.time, path, base + "time");
      append_rows(node_pressure[i].get(), n_written, n, 0, c.node_pressure[i], path,
                  base + "pressure");
    }
    std::size_t k = 0;
    for (std::size_t e = 0; e < layout.elements.size(); ++e) {
      const auto& el = layout.elements[e];
      const std::string base = "/elements/" + el.name + "/";
      append_rows(element_time[e].get(), n_written, n, 0, c.time, path, base + "time");
      for (const auto& q : el.quantities) {
        append_rows(element_values[k].get(), n_written, n, 0, c.element_values[k], path,
                    base + q.name);
        ++k;
      }
    }
    n_written += n;
  }

  void flush() {
    if (n_buffered == 0) return;
    if (compact) {
      append_compact(n_buffered);
    } else {
      append(n_buffered, buf_spans);
    }
    n_buffered = 0;
  }

  /// Compact layout: appends the buffered rows [0, n) to every table.
  void append_compact(hsize_t n) {
    append_rows(root_time.get(), n_written, n, 0, time_rows.data(), path, "/time");
    for (Handle* h : {&vessels_time, &nodes_time, &elements_time})
      append_rows(h->get(), n_written, n, 0, time_rows.data(), path, "time");
    for (Table* t : {&t_pressure, &t_flow, &t_area, &t_nodes, &t_elements})
      append_block(t->ds.get(), n_written, n, t->width, t->rows.data(), path, t->name);
    n_written += n;
  }

  /// Compact layout: row r of the buffers from one instant's concatenated arrays.
  void put_row(std::size_t r, double t, const double* p, const double* q, const double* a,
               const double* nodes, const double* values) {
    time_rows[r] = t;
    auto put = [r](Table& tb, const double* src) {
      if (tb.width > 0) std::copy(src, src + tb.width, tb.rows.data() + r * tb.width);
    };
    put(t_pressure, p);
    put(t_flow, q);
    put(t_area, a);
    put(t_nodes, nodes);
    put(t_elements, values);
  }
  ColumnSpans buf_spans;  // pointers into buf

  /// Refuses a non-finite value of the instant at time t: vessel(i, s, j) is the value of
  /// vessel i, series s (0 pressure, 1 flow, 2 area), position j; node(i) and element(k)
  /// those of node i and element value k.
  template <class V, class N, class E>
  void check_finite(double t, V vessel, N node, E element) const {
    auto bad = [&](const std::string& where, double v) {
      throw std::runtime_error("results file '" + path + "': " + where + " is " +
                               non_finite_word(v) + " at t = " + std::to_string(t) +
                               " (refusing to write non-finite values)");
    };
    if (!std::isfinite(t)) bad("time", t);
    static const char* const kNames[3] = {"pressure", "flow", "area"};
    for (std::size_t i = 0; i < vessels.size(); ++i) {
      for (int q = 0; q < 3; ++q) {
        for (std::size_t j = 0; j < vessels[i].nx; ++j) {
          const double val = vessel(i, q, j);
          if (!std::isfinite(val)) {
            bad("vessel '" + layout.vessels[i].name + "' " + kNames[q] + " at index " +
                    std::to_string(j) + " (x = " + std::to_string(layout.vessels[i].x[j]) + " m)",
                val);
          }
        }
      }
    }
    for (std::size_t i = 0; i < layout.nodes.size(); ++i) {
      if (!std::isfinite(node(i))) {
        bad("node '" + layout.nodes[i] + "' pressure (index " + std::to_string(i) + ")", node(i));
      }
    }
    std::size_t k = 0;
    for (const auto& e : layout.elements) {
      for (const auto& q : e.quantities) {
        if (!std::isfinite(element(k))) {
          bad("element '" + e.name + "' " + q.name + " (value index " + std::to_string(k) + ")",
              element(k));
        }
        ++k;
      }
    }
  }
};

Hdf5Writer::Hdf5Writer(std::string path, int flush_every) : impl_(std::make_unique<Impl>()) {
  if (path.empty()) throw std::runtime_error("results file: empty output path");
  check_output_path(path);
  impl_->path = std::move(path);
  impl_->flush_every = static_cast<std::size_t>(std::max(flush_every, 1));
  impl_->tmp_path = impl_->path + ".tmp-" + std::to_string(::getpid()) + "-" +
                    std::to_string(g_writer_serial.fetch_add(1));
  remove_stale_temps(impl_->path);
  // Created (and locked) now, so that an unwritable directory is found before the run.
  impl_->lock_fd = create_locked_temp(impl_->tmp_path, impl_->path);
}

Hdf5Writer::~Hdf5Writer() {
  if (!impl_) return;
  h5::ErrorSilencer quiet;
  impl_->abandon();
  impl_->discard_temp();  // nothing left once finish() has placed the file
}

const std::string& Hdf5Writer::final_path() const { return impl_->final_path; }

void Hdf5Writer::begin(const OutputLayout& layout, const Model& model) {
  Impl& m = *impl_;
  if (m.begun) throw std::logic_error("Hdf5Writer::begin called twice");
  h5::ErrorSilencer quiet;
  const std::string& p = m.path;  // named in messages (the temporary name is ours)

  // Validate the layout before touching the file system.
  for (const auto& v : layout.vessels) {
    check_name(v.name, "vessel");
    if (v.x.empty()) {
      throw std::runtime_error("results file: vessel '" + v.name + "' has no sample positions");
    }
  }
  for (const auto& n : layout.nodes) check_name(n, "node");
  for (const auto& e : layout.elements) {
    check_name(e.name, "element");
    for (const auto& q : e.quantities) {
      check_name(q.name, "quantity");
      if (q.name == "time") {
        throw std::runtime_error("results file: element '" + e.name +
                                 "' has a quantity named 'time' (reserved)");
      }
    }
  }

  if (m.lock_fd < 0) throw std::logic_error("Hdf5Writer::begin after finish()");

  m.layout = layout;
  m.total_nx = 0;
  for (const auto& v : layout.vessels) m.total_nx += v.x.size();
  m.n_element_values = 0;
  for (const auto& e : layout.elements) m.n_element_values += e.quantities.size();
  m.chunk_t = m.flush_every;
  if (model.solver.results_layout != "compact" && model.solver.results_layout != "groups")
    throw std::runtime_error("results file '" + p + "': unknown solver.results_layout '" +
                             model.solver.results_layout + "' (compact or groups)");
  m.compact = model.solver.results_layout == "compact";

  Handle fcpl(check(H5Pcreate(H5P_FILE_CREATE), p, "H5Pcreate"));
  check(H5Pset_link_creation_order(fcpl.get(), H5P_CRT_ORDER_TRACKED | H5P_CRT_ORDER_INDEXED), p,
        "H5Pset_link_creation_order");
  Handle fapl(check(H5Pcreate(H5P_FILE_ACCESS), p, "H5Pcreate"));
  // The plain POSIX driver (abandon() relies on its descriptor) without HDF5's own flock, which
  // would conflict with the lock this writer holds on the file from its own descriptor.
  check(H5Pset_fapl_sec2(fapl.get()), p, "H5Pset_fapl_sec2");
  check(H5Pset_file_locking(fapl.get(), false, true), p, "H5Pset_file_locking");
  m.file = Handle(H5Fcreate(m.tmp_path.c_str(), H5F_ACC_TRUNC, fcpl.get(), fapl.get()));
  if (!m.file.valid()) h5::fail(p, "cannot create the file");
  m.begun = true;
  const hid_t f = m.file.get();

  // Root attributes; `complete` stays 0 until finish() says otherwise.
  h5::set_attr(f, "venoflow_version", VENOFLOW_VERSION, p);
  h5::set_attr(f, "created", iso8601_utc_now(), p);
  h5::set_attr(f, "model_name", model.name, p);
  h5::set_attr_flag(f, "complete", false, p);
  h5::set_attr(f, "period", layout.period, p);

  // /model: the resolved YAML as one variable-length string.
  {
    Handle t(check(H5Tcopy(H5T_C_S1), p, "H5Tcopy"));
    check(H5Tset_size(t.get(), H5T_VARIABLE), p, "H5Tset_size");
    check(H5Tset_cset(t.get(), H5T_CSET_UTF8), p, "H5Tset_cset");
    Handle space(check(H5Screate(H5S_SCALAR), p, "H5Screate"));
    Handle ds(
        check(H5Dcreate2(f, "model", t.get(), space.get(), H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT),
              p, "creating /model"));
    const char* text = model.resolved_yaml.c_str();
    // The write converts one pointer to a heap reference: a conversion buffer of a few bytes
    // does, where HDF5's default allocates and clears two of 1 MiB (2 million instructions).
    Handle dxpl(check(H5Pcreate(H5P_DATASET_XFER), p, "H5Pcreate"));
    check(H5Pset_buffer(dxpl.get(), 4096, nullptr, nullptr), p, "H5Pset_buffer");
    check(H5Dwrite(ds.get(), t.get(), H5S_ALL, H5S_ALL, dxpl.get(), &text), p, "writing /model");
    h5::set_attr(ds.get(), "units", "", p);
    h5::set_attr(ds.get(), "long_name", "resolved model (YAML)", p);
  }

  const hsize_t ct = m.chunk_t;
  auto make_time = [&](hid_t loc) {
    Handle t = create_series(loc, "time", 0, ct, p);
    set_units(t.get(), "s", "time", p);
    check(H5DSset_scale(t.get(), "time"), p, "H5DSset_scale(time)");
    return t;
  };
  m.root_time = make_time(f);
  ScaleAttachments scales;
  if (m.compact) {
    h5::set_attr(f, "format_version", std::int64_t{2}, p);
    h5::set_attr(f, "layout", "compact", p);
    // Every instant's values are contiguous in a Sample (vessels in layout order): each table
    // row is a copy of one array, and a block of rows is one chunk of each table.
    std::size_t widest = std::max<std::size_t>(
        {m.total_nx, layout.nodes.size(), m.n_element_values, std::size_t{1}});
    m.block_rows = compact_block_rows(
        widest, m.flush_every, static_cast<std::size_t>(std::max(layout.samples_planned, 0L)));
    const hsize_t rows = m.block_rows;
    auto table = [&](Impl::Table& t, hid_t loc, const char* name, std::size_t width,
                     const char* units, const char* long_name, const std::string& where) {
      t.ds = create_table(loc, name, width, rows, p);
      t.width = width;
      t.name = where + "/" + name;
      t.rows.assign(m.block_rows * width, 0.0);
      set_units(t.ds.get(), units, long_name, p);
    };
    {
      Handle vg = create_group(f, "vessels", p);
      m.vessels_time = make_time(vg.get());
      std::vector<std::string> names;
      std::vector<std::int64_t> start, count;
      std::vector<double> x;
      for (std::size_t i = 0; i < layout.vessels.size(); ++i) {
        const auto& v = layout.vessels[i];
        Impl::VesselSets s;
        s.nx = v.x.size();
        s.offset = x.size();
        names.push_back(v.name);
        start.push_back(static_cast<std::int64_t>(s.offset));
        count.push_back(static_cast<std::int64_t>(s.nx));
        x.insert(x.end(), v.x.begin(), v.x.end());
        m.vessels.push_back(std::move(s));
      }
      Handle vessel = h5::write_strings(vg.get(), "vessel", names, p);
      set_units(vessel.get(), "", "vessel name", p);
      check(H5DSset_scale(vessel.get(), "vessel"), p, "H5DSset_scale(vessel)");
      Handle st = create_fixed_1d_int(vg.get(), "start", start, p);
      set_units(st.get(), "1", "first column of the vessel along x", p);
      Handle cnt = create_fixed_1d_int(vg.get(), "count", count, p);
      set_units(cnt.get(), "1", "sample positions of the vessel", p);
      Handle xs = create_fixed_1d(vg.get(), "x", x, p);
      set_units(xs.get(), "m", "position along the vessel", p);
      check(H5DSset_scale(xs.get(), "x"), p, "H5DSset_scale(x)");
      scales.attach(st.get(), vessel.get(), 0);
      scales.attach(cnt.get(), vessel.get(), 0);
      table(m.t_pressure, vg.get(), "pressure", m.total_nx, "Pa", "blood pressure", "/vessels");
      table(m.t_flow, vg.get(), "flow", m.total_nx, "m^3/s", "volume flow rate", "/vessels");
      table(m.t_area, vg.get(), "area", m.total_nx, "m^2", "lumen cross-sectional area",
            "/vessels");
      for (Impl::Table* t : {&m.t_pressure, &m.t_flow, &m.t_area}) {
        scales.attach(t->ds.get(), m.vessels_time.get(), 0);
        scales.attach(t->ds.get(), xs.get(), 1);
      }
      scales.write(p);
    }
    {
      Handle ng = create_group(f, "nodes", p);
      m.nodes_time = make_time(ng.get());
      Handle node = h5::write_strings(ng.get(), "node", layout.nodes, p);
      set_units(node.get(), "", "node name", p);
      check(H5DSset_scale(node.get(), "node"), p, "H5DSset_scale(node)");
      table(m.t_nodes, ng.get(), "pressure", layout.nodes.size(), "Pa", "node pressure", "/nodes");
      scales.attach(m.t_nodes.ds.get(), m.nodes_time.get(), 0);
      scales.attach(m.t_nodes.ds.get(), node.get(), 1);
      scales.write(p);
    }
    {
      Handle eg = create_group(f, "elements", p);
      m.elements_time = make_time(eg.get());
      std::vector<std::string> quantity, element, type, units;
      for (const auto& e : layout.elements)
        for (const auto& q : e.quantities) {
          quantity.push_back(q.name);
          element.push_back(e.name);
          type.push_back(e.type);
          units.push_back(q.unit);
        }
      Handle qs = h5::write_strings(eg.get(), "quantity", quantity, p);
      set_units(qs.get(), "", "element output", p);
      check(H5DSset_scale(qs.get(), "quantity"), p, "H5DSset_scale(quantity)");
      const std::pair<const char*, const std::vector<std::string>*> lists[3] = {
          {"element", &element}, {"type", &type}, {"units", &units}};
      std::vector<Handle> keep;
      for (const auto& [name, values] : lists) {
        keep.push_back(h5::write_strings(eg.get(), name, *values, p));
        set_units(keep.back().get(), "", "", p);
        scales.attach(keep.back().get(), qs.get(), 0);
      }
      table(m.t_elements, eg.get(), "values", m.n_element_values, "",
            "element outputs (unit of each in /elements/units)", "/elements");
      scales.attach(m.t_elements.ds.get(), m.elements_time.get(), 0);
      scales.attach(m.t_elements.ds.get(), qs.get(), 1);
      scales.write(p);
    }
    m.time_rows.assign(m.block_rows, 0.0);
    m.n_buffered = 0;
    m.n_written = 0;
    return;
  }
  h5::set_attr(f, "format_version", std::int64_t{1}, p);
  h5::set_attr(f, "layout", "groups", p);

  {
    Handle vg = create_group(f, "vessels", p);
    for (std::size_t i = 0; i < layout.vessels.size(); ++i) {
      const auto& v = layout.vessels[i];
      // Keep one chunk of a 2-D series below kMaxChunkBytes.
      const hsize_t ct2 = std::clamp<hsize_t>(kMaxChunkBytes / (8 * v.x.size()), 1, ct);
      Handle g = create_group(vg.get(), v.name, p);
      Impl::VesselSets s;
      s.nx = v.x.size();
      s.offset = i == 0 ? 0 : m.vessels.back().offset + m.vessels.back().nx;
      Handle x = create_fixed_1d(g.get(), "x", v.x, p);
      set_units(x.get(), "m", "position along the vessel", p);
      check(H5DSset_scale(x.get(), "x"), p, "H5DSset_scale(x)");
      s.time = make_time(g.get());
      struct Spec {
        Handle* h;
        const char* name;
        const char* units;
        const char* long_name;
      };
      const Spec specs[3] = {{&s.pressure, "pressure", "Pa", "blood pressure"},
                             {&s.flow, "flow", "m^3/s", "volume flow rate"},
                             {&s.area, "area", "m^2", "lumen cross-sectional area"}};
      for (const auto& sp : specs) {
        *sp.h = create_series(g.get(), sp.name, s.nx, ct2, p);
        set_units(sp.h->get(), sp.units, sp.long_name, p);
        scales.attach(sp.h->get(), s.time.get(), 0);
        scales.attach(sp.h->get(), x.get(), 1);
      }
      scales.write(p);  // while x is open
      m.vessels.push_back(std::move(s));
    }
  }
  {
    Handle ng = create_group(f, "nodes", p);
    for (const auto& n : layout.nodes) {
      Handle g = create_group(ng.get(), n, p);
      Handle t = make_time(g.get());
      Handle ds = create_series(g.get(), "pressure", 0, ct, p);
      set_units(ds.get(), "Pa", "node pressure", p);
      scales.attach(ds.get(), t.get(), 0);
      scales.write(p);
      m.node_time.push_back(std::move(t));
      m.node_pressure.push_back(std::move(ds));
    }
  }
  {
    Handle eg = create_group(f, "elements", p);
    for (const auto& e : layout.elements) {
      Handle g = create_group(eg.get(), e.name, p);
      h5::set_attr(g.get(), "type", e.type, p);
      Handle t = make_time(g.get());
      for (const auto& q : e.quantities) {
        Handle ds = create_series(g.get(), q.name, 0, ct, p);
        set_units(ds.get(), q.unit, e.type + " " + q.name, p);
        scales.attach(ds.get(), t.get(), 0);
        m.element_values.push_back(std::move(ds));
      }
      scales.write(p);
      m.element_time.push_back(std::move(t));
    }
  }
  create_group(f, "metrics", p);

  // The buffers at their full size once: write() fills rows in place.
  const std::size_t fe = m.flush_every;
  m.buf.reset(layout, 0);
  m.buf.time.assign(fe, 0.0);
  for (std::size_t i = 0; i < layout.vessels.size(); ++i)
    for (auto* a : {&m.buf.vessels[i].pressure, &m.buf.vessels[i].flow, &m.buf.vessels[i].area})
      a->assign(fe * layout.vessels[i].x.size(), 0.0);
  for (auto* group : {&m.buf.node_pressure, &m.buf.element_values})
    for (auto& a : *group) a.assign(fe, 0.0);
  m.buf_spans = spans_of(m.buf);
  m.n_buffered = 0;
  m.n_written = 0;
}

void Hdf5Writer::write(const Sample& s) {
  Impl& m = *impl_;
  if (!m.begun || !m.file.valid()) throw std::logic_error("Hdf5Writer::write before begin()");
  if (m.finished) throw std::logic_error("Hdf5Writer::write after finish()");

  auto size_error = [&](const char* what, std::size_t got, std::size_t want) {
    throw std::runtime_error("results file '" + m.path + "': sample at t = " + std::to_string(s.t) +
                             " has " + std::to_string(got) + " " + what +
                             " values, the layout has " + std::to_string(want));
  };
  if (s.vessel_pressure.size() != m.total_nx) {
    size_error("vessel pressure", s.vessel_pressure.size(), m.total_nx);
  }
  if (s.vessel_flow.size() != m.total_nx)
    size_error("vessel flow", s.vessel_flow.size(), m.total_nx);
  if (s.vessel_area.size() != m.total_nx)
    size_error("vessel area", s.vessel_area.size(), m.total_nx);
  if (s.node_pressure.size() != m.layout.nodes.size()) {
    size_error("node pressure", s.node_pressure.size(), m.layout.nodes.size());
  }
  if (s.element_values.size() != m.n_element_values) {
    size_error("element", s.element_values.size(), m.n_element_values);
  }

  // Reject non-finite values before anything is buffered.
  // A quick pass over the sample; only a non-finite value costs the search that names it.
  if (!all_finite(&s.t, 1) || !all_finite(s.vessel_pressure.data(), s.vessel_pressure.size()) ||
      !all_finite(s.vessel_flow.data(), s.vessel_flow.size()) ||
      !all_finite(s.vessel_area.data(), s.vessel_area.size()) ||
      !all_finite(s.node_pressure.data(), s.node_pressure.size()) ||
      !all_finite(s.element_values.data(), s.element_values.size()))
    m.check_finite(
        s.t,
        [&](std::size_t i, int q, std::size_t j) {
          const std::vector<double>& a =
              q == 0 ? s.vessel_pressure : (q == 1 ? s.vessel_flow : s.vessel_area);
          return a[m.vessels[i].offset + j];
        },
        [&](std::size_t i) { return s.node_pressure[i]; },
        [&](std::size_t k) { return s.element_values[k]; });

  if (m.compact) {
    m.put_row(m.n_buffered, s.t, s.vessel_pressure.data(), s.vessel_flow.data(),
              s.vessel_area.data(), s.node_pressure.data(), s.element_values.data());
    if (++m.n_buffered == m.block_rows) {
      h5::ErrorSilencer quiet;
      m.flush();
    }
    return;
  }
  // Into the column buffers, row r of each.
  const std::size_t r = m.n_buffered;
  m.buf.time[r] = s.t;
  // One loop over the three series (vessels are short: a call to memcpy per series costs
  // more than the copy).
  for (std::size_t i = 0; i < m.vessels.size(); ++i) {
    const auto& v = m.vessels[i];
    auto& c = m.buf.vessels[i];
    const double *sp = s.vessel_pressure.data() + v.offset, *sq = s.vessel_flow.data() + v.offset,
                 *sa = s.vessel_area.data() + v.offset;
    double *dp = c.pressure.data() + r * v.nx, *dq = c.flow.data() + r * v.nx,
           *da = c.area.data() + r * v.nx;
    for (std::size_t j = 0; j < v.nx; ++j) dp[j] = sp[j], dq[j] = sq[j], da[j] = sa[j];
  }
  for (std::size_t i = 0; i < s.node_pressure.size(); ++i)
    m.buf.node_pressure[i][r] = s.node_pressure[i];
  for (std::size_t k = 0; k < s.element_values.size(); ++k)
    m.buf.element_values[k][r] = s.element_values[k];
  ++m.n_buffered;
  if (m.n_buffered == m.flush_every) {
    h5::ErrorSilencer quiet;
    m.flush();
  }
}

void Hdf5Writer::write(const ColumnSpans& c, std::size_t nt) {
  Impl& m = *impl_;
  if (!m.begun || !m.file.valid()) throw std::logic_error("Hdf5Writer::write before begin()");
  if (m.finished) throw std::logic_error("Hdf5Writer::write after finish()");
  if (c.vessels.size() != m.vessels.size() || c.node_pressure.size() != m.layout.nodes.size() ||
      c.element_values.size() != m.n_element_values) {
    throw std::runtime_error("results file '" + m.path +
                             "': the columns given do not match the layout (vessels, nodes, "
                             "element values)");
  }
  // The first instant with a non-finite value, found column by column; check_finite names it.
  std::size_t first_bad = nt;
  auto scan = [&](const double* a, std::size_t width) {
    for (std::size_t k = 0; k < std::min(first_bad, nt); ++k)
      if (!all_finite(a + k * width, width)) first_bad = k;
  };
  scan(c.time, 1);
  for (std::size_t i = 0; i < c.vessels.size(); ++i)
    for (const double* a : {c.vessels[i].pressure, c.vessels[i].flow, c.vessels[i].area})
      scan(a, m.vessels[i].nx);
  for (const double* a : c.node_pressure) scan(a, 1);
  for (const double* a : c.element_values) scan(a, 1);
  if (first_bad < nt) {
    const std::size_t k = first_bad;
    m.check_finite(
        c.time[k],
        [&](std::size_t i, int q, std::size_t j) {
          const auto& v = c.vessels[i];
          const double* a = q == 0 ? v.pressure : (q == 1 ? v.flow : v.area);
          return a[k * m.vessels[i].nx + j];
        },
        [&](std::size_t i) { return c.node_pressure[i][k]; },
        [&](std::size_t e) { return c.element_values[e][k]; });
  }
  if (nt == 0) return;
  h5::ErrorSilencer quiet;
  m.flush();
  if (m.compact) {
    // Columns to rows, a block at a time.
    std::vector<double> p(m.total_nx), q(m.total_nx), a(m.total_nx), nodes(c.node_pressure.size()),
        values(c.element_values.size());
    for (std::size_t k = 0; k < nt; ++k) {
      for (std::size_t i = 0; i < m.vessels.size(); ++i) {
        const auto& v = m.vessels[i];
        for (std::size_t j = 0; j < v.nx; ++j) {
          p[v.offset + j] = c.vessels[i].pressure[k * v.nx + j];
          q[v.offset + j] = c.vessels[i].flow[k * v.nx + j];
          a[v.offset + j] = c.vessels[i].area[k * v.nx + j];
        }
      }
      for (std::size_t i = 0; i < nodes.size(); ++i) nodes[i] = c.node_pressure[i][k];
      for (std::size_t i = 0; i < values.size(); ++i) values[i] = c.element_values[i][k];
      m.put_row(m.n_buffered, c.time[k], p.data(), q.data(), a.data(), nodes.data(), values.data());
      if (++m.n_buffered == m.block_rows) m.flush();
    }
    return;
  }
  m.append(nt, c);
}

void Hdf5Writer::finish(const RunStatistics& stats, const RunOutcome& outcome,
                        const std::map<std::string, Metric>& metrics) {
  Impl& m = *impl_;
  if (m.finished) throw std::logic_error("Hdf5Writer::finish called twice");
  if (!m.begun || !m.file.valid()) {
    m.finished = true;  // begin() never created a file: nothing to finish
    return;
  }
  h5::ErrorSilencer quiet;
  const std::string& p = m.path;
  for (const auto& entry : metrics) check_name(entry.first, "metric");
  m.flush();
  const hid_t f = m.file.get();

  if (m.compact) {
    // One table: /metrics/{metric, value, units, doc}, one row per metric (sorted by name).
    Handle mg = create_group(f, "metrics", p);
    std::vector<std::string> names, units, docs;
    std::vector<double> values;
    for (const auto& [name, metric] : metrics) {
      names.push_back(name);
      values.push_back(metric.value);
      units.push_back(metric.unit);
      docs.push_back(metric.doc);
    }
    Handle ms = h5::write_strings(mg.get(), "metric", names, p);
    set_units(ms.get(), "", "metric name", p);
    check(H5DSset_scale(ms.get(), "metric"), p, "H5DSset_scale(metric)");
    Handle val = create_fixed_1d(mg.get(), "value", values, p);
    set_units(val.get(), "", "metric value (SI unit of each in /metrics/units)", p);
    Handle un = h5::write_strings(mg.get(), "units", units, p);
    set_units(un.get(), "", "SI unit of the value", p);
    Handle dc = h5::write_strings(mg.get(), "doc", docs, p);
    set_units(dc.get(), "", "what the metric is", p);
    ScaleAttachments scales;
    for (const Handle* h : {&val, &un, &dc}) scales.attach(h->get(), ms.get(), 0);
    scales.write(p);
  } else {
    Handle mg(check(H5Gopen2(f, "metrics", H5P_DEFAULT), p, "opening /metrics"));
    for (const auto& [name, metric] : metrics) {
      Handle space(check(H5Screate(H5S_SCALAR), p, "H5Screate"));
      Handle ds(check(H5Dcreate2(mg.get(), name.c_str(), H5T_IEEE_F64LE, space.get(), H5P_DEFAULT,
                                 H5P_DEFAULT, H5P_DEFAULT),
                      p, "creating metric '" + name + "'"));
      check(H5Dwrite(ds.get(), H5T_NATIVE_DOUBLE, H5S_ALL, H5S_ALL, H5P_DEFAULT, &metric.value), p,
            "writing metric '" + name + "'");
      for_each_field(kMetricFields, metric, [&](const auto& field, const auto& value) {
        if constexpr (std::is_same_v<std::decay_t<decltype(value)>, std::string>)
          h5::set_attr(ds.get(), field.name, value, p);
      });
    }
  }

  // The run's records, field by field (venoflow/result_fields.hpp).
  auto write_field = [&](const auto& field, const auto& value) {
    using T = std::decay_t<decltype(value)>;
    if constexpr (std::is_same_v<T, bool>) {
      h5::set_attr_flag(f, field.name, value, p);
    } else if constexpr (std::is_integral_v<T>) {
      h5::set_attr(f, field.name, static_cast<std::int64_t>(value), p);
    } else if constexpr (std::is_same_v<T, double>) {
      h5::set_attr(f, field.name, value, p);
    } else if constexpr (std::is_same_v<T, std::string>) {
      h5::set_attr(f, field.name, value.substr(0, kMaxAttrString), p);
    } else {  // a list of lines (validity-domain warnings): one text, one per line
      std::string text;
      for (const auto& line : value) text.append(text.empty() ? "" : "\n").append(line);
      h5::set_attr(f, field.name, text.substr(0, kMaxAttrString), p);
    }
  };
  for_each_field(kRunOutcomeFields, outcome, write_field);
  for_each_field(kRunStatisticsFields, stats, write_field);
  h5::set_attr(f, "samples", static_cast<std::int64_t>(m.n_written), p);

  // Everything reaches the disk here, where a full disk shows; a failure leaves the file to
  // the destructor (abandon() and removal).
  check(H5Fflush(f, H5F_SCOPE_LOCAL), p, "writing the file to disk");
  if (!m.close_all()) h5::fail(p, "closing the file");

  // Only now is the run's output in its place. If the name cannot be taken (it became a
  // directory during the run, or a file there cannot be replaced), a finished run is still
  // never lost: it is kept under a name of its own, which the error reports.
  const std::string target = outcome.complete ? m.path : incomplete_path(m.path);
  m.finished = true;
  if (std::rename(m.tmp_path.c_str(), target.c_str()) == 0) {
    m.final_path = target;
    ::close(m.lock_fd);
    m.lock_fd = -1;
    return;
  }
  const int err = errno;
  // "<stem>.kept-<pid>-<serial>.h5": unique as the temporary name is, never an existing file
  // (link() does not replace one).
  const std::string kept =
      stem_of(target) + ".kept-" + m.tmp_path.substr(m.tmp_path.rfind(".tmp-") + 5) + ".h5";
  const std::string head = "cannot rename results file '" + m.tmp_path + "' to '" + target +
                           "': " + errno_text(err) + "; ";
  struct stat none {};
  const bool placed = ::link(m.tmp_path.c_str(), kept.c_str()) == 0 ||
                      // A file system without hard links: rename to the name nothing has.
                      (errno != EEXIST && ::lstat(kept.c_str(), &none) != 0 && errno == ENOENT &&
                       std::rename(m.tmp_path.c_str(), kept.c_str()) == 0);
  if (placed) {
    ::unlink(m.tmp_path.c_str());
    ::close(m.lock_fd);
    m.lock_fd = -1;
    m.final_path = kept;
    throw std::runtime_error(head + "the results are kept in '" + kept + "'");
  }
  // Not even that: leave the temporary file and say so (it is removed by the next run
  // writing the same output once this process has ended).
  ::close(m.lock_fd);
  m.lock_fd = -1;
  m.final_path = m.tmp_path;
  throw std::runtime_error(head + "the results are left in '" + m.tmp_path + "'");
}

SinkFootprint Hdf5Writer::footprint(const OutputLayout& layout) const {
  return footprint_of(layout, static_cast<int>(impl_->flush_every));
}

SinkFootprint Hdf5Writer::footprint_of(const OutputLayout& layout, int flush_every) {
  const std::size_t every = static_cast<std::size_t>(std::max(flush_every, 1));  // as the ctor
  // The layout is the model's (solver.results_layout), which begin() sees: count the larger of
  // the two. Compact: one block of rows of every table (compact_block_rows: 256 KiB at most for the
  // widest), HDF5's copy of it on the way to the file, and the chunks of the four time series.
  std::size_t total_nx = 0, n_values = 0;
  for (const auto& v : layout.vessels) total_nx += v.x.size();
  for (const auto& e : layout.elements) n_values += e.quantities.size();
  const std::size_t widest = std::max<std::size_t>({total_nx, layout.nodes.size(), n_values, 1});
  const double block = double(compact_block_rows(widest, every));
  const double compact =
      2.0 * 8.0 * block * double(3 * total_nx + layout.nodes.size() + n_values + 1) +
      4.0 * 8.0 * double(every);
  // begin()'s buffers: flush_every rows of every series (buf); and HDF5's chunk caches, which keep
  // the last chunk of every dataset (create_series: flush_every rows, fewer for a wide vessel so
  // that a chunk stays below kMaxChunkBytes).
  const double fe = double(every);
  double values = 1.0, cached = fe * 8.0;  // root time
  for (const auto& v : layout.vessels) {
    const double nx = double(v.x.size());
    values += 3.0 * nx;
    const double rows = std::clamp(std::floor(double(kMaxChunkBytes) / (8.0 * nx)), 1.0, fe);
    cached += fe * 8.0 + 3.0 * rows * nx * 8.0;
  }
  values += double(layout.nodes.size());
  cached += 2.0 * fe * 8.0 * double(layout.nodes.size());
  for (const auto& e : layout.elements) {
    values += double(e.quantities.size());
    cached += fe * 8.0 * (1.0 + double(e.quantities.size()));
  }
  SinkFootprint f;
  f.fixed_bytes = std::max(compact, 8.0 * fe * values + cached);
  return f;
}

}  // namespace venoflow
