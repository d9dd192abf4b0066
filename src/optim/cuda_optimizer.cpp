#include "optim/cuda_optimizer.hpp"

#include <cmath>

#include "core/error.hpp"
#include "kernels/cuda/optimizer.hpp"

namespace manet {

CudaOptimizer::CudaOptimizer(Optimizer& host, long num_params, cudaStream_t stream)
    : spec_(host.spec()), n_(num_params), stream_(stream), steps_(host.steps()), has_state_(host.has_state()) {
  for (auto& [name, values] : host.slots()) {
    check(long(values->size()) == n_, "optimizer slot " + name + " does not match the parameters");
    slots_.emplace_back().upload(values->data(), values->size(), stream_);
  }
  cuda::cuda_check(cudaStreamSynchronize(stream_), "upload of the optimizer state");
}

void CudaOptimizer::step(float* params, const float* grads, double lr) {
  if (spec_.type == "sgd") {
    // No momentum: no buffer (as on the host). Without a loaded buffer the step creates it.
    float* buffer = slots_.empty() ? nullptr : slots_[0].data();
    cuda::sgd_step(params, buffer, grads, n_, float(lr), float(spec_.momentum), float(spec_.weight_decay),
                   spec_.nesterov, !has_state_, stream_);
  } else {
    // optim/optimizer.cpp's AdamW scalars, from the step count after this step.
    const double t = double(steps_ + 1), b1 = spec_.beta1, b2 = spec_.beta2;
    const cuda::AdamWScalars s{float(1.0 - lr * spec_.weight_decay), float(lr / (1.0 - std::pow(b1, t))),
                               float(std::sqrt(1.0 - std::pow(b2, t))), float(1.0 - b1), float(b2), float(1.0 - b2),
                               float(spec_.eps)};
    cuda::adamw_step(params, slots_[0].data(), slots_[1].data(), grads, n_, s, stream_);
  }
  ++steps_;
  has_state_ = !slots_.empty();
}

void CudaOptimizer::download(Optimizer& host) const {
  auto host_slots = host.slots();
  for (std::size_t i = 0; i < slots_.size(); ++i)
    slots_[i].download(host_slots[i].second->data(), std::size_t(n_), stream_);
  host.restored(steps_, has_state_);
}

}  // namespace manet
