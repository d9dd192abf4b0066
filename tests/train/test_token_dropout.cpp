// Token dropout: the rate it promises, padding and unknown ids untouched, and the same
// result however the batch is split over ranks (keyed by global sample index).
#include <gtest/gtest.h>

#include <cmath>
#include <vector>

#include "train/batch.hpp"

namespace manet {
namespace {

// n samples of T tokens: ids 2.. in the first T - 5 positions, padding after them.
Dataset token_data(long n, long T) {
  Dataset d;
  d.tokens = true;
  d.sample_shape = {1, 1, int(T)};
  d.num_classes = 2;
  for (long i = 0; i < n; ++i) {
    for (long t = 0; t < T; ++t) d.ids.push_back(t < T - 5 ? 2 + (i * 7 + t) % 50 : 0);
    d.labels.push_back(i % 2);
  }
  return d;
}

std::vector<int64_t> ids_of(const BatchBuffer& b, long T) {
  const int64_t* ids = b.input().tokens;
  return std::vector<int64_t>(ids, ids + b.size() * T);
}

TEST(TokenDropout, DropsAtTheRequestedRateAndNeverTouchesPadding) {
  const long n = 400, T = 40;
  const Dataset d = token_data(n, T);
  BatchBuffer b;
  b.gather_range(d, 0, n);
  b.drop_tokens(0.2, {}, 7, 3, 0);
  const std::vector<int64_t> got = ids_of(b, T);
  long words = 0, dropped = 0;
  for (long i = 0; i < n * T; ++i) {
    const int64_t before = d.ids[std::size_t(i)];
    if (before == 0) {
      EXPECT_EQ(got[std::size_t(i)], 0) << "padding at " << i;
      continue;
    }
    ++words;
    if (got[std::size_t(i)] == 1) ++dropped;
    else EXPECT_EQ(got[std::size_t(i)], before) << i;
  }
  const double rate = double(dropped) / double(words), sigma = std::sqrt(0.2 * 0.8 / double(words));
  EXPECT_NEAR(rate, 0.2, 4 * sigma) << dropped << " of " << words;
}

// Samples [first, first + count) of d after token dropout at rate p, at `step`, keyed
// from global sample index `first` (as the trainer keys a rank's slice).
std::vector<int64_t> dropped(const Dataset& d, long first, long count, double p, long step) {
  BatchBuffer b;
  b.gather_range(d, first, count);
  b.drop_tokens(p, {}, 1, step, first);
  return ids_of(b, d.sample_values());
}

TEST(TokenDropout, SameTokensDroppedHoweverTheBatchIsSplit) {
  const Dataset d = token_data(64, 12);
  std::vector<int64_t> halves = dropped(d, 0, 32, 0.3, 9);
  const std::vector<int64_t> rest = dropped(d, 32, 32, 0.3, 9);
  halves.insert(halves.end(), rest.begin(), rest.end());
  EXPECT_EQ(dropped(d, 0, 64, 0.3, 9), halves);
}

TEST(TokenDropout, ChangesWithTheStepAndIsOffAtZero) {
  const Dataset d = token_data(32, 12);
  EXPECT_NE(dropped(d, 0, 32, 0.3, 1), dropped(d, 0, 32, 0.3, 2));
  EXPECT_EQ(dropped(d, 0, 32, 0.0, 1), d.ids);
}

// With the vocabulary's table (from a prepared file), a dropped word becomes the id an
// unseen word would get; ids past the table's end still become unknown.
TEST(TokenDropout, ADroppedWordBecomesItsUnseenId) {
  const long n = 200, T = 40;
  const Dataset d = token_data(n, T);
  std::vector<int64_t> unseen_ids(40);
  for (std::size_t i = 0; i < unseen_ids.size(); ++i) unseen_ids[i] = i % 3 ? 1000 + int64_t(i) : 1;
  BatchBuffer b;
  b.gather_range(d, 0, n);
  b.drop_tokens(0.5, unseen_ids, 7, 3, 0);
  const std::vector<int64_t> got = ids_of(b, T);
  long to_table = 0, past_table = 0;
  for (long i = 0; i < n * T; ++i) {
    const int64_t before = d.ids[std::size_t(i)], after = got[std::size_t(i)];
    if (after == before) continue;
    const int64_t want = before < 40 ? unseen_ids[std::size_t(before)] : 1;
    EXPECT_EQ(after, want) << "id " << before << " at " << i;
    (before < 40 && want != 1 ? to_table : past_table) += 1;
  }
  EXPECT_GT(to_table, 500);
  EXPECT_GT(past_table, 500);
}

}  // namespace
}  // namespace manet
