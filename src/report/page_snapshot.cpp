#include "report/page_snapshot.hpp"

#include <fcntl.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cctype>
#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <thread>
#include <vector>

#include "core/error.hpp"

namespace manet::report {

namespace fs = std::filesystem;

namespace {

// The last `bytes` of a file (a browser's log: the cause is usually at the end).
std::string tail_of(const std::string& path, std::size_t bytes = 1500) {
  std::ifstream in(path);
  std::stringstream ss;
  ss << in.rdbuf();
  const std::string all = ss.str();
  return all.size() > bytes ? "..." + all.substr(all.size() - bytes) : all;
}

// Runs argv in its own process group with stdout and stderr into `log`; its exit status,
// or -1 after killing the group when it outlives `timeout_s`.
int run_with_timeout(const std::vector<std::string>& args, const std::string& log, double timeout_s) {
  std::vector<char*> argv;
  for (const std::string& a : args) argv.push_back(const_cast<char*>(a.c_str()));
  argv.push_back(nullptr);
  const pid_t pid = ::fork();
  if (pid < 0) throw Error("cannot start " + args[0] + ": fork failed");
  if (pid == 0) {
    ::setpgid(0, 0);  // the browser and its helpers, killed together on a timeout
    const int fd = ::open(log.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
    if (fd >= 0) ::dup2(fd, STDOUT_FILENO), ::dup2(fd, STDERR_FILENO);
    const int null = ::open("/dev/null", O_RDONLY);
    if (null >= 0) ::dup2(null, STDIN_FILENO);
    ::execv(argv[0], argv.data());
    ::_exit(127);
  }
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::duration<double>(timeout_s);
  int status = 0;
  while (::waitpid(pid, &status, WNOHANG) == 0) {
    if (std::chrono::steady_clock::now() > deadline) {
      ::kill(-pid, SIGKILL);
      ::waitpid(pid, &status, 0);
      return -1;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  ::kill(-pid, SIGKILL);  // helpers the browser left behind
  return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}

}  // namespace

std::string find_chromium() {
  if (const char* given = std::getenv("MANET_CHROMIUM"); given && *given)
    return ::access(given, X_OK) == 0 ? given : "";
  const char* path = std::getenv("PATH");
  std::stringstream dirs(path ? path : "/usr/bin:/bin");
  std::vector<std::string> entries;
  for (std::string dir; std::getline(dirs, dir, ':');) entries.push_back(dir.empty() ? "." : dir);
  for (const char* name : {"chromium", "chromium-browser", "google-chrome", "google-chrome-stable"})
    for (const std::string& dir : entries) {
      const std::string candidate = dir + "/" + name;
      if (::access(candidate.c_str(), X_OK) == 0) return candidate;
    }
  return "";
}

std::string file_url(const std::string& path) {
  const std::string absolute = fs::absolute(path).lexically_normal().string();
  std::string url = "file://";
  static const char* const hex = "0123456789ABCDEF";
  for (unsigned char c : absolute) {
    if (std::isalnum(c) || c == '/' || c == '-' || c == '_' || c == '.' || c == '~') {
      url += char(c);
    } else {
      url += '%';
      url += hex[c >> 4];
      url += hex[c & 15];
    }
  }
  return url;
}

void render_png(const std::string& html_path, const std::string& png_path, int width, int height, double timeout_s) {
  const std::string browser = find_chromium();
  if (const char* given = std::getenv("MANET_CHROMIUM"); given && *given && browser.empty())
    throw Error("MANET_CHROMIUM=" + std::string(given) + " is not an executable: point it at a Chromium, or unset "
                "it to look for one on PATH",
                ErrorKind::usage);
  if (browser.empty())
    throw Error("--png needs a headless Chromium and none was found on PATH (chromium, chromium-browser, "
                "google-chrome): apt-get install chromium, or set MANET_CHROMIUM to the browser's path",
                ErrorKind::usage);
  std::string scratch = (fs::temp_directory_path() / "manet-report-XXXXXX").string();
  if (!::mkdtemp(scratch.data())) throw Error("cannot create a temporary directory for the browser's profile");
  const std::string png = fs::absolute(png_path).string();
  const std::string log = scratch + "/browser.log";
  std::vector<std::string> args = {browser,
                                   "--headless",
                                   "--disable-gpu",
                                   "--hide-scrollbars",
                                   "--force-device-scale-factor=1",
                                   "--no-first-run",
                                   "--no-default-browser-check",
                                   "--disable-extensions",
                                   "--disable-background-networking",
                                   "--disable-component-update",
                                   "--disable-dev-shm-usage",
                                   "--user-data-dir=" + scratch + "/profile",
                                   "--window-size=" + std::to_string(width) + "," + std::to_string(height),
                                   "--screenshot=" + png};
  if (::geteuid() == 0) args.push_back("--no-sandbox");  // Chromium refuses to run as root with its sandbox
  args.push_back(file_url(html_path));
  std::error_code ec;
  fs::remove(png, ec);
  const int status = run_with_timeout(args, log, timeout_s);
  const std::string output = tail_of(log);
  fs::remove_all(scratch, ec);
  if (status != 0 || !fs::exists(png, ec) || fs::file_size(png, ec) == 0)
    throw Error(browser + (status < 0 ? " took over " + std::to_string(int(timeout_s)) + " s" :
                           " exited with status " + std::to_string(status)) +
                " without writing " + png + "; its output ends:\n" + output);
}

}  // namespace manet::report
