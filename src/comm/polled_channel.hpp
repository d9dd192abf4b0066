#pragma once
// Waiting on collectives the host does not run itself (NCCL on a GPU stream), without ever
// hanging. Blocking in the device runtime (cudaEventSynchronize) waits forever for a peer
// that is gone and never looks at the backend's own asynchronous error; and ending the
// communicator cleanly (ncclCommDestroy) waits for the peers too. So:
//   - a wait polls "finished?" and "failed?" until the deadline of every collective
//     (dist.timeout_s); on a failure or at the deadline it aborts the channel (ncclCommAbort:
//     local, waits for nobody) and throws an Error naming the rank and the collective;
//   - the channel ends cleanly only when every collective it started was waited for and no
//     exception is unwinding through its owner; otherwise (a rank-local throw mid-step, work
//     still in flight, an earlier failure) it is aborted, so the error reaches `main`, which
//     ends the job, instead of blocking in the destructor while the other ranks wait.
// No CUDA here: tests/comm/test_polled_channel.cpp drives it with a fake channel.
#include <string>

namespace manet::comm {

// What a GPU transport polls (comm/nccl_transport.hpp implements it over CUDA events and NCCL).
class PolledChannel {
 public:
  virtual ~PolledChannel() = default;
  // Whether the collective behind `ticket` has finished (cudaEventQuery). May throw.
  virtual bool finished(int ticket) = 0;
  // The channel's asynchronous error, "" while there is none (ncclCommGetAsyncError).
  virtual std::string failure() = 0;
  // Ends the channel now, without waiting for any peer (ncclCommAbort).
  virtual void abort() noexcept = 0;
  // Ends the channel cleanly, after everything queued on it (ncclCommDestroy).
  virtual void close() noexcept = 0;
};

// Owns a channel's waits and its end. `who` names this rank in messages ("rank 1 of 2").
class ChannelKeeper {
 public:
  explicit ChannelKeeper(PolledChannel& channel);
  ~ChannelKeeper() { end(); }
  ChannelKeeper(const ChannelKeeper&) = delete;
  ChannelKeeper& operator=(const ChannelKeeper&) = delete;

  // A collective was queued on the channel.
  void started() { ++in_flight_; }
  // Polls until the collective `ticket` finishes (and is no longer in flight). On a failure,
  // or when `timeout_s` passes first, aborts the channel and throws: "the <what> <context>
  // did not complete within T s on <who>: ...". `context` places it in the run ("during
  // step 12", or "").
  void wait(int ticket, double timeout_s, const std::string& who, const std::string& what,
            const std::string& context);
  // The same for something that is not a collective of the step (the channel's set-up).
  void poll_until(int ticket, double timeout_s, const std::string& who, const std::string& what,
                  const std::string& context);
  // Throws the channel's asynchronous error (aborting it) when there is one; else nothing.
  void check(const std::string& who, const std::string& context);
  bool aborted() const { return ended_ && aborted_; }

  // Ends the channel (at most once): close() when it is clean, else abort(). Call it in the
  // owner's destructor before freeing what the channel uses (streams, events).
  void end() noexcept;
  // Ends it by abort() (at most once): after a failed call, the channel is unusable.
  void abort() noexcept;

 private:
  [[noreturn]] void abort_and_throw(const std::string& message);

  PolledChannel& channel_;
  int in_flight_ = 0;
  int unwinding_at_start_;  // std::uncaught_exceptions() when the owner was made
  bool ended_ = false, aborted_ = false;
};

}  // namespace manet::comm
