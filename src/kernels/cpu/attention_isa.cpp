#include "kernels/cpu/attention_isa.hpp"

#include <algorithm>

#include "kernels/cpu/attention_core.hpp"

namespace manet::cpu {

namespace avx512 {
extern const AttentionHeadKernels kAttentionHead;  // attention_avx512.cpp
}

namespace {

long avx2_scratch_size(int d, int P) { return HeadScratch<float>::size(d, P); }

void avx2_forward(float* o, float* lse, const float* q, const float* k, const float* v, long ld,
                  const uint8_t* key_mask, int d, int P, float* scratch) {
  attention_head_forward(o, lse, q, k, v, ld, key_mask, d, P, HeadScratch<float>(scratch, d, P));
}

void avx2_backward(float* dq, float* dk, float* dv, const float* q, const float* k, const float* v, const float* o,
                   const float* do_, long ld, const float* lse, const uint8_t* key_mask, int d, int P, float* scratch) {
  attention_head_backward(dq, dk, dv, q, k, v, o, do_, ld, lse, key_mask, d, P, HeadScratch<float>(scratch, d, P));
}

const AttentionHeadKernels kAvx2{avx2_scratch_size, avx2_forward, avx2_backward};

}  // namespace

long head_scratch_floats(int d, int P, int vector_bytes, int query_block) {
  const int W = vector_bytes / int(sizeof(float));
  const long Pp = padded_positions(P, W), dp = padded_positions(d, W);
  return 6 * d * Pp + Pp * dp + 2 * long(query_block) * Pp + 3 * Pp;
}

const AttentionHeadKernels& attention_head_kernels(Isa isa) {
  return isa == Isa::avx512 ? avx512::kAttentionHead : kAvx2;
}

long head_scratch_size_float(int d, int P) {
  return std::max(kAvx2.scratch_size(d, P), avx512::kAttentionHead.scratch_size(d, P));
}

}  // namespace manet::cpu
