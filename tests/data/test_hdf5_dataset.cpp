#include <gtest/gtest.h>
#include <hdf5.h>

#include <filesystem>
#include <fstream>
#include <functional>
#include <set>
#include <unistd.h>

#include "core/error.hpp"
#include "data/hdf5_dataset.hpp"
#include "data/sampler.hpp"
#include "io/hdf5_file.hpp"

namespace manet {

namespace {

std::string temp_path(const std::string& name) {
  const auto dir = std::filesystem::temp_directory_path() / ("manet_test_" + std::to_string(::getpid()));
  std::filesystem::create_directories(dir);
  return (dir / name).string();
}

// Writes /x and /y with the given HDF5 types and shapes (values zero unless given).
void write_raw(const std::string& path, hid_t xtype, std::vector<hsize_t> xdims, hid_t ytype, std::vector<hsize_t> ydims,
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

std::string error_of(const std::string& path) {
  try {
    load_hdf5_dataset(path);
  } catch (const Error& e) {
    return e.what();
  }
  return "(accepted)";
}

}  // namespace

TEST(Hdf5Dataset, RoundTripImagesAndTokens) {
  Dataset images;
  images.sample_shape = {2, 3, 4};
  images.images.resize(5 * 24);
  for (std::size_t i = 0; i < images.images.size(); ++i) images.images[i] = 0.25f * float(i);
  images.labels = {0, 3, 1, 2, 3};
  save_hdf5_dataset(temp_path("img.h5"), images);
  const Dataset back = load_hdf5_dataset(temp_path("img.h5"));
  EXPECT_FALSE(back.tokens);
  EXPECT_EQ(back.sample_shape, images.sample_shape);
  EXPECT_EQ(back.images, images.images);
  EXPECT_EQ(back.labels, images.labels);
  EXPECT_EQ(back.num_classes, 4);

  Dataset tokens;
  tokens.tokens = true;
  tokens.sample_shape = {1, 1, 3};
  tokens.ids = {1, 2, 0, 5, 0, 0};
  tokens.labels = {1, 0};
  save_hdf5_dataset(temp_path("tok.h5"), tokens);
  const Dataset t = load_hdf5_dataset(temp_path("tok.h5"));
  EXPECT_TRUE(t.tokens);
  EXPECT_EQ(t.ids, tokens.ids);
}

TEST(Hdf5Dataset, BadFilesNameTheFileTheDatasetAndWhatWasExpected) {
  struct Case {
    const char* what;
    std::function<void(const std::string&)> make;
    std::string expected;
  };
  const std::vector<Case> cases = {
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
       "h5"},
  };
  int i = 0;
  for (const Case& c : cases) {
    SCOPED_TRACE(c.what);
    const std::string path = temp_path("bad" + std::to_string(i++) + ".h5");
    c.make(path);
    const std::string message = error_of(path);
    EXPECT_NE(message.find(path), std::string::npos) << "names the file: " << message;
    EXPECT_NE(message.find(c.expected), std::string::npos) << message;
  }
}

TEST(ShardSampler, OrderIsAPermutationPureInSeedAndEpoch) {
  ShardSampler a(1000, 64, 5, true), b(1000, 128, 5, true);
  const std::vector<long> o = a.order(3);  // a copy: order() reuses its buffer
  EXPECT_EQ(std::set<long>(o.begin(), o.end()).size(), 1000u);
  EXPECT_EQ(o, b.order(3)) << "independent of the batch size";
  EXPECT_NE(o, a.order(4));
  ShardSampler plain(10, 5, 5, false);
  EXPECT_EQ(plain.order(7), (std::vector<long>{0, 1, 2, 3, 4, 5, 6, 7, 8, 9}));
  EXPECT_EQ(a.steps_per_epoch(), 15) << "the last partial global batch is dropped";
}

TEST(ShardSampler, RankShardsConcatenateToTheGlobalBatch) {
  // 4 ranks x 4 samples give the same global batch as 1 rank x 16.
  ShardSampler one(100, 16, 9, true), four(100, 16, 9, true);
  std::vector<long> whole, part, joined;
  one.shard(2, 3 * 16, 16, whole);
  for (int r = 0; r < 4; ++r) {
    four.shard(2, 3 * 16 + r * 4, 4, part);
    joined.insert(joined.end(), part.begin(), part.end());
  }
  EXPECT_EQ(joined, whole);
}

}  // namespace manet
