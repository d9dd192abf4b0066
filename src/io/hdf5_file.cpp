#include "io/hdf5_file.hpp"

#include <algorithm>
#include <filesystem>

#include "core/error.hpp"
#include "core/split.hpp"

namespace manet::h5 {

Handle& Handle::operator=(Handle&& o) noexcept {
  if (this != &o) {
    close();
    id_ = o.id_;
    o.id_ = H5I_INVALID_HID;
  }
  return *this;
}

void Handle::close() {
  if (id_ < 0) return;
  switch (H5Iget_type(id_)) {
    case H5I_FILE: H5Fclose(id_); break;
    case H5I_GROUP: H5Gclose(id_); break;
    case H5I_DATASET: H5Dclose(id_); break;
    case H5I_DATASPACE: H5Sclose(id_); break;
    case H5I_DATATYPE: H5Tclose(id_); break;
    case H5I_ATTR: H5Aclose(id_); break;
    case H5I_GENPROP_LST: H5Pclose(id_); break;
    default: break;
  }
  id_ = H5I_INVALID_HID;
}

void quiet_errors() {
  static const bool once = [] {
    H5Eset_auto2(H5E_DEFAULT, nullptr, nullptr);
    return true;
  }();
  (void)once;
}

std::string last_error() {
  std::string out;
  H5Ewalk2(
      H5E_DEFAULT, H5E_WALK_DOWNWARD,
      [](unsigned n, const H5E_error2_t* e, void* data) -> herr_t {
        auto* s = static_cast<std::string*>(data);
        if (e->desc && *e->desc && s->find(e->desc) == std::string::npos) *s += (s->empty() ? "" : "; ") + std::string(e->desc);
        return 0;
      },
      &out);
  H5Eclear2(H5E_DEFAULT);
  return out;
}

namespace {
std::vector<std::string> split_object(const std::string& path) { return split_nonempty(path, "/"); }
}  // namespace

File File::open_read(const std::string& path) {
  quiet_errors();
  std::error_code ec;
  if (std::filesystem::is_directory(path, ec)) throw Error(path + ": is a directory, not an HDF5 file");
  if (!std::filesystem::exists(path, ec)) throw Error(path + ": no such file");
  if (H5Fis_hdf5(path.c_str()) <= 0) {
    const std::string why = last_error();
    throw Error(path + ": not a readable HDF5 file" + (why.empty() ? "" : " (" + why + ")") +
                " - missing, truncated or not HDF5");
  }
  hid_t id = H5Fopen(path.c_str(), H5F_ACC_RDONLY, H5P_DEFAULT);
  if (id < 0) throw Error(path + ": cannot open as HDF5: " + last_error());
  return File(path, Handle(id));
}

File File::create(const std::string& path) {
  quiet_errors();
  hid_t id = H5Fcreate(path.c_str(), H5F_ACC_TRUNC, H5P_DEFAULT, H5P_DEFAULT);
  if (id < 0) throw Error(path + ": cannot create: " + last_error());
  return File(path, Handle(id));
}

File File::create_in_memory(const std::string& name) {
  quiet_errors();
  Handle fapl(H5Pcreate(H5P_FILE_ACCESS));
  if (fapl.get() < 0 || H5Pset_fapl_core(fapl.get(), 1 << 20, /*backing_store=*/0) < 0)
    throw Error(name + ": cannot set up an in-memory HDF5 file: " + last_error());
  hid_t id = H5Fcreate(name.c_str(), H5F_ACC_TRUNC, H5P_DEFAULT, fapl.get());
  if (id < 0) throw Error(name + ": cannot create in memory: " + last_error());
  return File(name, Handle(id));
}

std::vector<char> File::image() {
  flush();
  const ssize_t size = H5Fget_file_image(file_, nullptr, 0);
  if (size < 0) fail("cannot get the file image");
  std::vector<char> bytes(static_cast<std::size_t>(size));
  if (H5Fget_file_image(file_, bytes.data(), bytes.size()) != size) fail("cannot get the file image");
  return bytes;
}

void File::fail(const std::string& what) const {
  const std::string why = last_error();
  throw Error(path_ + ": " + what + (why.empty() ? "" : " (HDF5: " + why + ")"));
}

void File::flush() {
  if (H5Fflush(file_, H5F_SCOPE_GLOBAL) < 0) fail("flush failed");
}

bool File::exists(const std::string& object) const {
  std::string prefix;
  for (const std::string& part : split_object(object)) {
    prefix += "/" + part;
    const htri_t e = H5Lexists(file_, prefix.c_str(), H5P_DEFAULT);
    if (e <= 0) {
      H5Eclear2(H5E_DEFAULT);
      return false;
    }
  }
  return true;
}

std::vector<std::string> File::members(const std::string& group) const {
  std::vector<std::string> names;
  H5Literate_by_name(
      file_, group.c_str(), H5_INDEX_NAME, H5_ITER_INC, nullptr,
      [](hid_t, const char* name, const H5L_info_t*, void* data) -> herr_t {
        static_cast<std::vector<std::string>*>(data)->push_back(name);
        return 0;
      },
      &names, H5P_DEFAULT);
  return names;
}

void File::create_group(const std::string& group) {
  Handle g(H5Gcreate2(file_, group.c_str(), H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT));
  if (g.get() < 0) fail("cannot create group " + group);
}

Handle File::open_object(const std::string& object) const {
  if (!exists(object) && object != "/") fail(object + " is missing");
  Handle h(H5Oopen(file_, object.c_str(), H5P_DEFAULT));
  if (h.get() < 0) fail("cannot open " + object);
  return h;
}

std::vector<hsize_t> File::shape(const std::string& dataset) const {
  if (!exists(dataset)) fail("dataset " + dataset + " is missing");
  Handle d(H5Dopen2(file_, dataset.c_str(), H5P_DEFAULT));
  if (d.get() < 0) fail("cannot open dataset " + dataset);
  Handle space(H5Dget_space(d));
  const int rank = H5Sget_simple_extent_ndims(space);
  if (rank < 0) fail("cannot read the shape of " + dataset);
  std::vector<hsize_t> dims(rank);
  H5Sget_simple_extent_dims(space, dims.data(), nullptr);
  return dims;
}

std::string File::type_name(const std::string& dataset) const {
  Handle d(H5Dopen2(file_, dataset.c_str(), H5P_DEFAULT));
  if (d.get() < 0) fail("cannot open dataset " + dataset);
  Handle t(H5Dget_type(d));
  const std::size_t bits = 8 * H5Tget_size(t);
  switch (H5Tget_class(t)) {
    case H5T_FLOAT: return "float" + std::to_string(bits);
    case H5T_INTEGER: return (H5Tget_sign(t) == H5T_SGN_NONE ? "uint" : "int") + std::to_string(bits);
    case H5T_STRING: return "string";
    default: return "an unsupported type";
  }
}

bool File::checksummed(const std::string& dataset) const {
  Handle d(H5Dopen2(file_, dataset.c_str(), H5P_DEFAULT));
  if (d.get() < 0) fail("cannot open dataset " + dataset);
  Handle props(H5Dget_create_plist(d));
  const int filters = H5Pget_nfilters(props);
  for (int i = 0; i < filters; ++i) {
    unsigned flags = 0;
    std::size_t n_values = 0;
    if (H5Pget_filter2(props, unsigned(i), &flags, &n_values, nullptr, 0, nullptr, nullptr) == H5Z_FILTER_FLETCHER32)
      return true;
  }
  return false;
}

void File::write_any(const std::string& dataset, hid_t type, const void* data, const std::vector<hsize_t>& shape,
                     std::size_t element_size, bool checksum) {
  Handle space(H5Screate_simple(int(shape.size()), shape.data(), nullptr));
  Handle props(H5Pcreate(H5P_DATASET_CREATE));
  if (checksum && !shape.empty()) {
    // One chunk per dataset up to 64 MiB (first dimension split beyond that).
    std::vector<hsize_t> chunk = shape;
    hsize_t row = element_size;
    for (std::size_t i = 1; i < shape.size(); ++i) row *= std::max<hsize_t>(shape[i], 1);
    chunk[0] = std::max<hsize_t>(1, std::min<hsize_t>(std::max<hsize_t>(shape[0], 1), (hsize_t(64) << 20) / row));
    for (auto& c : chunk) c = std::max<hsize_t>(c, 1);
    if (H5Pset_chunk(props, int(chunk.size()), chunk.data()) < 0 || H5Pset_fletcher32(props) < 0)
      fail("cannot set up checksums for " + dataset);
  }
  Handle d(H5Dcreate2(file_, dataset.c_str(), type, space, H5P_DEFAULT, props, H5P_DEFAULT));
  if (d.get() < 0) fail("cannot create dataset " + dataset);
  if (H5Dwrite(d, type, H5S_ALL, H5S_ALL, H5P_DEFAULT, data) < 0) fail("cannot write dataset " + dataset);
}

void File::write(const std::string& dataset, const float* data, const std::vector<hsize_t>& shape, bool checksum) {
  write_any(dataset, H5T_IEEE_F32LE, data, shape, sizeof(float), checksum);
}
void File::write(const std::string& dataset, const int64_t* data, const std::vector<hsize_t>& shape, bool checksum) {
  write_any(dataset, H5T_STD_I64LE, data, shape, sizeof(int64_t), checksum);
}
void File::write(const std::string& dataset, const double* data, const std::vector<hsize_t>& shape, bool checksum) {
  write_any(dataset, H5T_IEEE_F64LE, data, shape, sizeof(double), checksum);
}

namespace {
// A dataset compressed with a filter this HDF5 does not have (h5py's lzf, blosc, ...) is
// not corrupt: say which filter, and which ones are there.
void check_filters(const File& f, hid_t dataset, const std::string& name) {
  Handle props(H5Dget_create_plist(dataset));
  const int filters = H5Pget_nfilters(props);
  for (int i = 0; i < filters; ++i) {
    unsigned flags = 0, config = 0;
    std::size_t n_values = 0;
    char filter_name[64] = {};
    const H5Z_filter_t id =
        H5Pget_filter2(props, unsigned(i), &flags, &n_values, nullptr, sizeof filter_name, filter_name, &config);
    if (id < 0 || H5Zfilter_avail(id) > 0) continue;
    throw Error(f.path() + ": " + name + " is compressed with the filter '" + std::string(filter_name) + "' (id " +
                std::to_string(id) + "), which this HDF5 cannot decode; it reads gzip (deflate), szip, shuffle and " +
                "fletcher32: write it again with one of those, e.g. h5py's compression=\"gzip\"");
  }
}
}  // namespace

void File::read_rows(const std::string& dataset, hid_t mem_type, hsize_t first, hsize_t count, void* out) const {
  Handle d(H5Dopen2(file_, dataset.c_str(), H5P_DEFAULT));
  if (d.get() < 0) fail("cannot open dataset " + dataset);
  check_filters(*this, d, dataset);
  Handle space(H5Dget_space(d));
  const int rank = H5Sget_simple_extent_ndims(space);
  std::vector<hsize_t> dims(rank), start(rank, 0);
  H5Sget_simple_extent_dims(space, dims.data(), nullptr);
  if (rank == 0) {
    if (H5Dread(d, mem_type, H5S_ALL, H5S_ALL, H5P_DEFAULT, out) < 0) fail("cannot read " + dataset);
    return;
  }
  std::vector<hsize_t> counts = dims;
  start[0] = first, counts[0] = count;
  if (H5Sselect_hyperslab(space, H5S_SELECT_SET, start.data(), nullptr, counts.data(), nullptr) < 0)
    fail("bad row range for " + dataset);
  Handle mem(H5Screate_simple(rank, counts.data(), nullptr));
  if (H5Dread(d, mem_type, mem, space, H5P_DEFAULT, out) < 0)
    fail("cannot read " + dataset + ": the data is corrupt or truncated");
}

namespace {
std::string dims_text(const std::vector<hsize_t>& dims) {
  std::string s = "[";
  for (std::size_t i = 0; i < dims.size(); ++i) s += (i ? ", " : "") + std::to_string(dims[i]);
  return s + "]";
}

// The whole dataset, which must be stored exactly as `stored` (no silent conversions).
template <class V>
std::vector<V> read_all(const File& f, const std::string& dataset, const char* stored, hid_t mem_type) {
  const std::string type = f.type_name(dataset);
  if (type != stored) throw Error(f.path() + ": " + dataset + " is " + type + ", expected " + stored);
  const auto dims = f.shape(dataset);
  // A corrupt header can claim any shape: refuse sizes the file cannot hold (even at
  // deflate's best ratio, ~1032:1) before allocating them.
  hsize_t file_size = 0;
  H5Fget_filesize(f.id(), &file_size);
  const long double limit = 1100.0L * (long double)(file_size) + (1 << 20);
  long double bytes = sizeof(V);
  hsize_t n = 1;
  for (hsize_t d : dims) n *= d, bytes *= (long double)(d);
  if (bytes > limit)
    throw Error(f.path() + ": " + dataset + " claims " + dims_text(dims) + " elements, more than a file of " +
                std::to_string(file_size) + " bytes can hold: the file is corrupt");
  std::vector<V> out(n);
  if (n) f.read_rows(dataset, mem_type, 0, dims.empty() ? 1 : dims[0], out.data());
  return out;
}
}  // namespace

std::vector<float> File::read_float(const std::string& dataset) const {
  return read_all<float>(*this, dataset, "float32", H5T_NATIVE_FLOAT);
}

std::vector<int64_t> File::read_int64(const std::string& dataset) const {
  return read_all<int64_t>(*this, dataset, "int64", H5T_NATIVE_INT64);
}

std::vector<double> File::read_double(const std::string& dataset) const {
  return read_all<double>(*this, dataset, "float64", H5T_NATIVE_DOUBLE);
}

}  // namespace manet::h5
