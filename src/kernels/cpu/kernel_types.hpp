#pragma once
// Types in the interfaces of the CPU kernels, shared by every instruction set's build of
// them (kernel_table.hpp) and by the CUDA kernels: they live in manet::cpu whatever
// namespace the kernels themselves are compiled in (kernel_isa.hpp).

namespace manet::cpu {

enum class PoolKind { max, avg };

enum class ActivationKind { relu, sigmoid, tanh };

// The workspaces of attention_backward (attention.hpp), for one sample at a time.
template <class T>
struct AttentionScratch {
  T* head;  // the head core's scratch (Kernels<T>::attention_head_scratch(C / heads, P) numbers)
  T* dz;    // (C, P)
  T* dO;    // (C, P)
  T* dqkv;  // (3C, P)
};

}  // namespace manet::cpu
