#include "optim/optimizer.hpp"

#include <cmath>

#include "core/error.hpp"
#include "kernels/cpu/kernel_table.hpp"

namespace manet {

namespace {

// torch.optim.SGD (dampening 0), kernels/cpu/optimizer.hpp's sgd_step.
class Sgd final : public Optimizer {
 public:
  Sgd(const OptimizerSpec& spec, long n) : Optimizer(spec, n) {
    if (spec.momentum != 0) buffer_.assign(n, 0.0f);
  }

  void step(float* p, const float* grad, double lr) override {
    cpu::kernels<float>().sgd_step(p, buffer_.data(), grad, n_, sgd_scalars(spec_, lr, !has_buffer_));
    has_buffer_ = spec_.momentum != 0;
    ++steps_;
  }

  std::vector<std::pair<std::string, double>> hyper_parameters() const override {
    return {{"lr", spec_.lr},
            {"weight_decay", spec_.weight_decay},
            {"momentum", spec_.momentum},
            {"dampening", 0.0},
            {"nesterov", spec_.nesterov ? 1.0 : 0.0}};
  }
  std::vector<std::pair<std::string, std::vector<float>*>> slots() override {
    if (spec_.momentum == 0) return {};
    return {{"momentum_buffer", &buffer_}};
  }
  bool has_state() const override { return has_buffer_; }
  void restored(int64_t steps, bool state_loaded) override {
    steps_ = steps;
    has_buffer_ = spec_.momentum != 0 && state_loaded;
  }

 private:
  std::vector<float> buffer_;
  bool has_buffer_ = false;
};

// torch.optim.AdamW, kernels/cpu/optimizer.hpp's adamw_step.
class AdamW final : public Optimizer {
 public:
  AdamW(const OptimizerSpec& spec, long n) : Optimizer(spec, n), m_(n, 0.0f), v_(n, 0.0f) {}

  void step(float* p, const float* grad, double lr) override {
    ++steps_;
    cpu::kernels<float>().adamw_step(p, m_.data(), v_.data(), grad, n_, adamw_scalars(spec_, lr, steps_));
  }

  std::vector<std::pair<std::string, double>> hyper_parameters() const override {
    return {{"lr", spec_.lr}, {"weight_decay", spec_.weight_decay}, {"beta1", spec_.beta1}, {"beta2", spec_.beta2},
            {"eps", spec_.eps}};
  }
  std::vector<std::pair<std::string, std::vector<float>*>> slots() override {
    return {{"exp_avg", &m_}, {"exp_avg_sq", &v_}};
  }

 private:
  std::vector<float> m_, v_;
};

}  // namespace

SgdScalars sgd_scalars(const OptimizerSpec& spec, double lr, bool first) {
  return {float(lr), float(spec.momentum), float(spec.weight_decay), spec.nesterov, first};
}

AdamWScalars adamw_scalars(const OptimizerSpec& spec, double lr, int64_t step) {
  const double b1 = spec.beta1, b2 = spec.beta2;
  return {float(1.0 - lr * spec.weight_decay),
          float(lr / (1.0 - std::pow(b1, double(step)))),
          float(std::sqrt(1.0 - std::pow(b2, double(step)))),
          float(1.0 - b1),
          float(b2),
          float(1.0 - b2),
          float(spec.eps)};
}

std::unique_ptr<Optimizer> Optimizer::create(const OptimizerSpec& spec, long num_params) {
  if (spec.type == "sgd") return std::make_unique<Sgd>(spec, num_params);
  if (spec.type == "adamw") return std::make_unique<AdamW>(spec, num_params);
  throw Error("unknown optimizer type '" + spec.type + "' (known: sgd, adamw)", ErrorKind::usage);
}

}  // namespace manet
