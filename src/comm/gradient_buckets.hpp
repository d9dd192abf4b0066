#pragma once
// All-reduce of the flat gradient buffer in buckets, overlapped with backward.
//
// Backward produces gradients from the last parameter to the first, so buckets are
// contiguous ranges of the buffer cut from its end: bucket 0 holds the last
// parameters, and no bucket is larger than the limit (a parameter larger than the
// limit is split). As backward reports "every gradient from offset X on is final",
// each bucket that is now complete starts its non-blocking all-reduce - always in
// bucket order, the one fixed order identical on every rank - and the ones in flight
// are progressed. `finish` starts what is left and waits for all of it.
//
// The gradients are summed: the loss is already scaled by 1 / global batch, so the
// sum over ranks is the global mean.
//
// The buckets' order and cuts are this file's; moving the bytes is a transport's: MPI (or
// one process) through Comm on a host buffer, or NCCL on a GPU buffer (nccl_transport.hpp),
// so both paths reduce the same buckets in the same order.
#include <memory>
#include <string>
#include <vector>

#include "comm/comm.hpp"

namespace manet::comm {

struct Bucket {
  long begin = 0, end = 0;  // [begin, end) in the flat buffer
};

// Cuts [begin, total) into buckets of at most `max_floats` from the end, preferring cuts
// at parameter starts (`param_offsets`, ascending). [0, begin) is left out: gradients
// summed another way (comm/row_sparse_sum.hpp).
std::vector<Bucket> plan_buckets(long total, const std::vector<long>& param_offsets, long max_floats,
                                 long begin = 0);

// The largest bucket in floats for `dist.bucket_mb`.
long bucket_floats(double bucket_mb);

// Moves one bucket: an in-place sum over ranks, started now, finished later. Only the
// transport touches the buffer (host or GPU memory).
class BucketTransport {
 public:
  virtual ~BucketTransport() = default;
  // A new step begins: forget the previous step's local finiteness.
  virtual void begin_step() = 0;
  // Notes whether this rank's own data[0, count) is finite, before its sum starts.
  virtual void check_local(const float* data, long count) = 0;
  virtual int start_sum(float* data, long count, const char* what) = 0;
  virtual bool test(int ticket) = 0;
  virtual void wait(int ticket) = 0;
  // Whether everything check_local saw this step was finite (may wait for the device).
  virtual bool local_all_finite() = 0;
};

// Over Comm (MPI or one process), on a host buffer.
std::unique_ptr<BucketTransport> comm_transport(Comm& comm);

class GradientBuckets {
 public:
  // Sums the planned buckets of grads (plan_buckets) through `transport`, which was made
  // for at most plan.size() in flight.
  GradientBuckets(std::unique_ptr<BucketTransport> transport, float* grads, std::vector<Bucket> plan);

  const std::vector<Bucket>& buckets() const { return buckets_; }

  // Every gradient at offsets >= `offset` is final for this step.
  void ready_from(long offset);
  // Starts the remaining buckets and waits for all.
  void finish();
  // Whether this rank's own gradients of the last step were all finite (checked as each
  // bucket started, before the sum mixed in the other ranks'), to name the culprit.
  bool local_gradients_finite() { return transport_->local_all_finite(); }

 private:
  void progress();

  std::unique_ptr<BucketTransport> transport_;
  float* grads_;
  std::vector<Bucket> buckets_;
  std::vector<std::string> names_;
  std::vector<int> tickets_;
  std::size_t started_ = 0, completed_ = 0;
};

// True when no value of data[0, n) is NaN or infinite.
bool all_finite(const float* data, long n);

}  // namespace manet::comm
