#pragma once
// Gradient buckets over NCCL, for a flat gradient buffer in GPU memory (CUDA builds only).
// GradientBuckets keeps the cuts and the one fixed order; this moves the bytes:
//   start_sum: an event on the compute stream (where backward wrote the bucket) that the
//   communication stream waits for, then ncclAllReduce(sum) in place on that stream, so the
//   reduction of bucket k overlaps backward's work on the buckets before it;
//   test / wait: the event recorded after it. wait polls it and NCCL's asynchronous error
//   until the deadline of every collective (dist.timeout_s), then makes the compute stream
//   wait for it (the optimizer runs after).
// Never a hang (comm/polled_channel.hpp): a failure or the deadline aborts the communicator
// (ncclCommAbort) and throws naming the rank and the bucket; the communicator ends cleanly
// only when nothing is in flight and no exception is unwinding, else it is aborted. The
// communicator is non-blocking, so set-up is bounded by the deadline too.
// Set-up is collective: rank 0 makes the NCCL unique id and broadcasts it over Comm (MPI).
// The process must already be bound to its GPU (select_cuda_device(local_rank)).
#include <cuda_runtime.h>
#include <nccl.h>

#include <string>
#include <vector>

#include "comm/comm.hpp"
#include "comm/gradient_buckets.hpp"
#include "comm/polled_channel.hpp"

namespace manet::comm {

class NcclTransport final : public BucketTransport, private PolledChannel {
 public:
  // `compute`: the stream backward runs on; `max_in_flight`: the number of buckets.
  NcclTransport(Comm& comm, cudaStream_t compute, int max_in_flight);
  ~NcclTransport() override;
  NcclTransport(const NcclTransport&) = delete;
  NcclTransport& operator=(const NcclTransport&) = delete;

  void begin_step() override;
  void check_local(const float* data, long count) override;
  int start_sum(float* data, long count, const char* what) override;
  bool test(int ticket) override;
  void wait(int ticket) override;
  bool local_all_finite() override;

  // The communication stream (for tests of the ordering between the streams).
  cudaStream_t stream() const { return comm_stream_; }

 private:
  static constexpr int kSettled = -1;  // the ticket of "the last NCCL call has taken effect"
  bool finished(int ticket) override;
  std::string failure() override;
  void abort() noexcept override;
  void close() noexcept override;
  // Non-blocking communicator: waits (bounded) until the last call has taken effect.
  void settle(const std::string& what);
  void check(ncclResult_t result, const std::string& what);
  void check(cudaError_t result, const std::string& what) const;

  Comm& comm_;
  std::string who_;  // "rank 1 of 2"
  ncclComm_t nccl_ = nullptr;
  cudaStream_t compute_, comm_stream_ = nullptr;
  std::vector<cudaEvent_t> ready_, done_;  // one pair per bucket in flight
  std::vector<const char*> what_;
  int next_ = 0;
  int* non_finite_ = nullptr;  // device counter of this rank's non-finite gradients this step
  ChannelKeeper keeper_{*this};
};

}  // namespace manet::comm
