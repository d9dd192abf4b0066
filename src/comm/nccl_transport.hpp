#pragma once
// Gradient buckets over NCCL, for a flat gradient buffer in GPU memory (CUDA builds only).
// GradientBuckets keeps the cuts and the one fixed order; this moves the bytes:
//   start_sum: an event on the compute stream (where backward wrote the bucket) that the
//   communication stream waits for, then ncclAllReduce(sum) in place on that stream, so the
//   reduction of bucket k overlaps backward's work on the buckets before it;
//   test / wait: the event recorded after it.
// Set-up is collective: rank 0 makes the NCCL unique id and broadcasts it over Comm (MPI).
// The process must already be bound to its GPU (select_cuda_device(local_rank)). NCCL errors
// are Errors that carry the rank.
#include <cuda_runtime.h>
#include <nccl.h>

#include <vector>

#include "comm/comm.hpp"
#include "comm/gradient_buckets.hpp"

namespace manet::comm {

class NcclTransport final : public BucketTransport {
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

 private:
  void check(ncclResult_t result, const char* what) const;
  void check(cudaError_t result, const char* what) const;

  int rank_;
  ncclComm_t nccl_ = nullptr;
  cudaStream_t compute_, comm_stream_ = nullptr;
  std::vector<cudaEvent_t> ready_, done_;  // one pair per bucket in flight
  std::vector<const char*> what_;
  int next_ = 0;
  int* non_finite_ = nullptr;  // device counter of this rank's non-finite gradients this step
};

}  // namespace manet::comm
