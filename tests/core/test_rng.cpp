#include <gtest/gtest.h>

#include <cmath>

#include "core/rng.hpp"

namespace manet {

// Known-answer vectors of Random123 (kat_vectors, philox4x32 with 10 rounds).
TEST(Philox, MatchesRandom123KnownAnswers) {
  EXPECT_EQ(philox4x32_10({0, 0, 0, 0}, {0, 0}), (PhiloxCounter{0x6627e8d5, 0xe169c58d, 0xbc57ac4c, 0x9b00dbd8}));
  EXPECT_EQ(philox4x32_10({0xffffffff, 0xffffffff, 0xffffffff, 0xffffffff}, {0xffffffff, 0xffffffff}),
            (PhiloxCounter{0x408f276d, 0x41c83b0e, 0xa20bc7c6, 0x6d5451fd}));
  EXPECT_EQ(philox4x32_10({0x243f6a88, 0x85a308d3, 0x13198a2e, 0x03707344}, {0xa4093822, 0x299f31d0}),
            (PhiloxCounter{0xd16cfe09, 0x94fdcceb, 0x5001e420, 0x24126ea1}));
}

TEST(RandomStream, IsAPureFunctionOfItsIndex) {
  const RandomStream a(42, RandomPurpose::dropout, 7, 3), b(42, RandomPurpose::dropout, 7, 3);
  for (uint64_t i : {0ull, 1ull, 5ull, 1000003ull}) EXPECT_EQ(a.bits(i, 9), b.bits(i, 9));
  // Reading out of order changes nothing: no hidden state.
  const uint32_t late = a.bits(12345, 1);
  (void)a.bits(0, 0);
  EXPECT_EQ(a.bits(12345, 1), late);
}

TEST(RandomStream, DifferentPurposesAndSeedsDiffer) {
  const RandomStream init(1, RandomPurpose::init), drop(1, RandomPurpose::dropout), other(2, RandomPurpose::init);
  int same_purpose = 0, same_seed = 0;
  for (uint64_t i = 0; i < 256; ++i) {
    same_purpose += init.bits(i) == drop.bits(i);
    same_seed += init.bits(i) == other.bits(i);
  }
  EXPECT_LT(same_purpose, 2);
  EXPECT_LT(same_seed, 2);
}

TEST(RandomStream, UniformAndNormalHaveTheRightMoments) {
  const RandomStream s(123, RandomPurpose::init, 4);
  const int n = 200000;
  double su = 0, su2 = 0, sn = 0, sn2 = 0;
  for (int i = 0; i < n; ++i) {
    const double u = s.uniform(i), z = s.normal(i);
    ASSERT_GE(u, 0.0);
    ASSERT_LT(u, 1.0);
    su += u, su2 += u * u, sn += z, sn2 += z * z;
  }
  // Standard errors: uniform mean 0.29/sqrt(n) = 6.5e-4; normal mean 1/sqrt(n) = 2.2e-3.
  EXPECT_NEAR(su / n, 0.5, 4e-3);
  EXPECT_NEAR(su2 / n - 0.25, 1.0 / 12, 4e-3);
  EXPECT_NEAR(sn / n, 0.0, 1.2e-2);
  EXPECT_NEAR(sn2 / n, 1.0, 1.5e-2);
}

}  // namespace manet
