#include "train/run_times.hpp"

#include <sys/resource.h>
#include <unistd.h>

#include <array>
#include <cstring>
#include <string>

namespace manet {

namespace {

// This process's peak resident set in MB (Linux reports KiB).
double peak_rss_mb() {
  rusage usage{};
  getrusage(RUSAGE_SELF, &usage);
  return double(usage.ru_maxrss) / 1024.0;
}

constexpr std::size_t kHostBytes = 64;  // a host name, cut, NUL-terminated

}  // namespace

RunTimes gather_run_times(comm::Comm& comm, StepTimer& timer, double peak_device_mb) {
  RunTimes out;
  StepTimes& times = timer.times();
  times.peak_rss_mb = peak_rss_mb();
  times.peak_gpu_mb = peak_device_mb;
  // True only if every step on every rank ran with subnormals flushed.
  double flushed = timer.subnormals_flushed_every_step() ? 1.0 : 0.0;
  comm.all_reduce(&flushed, 1, comm::ReduceOp::min, "all-reduce of the subnormal mode");
  times.subnormals_flushed = flushed == 1.0;

  // Each rank's own phases and memory, and its host.
  const std::array<double, 7> mine = {times.data, times.forward,       times.backward,   times.comm,
                                      times.optimizer, double(times.steps), times.peak_rss_mb};
  std::vector<double> all(mine.size() * std::size_t(comm.size()));
  comm.all_gather(mine.data(), all.data(), long(sizeof mine), "all-gather of step timings");
  std::array<char, kHostBytes> host{};
  ::gethostname(host.data(), host.size() - 1);
  std::vector<char> hosts(kHostBytes * std::size_t(comm.size()));
  comm.all_gather(host.data(), hosts.data(), long(kHostBytes), "all-gather of host names");

  // The smallest wait over the ranks, step by step, is the communication proper; the
  // largest peak memory over the ranks.
  std::vector<double>& waits = timer.comm_waits();
  comm.all_reduce(waits.data(), long(waits.size()), comm::ReduceOp::min, "all-reduce of step timings");
  for (double w : waits) times.comm_floor += w;
  out.overall = times;
  double peaks[2] = {out.overall.peak_rss_mb, out.overall.peak_gpu_mb};
  comm.all_reduce(peaks, 2, comm::ReduceOp::max, "all-reduce of peak memory");
  out.overall.peak_rss_mb = peaks[0], out.overall.peak_gpu_mb = peaks[1];

  for (int r = 0; r < comm.size(); ++r) {
    const double* v = all.data() + std::size_t(r) * mine.size();
    RankTimes rank;
    rank.rank = r;
    const char* name = hosts.data() + std::size_t(r) * kHostBytes;
    rank.host = std::string(name, ::strnlen(name, kHostBytes));
    rank.times.data = v[0], rank.times.forward = v[1], rank.times.backward = v[2], rank.times.comm = v[3];
    rank.times.optimizer = v[4], rank.times.steps = long(v[5]), rank.times.peak_rss_mb = v[6];
    rank.times.comm_floor = times.comm_floor;
    out.ranks.push_back(rank);
  }
  return out;
}

}  // namespace manet
