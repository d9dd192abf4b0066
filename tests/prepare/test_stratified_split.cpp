// The split of your own data: every class split in the closed-form proportions
// max(1, round(n * fraction)), disjoint, complete, in file order, the same for the same
// seed, independent of the other classes, and refused by name when a class is too small.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <numeric>

#include "core/error.hpp"
#include "prepare/from_files/split_files.hpp"

namespace manet::prepare {
namespace {

long share(long n, double f) { return f > 0 ? std::max(1L, std::lround(double(n) * f)) : 0; }

std::vector<int64_t> labels_with(const std::vector<long>& per_class) {
  std::vector<int64_t> labels;
  // Interleaved, as files of several classes would be in a TSV.
  for (long i = 0; i < *std::max_element(per_class.begin(), per_class.end()); ++i)
    for (std::size_t c = 0; c < per_class.size(); ++c)
      if (i < per_class[c]) labels.push_back(int64_t(c));
  return labels;
}

TEST(StratifiedSplit, EachClassGetsItsShareAndEverySampleOnePlace) {
  const std::vector<long> per_class = {3, 7, 10, 33, 100};
  const std::vector<std::string> classes = {"a", "b", "c", "d", "e"};
  const std::vector<int64_t> labels = labels_with(per_class);
  const SplitIndices s = stratified_split(labels, classes, 0.15, 0.2, 1);
  for (std::size_t c = 0; c < classes.size(); ++c) {
    auto count = [&](const std::vector<long>& idx) {
      return std::count_if(idx.begin(), idx.end(), [&](long i) { return labels[std::size_t(i)] == int64_t(c); });
    };
    const long n = per_class[c];
    EXPECT_EQ(count(s.test), share(n, 0.2)) << classes[c];
    EXPECT_EQ(count(s.val), share(n, 0.15)) << classes[c];
    EXPECT_EQ(count(s.train), n - share(n, 0.2) - share(n, 0.15)) << classes[c];
  }
  std::vector<long> all = s.train;
  all.insert(all.end(), s.val.begin(), s.val.end());
  all.insert(all.end(), s.test.begin(), s.test.end());
  std::sort(all.begin(), all.end());
  std::vector<long> expected(labels.size());
  std::iota(expected.begin(), expected.end(), 0L);
  EXPECT_EQ(all, expected) << "disjoint and complete";
  for (const auto* part : {&s.train, &s.val, &s.test}) EXPECT_TRUE(std::is_sorted(part->begin(), part->end()));
}

TEST(StratifiedSplit, SeededAndIndependentOfOtherClasses) {
  const std::vector<int64_t> labels = labels_with({50, 50});
  const SplitIndices a = stratified_split(labels, {"x", "y"}, 0.1, 0.2, 7), b = stratified_split(labels, {"x", "y"}, 0.1, 0.2, 7);
  EXPECT_EQ(a.test, b.test);
  EXPECT_EQ(a.val, b.val);
  EXPECT_NE(stratified_split(labels, {"x", "y"}, 0.1, 0.2, 8).test, a.test) << "another seed, another split";
  // Class "y" alone (its samples at the same positions within the class): the same choice.
  const SplitIndices alone = stratified_split(labels_with({50}), {"y"}, 0.1, 0.2, 7);
  std::vector<long> y_test;
  for (const long i : a.test)
    if (labels[std::size_t(i)] == 1) y_test.push_back(i / 2);  // position within class y
  EXPECT_EQ(y_test, alone.test);
  // And no fractions: everything trains.
  EXPECT_EQ(stratified_split(labels, {"x", "y"}, 0, 0, 7).train.size(), labels.size());
}

TEST(StratifiedSplit, AClassTooSmallIsNamed) {
  const std::vector<int64_t> labels = labels_with({10, 2});
  try {
    stratified_split(labels, {"big", "tiny"}, 0.1, 0.1, 1);
    ADD_FAILURE() << "accepted";
  } catch (const Error& e) {
    EXPECT_EQ(e.kind(), ErrorKind::usage);
    EXPECT_NE(std::string(e.what()).find("class 'tiny' has 2 sample(s): too few for --val-fraction 0.1 and --test-fraction 0.1"),
              std::string::npos)
        << e.what();
  }
  EXPECT_NO_THROW(stratified_split(labels, {"big", "tiny"}, 0, 0.1, 1)) << "one sample to test, one to train";
}

}  // namespace
}  // namespace manet::prepare
