#include "io/hdf5_file.hpp"

// The named, small values of a file: string datasets (the stored config, class names)
// and attributes, numbers and strings. Arrays are in hdf5_file.cpp.
#include <algorithm>
#include <cstring>

#include "core/error.hpp"

namespace manet::h5 {

namespace {
// The memory type to read a variable-length string stored as `file_type` into a char*.
// HDF5 converts neither between character sets nor from ASCII to UTF-8, so it takes the
// file's: h5py writes every str as variable-length UTF-8, older tools and C code ASCII.
Handle variable_string_type(hid_t file_type) {
  Handle mem(H5Tcopy(H5T_C_S1));
  H5Tset_size(mem, H5T_VARIABLE);
  const H5T_cset_t cset = H5Tget_cset(file_type);
  if (cset >= 0) H5Tset_cset(mem, cset);
  return mem;
}

Handle string_type(std::size_t size) {
  Handle t(H5Tcopy(H5T_C_S1));
  H5Tset_size(t, std::max<std::size_t>(size, 1));
  H5Tset_cset(t, H5T_CSET_UTF8);
  H5Tset_strpad(t, H5T_STR_NULLPAD);
  return t;
}
}  // namespace

void File::write_string(const std::string& dataset, const std::string& text) {
  Handle type = string_type(text.size());
  Handle space(H5Screate(H5S_SCALAR));
  Handle d(H5Dcreate2(file_, dataset.c_str(), type, space, H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT));
  if (d.get() < 0 || H5Dwrite(d, type, H5S_ALL, H5S_ALL, H5P_DEFAULT, text.data()) < 0)
    fail("cannot write " + dataset);
}

std::string File::read_string(const std::string& dataset) const {
  if (!exists(dataset)) fail(dataset + " is missing");
  Handle d(H5Dopen2(file_, dataset.c_str(), H5P_DEFAULT));
  Handle type(H5Dget_type(d));
  if (H5Tget_class(type) != H5T_STRING) fail(dataset + " is not a string");
  if (H5Tis_variable_str(type) > 0) {
    char* buffer = nullptr;
    Handle mem = variable_string_type(type);
    if (H5Dread(d, mem, H5S_ALL, H5S_ALL, H5P_DEFAULT, &buffer) < 0) fail("cannot read " + dataset);
    std::string s = buffer ? buffer : "";
    H5free_memory(buffer);
    return s;
  }
  std::string s(H5Tget_size(type), '\0');
  if (H5Dread(d, type, H5S_ALL, H5S_ALL, H5P_DEFAULT, s.data()) < 0) fail("cannot read " + dataset);
  s.resize(std::strlen(s.c_str()));
  return s;
}

namespace {
template <class V>
void write_attr(const File& f, hid_t obj, const std::string& name, hid_t type, const V* value) {
  Handle space(H5Screate(H5S_SCALAR));
  if (H5Aexists(obj, name.c_str()) > 0) H5Adelete(obj, name.c_str());
  Handle a(H5Acreate2(obj, name.c_str(), type, space, H5P_DEFAULT, H5P_DEFAULT));
  if (a.get() < 0 || H5Awrite(a, type, value) < 0)
    throw Error(f.path() + ": cannot write attribute " + name + ": " + last_error());
}
}  // namespace

void File::set_attr(const std::string& object, const std::string& name, int64_t value) {
  write_attr(*this, open_object(object), name, H5T_NATIVE_INT64, &value);
}
void File::set_attr(const std::string& object, const std::string& name, uint64_t value) {
  write_attr(*this, open_object(object), name, H5T_NATIVE_UINT64, &value);
}
void File::set_attr(const std::string& object, const std::string& name, double value) {
  write_attr(*this, open_object(object), name, H5T_NATIVE_DOUBLE, &value);
}
void File::set_attr(const std::string& object, const std::string& name, const std::string& value) {
  Handle type = string_type(value.size());
  write_attr(*this, open_object(object), name, type.get(), value.data());
}

bool File::has_attr(const std::string& object, const std::string& name) const {
  if (object != "/" && !exists(object)) return false;
  return H5Aexists_by_name(file_, object.c_str(), name.c_str(), H5P_DEFAULT) > 0;
}

namespace {
Handle open_attr(const File& f, const std::string& object, const std::string& name) {
  if (!f.has_attr(object, name)) throw Error(f.path() + ": attribute " + name + " of " + object + " is missing");
  return Handle(H5Aopen_by_name(f.id(), object.c_str(), name.c_str(), H5P_DEFAULT, H5P_DEFAULT));
}
}  // namespace

int64_t File::attr_int(const std::string& object, const std::string& name) const {
  int64_t v = 0;
  Handle a = open_attr(*this, object, name);
  if (H5Aread(a, H5T_NATIVE_INT64, &v) < 0) fail("cannot read attribute " + object + "@" + name);
  return v;
}
uint64_t File::attr_uint(const std::string& object, const std::string& name) const {
  uint64_t v = 0;
  Handle a = open_attr(*this, object, name);
  if (H5Aread(a, H5T_NATIVE_UINT64, &v) < 0) fail("cannot read attribute " + object + "@" + name);
  return v;
}
double File::attr_double(const std::string& object, const std::string& name) const {
  double v = 0;
  Handle a = open_attr(*this, object, name);
  if (H5Aread(a, H5T_NATIVE_DOUBLE, &v) < 0) fail("cannot read attribute " + object + "@" + name);
  return v;
}
std::string File::attr_string(const std::string& object, const std::string& name) const {
  Handle a = open_attr(*this, object, name);
  Handle type(H5Aget_type(a));
  if (H5Tget_class(type) != H5T_STRING) fail("attribute " + object + "@" + name + " is not a string");
  if (H5Tis_variable_str(type) > 0) {
    char* buffer = nullptr;
    Handle mem = variable_string_type(type);
    if (H5Aread(a, mem, &buffer) < 0) fail("cannot read attribute " + name);
    std::string s = buffer ? buffer : "";
    H5free_memory(buffer);
    return s;
  }
  std::string s(H5Tget_size(type), '\0');
  if (H5Aread(a, type, s.data()) < 0) fail("cannot read attribute " + name);
  s.resize(std::strlen(s.c_str()));
  return s;
}

std::vector<std::string> File::attr_names(const std::string& object) const {
  std::vector<std::string> names;
  Handle obj = open_object(object);
  H5Aiterate2(
      obj, H5_INDEX_NAME, H5_ITER_INC, nullptr,
      [](hid_t, const char* name, const H5A_info_t*, void* data) -> herr_t {
        static_cast<std::vector<std::string>*>(data)->push_back(name);
        return 0;
      },
      &names);
  return names;
}

}  // namespace manet::h5
