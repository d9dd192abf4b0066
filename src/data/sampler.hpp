#pragma once
// The order in which samples are taken: a pure function of (seed, epoch), the same on
// every rank whatever the world size. Each step takes the next global batch of
// world_size x batch_size samples of that order; rank r takes the r-th contiguous part.
// Where a run stands is a sample position in its epoch's order, so it carries over
// exactly to another world size (or, when allowed, another global batch).
// Policy for uneven ends: the last partial global batch of an epoch is dropped.
#include <cstdint>
#include <vector>

namespace manet {

class ShardSampler {
 public:
  ShardSampler(long dataset_size, long global_batch, uint64_t seed, bool shuffle);

  long steps_per_epoch() const { return size_ / global_batch_; }
  // Whether another whole global batch starts at `position` in the epoch's order.
  bool has_batch_at(long position) const { return position + global_batch_ <= size_; }
  // Sample indices at positions [position, position + local_batch) of `epoch`'s order.
  void shard(long epoch, long position, long local_batch, std::vector<long>& out);
  // The whole order of an epoch (a permutation of [0, size), or the identity).
  const std::vector<long>& order(long epoch);

 private:
  long size_, global_batch_;
  uint64_t seed_;
  bool shuffle_;
  long cached_epoch_ = -1;
  std::vector<long> order_;
};

}  // namespace manet
