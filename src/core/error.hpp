#pragma once
// The one error type of the project. Library code throws it with a message that says
// what went wrong, where, and what to do; `main` catches it, prints it with the rank,
// and ends the job. Never `exit()` or `abort()` from library code.
#include <stdexcept>
#include <string>
#include <version>
#if defined(__cpp_lib_source_location)
#include <source_location>
#endif

namespace manet {

// std::source_location, or the same from the compiler builtins where the library has it
// but the compiler cannot (clang 14 with libstdc++ 12: the fuzzing build).
#if defined(__cpp_lib_source_location)
using SourceLocation = std::source_location;
#else
struct SourceLocation {
  static constexpr SourceLocation current(const char* file = __builtin_FILE(), unsigned line = __builtin_LINE()) {
    return SourceLocation{file, line};
  }
  constexpr const char* file_name() const { return file_; }
  constexpr unsigned line() const { return line_; }
  const char* file_ = "";
  unsigned line_ = 0;
};
#endif

enum class ErrorKind {
  runtime,  // exit code 1: something failed while running
  usage,    // exit code 2: bad config, bad flag, bad input file: nothing was written
};

class Error : public std::runtime_error {
 public:
  explicit Error(const std::string& message, ErrorKind kind = ErrorKind::runtime,
                 SourceLocation where = SourceLocation::current());

  ErrorKind kind() const { return kind_; }
  // "src/model/model_spec.cpp:42": where in our code it was thrown (for bug reports).
  const std::string& thrown_at() const { return thrown_at_; }

 private:
  ErrorKind kind_;
  std::string thrown_at_;
};

// A usage error that names a config key ("model.blocks[1].heads"). The config layer
// catches it and adds the file and line the key came from.
class KeyError : public Error {
 public:
  KeyError(std::string key, const std::string& message,
           SourceLocation where = SourceLocation::current());
  const std::string& key() const { return key_; }
  const std::string& detail() const { return detail_; }

 private:
  std::string key_;
  std::string detail_;
};

// An error every rank of the job throws together, at the same point (the ranks agreed
// on it through a collective). `main` prints it once - on the rank whose `report()` is
// true - and ends normally with its exit code, instead of aborting the job.
class CollectiveError : public Error {
 public:
  CollectiveError(const std::string& message, ErrorKind kind, bool report)
      : Error(message, kind), report_(report) {}
  bool report() const { return report_; }

 private:
  bool report_;
};

// Runs `work`; an Error it throws becomes a usage Error (exit code 2): for reading files
// the user named (a checkpoint to evaluate or start from), which they must fix before
// anything can run, whatever the failure inside was.
template <class F>
auto as_usage_errors(F&& work) -> decltype(work()) {
  try {
    return work();
  } catch (const CollectiveError&) {
    throw;
  } catch (const Error& e) {
    if (e.kind() == ErrorKind::usage) throw;
    throw Error(e.what(), ErrorKind::usage);
  }
}

// Throws Error(message) unless `condition` holds. For input checks, not invariants.
inline void check(bool condition, const std::string& message, ErrorKind kind = ErrorKind::runtime,
                  SourceLocation where = SourceLocation::current()) {
  if (!condition) throw Error(message, kind, where);
}

}  // namespace manet
