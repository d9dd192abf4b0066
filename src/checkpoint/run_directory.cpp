#include "checkpoint/run_directory.hpp"

#include <fcntl.h>
#include <sys/file.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <filesystem>
#include <random>

#include "checkpoint/checkpoint.hpp"
#include "core/error.hpp"
#include "core/utc_time.hpp"
#include "io/hdf5_file.hpp"

namespace fs = std::filesystem;

namespace manet {

namespace {

constexpr const char* kLockFile = ".manet.lock";

std::string compact_utc() {  // 2026-11-30T11:42:33Z -> 20261130T114233Z
  std::string t = utc_now();
  t.erase(std::remove_if(t.begin(), t.end(), [](char c) { return c == '-' || c == ':'; }), t.end());
  return t;
}

std::string host_name() {
  char name[256] = {};
  return ::gethostname(name, sizeof name - 1) == 0 ? name : "?";
}

}  // namespace

void check_directory_usable(const std::string& dir, const std::string& key) {
  std::error_code ec;
  fs::path existing = fs::absolute(dir, ec);
  while (!existing.empty() && !fs::exists(existing, ec)) existing = existing.parent_path();
  if (existing.empty()) existing = "/";
  if (!fs::is_directory(existing, ec))
    throw Error(key + " " + dir + ": " + existing.string() + " is a file, not a directory", ErrorKind::usage);
  if (::access(existing.c_str(), W_OK | X_OK) != 0)
    throw Error(key + " " + dir + ": " + (existing == fs::absolute(dir, ec) ? "cannot write in it" : "cannot create it in " + existing.string()) +
                    " (" + std::strerror(errno) + ")",
                ErrorKind::usage);
}

void check_output_file(const std::string& path, const std::string& key) {
  std::error_code ec;
  if (fs::is_directory(path, ec)) throw Error(key + " " + path + ": is a directory, not a file", ErrorKind::usage);
  const fs::path parent = fs::absolute(path, ec).parent_path();
  if (!fs::is_directory(parent, ec))
    throw Error(key + " " + path + ": its directory " + parent.string() + " does not exist", ErrorKind::usage);
  if (::access(parent.c_str(), W_OK | X_OK) != 0)
    throw Error(key + " " + path + ": cannot write in " + parent.string() + " (" + std::strerror(errno) + ")",
                ErrorKind::usage);
  if (fs::exists(path, ec) && ::access(path.c_str(), W_OK) != 0)
    throw Error(key + " " + path + ": cannot write it (" + std::strerror(errno) + ")", ErrorKind::usage);
}

void prepare_run_directory(const std::string& dir) {
  std::error_code ec;
  fs::create_directories(dir, ec);
  if (ec) throw Error("cannot create the checkpoint directory " + dir + ": " + ec.message(), ErrorKind::usage);
  const std::string probe = (fs::path(dir) / ".manet-write-probe").string();
  const int fd = ::open(probe.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
  if (fd < 0)
    throw Error("cannot write in the checkpoint directory " + dir + ": " + std::strerror(errno) +
                    " (checkpoint.dir must be writable by every run that saves there)",
                ErrorKind::usage);
  ::close(fd);
  ::unlink(probe.c_str());
  // Temporary files of saves that were killed midway (".step-00000123.h5.tmp", ".best.h5.tmp").
  for (const auto& entry : fs::directory_iterator(dir, ec)) {
    const std::string name = entry.path().filename().string();
    if ((name.rfind(".step-", 0) == 0 || name == ".best.h5.tmp") && name.size() > 7 &&
        name.substr(name.size() - 4) == ".tmp")
      fs::remove(entry.path(), ec);
  }
}

RunLock::RunLock(const std::string& dir) {
  const std::string path = (fs::path(dir) / kLockFile).string();
  fd_ = ::open(path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0644);
  if (fd_ < 0) throw Error("cannot create the run lock " + path + ": " + std::strerror(errno), ErrorKind::usage);
  if (::flock(fd_, LOCK_EX | LOCK_NB) != 0) {
    char holder[512] = {};
    [[maybe_unused]] const ssize_t n = ::pread(fd_, holder, sizeof holder - 1, 0);
    std::string who(holder);
    while (!who.empty() && (who.back() == '\n' || who.back() == ' ')) who.pop_back();
    ::close(fd_);
    fd_ = -1;
    throw Error("checkpoint.dir " + dir + " is in use by another run (" + (who.empty() ? "its process" : who) +
                    "): two runs in one directory would overwrite each other's checkpoints. Wait for it to end, "
                    "stop it, or give this run another checkpoint.dir",
                ErrorKind::usage);
  }
  const std::string who = "pid " + std::to_string(::getpid()) + " on host " + host_name() + ", started " + utc_now() + "\n";
  if (::ftruncate(fd_, 0) != 0 || ::pwrite(fd_, who.data(), who.size(), 0) < 0) {
    // The lock holds without the note; only the message of a refused second run is poorer.
  }
}

RunLock::~RunLock() {
  if (fd_ >= 0) ::close(fd_);  // releases the flock
}

std::string new_run_id() {
  std::random_device entropy;
  char suffix[16];
  std::snprintf(suffix, sizeof suffix, "%08x", unsigned(entropy()));
  return compact_utc() + "-" + suffix;
}

std::optional<CheckpointIdentity> read_checkpoint_identity(const std::string& path) {
  try {
    const h5::File f = h5::File::open_read(path);
    if (!f.has_attr("/", "format") || f.attr_string("/", "format") != "manet-checkpoint") return std::nullopt;
    CheckpointIdentity id;
    id.step = f.attr_int("/meta", "step");
    if (f.has_attr("/meta", "run_id")) id.run_id = f.attr_string("/meta", "run_id");
    return id;
  } catch (const Error&) {
    return std::nullopt;
  }
}

std::string set_aside(const std::string& dir, const std::vector<std::string>& files, const std::string& reason) {
  if (files.empty()) return "";
  const fs::path target = fs::path(dir) / "set-aside" / (compact_utc() + "-" + reason);
  std::error_code ec;
  fs::create_directories(target, ec);
  if (ec) throw Error("cannot create " + target.string() + " to move earlier files aside: " + ec.message());
  for (const std::string& file : files) {
    fs::rename(file, target / fs::path(file).filename(), ec);
    if (ec) throw Error("cannot move " + file + " aside to " + target.string() + ": " + ec.message());
  }
  return target.string();
}

void prune_checkpoints(const std::string& dir, const std::string& run_id, long keep, const std::string& just_written) {
  if (keep <= 0) return;
  std::vector<std::pair<int64_t, std::string>> ours;  // (step, path), not the one just written
  for (const std::string& path : list_checkpoints(dir)) {
    if (fs::path(path) == fs::path(just_written)) continue;
    const auto id = read_checkpoint_identity(path);
    if (id && !id->run_id.empty() && id->run_id == run_id) ours.emplace_back(id->step, path);
  }
  std::sort(ours.rbegin(), ours.rend());  // newest first
  for (std::size_t i = std::size_t(keep - 1); i < ours.size(); ++i) {
    std::error_code ec;
    fs::remove(ours[i].second, ec);
  }
}

}  // namespace manet
