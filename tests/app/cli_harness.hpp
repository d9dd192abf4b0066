#pragma once
// Runs the real `manet` executable and captures what it prints.
#include <sys/wait.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

namespace manet::testing {

struct CommandResult {
  int exit_code = -1;
  std::string output;  // stdout and stderr together
};

inline std::string manet_binary() {
  const char* bin = std::getenv("MANET_BIN");  // to test an installed binary
  return bin ? bin : MANET_BIN_PATH;
}

#ifdef MANET_SOURCE_DIR
// The source tree (its fixtures and configs); MANET_SOURCE_DIR in the environment moves it,
// for test binaries run away from their build (bench/gpu/check.sh).
inline std::string source_dir() {
  const char* dir = std::getenv("MANET_SOURCE_DIR");
  return dir && *dir ? dir : MANET_SOURCE_DIR;
}
#endif

// The command prefix that starts `ranks` processes: nothing for one rank, else the
// project's mpirun wrapper (launch/mpirun.sh). Only in binaries built with MANET_MPIRUN_PATH.
inline std::string launch_prefix(int ranks) {
  if (ranks == 1) return "";
#ifdef MANET_MPIRUN_PATH
  return std::string(MANET_MPIRUN_PATH) + " -np " + std::to_string(ranks) + " ";
#else
  std::abort();  // a multi-rank test in a binary without mpirun
#endif
}

inline CommandResult run_command(const std::string& command) {
  CommandResult r;
  FILE* pipe = popen((command + " 2>&1").c_str(), "r");
  if (!pipe) return r;
  char buf[4096];
  std::size_t n;
  while ((n = fread(buf, 1, sizeof buf, pipe)) > 0) r.output.append(buf, n);
  const int status = pclose(pipe);
  r.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
  return r;
}

inline std::string fresh_dir(const std::string& name) {
  const auto dir = std::filesystem::temp_directory_path() / ("manet_cli_" + std::to_string(::getpid())) / name;
  std::filesystem::remove_all(dir);
  std::filesystem::create_directories(dir);
  return dir.string();
}

inline void write_file(const std::string& path, const std::string& text) { std::ofstream(path) << text; }

// Every line of a command's output that is a JSON object (predict --json, eval --json;
// stderr lines start with "manet:").
inline std::vector<nlohmann::json> json_lines(const std::string& output) {
  std::vector<nlohmann::json> out;
  std::istringstream in(output);
  std::string line;
  while (std::getline(in, line))
    if (!line.empty() && line[0] == '{') out.push_back(nlohmann::json::parse(line));
  return out;
}

}  // namespace manet::testing
