#include "comm/polled_channel.hpp"

#include <sched.h>

#include <chrono>
#include <cstdio>
#include <exception>

#include "core/error.hpp"

namespace manet::comm {

namespace {

std::string in_context(const std::string& context) { return context.empty() ? "" : " " + context; }

}  // namespace

ChannelKeeper::ChannelKeeper(PolledChannel& channel)
    : channel_(channel), unwinding_at_start_(std::uncaught_exceptions()) {}

void ChannelKeeper::abort() noexcept {
  if (ended_) return;
  ended_ = aborted_ = true;
  channel_.abort();
}

void ChannelKeeper::abort_and_throw(const std::string& message) {
  abort();
  throw Error(message);
}

void ChannelKeeper::check(const std::string& who, const std::string& context) {
  if (ended_) throw Error("the NCCL communicator on " + who + " was already aborted" + in_context(context));
  const std::string failure = channel_.failure();
  if (!failure.empty())
    abort_and_throw("NCCL failed on " + who + in_context(context) + ": " + failure +
                    " (the communicator was aborted)");
}

void ChannelKeeper::wait(int ticket, double timeout_s, const std::string& who, const std::string& what,
                         const std::string& context) {
  poll_until(ticket, timeout_s, who, what, context);
  if (in_flight_ > 0) --in_flight_;
}

void ChannelKeeper::poll_until(int ticket, double timeout_s, const std::string& who, const std::string& what,
                               const std::string& context) {
  using clock = std::chrono::steady_clock;
  if (ended_) throw Error("the " + what + in_context(context) + " on " + who + ": the communicator was already aborted");
  const auto start = clock::now();
  const auto yield_after = start + std::chrono::milliseconds(1);
  const auto deadline = start + std::chrono::duration_cast<clock::duration>(std::chrono::duration<double>(timeout_s));
  for (;;) {
    // The error first: a failed collective may never report itself finished.
    const std::string failure = channel_.failure();
    if (!failure.empty())
      abort_and_throw("the " + what + in_context(context) + " failed on " + who + ": " + failure +
                      " (the NCCL communicator was aborted)");
    if (channel_.finished(ticket)) break;
    const auto now = clock::now();
    if (now > deadline) {
      char buf[200];
      std::snprintf(buf, sizeof buf,
                    " did not complete within %g s on %s: another rank has stalled, stopped or died (dist.timeout_s; "
                    "raise it if a rank legitimately needs longer). The NCCL communicator was aborted",
                    timeout_s, who.c_str());
      abort_and_throw("the " + what + in_context(context) + buf);
    }
    if (now > yield_after) sched_yield();
  }
}

void ChannelKeeper::end() noexcept {
  if (ended_) return;
  ended_ = true;
  // An exception unwinding through the owner means this rank left mid-step: its peers may
  // be inside a collective this rank will never join, and a clean end would wait for them.
  const bool clean = in_flight_ == 0 && std::uncaught_exceptions() <= unwinding_at_start_;
  aborted_ = !clean;
  if (clean)
    channel_.close();
  else
    channel_.abort();
}

}  // namespace manet::comm
