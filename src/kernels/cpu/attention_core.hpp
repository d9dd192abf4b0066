#pragma once
// The per-(sample, head) core of attention, O = V softmax(QᵀK/√d)ᵀ, fused so that no
// P×P matrix is ever stored: queries are taken R = 4 at a time, and their scores against
// every key (R×P, a few KB) stay in L1 while the softmax and the products with V run on
// them. Scores are kept in log2 units (log2 e folded into the query panel's scale), so
// the softmax needs 2^x, cheaper than e^x; lse is saved in the same units. Backward recomputes the scores from Q and K and the row log-sum-exp saved by
// forward (FlashAttention-2's recipe):
//   A = exp(S − lse),  dA = dOᵀV,  dS = A ∘ (dA − D) with D_p = dO_p · O_p,
//   dV += dO A,  dK += Q dS / √d,  dQ = K dSᵀ / √d.
// Q, K, V, O and their gradients are (d, P) with row stride P. Each is first copied into
// a (d, Pp) panel, Pp = P rounded up to the vector width, with zero padding, so the three
// micro-kernels below run on whole vectors (GCC vector extensions: AVX2 with
// -march=x86-64-v3, SSE pairs without it). On CPUs with AVX-512 the float kernels run the
// same code with 64-byte vectors (attention_isa.hpp chooses; attention_avx512.cpp). Masked keys (and the padding columns) get
// score -inf: weight 2^-125 ~ 2e-38 in float (0 in double), gradient exactly 0.
#include <algorithm>
#include <cmath>
#include <cstdint>
#include <cstring>
#include <limits>

#include "kernels/cpu/fast_exp.hpp"

namespace manet::cpu {

#define MANET_VECTOR_BYTES 32
#define MANET_QUERY_BLOCK 4
#include "kernels/cpu/attention_core_impl.hpp"
#undef MANET_VECTOR_BYTES
#undef MANET_QUERY_BLOCK

}  // namespace manet::cpu
