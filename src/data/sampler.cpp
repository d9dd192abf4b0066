#include "data/sampler.hpp"

#include <numeric>

#include "core/error.hpp"
#include "core/rng.hpp"

namespace manet {

ShardSampler::ShardSampler(long dataset_size, long global_batch, uint64_t seed, bool shuffle)
    : size_(dataset_size), global_batch_(global_batch), seed_(seed), shuffle_(shuffle) {
  if (global_batch_ > size_)
    throw Error("the global batch (" + std::to_string(global_batch_) + " samples) is larger than the training set (" +
                    std::to_string(size_) + "): lower train.batch_size or use fewer ranks",
                ErrorKind::usage);
}

const std::vector<long>& ShardSampler::order(long epoch) {
  if (epoch == cached_epoch_) return order_;
  order_.resize(size_);
  std::iota(order_.begin(), order_.end(), 0L);
  if (shuffle_) {
    // Fisher-Yates driven by a counter-based stream keyed by (seed, epoch).
    const RandomStream stream(seed_, RandomPurpose::shuffle, uint64_t(epoch));
    for (long i = size_ - 1; i > 0; --i) {
      const uint64_t r = (uint64_t(stream.bits(2 * i)) << 32) | stream.bits(2 * i + 1);
      std::swap(order_[i], order_[long(r % uint64_t(i + 1))]);
    }
  }
  cached_epoch_ = epoch;
  return order_;
}

void ShardSampler::shard(long epoch, long position, long local_batch, std::vector<long>& out) {
  const std::vector<long>& o = order(epoch);
  check(position >= 0 && position + local_batch <= size_, "sample position out of the epoch");
  out.assign(o.begin() + position, o.begin() + position + local_batch);
}

}  // namespace manet
