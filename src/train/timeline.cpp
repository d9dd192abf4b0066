#include "train/timeline.hpp"

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <cstdio>
#include <fstream>

#include "core/error.hpp"

namespace manet {

Timeline::Timeline(std::string path, long steps, comm::Comm& comm)
    : path_(std::move(path)), steps_(steps), comm_(comm) {
  if (path_.empty()) return;
  comm_.barrier("barrier that aligns the timeline clocks");
  origin_ = Clock::now();
  char meta[160];
  std::snprintf(meta, sizeof meta,
                "{\"name\":\"process_name\",\"ph\":\"M\",\"pid\":%d,\"args\":{\"name\":\"rank %d\"}},"
                "{\"name\":\"thread_name\",\"ph\":\"M\",\"pid\":%d,\"tid\":0,\"args\":{\"name\":\"step\"}},",
                comm_.rank(), comm_.rank(), comm_.rank());
  events_ = meta;
  std::snprintf(meta, sizeof meta, "{\"name\":\"thread_name\",\"ph\":\"M\",\"pid\":%d,\"tid\":1,\"args\":{\"name\":\"layers\"}}",
                comm_.rank());
  events_ += meta;
}

void Timeline::span(const char* name, int track, Clock::time_point begin, Clock::time_point end, long step) {
  using us = std::chrono::duration<double, std::micro>;
  char event[256];
  std::snprintf(event, sizeof event,
                ",{\"name\":\"%s\",\"ph\":\"X\",\"pid\":%d,\"tid\":%d,\"ts\":%.1f,\"dur\":%.1f,\"args\":{\"step\":%ld}}",
                name, comm_.rank(), track, us(begin - origin_).count(), us(end - begin).count(), step);
  events_ += event;
}

void Timeline::span(const std::string& name, int track, Clock::time_point begin, Clock::time_point end, long step) {
  span(name.c_str(), track, begin, end, step);
}

void Timeline::maybe_write(long step, bool run_ends) {
  if (path_.empty() || written_ || (step < last_step_ && !run_ends)) return;
  last_step_ = std::min(last_step_, step);
  written_ = true;
  // Rank 0 collects every rank's events (one broadcast per rank: once per run).
  std::string all = comm_.rank() == 0 ? events_ : std::string();
  for (int r = 1; r < comm_.size(); ++r) {
    std::string part = comm_.rank() == r ? events_ : std::string();
    comm_.broadcast_string(part, r, "broadcast of timeline events");
    if (comm_.rank() == 0) all += "," + part;
  }
  if (comm_.rank() != 0) return;
  // A side file: failing to write it is told, not fatal (the run and its checkpoints go on).
  std::ofstream out(path_);
  out << "{\"displayTimeUnit\":\"ms\",\"traceEvents\":[" << all << "]}\n";
  out.close();
  if (!out) {
    std::fprintf(stderr, "manet: warning: could not write train.timeline %s: %s; training goes on\n", path_.c_str(),
                 std::strerror(errno));
    events_.clear();
    return;
  }
  std::printf("timeline of steps %ld-%ld written to %s (open it at https://ui.perfetto.dev)\n", last_step_ - steps_ + 1,
              last_step_, path_.c_str());
  events_.clear();
}

}  // namespace manet
