#pragma once
// Counter-based random numbers (Philox4x32-10, Salmon et al., SC'11): a random value is a
// pure function of (key, counter), so a stream can be indexed by *what it is for*
// (seed, purpose, step, global sample index, unit) instead of by how many numbers were
// drawn before. That is what makes dropout independent of how ranks split a batch, and
// it is the same generator cuRAND offers, so a CUDA kernel can reproduce it.
#include <array>
#include <cmath>
#include <cstdint>

// Philox and a stream's draws are also compiled for the GPU (kernels/cuda/dropout.cu), so
// dropout masks there are the same bits as here.
#ifdef __CUDACC__
#define MANET_HOST_DEVICE __host__ __device__
#else
#define MANET_HOST_DEVICE
#endif

namespace manet {

using PhiloxCounter = std::array<uint32_t, 4>;
using PhiloxKey = std::array<uint32_t, 2>;

MANET_HOST_DEVICE inline PhiloxCounter philox4x32_10(PhiloxCounter ctr, PhiloxKey key) {
  constexpr uint32_t kMul0 = 0xD2511F53u, kMul1 = 0xCD9E8D57u;
  constexpr uint32_t kWeyl0 = 0x9E3779B9u, kWeyl1 = 0xBB67AE85u;
  for (int round = 0; round < 10; ++round) {
    const uint64_t p0 = uint64_t(kMul0) * ctr[0];
    const uint64_t p1 = uint64_t(kMul1) * ctr[2];
    ctr = {uint32_t(p1 >> 32) ^ ctr[1] ^ key[0], uint32_t(p1), uint32_t(p0 >> 32) ^ ctr[3] ^ key[1],
           uint32_t(p0)};
    key[0] += kWeyl0;
    key[1] += kWeyl1;
  }
  return ctr;
}

// SplitMix64 finaliser: mixes structured inputs (seed, purpose, ids) into a key.
inline uint64_t mix64(uint64_t x) {
  x += 0x9E3779B97F4A7C15ull;
  x = (x ^ (x >> 30)) * 0xBF58476D1CE4E5B9ull;
  x = (x ^ (x >> 27)) * 0x94D049BB133111EBull;
  return x ^ (x >> 31);
}

// What a random stream is for; part of its key, so streams never overlap.
enum class RandomPurpose : uint64_t {
  init = 1, dropout = 2, shuffle = 3, data = 4, token_dropout = 5, split = 6, val_split = 7, augment = 8
};

// One stream: a key derived from (seed, purpose, a, b); element i of the stream is a pure
// function of i. Draws 4 values per Philox call.
class RandomStream {
 public:
  RandomStream(uint64_t seed, RandomPurpose purpose, uint64_t a = 0, uint64_t b = 0) {
    uint64_t k = mix64(seed);
    k = mix64(k ^ uint64_t(purpose));
    k = mix64(k ^ a);
    k = mix64(k ^ (b * 0x9E3779B97F4A7C15ull));
    key_ = {uint32_t(k), uint32_t(k >> 32)};
  }

  // 32 random bits for element `index` of sub-stream `sub`.
  MANET_HOST_DEVICE uint32_t bits(uint64_t index, uint64_t sub = 0) const {
    const PhiloxCounter out =
        philox4x32_10({uint32_t(index >> 2), uint32_t(index >> 34), uint32_t(sub), uint32_t(sub >> 32)}, key_);
    return out[index & 3];
  }

  // Uniform in [0, 1) with 24 bits: exact in float and double alike.
  MANET_HOST_DEVICE double uniform(uint64_t index, uint64_t sub = 0) const { return (bits(index, sub) >> 8) * 0x1p-24; }

  // Standard normal by Box-Muller over two uniforms of the sub-stream's pair (2i, 2i+1).
  double normal(uint64_t index, uint64_t sub = 0) const {
    const double u1 = ((bits(2 * index, sub) >> 8) + 1) * 0x1p-24;  // (0, 1]: log is finite
    const double u2 = (bits(2 * index + 1, sub) >> 8) * 0x1p-24;
    return std::sqrt(-2.0 * std::log(u1)) * std::cos(2.0 * M_PI * u2);
  }

 private:
  PhiloxKey key_;
};

}  // namespace manet
