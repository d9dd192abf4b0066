// One core's floating-point peak, measured rather than assumed: chains of independent
// fused multiply-adds on float vectors of each instruction set this CPU has (AVX2: 8
// lanes; AVX-512: 16), enough chains in registers to cover the FMA latency on every port. The
// benchmarks report "% of peak" against these figures, for the instruction set manet's
// kernels run with (core/isa.hpp).
//
//   build/manet_bench_fma_peak [--seconds 0.5]     prints {"avx2": G, "avx512": G} (GFLOP/s)
#include <immintrin.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <string>

#include "core/cpu.hpp"
#include "core/isa.hpp"

namespace {

using Clock = std::chrono::steady_clock;

// 12 independent chains of FMAs on registers (12 covers a 4-cycle latency on 2 ports with
// room); returns the FLOPs done. The result feeds `sink` so that nothing is optimised away.
#define MANET_FMA_CHAINS(V, SET1, FMA, ADD, STORE, LANES)                                         \
  V a0 = SET1(1.0f), a1 = SET1(1.1f), a2 = SET1(1.2f), a3 = SET1(1.3f), a4 = SET1(1.4f),         \
    a5 = SET1(1.5f), a6 = SET1(1.6f), a7 = SET1(1.7f), a8 = SET1(1.8f), a9 = SET1(1.9f),         \
    a10 = SET1(2.0f), a11 = SET1(2.1f);                                                          \
  const V y = SET1(0.999999f), x = SET1(1e-6f);                                                  \
  for (long it = 0; it < iterations; ++it) {                                                     \
    a0 = FMA(a0, y, x), a1 = FMA(a1, y, x), a2 = FMA(a2, y, x), a3 = FMA(a3, y, x);              \
    a4 = FMA(a4, y, x), a5 = FMA(a5, y, x), a6 = FMA(a6, y, x), a7 = FMA(a7, y, x);              \
    a8 = FMA(a8, y, x), a9 = FMA(a9, y, x), a10 = FMA(a10, y, x), a11 = FMA(a11, y, x);          \
  }                                                                                              \
  const V sum = ADD(ADD(ADD(ADD(a0, a1), ADD(a2, a3)), ADD(ADD(a4, a5), ADD(a6, a7))),           \
                    ADD(ADD(a8, a9), ADD(a10, a11)));                                            \
  float lanes[LANES];                                                                            \
  STORE(lanes, sum);                                                                             \
  for (float v : lanes) *sink += v;                                                              \
  return 2.0 * double(iterations) * 12 * LANES;

__attribute__((noinline)) double fma_avx2(long iterations, float* sink) {
  MANET_FMA_CHAINS(__m256, _mm256_set1_ps, _mm256_fmadd_ps, _mm256_add_ps, _mm256_storeu_ps, 8)
}

__attribute__((noinline, target("arch=x86-64-v4"))) double fma_avx512(long iterations, float* sink) {
  MANET_FMA_CHAINS(__m512, _mm512_set1_ps, _mm512_fmadd_ps, _mm512_add_ps, _mm512_storeu_ps, 16)
}

double gflops(double (*kernel)(long, float*), double seconds) {
  float sink = 0;
  kernel(1 << 16, &sink);  // warm up (clock ramp, AVX-512 license)
  long iterations = 1 << 20;
  double best = 0;
  for (const auto end = Clock::now() + std::chrono::duration<double>(seconds); Clock::now() < end;) {
    const auto t0 = Clock::now();
    const double flops = kernel(iterations, &sink);
    const double s = std::chrono::duration<double>(Clock::now() - t0).count();
    best = std::max(best, flops / s / 1e9);
  }
  if (sink == 12345.0f) std::printf(" ");
  return best;
}

}  // namespace

int main(int argc, char** argv) {
  double seconds = 0.5;
  for (int i = 1; i + 1 < argc; ++i)
    if (std::string(argv[i]) == "--seconds") seconds = std::atof(argv[i + 1]);
  const double avx2 = gflops(fma_avx2, seconds);
  const double avx512 = manet::cpu_supports(manet::Isa::avx512) ? gflops(fma_avx512, seconds) : 0.0;
  std::printf("{\"cpu\": \"%s\", \"avx2\": %.1f, \"avx512\": %.1f}\n", manet::this_cpu().describe().c_str(), avx2,
              avx512);
  return 0;
}
