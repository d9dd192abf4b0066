#pragma once
// Bad HDF5 data set files: how to make each, and the words the error must contain
// (besides the file's name). Used in process (tests/data) and through the binary (faults).
#include <hdf5.h>

#include <algorithm>
#include <cstdint>
#include <filesystem>
#include <fstream>
#include <functional>
#include <string>
#include <vector>

#include "io/hdf5_file.hpp"

namespace manet::testing {

// Writes /x and /y with the given HDF5 types and shapes (values zero unless given).
inline void write_raw(const std::string& path, hid_t xtype, std::vector<hsize_t> xdims, hid_t ytype, std::vector<hsize_t> ydims,
               int64_t label = 1, bool with_y = true) {
  h5::File f = h5::File::create(path);
  auto put = [&](const char* name, hid_t type, const std::vector<hsize_t>& dims, int64_t fill) {
    hsize_t n = 1;
    for (auto d : dims) n *= d;
    std::vector<int64_t> buf(std::max<hsize_t>(n, 1), fill);  // 8 bytes per element covers every type used
    std::vector<double> dbuf(std::max<hsize_t>(n, 1), double(fill));
    h5::Handle space(H5Screate_simple(int(dims.size()), dims.data(), nullptr));
    h5::Handle d(H5Dcreate2(f.id(), name, type, space, H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT));
    if (H5Tget_class(type) == H5T_FLOAT)
      H5Dwrite(d, H5T_NATIVE_DOUBLE, H5S_ALL, H5S_ALL, H5P_DEFAULT, dbuf.data());
    else
      H5Dwrite(d, H5T_NATIVE_INT64, H5S_ALL, H5S_ALL, H5P_DEFAULT, buf.data());
  };
  put("/x", xtype, xdims, 1);
  if (with_y) put("/y", ytype, ydims, label);
}

struct BadDatasetFile {
  const char* what;
  std::function<void(const std::string&)> make;
  std::string expected;
};

inline const std::vector<BadDatasetFile>& bad_dataset_files() {
  static const std::vector<BadDatasetFile> cases = {
      {"float64 images", [](auto& p) { write_raw(p, H5T_IEEE_F64LE, {2, 1, 2, 2}, H5T_STD_I64LE, {2}); },
       "/x: expected float32 [N, C, H, W] (images) or int64 [N, T] (token ids), got float64 [2, 1, 2, 2]"},
      {"3-d images", [](auto& p) { write_raw(p, H5T_IEEE_F32LE, {2, 2, 2}, H5T_STD_I64LE, {2}); },
       "/x: expected float32 [N, C, H, W] (images) or int64 [N, T] (token ids), got float32 [2, 2, 2]"},
      {"int32 tokens", [](auto& p) { write_raw(p, H5T_STD_I32LE, {2, 5}, H5T_STD_I64LE, {2}); }, "got int32 [2, 5]"},
      {"float labels", [](auto& p) { write_raw(p, H5T_IEEE_F32LE, {2, 1, 2, 2}, H5T_IEEE_F32LE, {2}); },
       "/y: expected int64 [N] labels, got float32 [2]"},
      {"2-d labels", [](auto& p) { write_raw(p, H5T_IEEE_F32LE, {2, 1, 2, 2}, H5T_STD_I64LE, {2, 1}); },
       "/y: expected int64 [N] labels, got int64 [2, 1]"},
      {"count mismatch", [](auto& p) { write_raw(p, H5T_IEEE_F32LE, {3, 1, 2, 2}, H5T_STD_I64LE, {2}); },
       "/y: has 2 labels for 3 samples in /x"},
      {"missing /y", [](auto& p) { write_raw(p, H5T_IEEE_F32LE, {2, 1, 2, 2}, H5T_STD_I64LE, {2}, 1, false); },
       "/y: missing"},
      {"negative label", [](auto& p) { write_raw(p, H5T_IEEE_F32LE, {2, 1, 2, 2}, H5T_STD_I64LE, {2}, -1); },
       "/y: label -1 of sample 0 is negative"},
      {"empty", [](auto& p) { write_raw(p, H5T_IEEE_F32LE, {0, 1, 2, 2}, H5T_STD_I64LE, {0}); }, "/x: holds no samples"},
      {"not HDF5", [](auto& p) { std::ofstream(p) << "x,y\n1,2\n"; }, "not a readable HDF5 file"},
      {"truncated",
       [](auto& p) {
         write_raw(p, H5T_IEEE_F32LE, {200, 1, 8, 8}, H5T_STD_I64LE, {200});
         std::filesystem::resize_file(p, std::filesystem::file_size(p) / 2);
       },
       "cannot open as HDF5: unable to open file; unable to read superblock; truncated file"},
      // Found by tests/fuzz (UBSan): INT64_MAX as a label overflowed the class count.
      {"a label of 2^63 - 1", [](auto& p) { write_raw(p, H5T_IEEE_F32LE, {2, 1, 2, 2}, H5T_STD_I64LE, {2}, INT64_MAX); },
       "/y: label 9223372036854775807 of sample 0 is not below 16777216"},
      // Found by tests/fuzz: a corrupt header claiming 2^41 x 4 elements in a 2 KB file.
      {"a header claiming a huge shape",
       [](auto& p) {
         std::filesystem::copy_file(MANET_SOURCE_DIR "/tests/fuzz/corpus/dataset/regression-huge-shape.h5", p,
                                    std::filesystem::copy_options::overwrite_existing);
       },
       "elements, more than a file of 2096 bytes can hold: the file is corrupt"},
  };
  return cases;
}

}  // namespace manet::testing
