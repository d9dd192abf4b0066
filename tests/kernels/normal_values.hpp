#pragma once
// n draws of N(0, 1) in float from a fixed seed: the random inputs of the kernel tests.
#include <random>
#include <vector>

namespace manet::testing {

inline std::vector<float> normal_values(long n, unsigned seed) {
  std::mt19937 g(seed);
  std::normal_distribution<float> d;
  std::vector<float> v(n);
  for (float& x : v) x = d(g);
  return v;
}

}  // namespace manet::testing
