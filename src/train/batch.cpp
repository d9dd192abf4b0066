#include "train/batch.hpp"

#include <algorithm>
#include <numeric>

#include "core/rng.hpp"

namespace manet {

void BatchBuffer::gather(const Dataset& data, const std::vector<long>& indices) {
  const long n = long(indices.size()), width = data.sample_values();
  labels_.resize(n);
  if (data.tokens) ids_.resize(n * width);
  else images_.resize(n * width);
  for (long i = 0; i < n; ++i) {
    const long s = indices[i];
    labels_[i] = data.labels[s];
    if (data.tokens)
      std::copy_n(data.ids.begin() + s * width, width, ids_.begin() + i * width);
    else
      data.copy_image(s, images_.data() + i * width);
  }
}

void BatchBuffer::drop_tokens(double p, const std::vector<int64_t>& unseen_ids, uint64_t seed, long step,
                              long first_sample) {
  if (p <= 0 || ids_.empty()) return;
  const long n = size(), width = long(ids_.size()) / n;
  const RandomStream random(seed, RandomPurpose::token_dropout, uint64_t(step));
  for (long i = 0; i < n; ++i)
    for (long t = 0; t < width; ++t) {
      int64_t& id = ids_[i * width + t];
      if (id > 1 && random.uniform(uint64_t(t), uint64_t(first_sample + i)) < p)
        id = id < long(unseen_ids.size()) ? unseen_ids[std::size_t(id)] : 1;
    }
}

void BatchBuffer::gather_range(const Dataset& data, long first, long count) {
  scratch_.resize(count);
  std::iota(scratch_.begin(), scratch_.end(), first);
  gather(data, scratch_);
}

}  // namespace manet
