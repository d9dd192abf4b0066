// The validation share of data.val: {fraction: F}: per class round(n F) samples (at least
// one, never all), disjoint from training, together all of the data, the same for the same
// seed and labels, another for another seed; subset() keeps every kind of sample storage.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <set>

#include "data/val_split.hpp"

namespace manet {
namespace {

std::vector<int64_t> labels_with(const std::vector<int>& per_class) {
  std::vector<int64_t> labels;
  for (int i = 0; i < 200; ++i)  // interleaved, as real files are
    for (std::size_t c = 0; c < per_class.size(); ++c)
      if (i < per_class[c]) labels.push_back(int64_t(c));
  return labels;
}

TEST(ValSplit, StratifiedDisjointAndComplete) {
  const std::vector<int> per_class = {100, 37, 2, 1, 10};
  const std::vector<int64_t> labels = labels_with(per_class);
  const TrainValSplit s = split_off_validation(labels, 0.1, 3);
  // Per class: round(n * 0.1), at least 1 when n >= 2, never all.
  const std::vector<long> expected = {10, 4, 1, 0, 1};
  for (std::size_t c = 0; c < per_class.size(); ++c) {
    const long got = std::count_if(s.val.begin(), s.val.end(), [&](long i) { return labels[std::size_t(i)] == int64_t(c); });
    EXPECT_EQ(got, expected[c]) << "class " << c;
  }
  std::set<long> all(s.train.begin(), s.train.end());
  for (long i : s.val) EXPECT_TRUE(all.insert(i).second) << "sample " << i << " is in both";
  EXPECT_EQ(all.size(), labels.size());
  EXPECT_TRUE(std::is_sorted(s.train.begin(), s.train.end()));
  EXPECT_TRUE(std::is_sorted(s.val.begin(), s.val.end()));
}

TEST(ValSplit, ASeedGivesOneSplit) {
  const std::vector<int64_t> labels = labels_with({120, 80});
  const TrainValSplit a = split_off_validation(labels, 0.25, 7), b = split_off_validation(labels, 0.25, 7);
  EXPECT_EQ(a.val, b.val);
  EXPECT_NE(split_off_validation(labels, 0.25, 8).val, a.val);
  // Not simply the first samples of each class.
  std::vector<long> first;
  for (std::size_t i = 0; i < labels.size() && first.size() < a.val.size(); ++i) first.push_back(long(i));
  EXPECT_NE(a.val, first);
}

TEST(ValSplit, SubsetKeepsImagesBytesAndTokens) {
  Dataset bytes;
  bytes.sample_shape = {1, 1, 2};
  bytes.image_bytes = {1, 2, 3, 4, 5, 6};
  bytes.byte_scale = 0.5f, bytes.byte_shift = 0.25f;
  bytes.labels = {0, 1, 2};
  const Dataset b = subset(bytes, {2, 0});
  EXPECT_EQ(b.image_bytes, (std::vector<uint8_t>{5, 6, 1, 2}));
  EXPECT_EQ(b.labels, (std::vector<int64_t>{2, 0}));
  EXPECT_EQ(b.byte_scale, 0.5f);
  EXPECT_EQ(b.byte_shift, 0.25f);
  Dataset tokens;
  tokens.tokens = true;
  tokens.sample_shape = {1, 1, 2};
  tokens.ids = {7, 8, 9, 10};
  tokens.labels = {1, 0};
  tokens.unseen_ids = {0, 1, 1};
  const Dataset t = subset(tokens, {1});
  EXPECT_EQ(t.ids, (std::vector<int64_t>{9, 10}));
  EXPECT_EQ(t.unseen_ids, tokens.unseen_ids);
}

}  // namespace
}  // namespace manet
