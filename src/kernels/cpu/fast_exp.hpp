#pragma once
// exp that the compiler vectorises (Cephes expf): n = round(x log2 e); r = x - n ln2 with
// ln2 split in two (Cody-Waite) so r is exact; e^r from a degree-6 polynomial on
// |r| <= ln2/2; result 2^n e^r. Inputs are clamped to [-87, 88], the normal float range;
// in a softmax (x - max <= 0) an input below -87 contributes < 1e-37 relative to the
// largest term. Double keeps std::exp: the gradient checks run in double.
#include <bit>
#include <cmath>
#include <cstdint>

#include "kernels/cpu/kernel_isa.hpp"

namespace MANET_CPU_KERNELS {

// e^x for x in [-87, 88] (the caller clamps).
inline float exp_in_range(float x) {
  const float n = (x * 1.44269504088896341f + 12582912.0f) - 12582912.0f;  // round to nearest
  const float r = (x - n * 0.693359375f) + n * 2.12194440e-4f;
  float p = 1.9875691500e-4f;
  p = p * r + 1.3981999507e-3f;
  p = p * r + 8.3334519073e-3f;
  p = p * r + 4.1665795894e-2f;
  p = p * r + 1.6666665459e-1f;
  p = p * r + 5.0000001201e-1f;
  p = p * r * r + r + 1.0f;
  return p * std::bit_cast<float>((int32_t(n) + 127) << 23);
}

// Clamps written as `x > lo ? x : lo` so that they compile to vmaxps / vminps (the
// other spelling differs for NaN and becomes a compare + blend).
inline float exp_fast(float x) {
  x = x > -87.0f ? x : -87.0f;
  return exp_in_range(x < 88.0f ? x : 88.0f);
}

// 2^x for x <= 0, the softmax of the attention core (its scores are kept in log2 units,
// log2 e folded into the query scale): t = x + 1.5·2^23 rounds x to the integer n held
// in t's low mantissa bits, so bits(t) << 23 is n << 23 (the rest shifts out) and adding
// it to the bits of p = 2^r, r = x - n in [-1/2, 1/2], multiplies p by 2^n. p is a
// degree-5 fit to 2^r (relative error 1.0e-7, 2e-7 after float rounding). About 11
// vector operations against exp_in_range's 17. x is clamped at -125, so that the result
// stays normal (>= 2^-125.5); -inf gives 2^-125 ~ 2e-38.
inline float exp2_of_nonpositive(float x) {
  x = x > -125.0f ? x : -125.0f;
  const float t = x + 12582912.0f;
  const float r = x - (t - 12582912.0f);
  float p = 1.3308824273e-3f;
  p = p * r + 9.6715167165e-3f;
  p = p * r + 5.5505823344e-2f;
  p = p * r + 2.4022242427e-1f;
  p = p * r + 6.9314706326e-1f;
  p = p * r + 1.0f;
  return std::bit_cast<float>(std::bit_cast<int32_t>(p) + (std::bit_cast<int32_t>(t) << 23));
}
inline double exp2_of_nonpositive(double x) { return std::exp2(x); }

// log2(x) for x >= 1 (a softmax's sum whose largest term is 1), vectorisable: x = 2^e m
// with m in [√½, √2), then ln m = 2 atanh(t), t = (m - 1)/(m + 1), |t| <= 0.172, from
// its odd series to t^9 (next term < 3e-9). About 1e-7 absolute, below float's rounding of
// the lse it feeds (whose ulp is 2.4e-7 at 2, 1.9e-6 at 16).
inline float log2_of_at_least_one(float x) {
  const int32_t bits = std::bit_cast<int32_t>(x);
  int32_t e = (bits >> 23) - 127;
  float m = std::bit_cast<float>((bits & 0x007fffff) | 0x3f800000);  // [1, 2)
  const bool high = m > 1.41421356f;
  m = high ? 0.5f * m : m;
  e = high ? e + 1 : e;
  const float t = (m - 1.0f) / (m + 1.0f), t2 = t * t;
  float p = 1.0f / 9.0f;
  p = p * t2 + 1.0f / 7.0f;
  p = p * t2 + 1.0f / 5.0f;
  p = p * t2 + 1.0f / 3.0f;
  p = p * t2 + 1.0f;
  return float(e) + (2.0f * 1.44269504088896341f) * t * p;
}
inline double log2_of_at_least_one(double x) { return std::log2(x); }

}  // namespace MANET_CPU_KERNELS
