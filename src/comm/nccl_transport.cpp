#include "comm/nccl_transport.hpp"

#include <string>

#include "core/error.hpp"
#include "kernels/cuda/elementwise.hpp"

namespace manet::comm {

void NcclTransport::check(ncclResult_t result, const char* what) const {
  if (result == ncclSuccess || result == ncclInProgress) return;
  std::string detail = ncclGetErrorString(result);
  if (nccl_) {
    const char* last = ncclGetLastError(nccl_);
    if (last && *last) detail += ": " + std::string(last);
  }
  throw Error("rank " + std::to_string(rank_) + ": NCCL error in " + what + ": " + detail);
}

void NcclTransport::check(cudaError_t result, const char* what) const {
  if (result != cudaSuccess)
    throw Error("rank " + std::to_string(rank_) + ": CUDA error in " + what + ": " + cudaGetErrorString(result));
}

NcclTransport::NcclTransport(Comm& comm, cudaStream_t compute, int max_in_flight)
    : rank_(comm.rank()), compute_(compute) {
  ncclUniqueId id{};
  if (rank_ == 0) check(ncclGetUniqueId(&id), "ncclGetUniqueId");
  comm.broadcast(&id, sizeof id, 0, "broadcast of the NCCL unique id");
  check(ncclCommInitRank(&nccl_, comm.size(), id, rank_), "ncclCommInitRank");
  check(cudaStreamCreateWithFlags(&comm_stream_, cudaStreamNonBlocking), "cudaStreamCreate (NCCL stream)");
  ready_.resize(std::size_t(max_in_flight));
  done_.resize(std::size_t(max_in_flight));
  what_.resize(std::size_t(max_in_flight));
  for (int i = 0; i < max_in_flight; ++i) {
    check(cudaEventCreateWithFlags(&ready_[i], cudaEventDisableTiming), "cudaEventCreate");
    check(cudaEventCreateWithFlags(&done_[i], cudaEventDisableTiming), "cudaEventCreate");
  }
  check(cudaMalloc(reinterpret_cast<void**>(&non_finite_), sizeof(int)), "cudaMalloc");
}

NcclTransport::~NcclTransport() {
  for (cudaEvent_t e : ready_) cudaEventDestroy(e);
  for (cudaEvent_t e : done_) cudaEventDestroy(e);
  cudaFree(non_finite_);
  if (comm_stream_) cudaStreamDestroy(comm_stream_);
  if (nccl_) ncclCommDestroy(nccl_);
}

void NcclTransport::begin_step() {
  check(cudaMemsetAsync(non_finite_, 0, sizeof(int), compute_), "reset of the non-finite counter");
}

void NcclTransport::check_local(const float* data, long count) {
  cuda::count_non_finite_accumulate(non_finite_, data, count, compute_);
}

int NcclTransport::start_sum(float* data, long count, const char* what) {
  const int t = next_;
  next_ = (next_ + 1) % int(ready_.size());
  what_[t] = what;
  check(cudaEventRecord(ready_[t], compute_), what);
  check(cudaStreamWaitEvent(comm_stream_, ready_[t], 0), what);
  check(ncclAllReduce(data, data, std::size_t(count), ncclFloat, ncclSum, nccl_, comm_stream_), what);
  check(cudaEventRecord(done_[t], comm_stream_), what);
  return t;
}

bool NcclTransport::test(int ticket) {
  const cudaError_t status = cudaEventQuery(done_[ticket]);
  if (status == cudaErrorNotReady) return false;
  check(status, what_[ticket]);
  return true;
}

void NcclTransport::wait(int ticket) {
  check(cudaEventSynchronize(done_[ticket]), what_[ticket]);
  ncclResult_t async = ncclSuccess;
  check(ncclCommGetAsyncError(nccl_, &async), what_[ticket]);
  check(async, what_[ticket]);
  check(cudaStreamWaitEvent(compute_, done_[ticket], 0), what_[ticket]);  // the optimizer runs after it
}

bool NcclTransport::local_all_finite() {
  int bad = 0;
  check(cudaMemcpyAsync(&bad, non_finite_, sizeof bad, cudaMemcpyDeviceToHost, compute_), "non-finite count");
  check(cudaStreamSynchronize(compute_), "non-finite count");
  return bad == 0;
}

}  // namespace manet::comm
