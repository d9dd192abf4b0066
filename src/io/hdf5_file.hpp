#pragma once
// A thin, checked layer over the HDF5 C API: RAII handles, and reads/writes that throw
// Error naming the file, the object and HDF5's own reason. Only checkpoints and HDF5
// data sets use it; layers and the model never see HDF5.
#include <hdf5.h>

#include <cstdint>
#include <string>
#include <vector>

namespace manet::h5 {

// Owns one HDF5 identifier and closes it with the right H5*close.
class Handle {
 public:
  Handle() = default;
  explicit Handle(hid_t id) : id_(id) {}
  Handle(Handle&& o) noexcept : id_(o.id_) { o.id_ = H5I_INVALID_HID; }
  Handle& operator=(Handle&& o) noexcept;
  Handle(const Handle&) = delete;
  Handle& operator=(const Handle&) = delete;
  ~Handle() { close(); }
  hid_t get() const { return id_; }
  operator hid_t() const { return id_; }
  void close();

 private:
  hid_t id_ = H5I_INVALID_HID;
};

// Silences HDF5's automatic error printing once; our messages carry its reasons.
void quiet_errors();
// HDF5's current error stack as one line ("" when empty).
std::string last_error();

class File {
 public:
  static File open_read(const std::string& path);
  static File create(const std::string& path);  // truncates
  // A file that lives in memory only (HDF5's core driver); `name` is for messages.
  static File create_in_memory(const std::string& name);
  // The complete file as bytes (flushes first): what a file on disk would hold.
  std::vector<char> image();
  const std::string& path() const { return path_; }
  hid_t id() const { return file_.get(); }
  void flush();
  void close() { file_.close(); }

  bool exists(const std::string& object) const;
  // Names of the members of a group, in HDF5's (alphabetical) order.
  std::vector<std::string> members(const std::string& group) const;
  void create_group(const std::string& group);

  // Shape of a dataset; throws when absent.
  std::vector<hsize_t> shape(const std::string& dataset) const;
  // The dataset's element class and size: "float32", "float64", "int64", "int32", ... .
  std::string type_name(const std::string& dataset) const;
  // Whether the dataset carries HDF5's Fletcher-32 checksum (verified on every read).
  // Files written by other tools often do not (h5py's default).
  bool checksummed(const std::string& dataset) const;

  // Chunked (one chunk up to 64 MiB), Fletcher-32 checksummed, for checkpoints.
  void write(const std::string& dataset, const float* data, const std::vector<hsize_t>& shape, bool checksum = true);
  void write(const std::string& dataset, const int64_t* data, const std::vector<hsize_t>& shape, bool checksum = true);
  void write(const std::string& dataset, const double* data, const std::vector<hsize_t>& shape, bool checksum = true);
  // Reads the whole dataset converted to the memory type; the stored type must be
  // exactly float32 / int64 / float64 (no silent conversions). Checksums are verified by HDF5.
  std::vector<float> read_float(const std::string& dataset) const;
  std::vector<int64_t> read_int64(const std::string& dataset) const;
  std::vector<double> read_double(const std::string& dataset) const;  // stored as float64
  // Reads rows [first, first + count) of the first dimension.
  void read_rows(const std::string& dataset, hid_t mem_type, hsize_t first, hsize_t count, void* out) const;

  void write_string(const std::string& dataset, const std::string& text);  // scalar string dataset
  std::string read_string(const std::string& dataset) const;

  // Attributes on an object ("/", "/meta", ...).
  void set_attr(const std::string& object, const std::string& name, int64_t value);
  void set_attr(const std::string& object, const std::string& name, uint64_t value);
  void set_attr(const std::string& object, const std::string& name, double value);
  void set_attr(const std::string& object, const std::string& name, const std::string& value);
  bool has_attr(const std::string& object, const std::string& name) const;
  int64_t attr_int(const std::string& object, const std::string& name) const;
  uint64_t attr_uint(const std::string& object, const std::string& name) const;
  double attr_double(const std::string& object, const std::string& name) const;
  std::string attr_string(const std::string& object, const std::string& name) const;
  std::vector<std::string> attr_names(const std::string& object) const;

 private:
  File(std::string path, Handle file) : path_(std::move(path)), file_(std::move(file)) {}
  [[noreturn]] void fail(const std::string& what) const;
  void write_any(const std::string& dataset, hid_t type, const void* data, const std::vector<hsize_t>& shape,
                 std::size_t element_size, bool checksum);
  Handle open_object(const std::string& object) const;
  std::string path_;
  Handle file_;
};

}  // namespace manet::h5
