#include "comm/nccl_transport.hpp"

#include <sched.h>

#include <chrono>
#include <string>

#include "core/error.hpp"
#include "kernels/cuda/elementwise.hpp"

namespace manet::comm {

void NcclTransport::check(ncclResult_t result, const std::string& what) {
  if (result == ncclSuccess) return;
  if (result == ncclInProgress) return settle(what);
  std::string detail = ncclGetErrorString(result);
  if (nccl_) {
    const char* last = ncclGetLastError(nccl_);
    if (last && *last) detail += ": " + std::string(last);
  }
  keeper_.abort();  // a failed call leaves the communicator unusable
  throw Error("NCCL error in " + what + " on " + who_ + ": " + detail);
}

void NcclTransport::check(cudaError_t result, const std::string& what) const {
  if (result != cudaSuccess)
    throw Error("CUDA error in " + what + " on " + who_ + ": " + cudaGetErrorString(result));
}

NcclTransport::NcclTransport(Comm& comm, cudaStream_t compute, int max_in_flight)
    : comm_(comm),
      who_("rank " + std::to_string(comm.rank()) + " of " + std::to_string(comm.size())),
      compute_(compute) {
  ncclUniqueId id{};
  if (comm.rank() == 0) check(ncclGetUniqueId(&id), "ncclGetUniqueId");
  comm.broadcast(&id, sizeof id, 0, "broadcast of the NCCL unique id");
  ncclConfig_t config = NCCL_CONFIG_INITIALIZER;
  config.blocking = 0;  // every wait on it is ours, bounded by the deadline
  check(ncclCommInitRankConfig(&nccl_, comm.size(), id, comm.rank(), &config), "ncclCommInitRank");
  settle("ncclCommInitRank (every rank must reach it)");
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
  keeper_.end();  // before the streams and events go: an abort may still touch them
  for (cudaEvent_t e : ready_) cudaEventDestroy(e);
  for (cudaEvent_t e : done_) cudaEventDestroy(e);
  cudaFree(non_finite_);
  if (comm_stream_) cudaStreamDestroy(comm_stream_);
}

bool NcclTransport::finished(int ticket) {
  if (ticket == kSettled) {
    ncclResult_t state = ncclSuccess;
    return ncclCommGetAsyncError(nccl_, &state) == ncclSuccess && state == ncclSuccess;
  }
  const cudaError_t status = cudaEventQuery(done_[ticket]);
  if (status == cudaErrorNotReady) return false;
  check(status, what_[ticket]);
  return true;
}

std::string NcclTransport::failure() {
  if (!nccl_) return "no communicator";
  ncclResult_t state = ncclSuccess;
  const ncclResult_t result = ncclCommGetAsyncError(nccl_, &state);
  if (result != ncclSuccess) return std::string("ncclCommGetAsyncError: ") + ncclGetErrorString(result);
  if (state == ncclSuccess || state == ncclInProgress) return "";
  std::string detail = ncclGetErrorString(state);
  const char* last = ncclGetLastError(nccl_);
  if (last && *last) detail += ": " + std::string(last);
  return detail;
}

void NcclTransport::abort() noexcept {
  if (nccl_) ncclCommAbort(nccl_);
  nccl_ = nullptr;
}

// Finalize flushes what is queued and waits for the peers to do the same; bounded by the
// deadline, after which the communicator is aborted instead.
void NcclTransport::close() noexcept {
  if (!nccl_) return;
  using clock = std::chrono::steady_clock;
  const auto deadline =
      clock::now() + std::chrono::duration_cast<clock::duration>(std::chrono::duration<double>(comm_.timeout()));
  ncclResult_t state = ncclCommFinalize(nccl_);
  while (state == ncclInProgress && clock::now() < deadline) {
    if (ncclCommGetAsyncError(nccl_, &state) != ncclSuccess) break;
    sched_yield();
  }
  if (state != ncclSuccess) return abort();
  ncclCommDestroy(nccl_);
  nccl_ = nullptr;
}

void NcclTransport::settle(const std::string& what) {
  keeper_.poll_until(kSettled, comm_.timeout(), who_, what, comm_.context());
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
  keeper_.started();
  return t;
}

bool NcclTransport::test(int ticket) {
  keeper_.check(who_, comm_.context());
  return finished(ticket);
}

void NcclTransport::wait(int ticket) {
  keeper_.wait(ticket, comm_.timeout(), who_, what_[ticket], comm_.context());
  check(cudaStreamWaitEvent(compute_, done_[ticket], 0), what_[ticket]);  // the optimizer runs after it
}

bool NcclTransport::local_all_finite() {
  int bad = 0;
  check(cudaMemcpyAsync(&bad, non_finite_, sizeof bad, cudaMemcpyDeviceToHost, compute_), "non-finite count");
  check(cudaStreamSynchronize(compute_), "non-finite count");
  return bad == 0;
}

}  // namespace manet::comm
