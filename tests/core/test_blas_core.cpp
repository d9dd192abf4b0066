// The rule that picks OpenBLAS's kernels for a CPU (core/blas_core.hpp), on CPUs this
// machine is not: the table the re-exec decides by.
#include <gtest/gtest.h>

#include "core/blas_core.hpp"

namespace manet {
namespace {

CpuInfo cpu(const char* vendor, bool avx2, bool avx512, bool bf16) {
  CpuInfo c;
  c.vendor = vendor;
  c.sse42 = c.avx = true;
  c.avx2 = c.fma = avx2;
  c.avx512 = avx512;
  c.avx512_bf16 = bf16;
  return c;
}

TEST(BlasCore, EachCpuGetsTheCoreOfItsWidestInstructions) {
  EXPECT_EQ(blas_core_for(cpu("GenuineIntel", true, true, true)), "Cooperlake");  // Sapphire/Emerald Rapids
  EXPECT_EQ(blas_core_for(cpu("AuthenticAMD", true, true, true)), "Cooperlake");  // Zen 4, as OpenBLAS picks it
  EXPECT_EQ(blas_core_for(cpu("GenuineIntel", true, true, false)), "SkylakeX");   // Skylake-SP .. Ice Lake
  EXPECT_EQ(blas_core_for(cpu("GenuineIntel", true, false, false)), "Haswell");
  EXPECT_EQ(blas_core_for(cpu("AuthenticAMD", true, false, false)), "Zen");       // Zen 1-3
  EXPECT_EQ(blas_core_for(cpu("GenuineIntel", false, false, false)), "Sandybridge");
}

TEST(BlasCore, OnlyAWeakerCoreIsUpgraded) {
  const CpuInfo xeon = cpu("GenuineIntel", true, true, true);
  EXPECT_LT(blas_core_level("Prescott"), cpu_blas_level(xeon));  // what 0.3.21 picks on family 6 model 207
  EXPECT_LT(blas_core_level("Haswell"), cpu_blas_level(xeon));
  EXPECT_LT(blas_core_level("SkylakeX"), cpu_blas_level(xeon));
  EXPECT_EQ(blas_core_level("Cooperlake"), cpu_blas_level(xeon));
  EXPECT_EQ(blas_core_level("SapphireRapids"), cpu_blas_level(xeon));  // newer OpenBLAS: kept
  EXPECT_EQ(blas_core_level("ZEN"), blas_core_level("Haswell"));  // names compare case-insensitively
  const CpuInfo haswell = cpu("GenuineIntel", true, false, false);
  EXPECT_GE(blas_core_level("SkylakeX"), cpu_blas_level(haswell));  // a stronger core is never downgraded
  EXPECT_EQ(blas_core_level("NoSuchCore"), 0);
}

}  // namespace
}  // namespace manet
