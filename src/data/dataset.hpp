#pragma once
// A labelled data set held in memory: images (N, C, H, W) float32, already normalised,
// or token ids (N, T) int64 (0 = padding); labels (N) int64. 8-bit images (Fashion-MNIST)
// stay 8-bit, a quarter of the memory: value = byte * byte_scale - byte_shift.
#include <algorithm>
#include <cstdint>
#include <string>
#include <vector>

#include "core/shape.hpp"
#include "data/preprocess.hpp"

namespace manet {

struct Dataset {
  std::string name;          // for messages: a file path or "fashion_mnist:train"
  bool tokens = false;
  MapShape sample_shape;     // C x H x W for images; 1 x 1 x T for tokens
  int num_classes = 0;       // 1 + the largest label (checked against the model)
  std::vector<float> images;        // empty when image_bytes holds the images
  std::vector<uint8_t> image_bytes;
  float byte_scale = 1, byte_shift = 0;
  std::vector<int64_t> ids;
  std::vector<int64_t> labels;
  // Tokens: what token dropout turns id i into, from the vocabulary `manet prepare` stores
  // in the file (a word's ending id, as an unseen word gets); empty: every id becomes 1.
  std::vector<int64_t> unseen_ids;
  // How raw inputs become these samples and what the labels are called (data/preprocess.hpp);
  // a checkpoint trained on this data carries it. Empty when the file does not say.
  Preprocess preprocess;

  long size() const { return long(labels.size()); }
  long sample_values() const { return sample_shape.size(); }
  // Sample s's values (float) into out[0, sample_values()).
  void copy_image(long s, float* out) const {
    const long w = sample_values();
    if (image_bytes.empty()) {
      std::copy_n(images.begin() + s * w, w, out);
      return;
    }
    const uint8_t* in = image_bytes.data() + s * w;
    for (long i = 0; i < w; ++i) out[i] = float(in[i]) * byte_scale - byte_shift;
  }
  // Every image value as float (for writing files and tests).
  std::vector<float> image_values() const {
    std::vector<float> all(std::size_t(size() * sample_values()));
    for (long s = 0; !tokens && s < size(); ++s) copy_image(s, all.data() + s * sample_values());
    return all;
  }
};

}  // namespace manet
