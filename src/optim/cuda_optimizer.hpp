#pragma once
// The optimizer's state on the GPU (CUDA builds only): the host Optimizer's slots (same
// names, flat, canonical order) as device buffers, stepped by kernels/cuda/optimizer with
// the host's scalars (optim/optimizer.hpp) and float arithmetic. One class per update
// rule, as on the host. The host Optimizer stays the state's home for checkpoints:
// construction uploads it, download() writes it back (slots, step count, whether they
// hold state).
#include <cstdint>
#include <memory>
#include <vector>

#include <cuda_runtime.h>

#include "kernels/cuda/device_buffer.hpp"
#include "optim/optimizer.hpp"

namespace manet {

class CudaOptimizer {
 public:
  // The device twin of `host` (its rule, state and step count), on `stream`.
  static std::unique_ptr<CudaOptimizer> create(Optimizer& host, long num_params, cudaStream_t stream);
  virtual ~CudaOptimizer() = default;

  // One update of the device params (n) from the device grads (n), queued on the stream;
  // a no-op on the device when `skip` (device int, may be null) is not 0 then. The step
  // count advances either way: a skipped step ends the run (train/step.cpp).
  virtual void step(float* params, const float* grads, double lr, const int* skip = nullptr) = 0;
  void download(Optimizer& host) const;
  int64_t steps() const { return steps_; }

 protected:
  CudaOptimizer(Optimizer& host, long num_params, cudaStream_t stream);
  OptimizerSpec spec_;
  long n_;
  cudaStream_t stream_;
  int64_t steps_;
  bool has_state_;  // the slots hold state (SGD: a momentum buffer exists)
  std::vector<cuda::DeviceBuffer<float>> slots_;  // in host.slots() order
};

}  // namespace manet
