#include "core/blas_core.hpp"

#include <cblas.h>
#include <strings.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>

namespace manet {

namespace {

// Set before the re-exec, read (and cleared) by the new image: the core it replaced and
// where that core came from.
constexpr const char* kFromVariable = "MANET_BLAS_CORE_FROM";
constexpr const char* kKeepVariable = "MANET_KEEP_BLAS_CORE";

bool env_set(const char* name) {
  const char* v = std::getenv(name);
  return v && *v && std::strcmp(v, "0") != 0;
}

struct Upgrade {
  bool read = false;
  std::string from, source;  // "Prescott", "OpenBLAS detected" | "OPENBLAS_CORETYPE"
};

Upgrade& upgrade() {
  static Upgrade u;
  if (!u.read) {
    u.read = true;
    if (const char* v = std::getenv(kFromVariable)) {
      const std::string s = v;
      const auto bar = s.find('|');
      u.from = s.substr(0, bar);
      u.source = bar == std::string::npos ? "" : s.substr(bar + 1);
      unsetenv(kFromVariable);
    }
  }
  return u;
}

std::string isa_words(const CpuInfo& cpu) {
  return cpu.avx512_bf16 ? "AVX-512 with BF16" : cpu.avx512 ? "AVX-512" : cpu.avx2 ? "AVX2" : cpu.avx ? "AVX" : "SSE4.2";
}

}  // namespace

int blas_core_level(const std::string& core) {
  static const struct {
    const char* name;
    int level;
  } table[] = {{"katmai", 1},    {"coppermine", 1},   {"northwood", 1}, {"prescott", 1},     {"banias", 1},
               {"atom", 1},      {"core2", 1},        {"penryn", 1},    {"dunnington", 1},   {"athlon", 1},
               {"opteron", 1},   {"opteron_sse3", 1}, {"barcelona", 1}, {"nano", 1},         {"bobcat", 1},
               {"nehalem", 2},   {"sandybridge", 3},  {"bulldozer", 3}, {"piledriver", 3},   {"steamroller", 3},
               {"excavator", 3}, {"haswell", 4},      {"zen", 4},       {"skylakex", 5},     {"cooperlake", 6},
               {"sapphirerapids", 6}};
  for (const auto& e : table)
    if (strcasecmp(core.c_str(), e.name) == 0) return e.level;
  return 0;
}

int cpu_blas_level(const CpuInfo& cpu) {
  if (cpu.avx512_bf16) return 6;
  if (cpu.avx512) return 5;
  if (cpu.avx2 && cpu.fma) return 4;
  if (cpu.avx) return 3;
  if (cpu.sse42) return 2;
  return 1;
}

std::string blas_core_for(const CpuInfo& cpu) {
  switch (cpu_blas_level(cpu)) {
    case 6: return "Cooperlake";
    case 5: return "SkylakeX";
    case 4: return cpu.amd() ? "Zen" : "Haswell";
    case 3: return "Sandybridge";
    case 2: return "Nehalem";
    default: return "";
  }
}

std::string blas_core() {
  const char* name = openblas_get_corename();
  return name && *name ? name : "unknown";
}

std::string blas_library() {
  const char* config = openblas_get_config();
  if (!config) return "unknown BLAS";
  const std::string s = config;  // "OpenBLAS 0.3.21 NO_LAPACKE DYNAMIC_ARCH ..."
  const auto second_space = s.find(' ', s.find(' ') + 1);
  return s.substr(0, second_space);
}

bool blas_core_switchable() {
  const char* config = openblas_get_config();
  return config && std::strstr(config, "DYNAMIC_ARCH") != nullptr;
}

void use_best_blas_core(char** argv) {
  if (!upgrade().from.empty()) return;  // this is the re-executed image
  if (env_set(kKeepVariable) || !blas_core_switchable()) return;
  const std::string current = blas_core(), wanted = blas_core_for(this_cpu());
  if (wanted.empty() || blas_core_level(current) >= cpu_blas_level(this_cpu())) return;
  // Started as `ld-linux-x86-64.so.2 [options] manet ...` (a bundle carried to an older
  // system, bench/gpu/check.sh): /proc/self/exe is the loader, and re-executing it would
  // lose the loader's options. Run on, and say how to get the faster kernels.
  char exe[4096] = {};
  if (readlink("/proc/self/exe", exe, sizeof exe - 1) > 0) {
    const char* base = std::strrchr(exe, '/') ? std::strrchr(exe, '/') + 1 : exe;
    if (std::strncmp(base, "ld-", 3) == 0 && std::strstr(base, ".so")) {
      std::fprintf(stderr, "manet: warning: started through the dynamic loader (%s), so it cannot restart itself with "
                   "OPENBLAS_CORETYPE=%s; running with OpenBLAS's %s kernels (set OPENBLAS_CORETYPE=%s for the "
                   "faster ones)\n", base, wanted.c_str(), current.c_str(), wanted.c_str());
      return;
    }
  }
  const char* forced = std::getenv("OPENBLAS_CORETYPE");
  const std::string from = current + "|" + (forced && *forced ? "set by OPENBLAS_CORETYPE" : "which OpenBLAS detected");
  setenv(kFromVariable, from.c_str(), 1);
  setenv("OPENBLAS_CORETYPE", wanted.c_str(), 1);
  std::fflush(nullptr);
  execv("/proc/self/exe", argv);
  // Still here: the exec failed. Run on with the weaker kernels, and say so.
  const int err = errno;
  unsetenv(kFromVariable);
  std::fprintf(stderr, "manet: warning: could not restart with OPENBLAS_CORETYPE=%s (%s); running with OpenBLAS's %s "
               "kernels, which are slower on this CPU\n", wanted.c_str(), std::strerror(err), current.c_str());
}

std::string blas_description() {
  const std::string core = blas_core();
  std::string text = blas_library() + ", core " + core;
  const CpuInfo& cpu = this_cpu();
  const Upgrade& u = upgrade();
  const bool upgraded = !u.from.empty() && blas_core_level(core) > blas_core_level(u.from);
  if (upgraded) {
    text += " (upgraded from " + u.from + ", " + u.source + ": this CPU has " + isa_words(cpu) + "; " + kKeepVariable +
            "=1 keeps it)";
  } else if (blas_core_level(core) < cpu_blas_level(cpu)) {
    const std::string why = env_set(kKeepVariable) ? std::string("kept: ") + kKeepVariable + "=1"
                            : !blas_core_switchable() ? "this OpenBLAS is built for one core and cannot switch"
                                                      : "OPENBLAS_CORETYPE=" + blas_core_for(cpu) + " did not take";
    text += " (weaker than this CPU's " + isa_words(cpu) + ": " + why + ")";
  }
  return text;
}

}  // namespace manet
