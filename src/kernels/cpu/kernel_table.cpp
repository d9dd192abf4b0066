#include "kernels/cpu/kernel_table.hpp"

#include "kernels/cpu/kernel_table_entries.hpp"

namespace manet::cpu {

namespace avx512 {
extern const Kernels<float> kFloatKernels;  // kernel_table_avx512.cpp
}

namespace {
constinit const Kernels<float> kAvx2Float = kernel_table<float>();
constinit const Kernels<double> kBaselineDouble = kernel_table<double>();
}  // namespace

const Kernels<float>& float_kernels(Isa isa) { return isa == Isa::avx512 ? avx512::kFloatKernels : kAvx2Float; }

template <>
const Kernels<float>& kernels<float>() {
  static const Kernels<float>& chosen = float_kernels(active_isa());
  return chosen;
}

template <>
const Kernels<double>& kernels<double>() {
  return kBaselineDouble;
}

}  // namespace manet::cpu
