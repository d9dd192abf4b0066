#include <gtest/gtest.h>
#include <hdf5.h>

#include <filesystem>
#include <fstream>
#include <functional>
#include <numeric>
#include <set>
#include <unistd.h>

#include "core/error.hpp"
#include "data/bad_datasets.hpp"
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
  const auto& cases = testing::bad_dataset_files();
  int i = 0;
  for (const auto& c : cases) {
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
  // 4 ranks x 4 samples give the same global batch as 1 rank x 16. Each rank has its own
  // sampler, as each process does, one that has visited another epoch before.
  ShardSampler one(100, 16, 9, true);
  std::vector<long> whole, joined;
  one.shard(2, 3 * 16, 16, whole);
  for (int r = 0; r < 4; ++r) {
    ShardSampler rank(100, 16, 9, true);
    rank.order(10 + r);
    std::vector<long> part;
    rank.shard(2, 3 * 16 + r * 4, 4, part);
    ASSERT_EQ(part.size(), 4u);
    joined.insert(joined.end(), part.begin(), part.end());
  }
  EXPECT_EQ(joined, whole);
  EXPECT_EQ(std::set<long>(joined.begin(), joined.end()).size(), 16u) << "the ranks' shards overlap";
  // The global batch of step 3 is positions 48-63 of epoch 2's order: not file order, not
  // another epoch's.
  ShardSampler fresh(100, 16, 9, true);
  const std::vector<long> epoch2 = fresh.order(2), epoch1 = fresh.order(1);
  EXPECT_EQ(whole, std::vector<long>(epoch2.begin() + 48, epoch2.begin() + 64));
  EXPECT_NE(whole, std::vector<long>(epoch1.begin() + 48, epoch1.begin() + 64));
  std::vector<long> file_order(16);
  std::iota(file_order.begin(), file_order.end(), 48L);
  EXPECT_NE(whole, file_order);
}

}  // namespace manet
