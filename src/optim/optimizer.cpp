#include "optim/optimizer.hpp"

#include <cmath>

#include "core/error.hpp"

namespace manet {

namespace {

// torch.optim.SGD (dampening 0):
//   g = grad + wd * p
//   buf = g when there is no buffer yet (no step made one, none was loaded),
//         else buf = momentum * buf + g
//   g = g + momentum * buf (nesterov) or buf
//   p = p - lr * g
class Sgd final : public Optimizer {
 public:
  Sgd(const OptimizerSpec& spec, long n) : Optimizer(spec, n) {
    if (spec.momentum != 0) buffer_.assign(n, 0.0f);
  }

  void step(float* p, const float* grad, double lr) override {
    const float wd = float(spec_.weight_decay), mu = float(spec_.momentum), rate = float(lr);
    const bool first = !has_buffer_;
    for (long i = 0; i < n_; ++i) {
      float g = grad[i];
      if (wd != 0) g = g + wd * p[i];
      if (mu != 0) {
        buffer_[i] = first ? g : mu * buffer_[i] + g;
        g = spec_.nesterov ? g + mu * buffer_[i] : buffer_[i];
      }
      p[i] = p[i] - rate * g;
    }
    has_buffer_ = mu != 0;
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

// torch.optim.AdamW:
//   step += 1; p = p * (1 - lr * wd)
//   m = m + (1 - b1) * (g - m)            (torch's lerp)
//   v = b2 * v + (1 - b2) * g * g
//   p = p - lr / (1 - b1^step) * m / (sqrt(v) / sqrt(1 - b2^step) + eps)
class AdamW final : public Optimizer {
 public:
  AdamW(const OptimizerSpec& spec, long n) : Optimizer(spec, n), m_(n, 0.0f), v_(n, 0.0f) {}

  void step(float* p, const float* grad, double lr) override {
    ++steps_;
    const double b1 = spec_.beta1, b2 = spec_.beta2;
    const float decay = float(1.0 - lr * spec_.weight_decay);
    const float step_size = float(lr / (1.0 - std::pow(b1, double(steps_))));
    const float bc2_sqrt = float(std::sqrt(1.0 - std::pow(b2, double(steps_))));
    const float one_minus_b1 = float(1.0 - b1), fb2 = float(b2), one_minus_b2 = float(1.0 - b2);
    const float eps = float(spec_.eps);
    for (long i = 0; i < n_; ++i) {
      const float g = grad[i];
      p[i] = p[i] * decay;
      m_[i] = m_[i] + one_minus_b1 * (g - m_[i]);
      v_[i] = v_[i] * fb2 + one_minus_b2 * g * g;
      const float denom = std::sqrt(v_[i]) / bc2_sqrt + eps;
      p[i] = p[i] - step_size * (m_[i] / denom);
    }
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

std::unique_ptr<Optimizer> Optimizer::create(const OptimizerSpec& spec, long num_params) {
  if (spec.type == "sgd") return std::make_unique<Sgd>(spec, num_params);
  if (spec.type == "adamw") return std::make_unique<AdamW>(spec, num_params);
  throw Error("unknown optimizer type '" + spec.type + "' (known: sgd, adamw)", ErrorKind::usage);
}

}  // namespace manet
