#pragma once
// The model's answer for a batch of inputs: class probabilities (softmax of the logits)
// and the k most probable classes of each sample, as `manet predict` prints them.
#include <vector>

#include "train/evaluate.hpp"

namespace manet {

struct TopClasses {
  std::vector<int> classes;          // k class indices, most probable first (ties: lower index first)
  std::vector<double> probabilities;  // their softmax probabilities
};

// Row-wise over logits (N, K): softmax in double, then the k best (k clamped to K).
std::vector<TopClasses> top_classes(const float* logits, int N, int K, int k);

// The logits of `input` from `forward` (the model in evaluation mode, perhaps
// mirror-averaged), then top_classes.
std::vector<TopClasses> predict_batch(const BatchLogits& forward, int classes, const ModelInput<float>& input, int k);

}  // namespace manet
