#pragma once
// A labelled data set held in memory: images (N, C, H, W) float32, already normalised,
// or token ids (N, T) int64 (0 = padding); labels (N) int64.
#include <cstdint>
#include <string>
#include <vector>

#include "core/shape.hpp"

namespace manet {

struct Dataset {
  std::string name;          // for messages: a file path or "fashion_mnist:train"
  bool tokens = false;
  MapShape sample_shape;     // C x H x W for images; 1 x 1 x T for tokens
  int num_classes = 0;       // 1 + the largest label (checked against the model)
  std::vector<float> images;
  std::vector<int64_t> ids;
  std::vector<int64_t> labels;

  long size() const { return long(labels.size()); }
  long sample_values() const { return sample_shape.size(); }
};

}  // namespace manet
