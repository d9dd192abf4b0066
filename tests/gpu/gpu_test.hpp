#pragma once
// Helpers for the `gpu` tests: skip (never pass) without a usable device, move arrays to
// and from the GPU, random inputs, and a float-tolerance comparison with the CPU kernels.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <string>
#include <vector>

#include "core/rng.hpp"
#include "device/device.hpp"
#include "kernels/cuda/device_buffer.hpp"

// Every GPU test starts with this: without a device it is SKIPPED with the reason.
#define MANET_REQUIRE_GPU()                                                      \
  do {                                                                           \
    const ::manet::CudaProbe probe_ = ::manet::probe_cuda();                     \
    if (probe_.devices == 0) GTEST_SKIP() << "no usable CUDA device: " << probe_.why_none; \
  } while (0)

namespace manet::testing {

template <class T>
struct OnDevice {
  cuda::DeviceBuffer<T> buffer;
  explicit OnDevice(const std::vector<T>& host) : buffer(host.size() ? host.size() : 1) {
    cuda::cuda_check(cudaMemcpy(buffer.data(), host.data(), host.size() * sizeof(T), cudaMemcpyHostToDevice),
                     "test upload");
  }
  explicit OnDevice(std::size_t n) : OnDevice(std::vector<T>(n, T(0))) {}
  T* get() { return buffer.data(); }
  std::vector<T> host(std::size_t n) const {
    std::vector<T> out(n);
    cuda::cuda_check(cudaDeviceSynchronize(), "test sync");
    cuda::cuda_check(cudaMemcpy(out.data(), buffer.data(), n * sizeof(T), cudaMemcpyDeviceToHost), "test download");
    return out;
  }
};

inline std::vector<float> random_floats(std::size_t n, uint64_t seed, double scale = 1.0) {
  const RandomStream stream(seed, RandomPurpose::data);
  std::vector<float> v(n);
  for (std::size_t i = 0; i < n; ++i) v[i] = float(scale * (2.0 * stream.uniform(i) - 1.0));
  return v;
}

// A key mask (N, P) with about a quarter of the positions masked, never a whole sample.
inline std::vector<uint8_t> random_mask(int N, int P, uint64_t seed) {
  const RandomStream stream(seed, RandomPurpose::data, 7);
  std::vector<uint8_t> m(std::size_t(N) * P);
  for (std::size_t i = 0; i < m.size(); ++i) m[i] = stream.uniform(i) >= 0.25;
  for (int n = 0; n < N; ++n) m[std::size_t(n) * P] = 1;
  return m;
}

// |gpu - cpu| <= atol + rtol |cpu| everywhere; reports the first few differences.
inline void expect_close(const std::vector<float>& gpu, const std::vector<float>& cpu, const std::string& what,
                         double rtol = 1e-4, double atol = 1e-5) {
  ASSERT_EQ(gpu.size(), cpu.size()) << what;
  int reported = 0;
  for (std::size_t i = 0; i < cpu.size(); ++i) {
    const double diff = std::fabs(double(gpu[i]) - cpu[i]);
    if (!(diff <= atol + rtol * std::fabs(cpu[i])) && reported++ < 5)
      ADD_FAILURE() << what << "[" << i << "]: gpu " << gpu[i] << " cpu " << cpu[i];
  }
}

template <class T>
std::vector<T> cast_to(const std::vector<float>& v) {
  return std::vector<T>(v.begin(), v.end());
}

// The largest error of `got` against a double-precision reference, each element's relative
// to |ref| + rms(ref) (so values near zero in a large array are not held to their own size).
inline double scaled_error(const std::vector<float>& got, const std::vector<double>& ref) {
  double sq = 0;
  for (double r : ref) sq += r * r;
  const double rms = ref.empty() ? 0 : std::sqrt(sq / double(ref.size()));
  double worst = 0;
  for (std::size_t i = 0; i < ref.size() && i < got.size(); ++i) {
    const double e = std::fabs(double(got[i]) - ref[i]) / (std::fabs(ref[i]) + rms + 1e-30);
    worst = std::isnan(e) ? INFINITY : std::max(worst, e);
  }
  return worst;
}

// At realistic shapes the GPU and the CPU sum in different orders, so neither is "the"
// answer: both are compared with the CPU kernel run in double. The GPU must be about as
// accurate as the CPU's own float kernel (within `factor` of its error, or below `floor`),
// which holds for any reordering of float sums and fails for any wrong index, mask or scale.
inline void expect_as_accurate(const std::vector<float>& gpu, const std::vector<float>& cpu,
                               const std::vector<double>& ref, const std::string& what, double factor = 8,
                               double floor = 3e-5) {
  ASSERT_EQ(gpu.size(), ref.size()) << what;
  const double cpu_error = scaled_error(cpu, ref), gpu_error = scaled_error(gpu, ref);
  EXPECT_LE(gpu_error, std::max(factor * cpu_error, floor))
      << what << ": GPU error " << gpu_error << " against the double reference, CPU float error " << cpu_error;
}

}  // namespace manet::testing
