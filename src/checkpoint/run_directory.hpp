#pragma once
// checkpoint.dir as the home of one run at a time: the lock that keeps a second run out,
// the run's identity in its files, moving an earlier run's files aside instead of mixing
// them with this one's, and deleting only this run's older checkpoints.
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace manet {

// Whether `dir` is a directory this process can write, or could be created (its nearest
// existing ancestor is a writable directory) - without creating anything, so that a run
// refused for another reason leaves nothing behind. Throws a usage Error naming `key`.
void check_directory_usable(const std::string& dir, const std::string& key);
// Whether `path` can be written as a file (an output such as train.timeline): its
// directory is usable as above and the path is not a directory.
void check_output_file(const std::string& path, const std::string& key);

// Creates `dir`, proves it writable (a probe file is created, fsynced and removed) and
// removes temporary files of saves that were killed midway.
void prepare_run_directory(const std::string& dir);

// An exclusive advisory lock (flock) on DIR/.manet.lock, held while the object lives and
// released by the kernel when the process ends however it ends. Throws a usage Error
// naming the holder (PID, host, start time) when another process holds it.
class RunLock {
 public:
  explicit RunLock(const std::string& dir);
  ~RunLock();
  RunLock(const RunLock&) = delete;
  RunLock& operator=(const RunLock&) = delete;

 private:
  int fd_ = -1;
};

// "20261130T114233Z-3f9a1c2e": UTC time and 32 random bits.
std::string new_run_id();

// What a checkpoint file says of itself, from its attributes only (nothing verified):
// nullopt when it cannot be read at all.
struct CheckpointIdentity {
  std::string run_id;  // "" for files written before runs had ids
  int64_t step = 0;
};
std::optional<CheckpointIdentity> read_checkpoint_identity(const std::string& path);

// Moves `files` (paths inside `dir`) to DIR/set-aside/<UTC time>-<reason>/ and returns that
// directory ("" when there was nothing to move). Nothing is deleted.
std::string set_aside(const std::string& dir, const std::vector<std::string>& files, const std::string& reason);

// Deletes the checkpoints of run `run_id` in `dir` beyond the newest `keep` (by step),
// never `just_written` (which counts as one of them). Other runs' files and files that
// cannot be read are left alone.
void prune_checkpoints(const std::string& dir, const std::string& run_id, long keep, const std::string& just_written);

}  // namespace manet
