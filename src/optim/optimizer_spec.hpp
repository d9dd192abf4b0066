#pragma once
// An optimizer as a config describes it (the `optimizer` section): plain data.
#include <string>

namespace manet {

struct OptimizerSpec {
  std::string type = "sgd";  // sgd | adamw
  double lr = 0.05;
  double momentum = 0.0, weight_decay = 0.0;  // sgd (weight_decay also adamw's, decoupled)
  bool nesterov = false;
  double beta1 = 0.9, beta2 = 0.999, eps = 1e-8;  // adamw
};

}  // namespace manet
