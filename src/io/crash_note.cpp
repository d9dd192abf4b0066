#include "io/crash_note.hpp"

#include <unistd.h>

#include <csignal>
#include <cstdio>
#include <cstring>

namespace manet::h5 {

namespace {
char g_crash_note[1024];
struct sigaction g_previous_segv, g_previous_bus;

extern "C" void on_crash_in_hdf5(int sig) {
  [[maybe_unused]] auto n = ::write(STDERR_FILENO, g_crash_note, std::strlen(g_crash_note));
  ::signal(sig, SIG_DFL);
  ::raise(sig);
}
}  // namespace

CrashNote::CrashNote(const std::string& path, FileKind kind) {
  std::snprintf(g_crash_note, sizeof g_crash_note,
                "\nmanet: error: %s: HDF5 crashed reading this file: it is corrupt in a way HDF5 does not check (%s)\n",
                path.c_str(),
                kind == FileKind::checkpoint
                    ? "replace it, or remove it so that an older checkpoint is used"
                    : "this data set file must be written again, e.g. by running manet prepare again or the script "
                      "that made it");
  struct sigaction sa {};
  sa.sa_handler = on_crash_in_hdf5;
  sigemptyset(&sa.sa_mask);
  sigaction(SIGSEGV, &sa, &g_previous_segv);
  sigaction(SIGBUS, &sa, &g_previous_bus);
}

CrashNote::~CrashNote() {
  sigaction(SIGSEGV, &g_previous_segv, nullptr);
  sigaction(SIGBUS, &g_previous_bus, nullptr);
}

}  // namespace manet::h5
