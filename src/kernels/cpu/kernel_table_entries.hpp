#pragma once
// The table of kernel_table.hpp filled from the kernel headers of this translation unit's
// build (kernel_isa.hpp): kernel_table.cpp includes it for the baseline build,
// kernel_table_avx512.cpp for the AVX-512 one.
#include "kernels/cpu/activation.hpp"
#include "kernels/cpu/attention.hpp"
#include "kernels/cpu/attention_pool.hpp"
#include "kernels/cpu/conv.hpp"
#include "kernels/cpu/conv_direct.hpp"
#include "kernels/cpu/cross_entropy.hpp"
#include "kernels/cpu/dropout.hpp"
#include "kernels/cpu/kernel_isa.hpp"
#include "kernels/cpu/kernel_table.hpp"
#include "kernels/cpu/linear.hpp"
#include "kernels/cpu/optimizer.hpp"
#include "kernels/cpu/pool.hpp"
#include "kernels/cpu/transpose.hpp"
#include "kernels/cpu/winograd.hpp"

namespace MANET_CPU_KERNELS {

template <class T>
constexpr Kernels<T> kernel_table() {
  return {
      .attention_head_scratch = head_scratch_size<T>,
      .attention_head_forward = head_forward<T>,
      .attention_head_backward = head_backward<T>,
      .attention_forward = attention_forward<T>,
      .attention_backward = attention_backward<T>,
      .attention_pool_forward = attention_pool_forward<T>,
      .attention_pool_backward = attention_pool_backward<T>,
      .conv_relu_forward = conv_relu_forward<T>,
      .conv_relu_backward = conv_relu_backward<T>,
      .direct_conv_workspace = direct_conv_workspace<T>,
      .direct_conv_relu_forward = direct_conv_relu_forward<T>,
      .direct_conv_relu_backward = direct_conv_relu_backward<T>,
      .winograd_conv = winograd_conv<T>,
      .winograd_weight_grad = winograd_weight_grad<T>,
      .transpose = transpose<T>,
      .pool_forward = pool_forward<T>,
      .pool_backward = pool_backward<T>,
      .activation_forward = activation_forward<T>,
      .activation_backward = activation_backward<T>,
      .dropout_forward = dropout_forward<T>,
      .dropout_backward = dropout_backward<T>,
      .linear_forward = linear_forward<T>,
      .linear_backward = linear_backward<T>,
      .cross_entropy_forward = cross_entropy_forward<T>,
      .cross_entropy_backward = cross_entropy_backward<T>,
      .sgd_step = sgd_step,
      .adamw_step = adamw_step,
  };
}

}  // namespace MANET_CPU_KERNELS
