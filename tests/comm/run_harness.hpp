#pragma once
// Small training runs of the real binary on generated data, at any number of ranks.
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdlib>
#include <fstream>
#include <sstream>
#include <string>
#include <thread>

#include <gtest/gtest.h>

#include "app/cli_harness.hpp"
#include "checkpoint/checkpoint.hpp"
#include "config/config.hpp"
#include "core/rng.hpp"
#include "data/hdf5_dataset.hpp"
#include "model/manet_model.hpp"

namespace manet::testing {

// `n` random samples: images 1x8x8 in [-1, 1], or token sequences of length 10 over a
// vocabulary of 200 with trailing padding (a batch uses a fraction of the rows, as real
// text does: the embedding's row-sparse sum gets rows some ranks touched and some none
// did); labels in [0, 3).
inline void write_random_dataset(const std::string& path, long n, bool tokens, uint64_t id) {
  const RandomStream s(5, RandomPurpose::data, id);
  Dataset d;
  d.tokens = tokens;
  d.sample_shape = tokens ? MapShape{1, 1, 10} : MapShape{1, 8, 8};
  for (long i = 0; i < n; ++i) {
    d.labels.push_back(int64_t(s.bits(i, 0) % 3));
    if (tokens) {
      const long length = 3 + long(s.bits(i, 1) % 8);
      for (long t = 0; t < 10; ++t) d.ids.push_back(t < length ? 1 + int64_t(s.bits(i, 2 + t) % 199) : 0);
    } else {
      for (long k = 0; k < 64; ++k) d.images.push_back(float(2 * s.uniform(i * 64 + k, 1) - 1));
    }
  }
  save_hdf5_dataset(path, d);
}

inline std::string image_model_yaml() {
  return R"(model:
  input: image
  in_channels: 1
  blocks:
    - conv: {channels: 4, kernel: 3}
    - pool_attention: {pool: max, size: 2, heads: 2}
    - conv_attention: {channels: 6, kernel: 3, heads: 2}
  head: {hidden: [8], activation: relu, dropout: 0.3}
  num_classes: 3
)";
}

inline std::string tokens_model_yaml() {
  return R"(model:
  input: tokens
  vocab_size: 200
  embed_dim: 6
  seq_len: 10
  blocks:
    - conv_attention: {channels: 6, kernel: [1, 3], heads: 2}
    - pool_attention: {pool: avg, size: [1, 2], heads: 3}
  head: {hidden: [8], activation: tanh, dropout: 0.2}
  num_classes: 3
)";
}

// A run directory with data.h5 (64 samples) and run.yaml: SGD with momentum, shuffle,
// dropout, evaluation each epoch, a checkpoint every step, every replica checked
// against the others after every step.
inline std::string prepare_run(const std::string& name, bool tokens, long max_steps = 6,
                               const std::string& extra = "") {
  const std::string dir = fresh_dir(name);
  write_random_dataset(dir + "/data.h5", 64, tokens, tokens ? 2 : 1);
  write_file(dir + "/run.yaml", "seed: 3\n" + (tokens ? tokens_model_yaml() : image_model_yaml()) +
                                    "data:\n  train: {format: hdf5, path: " + dir + "/data.h5}\n"
                                    "  test: {format: hdf5, path: " + dir + "/data.h5}\n"
                                    "train: {batch_size: 16, max_steps: " + std::to_string(max_steps) +
                                    ", shuffle: true, log_every_steps: 1, eval_batch_size: 7, test_every_epoch: true}\n"
                                    "optimizer: {type: sgd, lr: 0.05, momentum: 0.9}\n"
                                    "checkpoint: {dir: " + dir + "/ckpt, every_steps: 1, keep_last: 0}\n"
                                    "dist: {check_replicas_every: 1, timeout_s: 60}\n" + extra);
  return dir;
}

struct TimedResult : CommandResult {
  double seconds = 0;
};

// `manet train` on `ranks` processes with `batch` samples per rank; `env` is prefixed
// to the command (e.g. "MANET_TEST_FAULT=... ").
inline TimedResult train_run(const std::string& dir, int ranks, long batch, const std::string& sets = "",
                             const std::string& env = "", const std::string& ckpt = "ckpt") {
  const auto t0 = std::chrono::steady_clock::now();
  TimedResult r;
  static_cast<CommandResult&>(r) =
      run_command(env + launch_prefix(ranks) + manet_binary() + " train --config " + dir + "/run.yaml --set train.batch_size=" +
                  std::to_string(batch) + " --set checkpoint.dir=" + dir + "/" + ckpt + " " + sets);
  r.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  return r;
}

inline CheckpointContents load_final(const std::string& dir, const std::string& ckpt, long step) {
  const Config config = parse_config(read_checkpoint_config(dir + "/" + ckpt + "/" + checkpoint_file_name(step)), "ckpt");
  Model<float> model(config.model);
  return load_checkpoint(dir + "/" + ckpt + "/" + checkpoint_file_name(step), model.params());
}

inline std::string read_text(const std::string& path) {
  std::ifstream in(path);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

// Polls a file until it contains `needle`; false after `seconds`.
inline bool wait_for_text(const std::string& path, const std::string& needle, double seconds) {
  const auto end = std::chrono::steady_clock::now() + std::chrono::duration<double>(seconds);
  while (std::chrono::steady_clock::now() < end) {
    if (read_text(path).find(needle) != std::string::npos) return true;
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  return false;
}

// A command running in the background (`exec`ed by sh, so `pid` is the command itself)
// with its output in `log`, for tests that signal or kill it mid-run.
struct BackgroundRun {
  pid_t pid = -1;
  std::string log;
  int status = -1;

  BackgroundRun() = default;
  BackgroundRun(BackgroundRun&& o) noexcept : pid(o.pid), log(std::move(o.log)), status(o.status) { o.pid = -1; }
  BackgroundRun& operator=(BackgroundRun&&) = delete;
  // A test that gives up half-way must not leave a job running: ask it to stop (TERM,
  // which launch/mpirun.sh forwards), then kill everything that mentions its log's
  // directory (mpirun and the ranks run in their own process group).
  ~BackgroundRun() {
    if (pid <= 0 || finished()) return;
    ::kill(pid, SIGTERM);
    if (wait_quietly(5)) return;
    const std::string dir = log.substr(0, log.find_last_of('/'));
    [[maybe_unused]] int rc = std::system(("pkill -KILL -f '" + dir + "/' 2>/dev/null").c_str());
    ::kill(pid, SIGKILL);
    ::waitpid(pid, nullptr, 0);
  }
  bool wait_quietly(double seconds) {
    const auto end = std::chrono::steady_clock::now() + std::chrono::duration<double>(seconds);
    while (!finished() && std::chrono::steady_clock::now() < end) std::this_thread::sleep_for(std::chrono::milliseconds(10));
    return finished();
  }

  static BackgroundRun start(const std::string& command, const std::string& log) {
    BackgroundRun r;
    r.log = log;
    r.pid = ::fork();
    if (r.pid == 0) {
      ::execl("/bin/sh", "sh", "-c", ("exec env " + command + " > " + log + " 2>&1").c_str(), static_cast<char*>(nullptr));
      ::_exit(127);
    }
    return r;
  }
  // Polls the log until it contains `needle`; false after `seconds` or when the command ended.
  bool wait_for(const std::string& needle, double seconds) {
    const auto end = std::chrono::steady_clock::now() + std::chrono::duration<double>(seconds);
    while (std::chrono::steady_clock::now() < end) {
      if (read_text(log).find(needle) != std::string::npos) return true;
      if (finished()) return read_text(log).find(needle) != std::string::npos;
      std::this_thread::sleep_for(std::chrono::milliseconds(5));
    }
    return false;
  }
  bool finished() {
    if (status >= 0) return true;
    int st = 0;
    if (::waitpid(pid, &st, WNOHANG) != pid) return false;
    status = WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
    return true;
  }
  // The exit code (128 + signal when killed by one); 999 when still running after
  // `seconds` (the destructor then cleans up).
  int wait(double seconds) {
    const auto end = std::chrono::steady_clock::now() + std::chrono::duration<double>(seconds);
    while (!finished()) {
      if (std::chrono::steady_clock::now() > end) return 999;
      std::this_thread::sleep_for(std::chrono::milliseconds(2));
    }
    return status;
  }
  void signal(int sig) const { ::kill(pid, sig); }
};

// The largest absolute difference between two buffers of the same size.
inline double worst_difference(const std::vector<float>& a, const std::vector<float>& b) {
  EXPECT_EQ(a.size(), b.size());
  double worst = 0;
  for (std::size_t i = 0; i < a.size() && i < b.size(); ++i) worst = std::max(worst, double(std::abs(a[i] - b[i])));
  return worst;
}

// The environment prefix that injects a test-only fault (src/train/fault_injection.hpp).
inline std::string fault(const std::string& kind, int rank, long step) {
  return "MANET_TEST_FAULT=" + kind + ":rank=" + std::to_string(rank) + ":step=" + std::to_string(step) + " ";
}

// Every parameter, optimizer slot and counter of two checkpoints, bitwise.
inline void expect_same_state(const CheckpointContents& a, const CheckpointContents& b) {
  EXPECT_EQ(a.position.step, b.position.step);
  EXPECT_EQ(a.position.epoch, b.position.epoch);
  EXPECT_EQ(a.position.samples_seen, b.position.samples_seen);
  EXPECT_EQ(a.position.epoch, b.position.epoch);
  EXPECT_EQ(a.position.epoch_offset, b.position.epoch_offset);
  EXPECT_EQ(a.position.optimizer_step, b.position.optimizer_step);
  EXPECT_TRUE(a.params == b.params) << "parameters differ";
  ASSERT_EQ(a.slots.size(), b.slots.size());
  for (std::size_t i = 0; i < a.slots.size(); ++i) EXPECT_TRUE(a.slots[i].second == b.slots[i].second) << a.slots[i].first;
  EXPECT_EQ(a.position.epoch_loss_sum, b.position.epoch_loss_sum);
  EXPECT_EQ(a.position.epoch_steps, b.position.epoch_steps);
  // Model selection's state: equal, or both not yet set (NaN).
  auto same = [](double x, double y) { return x == y || (std::isnan(x) && std::isnan(y)); };
  EXPECT_PRED2(same, a.position.best_value, b.position.best_value);
  EXPECT_EQ(a.position.best_step, b.position.best_step);
  EXPECT_PRED2(same, a.position.early_stop_best, b.position.early_stop_best);
  EXPECT_EQ(a.position.early_stop_waited, b.position.early_stop_waited);
  EXPECT_EQ(a.position.stopped_early, b.position.stopped_early);
  ASSERT_EQ(a.position.history.size(), b.position.history.size());
  for (std::size_t i = 0; i < a.position.history.size(); ++i) {
    EXPECT_EQ(a.position.history[i].train_loss, b.position.history[i].train_loss);
    EXPECT_PRED2(same, a.position.history[i].val_loss, b.position.history[i].val_loss);
    EXPECT_PRED2(same, a.position.history[i].test_loss, b.position.history[i].test_loss);
  }
}

}  // namespace manet::testing
