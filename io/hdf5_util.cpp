// venoflow: private helpers around the HDF5 C API.
#include "io/hdf5_util.hpp"

#include <algorithm>
#include <atomic>
#include <cstdlib>
#include <stdexcept>

namespace venoflow::h5 {

namespace {

// HDF5 1.10 frees its internal free lists at process exit (H5_term_library) and, when one of
// them still holds a block, prints "HDF5: infinite loop closing library" after 100 rounds.
// Its own error paths leave such blocks: a failed write (disk full) and some malformed files
// (upstream HDFGroup/hdf5 issue #6677), with every identifier of ours closed (the tests count
// them: open_object_count()). That end-of-process clean-up only releases memory, which the
// process gives back anyway, so it is replaced by one that runs it only when an identifier is
// still open: then H5close() flushes and closes what was left, and says so.
// Set by every entry point of ours into HDF5 (each starts with an ErrorSilencer): a process
// that never used it (`venoflow check`, `--version`) does not initialise the library at exit
// only to count its identifiers (1.3 million instructions, a tenth of `check`'s own work).
std::atomic<bool> g_library_used{false};

void close_library_if_anything_open() {
  if (g_library_used.load(std::memory_order_relaxed) && open_object_count() > 0) H5close();
}

struct LibraryExit {
  LibraryExit() {
    // Only before HDF5 has initialised itself (a host program may have done so already).
    if (H5dont_atexit() >= 0) std::atexit(close_library_if_anything_open);
  }
};
const LibraryExit g_library_exit;

}  // namespace

long open_object_count() { return static_cast<long>(H5Fget_obj_count(H5F_OBJ_ALL, H5F_OBJ_ALL)); }

ErrorSilencer::ErrorSilencer() {
  g_library_used.store(true, std::memory_order_relaxed);
  H5Eget_auto2(H5E_DEFAULT, &func_, &data_);
  H5Eset_auto2(H5E_DEFAULT, nullptr, nullptr);
}

ErrorSilencer::~ErrorSilencer() { H5Eset_auto2(H5E_DEFAULT, func_, data_); }

namespace {

// Collects the innermost (most specific) message of the current error stack.
herr_t innermost_error(unsigned n, const H5E_error2_t* err, void* client) {
  auto* out = static_cast<std::string*>(client);
  if (n == 0 && err != nullptr && err->desc != nullptr) *out = err->desc;
  return 0;
}

// HDF5's messages for failed system calls carry the call's arguments ("file write failed:
// time = ..., filename = ..., errno = 28, error message = 'No space left on device', buf =
// ..."); a person needs only the system's words.
std::string readable(const std::string& detail) {
  const std::string key = "error message = '";
  const auto at = detail.find(key);
  if (at == std::string::npos) return detail;
  const auto from = at + key.size();
  const auto to = detail.find('\'', from);
  std::string head = detail.substr(0, detail.find(':'));
  return head + ": " + detail.substr(from, to == std::string::npos ? std::string::npos : to - from);
}

}  // namespace

std::string current_error() {
  std::string detail;
  H5Ewalk2(H5E_DEFAULT, H5E_WALK_UPWARD, innermost_error, &detail);
  H5Eclear2(H5E_DEFAULT);
  return readable(detail);
}

void fail(const std::string& path, const std::string& what) {
  const std::string detail = current_error();
  std::string msg = "results file '" + path + "': " + what;
  if (!detail.empty()) msg += " (" + detail + ")";
  throw std::runtime_error(msg);
}

bool Handle::reset() {
  if (id_ < 0) return true;
  herr_t rc = 0;
  // H5Iget_type says H5I_BADID for an identifier HDF5 no longer holds (released with its file):
  // nothing to close then.
  switch (H5Iget_type(id_)) {
    case H5I_BADID:
      id_ = H5I_INVALID_HID;
      return true;
    case H5I_FILE:
      rc = H5Fclose(id_);
      break;
    case H5I_GROUP:
      rc = H5Gclose(id_);
      break;
    case H5I_DATASET:
      rc = H5Dclose(id_);
      break;
    case H5I_DATASPACE:
      rc = H5Sclose(id_);
      break;
    case H5I_DATATYPE:
      rc = H5Tclose(id_);
      break;
    case H5I_ATTR:
      rc = H5Aclose(id_);
      break;
    case H5I_GENPROP_LST:
      rc = H5Pclose(id_);
      break;
    default:
      rc = H5Idec_ref(id_);
      break;
  }
  if (rc < 0) {
    H5Eclear2(H5E_DEFAULT);  // (every HDF5 call clears the stack at its start; a failure's stays)
    // A failed close can leave the identifier registered (a file whose last writes fail: HDF5
    // 1.10 then crashes at exit closing it again). Keep it so that the owner can make the close
    // possible (Hdf5Writer discards the writes of a file it abandons) and close it again.
    if (H5Iis_valid(id_) > 0) return false;
  }
  id_ = H5I_INVALID_HID;
  return rc >= 0;
}

namespace {

Handle vlen_utf8_type(const std::string& path) {
  Handle t(check(H5Tcopy(H5T_C_S1), path, "H5Tcopy"));
  check(H5Tset_size(t.get(), H5T_VARIABLE), path, "H5Tset_size");
  check(H5Tset_cset(t.get(), H5T_CSET_UTF8), path, "H5Tset_cset");
  return t;
}

void write_scalar_attr(hid_t loc, const std::string& name, hid_t file_type, hid_t mem_type,
                       const void* buf, const std::string& path) {
  const std::string what = "attribute '" + name + "'";
  if (check(H5Aexists(loc, name.c_str()), path, what) > 0) {
    check(H5Adelete(loc, name.c_str()), path, "deleting " + what);
  }
  Handle space(check(H5Screate(H5S_SCALAR), path, what));
  Handle attr(check(H5Acreate2(loc, name.c_str(), file_type, space.get(), H5P_DEFAULT, H5P_DEFAULT),
                    path, "creating " + what));
  check(H5Awrite(attr.get(), mem_type, buf), path, "writing " + what);
}

Handle open_attr(hid_t loc, const std::string& name, const std::string& path) {
  return Handle(
      check(H5Aopen(loc, name.c_str(), H5P_DEFAULT), path, "opening attribute '" + name + "'"));
}

}  // namespace

void set_attr(hid_t loc, const std::string& name, const std::string& value,
              const std::string& path) {
  Handle t = vlen_utf8_type(path);
  const char* p = value.c_str();
  write_scalar_attr(loc, name, t.get(), t.get(), &p, path);
}

void set_attr(hid_t loc, const std::string& name, const char* value, const std::string& path) {
  set_attr(loc, name, std::string(value), path);
}

void set_attr(hid_t loc, const std::string& name, double value, const std::string& path) {
  write_scalar_attr(loc, name, H5T_IEEE_F64LE, H5T_NATIVE_DOUBLE, &value, path);
}

void set_attr(hid_t loc, const std::string& name, std::int64_t value, const std::string& path) {
  write_scalar_attr(loc, name, H5T_STD_I64LE, H5T_NATIVE_INT64, &value, path);
}

void set_attr_flag(hid_t loc, const std::string& name, bool value, const std::string& path) {
  const std::int8_t v = value ? 1 : 0;
  write_scalar_attr(loc, name, H5T_STD_I8LE, H5T_NATIVE_INT8, &v, path);
}

bool has_attr(hid_t loc, const std::string& name) { return H5Aexists(loc, name.c_str()) > 0; }

std::string get_attr_string(hid_t loc, const std::string& name, const std::string& path) {
  const std::string what = "reading string attribute '" + name + "'";
  Handle attr = open_attr(loc, name, path);
  Handle ftype(check(H5Aget_type(attr.get()), path, what));
  if (H5Tget_class(ftype.get()) != H5T_STRING) fail(path, what + ": not a string");
  Handle space(check(H5Aget_space(attr.get()), path, what));
  if (H5Sget_simple_extent_npoints(space.get()) != 1) fail(path, what + ": not a scalar");
  if (check(H5Tis_variable_str(ftype.get()), path, what) > 0) {
    Handle mtype = vlen_utf8_type(path);
    char* p = nullptr;
    check(H5Aread(attr.get(), mtype.get(), &p), path, what);
    std::string out = p != nullptr ? p : "";
    H5free_memory(p);
    return out;
  }
  const std::size_t size = H5Tget_size(ftype.get());
  Handle mtype(check(H5Tcopy(H5T_C_S1), path, what));
  check(H5Tset_size(mtype.get(), size + 1), path, what);
  std::vector<char> buf(size + 1, '\0');
  check(H5Aread(attr.get(), mtype.get(), buf.data()), path, what);
  return std::string(buf.data());
}

namespace {

/// Opens a numeric attribute that must hold exactly one value (a damaged file may give it
/// more, which a read into one variable would overrun).
Handle open_scalar_attr(hid_t loc, const std::string& name, const std::string& path) {
  const std::string what = "reading attribute '" + name + "'";
  Handle attr = open_attr(loc, name, path);
  Handle space(check(H5Aget_space(attr.get()), path, what));
  if (check(H5Sget_simple_extent_npoints(space.get()), path, what) != 1) {
    throw std::runtime_error("results file '" + path + "': attribute '" + name +
                             "' is not a single value");
  }
  return attr;
}

}  // namespace

double get_attr_double(hid_t loc, const std::string& name, const std::string& path) {
  Handle attr = open_scalar_attr(loc, name, path);
  double v = 0.0;
  check(H5Aread(attr.get(), H5T_NATIVE_DOUBLE, &v), path, "reading attribute '" + name + "'");
  return v;
}

std::int64_t get_attr_int(hid_t loc, const std::string& name, const std::string& path) {
  Handle attr = open_scalar_attr(loc, name, path);
  std::int64_t v = 0;
  check(H5Aread(attr.get(), H5T_NATIVE_INT64, &v), path, "reading attribute '" + name + "'");
  return v;
}

namespace {

herr_t collect_link(hid_t /*group*/, const char* name, const H5L_info_t* /*info*/, void* out) {
  static_cast<std::vector<std::string>*>(out)->emplace_back(name);
  return 0;
}

}  // namespace

std::vector<std::string> list_links(hid_t loc, const std::string& path) {
  std::vector<std::string> names;
  bool tracked = false;
  {
    Handle gcpl(H5Gget_create_plist(loc));
    unsigned flags = 0;
    if (gcpl.valid() && H5Pget_link_creation_order(gcpl.get(), &flags) >= 0) {
      tracked = (flags & H5P_CRT_ORDER_INDEXED) != 0;
    }
  }
  hsize_t idx = 0;
  check(H5Literate(loc, tracked ? H5_INDEX_CRT_ORDER : H5_INDEX_NAME, H5_ITER_INC, &idx,
                   collect_link, &names),
        path, "listing a group");
  return names;
}

}  // namespace venoflow::h5

namespace venoflow::h5 {

Handle write_strings(hid_t loc, const std::string& name, const std::vector<std::string>& values,
                     const std::string& path) {
  // Fixed-length (the longest, null-padded): one block of bytes. Variable-length strings cost
  // a global-heap object each, tens of microseconds apiece.
  std::size_t width = 1;
  for (const auto& v : values) width = std::max(width, v.size());
  Handle type(check(H5Tcopy(H5T_C_S1), path, "H5Tcopy"));
  check(H5Tset_size(type.get(), width), path, "H5Tset_size");
  check(H5Tset_strpad(type.get(), H5T_STR_NULLPAD), path, "H5Tset_strpad");
  check(H5Tset_cset(type.get(), H5T_CSET_UTF8), path, "H5Tset_cset");
  const hsize_t n[1] = {values.size()};
  Handle space(check(H5Screate_simple(1, n, nullptr), path, "H5Screate_simple"));
  Handle ds(check(
      H5Dcreate2(loc, name.c_str(), type.get(), space.get(), H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT),
      path, "creating dataset '" + name + "'"));
  if (!values.empty()) {
    std::vector<char> bytes(values.size() * width, '\0');
    for (std::size_t i = 0; i < values.size(); ++i)
      std::copy(values[i].begin(), values[i].end(), bytes.begin() + i * width);
    check(H5Dwrite(ds.get(), type.get(), H5S_ALL, H5S_ALL, H5P_DEFAULT, bytes.data()), path,
          "writing dataset '" + name + "'");
  }
  return ds;
}

std::size_t extent_1d(hid_t loc, const std::string& name, const std::string& path,
                      const std::string& where) {
  const std::string what = "reading dataset '" + where + "/" + name + "'";
  Handle ds(check(H5Dopen2(loc, name.c_str(), H5P_DEFAULT), path, what));
  Handle space(check(H5Dget_space(ds.get()), path, what));
  if (check(H5Sget_simple_extent_ndims(space.get()), path, what) != 1)
    throw std::runtime_error("results file '" + path + "': " + where + "/" + name + " is not 1-D");
  hsize_t n = 0;
  check(H5Sget_simple_extent_dims(space.get(), &n, nullptr), path, what);
  return static_cast<std::size_t>(n);
}

std::vector<std::string> read_strings(hid_t loc, const std::string& name, std::size_t expected,
                                      const std::string& path, const std::string& where) {
  const std::string what = "reading dataset '" + where + "/" + name + "'";
  if (extent_1d(loc, name, path, where) != expected)
    throw std::runtime_error("results file '" + path + "': " + where + "/" + name + " holds " +
                             std::to_string(extent_1d(loc, name, path, where)) +
                             " strings, expected " + std::to_string(expected));
  Handle ds(check(H5Dopen2(loc, name.c_str(), H5P_DEFAULT), path, what));
  Handle ftype(check(H5Dget_type(ds.get()), path, what));
  if (H5Tget_class(ftype.get()) != H5T_STRING)
    throw std::runtime_error("results file '" + path + "': " + where + "/" + name +
                             " is not a list of strings");
  std::vector<std::string> out;
  if (expected == 0) return out;
  out.reserve(expected);
  if (check(H5Tis_variable_str(ftype.get()), path, what) > 0) {
    Handle mtype = vlen_utf8_type(path);
    std::vector<char*> ptrs(expected, nullptr);
    check(H5Dread(ds.get(), mtype.get(), H5S_ALL, H5S_ALL, H5P_DEFAULT, ptrs.data()), path, what);
    for (char* p : ptrs) out.emplace_back(p != nullptr ? p : "");
    H5Dvlen_reclaim(mtype.get(), H5S_ALL, H5P_DEFAULT, ptrs.data());
    return out;
  }
  // Fixed length: read as stored, each string up to its first null byte.
  const std::size_t width = H5Tget_size(ftype.get());
  if (width == 0 || width > (std::size_t{1} << 20))
    throw std::runtime_error("results file '" + path + "': " + where + "/" + name +
                             ": strings of an impossible size");
  Handle mtype(check(H5Tcopy(ftype.get()), path, what));
  std::vector<char> bytes(expected * width);
  check(H5Dread(ds.get(), mtype.get(), H5S_ALL, H5S_ALL, H5P_DEFAULT, bytes.data()), path, what);
  for (std::size_t i = 0; i < expected; ++i) {
    const char* b = bytes.data() + i * width;
    out.emplace_back(b, std::find(b, b + width, '\0'));
  }
  return out;
}

}  // namespace venoflow::h5
