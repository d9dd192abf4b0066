// The attention core (attention_core_impl.hpp) compiled for AVX-512: 64-byte vectors, and
// R = 8 query rows per block (AVX-512's 32 vector registers hold the 8 x 2 accumulators of
// block_scores and its loads). Only the code below the target pragma uses AVX-512, and it
// lives in its own namespace, so nothing of it can stand in for the AVX2 build of the same
// functions; it runs only where core/isa.hpp found AVX-512.
#include <algorithm>
#include <cmath>
#include <cstdint>
#include <cstring>
#include <limits>

#include "kernels/cpu/attention_isa.hpp"
#include "kernels/cpu/fast_exp.hpp"

#pragma GCC push_options
#pragma GCC target("arch=x86-64-v4,prefer-vector-width=512")

namespace manet::cpu::avx512 {

#define MANET_VECTOR_BYTES 64
#define MANET_QUERY_BLOCK 8
#include "kernels/cpu/attention_core_impl.hpp"
#undef MANET_VECTOR_BYTES
#undef MANET_QUERY_BLOCK

namespace {

void forward(float* o, float* lse, const float* q, const float* k, const float* v, long ld, const uint8_t* key_mask,
             int d, int P, float* scratch) {
  attention_head_forward(o, lse, q, k, v, ld, key_mask, d, P, HeadScratch<float>(scratch, d, P));
}

void backward(float* dq, float* dk, float* dv, const float* q, const float* k, const float* v, const float* o,
              const float* do_, long ld, const float* lse, const uint8_t* key_mask, int d, int P, float* scratch) {
  attention_head_backward(dq, dk, dv, q, k, v, o, do_, ld, lse, key_mask, d, P, HeadScratch<float>(scratch, d, P));
}

}  // namespace

}  // namespace manet::cpu::avx512

#pragma GCC pop_options

namespace manet::cpu::avx512 {

// Outside the AVX-512 region: callers size scratch with it on any CPU.
long scratch_size(int d, int P) { return head_scratch_floats(d, P, 64, 8); }

extern const AttentionHeadKernels kAttentionHead;
const AttentionHeadKernels kAttentionHead{scratch_size, forward, backward};

}  // namespace manet::cpu::avx512
