#pragma once
// Kernel tests that run once per instruction set (kernels/cpu/kernel_table.hpp): a suite
// declared with `using MySuite = manet::testing::PerIsa;`, its TEST_Ps reading kernels(),
// and MANET_PER_ISA(MySuite) instantiates it as MySuite/avx2 and MySuite/avx512. An
// instruction set this CPU lacks shows as skipped.
#include <gtest/gtest.h>

#include <string>

#include "core/isa.hpp"
#include "kernels/cpu/kernel_table.hpp"

namespace manet::testing {

class PerIsa : public ::testing::TestWithParam<Isa> {
 protected:
  void SetUp() override {
    if (!cpu_supports(GetParam())) GTEST_SKIP() << "this CPU has no " << isa_name(GetParam());
  }
  const cpu::Kernels<float>& kernels() const { return cpu::float_kernels(GetParam()); }
};

}  // namespace manet::testing

#define MANET_PER_ISA(Suite)                                                                        \
  INSTANTIATE_TEST_SUITE_P(Isa, Suite, ::testing::Values(manet::Isa::avx2, manet::Isa::avx512), \
                           [](const auto& info) { return std::string(manet::isa_name(info.param)); })
