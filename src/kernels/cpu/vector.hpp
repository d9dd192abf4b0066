#pragma once
// Vectors of MANET_VECTOR_BYTES (kernel_isa.hpp) as GCC vector extensions, for the kernels
// written with explicit vectors (attention_core.hpp, conv_direct.hpp): 32 bytes in the
// AVX2 build, 64 in the AVX-512 one. Loads and stores go through memcpy: no alignment
// is assumed.
#include <cstring>

#include "kernels/cpu/kernel_isa.hpp"

namespace MANET_CPU_KERNELS {

template <class T>
struct Lanes {
  typedef T V __attribute__((vector_size(MANET_VECTOR_BYTES)));
  static constexpr int W = MANET_VECTOR_BYTES / sizeof(T);
};

template <class T>
inline typename Lanes<T>::V load_v(const T* p) {
  typename Lanes<T>::V v;
  std::memcpy(&v, p, sizeof v);
  return v;
}

template <class T>
inline void store_v(T* p, typename Lanes<T>::V v) {
  std::memcpy(p, &v, sizeof v);
}

inline int padded_positions(int P, int W) { return (P + W - 1) / W * W; }

}  // namespace MANET_CPU_KERNELS
