#pragma once
// Gathers the samples of a batch (by index) into contiguous buffers the model reads.
#include <cstdint>
#include <vector>

#include "data/augment.hpp"
#include "data/dataset.hpp"
#include "model/manet_model.hpp"

namespace manet {

class BatchBuffer {
 public:
  // Copies samples `indices` of `data`; reuses its buffers (no allocation once warm).
  void gather(const Dataset& data, const std::vector<long>& indices);
  // Token dropout: each non-padding id i becomes unseen_ids[i] (1, unknown, where the
  // table is empty or short) with probability p, a pure function of (seed, step,
  // first_sample + i, position), so it does not depend on how ranks split the batch and
  // repeats exactly on resume.
  void drop_tokens(double p, const std::vector<int64_t>& unseen_ids, uint64_t seed, long step, long first_sample);
  // The augmentation of training images (data/augment.hpp), keyed by (seed, step,
  // first_sample + i) for sample i of this buffer.
  void augment(Augmenter& augmenter, uint64_t seed, long step, long first_sample) {
    if (!images_.empty()) augmenter.apply(images_.data(), size(), seed, step, first_sample);
  }
  // Samples [first, first + count) in file order.
  void gather_range(const Dataset& data, long first, long count);
  ModelInput<float> input() const {
    return {int(labels_.size()), images_.empty() ? nullptr : images_.data(), ids_.empty() ? nullptr : ids_.data()};
  }
  const int64_t* labels() const { return labels_.data(); }
  int size() const { return int(labels_.size()); }

 private:
  std::vector<long> scratch_;
  std::vector<float> images_;
  std::vector<int64_t> ids_, labels_;
};

}  // namespace manet
