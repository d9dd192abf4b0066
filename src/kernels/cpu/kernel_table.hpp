#pragma once
// The CPU kernels, one table of function pointers per build of them, chosen once per
// process from the instruction set core/isa.hpp found (or MANET_ISA forced):
//   kernels<float>()  the AVX2 build (the build's baseline, x86-64-v3) or the AVX-512 build
//                     (kernel_table_avx512.cpp: the same kernel headers compiled with
//                     64-byte vectors under an AVX-512 target, in manet::cpu::avx512);
//   kernels<double>() the baseline build (the gradient checks and the kernel tests'
//                     references).
// Each entry is the kernel of that name in kernels/cpu/ (shapes are documented there).
// Every build reads and writes the same arrays; the workspaces whose size depends on the
// vector width are sized by the table's own entries (attention_head_scratch,
// direct_conv_workspace). Results agree across builds to float rounding, not bitwise
// (docs/cpus.md). The embedding's gathers and the Winograd weight transforms stay outside:
// wider vectors do nothing for them.
#include <cstdint>

#include "core/isa.hpp"
#include "core/rng.hpp"
#include "kernels/cpu/kernel_types.hpp"
#include "kernels/optimizer_rules.hpp"

namespace manet::cpu {

template <class T>
struct Kernels {
  // attention_core.hpp, one (sample, head) over attention_head_scratch(d, P) numbers
  long (*attention_head_scratch)(int d, int P);
  void (*attention_head_forward)(T* o, T* lse, const T* q, const T* k, const T* v, long ld, const uint8_t* key_mask,
                                 int d, int P, T* scratch);
  void (*attention_head_backward)(T* dq, T* dk, T* dv, const T* q, const T* k, const T* v, const T* o,
                                  const T* do_, long ld, const T* lse, const uint8_t* key_mask, int d, int P,
                                  T* scratch);
  // attention.hpp: the whole layer (head_ws holds attention_head_scratch(C / heads, P))
  void (*attention_forward)(T* y, T* qkv, T* o, T* z, T* lse, T* head_ws, const T* x, const uint8_t* mask,
                            const T* wqkv, const T* bqkv, const T* wproj, const T* bproj, T gamma, int N, int C,
                            int P, int heads);
  void (*attention_backward)(T* dx, T* dwqkv, T* dbqkv, T* dwproj, T* dbproj, T* dgamma, AttentionScratch<T> ws,
                             const T* dy, const T* x, const uint8_t* mask, const T* qkv, const T* lse, const T* o,
                             const T* z, const T* wqkv, const T* wproj, T gamma, int N, int C, int P, int heads);
  // attention_pool.hpp
  void (*attention_pool_forward)(T* v, T* alpha, const T* x, const uint8_t* mask, const T* w, T b, int N, int C,
                                 int P);
  void (*attention_pool_backward)(T* dx, T* dw, T* db, T* dscore, const T* dv, const T* x, const T* alpha,
                                  const T* w, int N, int C, int P);
  // conv.hpp: im2col + GEMM
  void (*conv_relu_forward)(T* y, T* col, T* scratch, const T* x, const uint8_t* mask, const T* weight,
                            const T* bias, int N, int Ci, int H, int W, int Co, int kh, int kw);
  void (*conv_relu_backward)(T* dx, T* dweight, T* dbias, T* col, T* scratch, const T* dy, const T* y, const T* x,
                             const uint8_t* mask, const T* weight, int N, int Ci, int H, int W, int Co, int kh,
                             int kw);
  // conv_direct.hpp (xp: direct_conv_workspace(N, H, W, kh, kw) numbers)
  long (*direct_conv_workspace)(int N, int H, int W, int kh, int kw);
  void (*direct_conv_relu_forward)(T* y, T* xp, const T* x, const T* weight, const T* bias, int N, int H, int W,
                                   int Co, int kh, int kw);
  void (*direct_conv_relu_backward)(T* dweight, T* dbias, T* xp, const T* dy, const T* y, const T* x, int N, int H,
                                    int W, int Co, int kh, int kw);
  // winograd.hpp, and transpose.hpp, which lays its channels out
  void (*winograd_conv)(T* y, const T* x, const T* gate, const T* U, const T* bias, bool relu, int N, int Cin,
                        int Cout, int H, int W, T* ws, T* M);
  void (*winograd_weight_grad)(T* dweight, T* dbias, const T* x, const T* dy, const T* y, int N, int Cin, int Cout,
                               int H, int W, int S, T* ws);
  void (*transpose)(T* dst, long ldd, const T* src, long lds, int rows, int cols, const T* gate);
  // pool.hpp
  int (*pool_forward)(T* y, uint8_t* ymask, int32_t* argmax, const T* x, const uint8_t* xmask, PoolKind kind, int N,
                      int C, int H, int W, int sh, int sw);
  void (*pool_backward)(T* dx, const T* dy, const int32_t* argmax, const uint8_t* xmask, PoolKind kind, int N, int C,
                        int H, int W, int sh, int sw);
  // activation.hpp, dropout.hpp, linear.hpp, cross_entropy.hpp
  void (*activation_forward)(T* y, const T* x, long n, ActivationKind kind);
  void (*activation_backward)(T* dx, const T* dy, const T* y, long n, ActivationKind kind);
  void (*dropout_forward)(T* y, T* keep, const T* x, int N, int F, double p, const RandomStream& stream,
                          int64_t first_sample);
  void (*dropout_backward)(T* dx, const T* dy, const T* keep, long n);
  void (*linear_forward)(T* y, const T* x, const T* weight, const T* bias, int N, int in, int out);
  void (*linear_backward)(T* dx, T* dweight, T* dbias, const T* dy, const T* x, const T* weight, int N, int in,
                          int out);
  T (*cross_entropy_forward)(T* probs, T* losses, const T* logits, const int64_t* labels, int N, int K, T smoothing);
  void (*cross_entropy_backward)(T* dlogits, const T* probs, const int64_t* labels, int N, int K, T smoothing,
                                 T scale);
  // optimizer.hpp: float only (parameters are float; the double table holds the baseline's)
  void (*sgd_step)(float* p, float* buffer, const float* grad, long n, const SgdScalars& s);
  void (*adamw_step)(float* p, float* m, float* v, const float* grad, long n, const AdamWScalars& s);
};

// The float kernels of instruction set `isa`, which this CPU must have (tests run each).
const Kernels<float>& float_kernels(Isa isa);

// What layers and the optimizer call: float in active_isa()'s build, double in the baseline's.
template <class T>
const Kernels<T>& kernels();
template <>
const Kernels<float>& kernels<float>();
template <>
const Kernels<double>& kernels<double>();

}  // namespace manet::cpu
