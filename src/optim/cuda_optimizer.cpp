#include "optim/cuda_optimizer.hpp"

#include "core/error.hpp"
#include "kernels/cuda/optimizer.hpp"

namespace manet {

namespace {

class CudaSgd final : public CudaOptimizer {
 public:
  using CudaOptimizer::CudaOptimizer;
  void step(float* params, const float* grads, double lr, const int* skip) override {
    float* buffer = slots_.empty() ? nullptr : slots_[0].data();  // no momentum: no buffer, as on the host
    cuda::sgd_step(params, buffer, grads, n_, sgd_scalars(spec_, lr, !has_state_), stream_, skip);
    has_state_ = !slots_.empty();
    ++steps_;
  }
};

class CudaAdamW final : public CudaOptimizer {
 public:
  using CudaOptimizer::CudaOptimizer;
  void step(float* params, const float* grads, double lr, const int* skip) override {
    ++steps_;
    cuda::adamw_step(params, slots_[0].data(), slots_[1].data(), grads, n_, adamw_scalars(spec_, lr, steps_), stream_,
                     skip);
  }
};

}  // namespace

std::unique_ptr<CudaOptimizer> CudaOptimizer::create(Optimizer& host, long num_params, cudaStream_t stream) {
  if (host.spec().type == "sgd") return std::unique_ptr<CudaOptimizer>(new CudaSgd(host, num_params, stream));
  if (host.spec().type == "adamw") return std::unique_ptr<CudaOptimizer>(new CudaAdamW(host, num_params, stream));
  throw Error("no GPU optimizer for type '" + host.spec().type + "'");
}

CudaOptimizer::CudaOptimizer(Optimizer& host, long num_params, cudaStream_t stream)
    : spec_(host.spec()), n_(num_params), stream_(stream), steps_(host.steps()), has_state_(host.has_state()) {
  for (auto& [name, values] : host.slots()) {
    check(long(values->size()) == n_, "optimizer slot " + name + " does not match the parameters");
    slots_.emplace_back().upload(values->data(), values->size(), stream_);
  }
  cuda::cuda_check(cudaStreamSynchronize(stream_), "upload of the optimizer state");
}

void CudaOptimizer::download(Optimizer& host) const {
  auto host_slots = host.slots();
  for (std::size_t i = 0; i < slots_.size(); ++i)
    slots_[i].download(host_slots[i].second->data(), std::size_t(n_), stream_);
  host.restored(steps_, has_state_);
}

}  // namespace manet
