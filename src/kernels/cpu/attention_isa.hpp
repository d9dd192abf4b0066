#pragma once
// The float attention core in the instruction set this process runs (core/isa.hpp):
// attention_core.hpp's code with 32-byte vectors (AVX2) or 64-byte ones (AVX-512,
// attention_avx512.cpp). Both read and write the same arrays; the head scratch they use
// differs in layout, so callers size it with head_scratch_size (the larger of the two).
#include <cstdint>

#include "core/isa.hpp"

namespace manet::cpu {

struct AttentionHeadKernels {
  long (*scratch_size)(int d, int P);
  // attention_head_forward / attention_head_backward (attention_core_impl.hpp) over a raw scratch.
  void (*forward)(float* o, float* lse, const float* q, const float* k, const float* v, long ld,
                  const uint8_t* key_mask, int d, int P, float* scratch);
  void (*backward)(float* dq, float* dk, float* dv, const float* q, const float* k, const float* v, const float* o,
                   const float* do_, long ld, const float* lse, const uint8_t* key_mask, int d, int P, float* scratch);
};

const AttentionHeadKernels& attention_head_kernels(Isa isa);

// HeadScratch::size (attention_core_impl.hpp) for a vector width and query block, computed
// outside any instruction set's code.
long head_scratch_floats(int d, int P, int vector_bytes, int query_block);

// Scratch numbers one (sample, head) needs: enough for either instruction set (float) or
// the generic kernels (double).
long head_scratch_size_float(int d, int P);

}  // namespace manet::cpu
