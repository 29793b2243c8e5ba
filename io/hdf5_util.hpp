// venoflow: private helpers around the HDF5 C API (RAII handles, error translation,
// attributes). Not part of the public interface.
#pragma once

#include <hdf5.h>

#include <cstdint>
#include <string>
#include <utility>
#include <vector>

namespace venoflow::h5 {

/// Turns off HDF5's automatic printing of its error stack for the lifetime of the guard
/// and restores the previous handler afterwards.
class ErrorSilencer {
 public:
  ErrorSilencer();
  ~ErrorSilencer();
  ErrorSilencer(const ErrorSilencer&) = delete;
  ErrorSilencer& operator=(const ErrorSilencer&) = delete;

 private:
  H5E_auto2_t func_ = nullptr;
  void* data_ = nullptr;
};

/// Number of HDF5 identifiers open in this process (files, groups, datasets, datatypes,
/// attributes; H5F_OBJ_ALL over all files). 0 whenever no reader or writer is alive.
long open_object_count();

/// The innermost message of HDF5's current error stack (for a failed system call, the system's
/// words, e.g. "file write failed: No space left on device"), and clears the stack.
std::string current_error();

/// Throws std::runtime_error "HDF5 error in <path>: <what>: <innermost HDF5 message>".
[[noreturn]] void fail(const std::string& path, const std::string& what);

/// Returns `value` if non-negative, else fail(path, what).
template <class T>
T check(T value, const std::string& path, const std::string& what) {
  if (value < 0) fail(path, what);
  return value;
}

/// Owning HDF5 identifier (file, group, dataset, dataspace, datatype, attribute, plist).
class Handle {
 public:
  Handle() = default;
  explicit Handle(hid_t id) : id_(id) {}
  ~Handle() { reset(); }
  Handle(Handle&& o) noexcept : id_(std::exchange(o.id_, H5I_INVALID_HID)) {}
  Handle& operator=(Handle&& o) noexcept {
    if (this != &o) {
      reset();
      id_ = std::exchange(o.id_, H5I_INVALID_HID);
    }
    return *this;
  }
  Handle(const Handle&) = delete;
  Handle& operator=(const Handle&) = delete;

  hid_t get() const { return id_; }
  bool valid() const { return id_ >= 0; }
  /// Closes the identifier (whatever its type); returns false if HDF5 reported a failure, in
  /// which case the identifier is kept when HDF5 still holds it (so that it can be closed
  /// again once the cause is removed) and released otherwise.
  bool reset();

 private:
  hid_t id_ = H5I_INVALID_HID;
};

// ---- attributes (written as scalars; strings as variable-length UTF-8, read by h5py as str)

void set_attr(hid_t loc, const std::string& name, const std::string& value,
              const std::string& path);
void set_attr(hid_t loc, const std::string& name, const char* value, const std::string& path);
void set_attr(hid_t loc, const std::string& name, double value, const std::string& path);
void set_attr(hid_t loc, const std::string& name, std::int64_t value, const std::string& path);
/// Stored as an 8-bit signed integer 0/1 (NetCDF NC_BYTE; h5py gives numpy.int8).
void set_attr_flag(hid_t loc, const std::string& name, bool value, const std::string& path);

bool has_attr(hid_t loc, const std::string& name);
std::string get_attr_string(hid_t loc, const std::string& name, const std::string& path);
double get_attr_double(hid_t loc, const std::string& name, const std::string& path);
std::int64_t get_attr_int(hid_t loc, const std::string& name, const std::string& path);

// ---- string lists (1-D datasets of variable-length UTF-8 strings)

/// Creates the 1-D dataset `name` holding `values` (an empty list gives a dataset of size 0).
Handle write_strings(hid_t loc, const std::string& name, const std::vector<std::string>& values,
                     const std::string& path);
/// Reads the 1-D string dataset `name`, which must hold `expected` strings (checked before
/// anything is allocated); `where` names it in messages.
std::vector<std::string> read_strings(hid_t loc, const std::string& name, std::size_t expected,
                                      const std::string& path, const std::string& where);
/// The extent of the 1-D dataset `name` (fails naming it if it is not 1-D).
std::size_t extent_1d(hid_t loc, const std::string& name, const std::string& path,
                      const std::string& where);

/// Names of the links in group `loc`, in creation order when the group tracks it, else by name.
std::vector<std::string> list_links(hid_t loc, const std::string& path);

}  // namespace venoflow::h5
