#pragma once
#include <string>

namespace manet::h5 {

// While one lives, a crash inside HDF5 (SIGSEGV/SIGBUS: HDF5 1.10 does not survive
// every corrupt file, see tests/fuzz/README.md) first prints which file was being read,
// then the process dies as it would have. Without it a rank just vanishes.
class CrashNote {
 public:
  // What the file is decides the advice: a checkpoint can be removed (resume: auto then
  // uses an older one); a data file must be rewritten.
  enum class FileKind { checkpoint, data };
  CrashNote(const std::string& path, FileKind kind);
  ~CrashNote();
  CrashNote(const CrashNote&) = delete;
  CrashNote& operator=(const CrashNote&) = delete;
};

}  // namespace manet::h5
