#include "core/cpu.hpp"

#include <cpuid.h>

#include <cstring>

namespace manet {

namespace {

// XCR0: which register states the OS saves on a context switch. AVX needs XMM|YMM
// (bits 1, 2); AVX-512 also opmask, ZMM_Hi256 and Hi16_ZMM (bits 5-7).
unsigned long long xcr0() {
  unsigned eax = 0, edx = 0;
  __asm__ volatile("xgetbv" : "=a"(eax), "=d"(edx) : "c"(0));
  return (static_cast<unsigned long long>(edx) << 32) | eax;
}

std::string trimmed(const char* s) {
  std::string out(s);
  const auto first = out.find_first_not_of(' ');
  if (first == std::string::npos) return "";
  out = out.substr(first);
  while (!out.empty() && (out.back() == ' ' || out.back() == '\0')) out.pop_back();
  // Collapse runs of spaces (brand strings are padded).
  std::string collapsed;
  for (char c : out)
    if (!(c == ' ' && !collapsed.empty() && collapsed.back() == ' ')) collapsed += c;
  return collapsed;
}

CpuInfo read_cpu() {
  CpuInfo c;
  unsigned a = 0, b = 0, cx = 0, d = 0;
  if (!__get_cpuid(0, &a, &b, &cx, &d)) return c;
  const unsigned max_leaf = a;
  char vendor[13] = {};
  std::memcpy(vendor, &b, 4), std::memcpy(vendor + 4, &d, 4), std::memcpy(vendor + 8, &cx, 4);
  c.vendor = vendor;

  __get_cpuid(1, &a, &b, &cx, &d);
  const int base_family = int((a >> 8) & 0xf), base_model = int((a >> 4) & 0xf);
  c.stepping = int(a & 0xf);
  c.family = base_family == 0xf ? base_family + int((a >> 20) & 0xff) : base_family;
  c.model = (base_family == 0x6 || base_family == 0xf) ? (int((a >> 16) & 0xf) << 4) + base_model : base_model;
  const bool osxsave = cx & (1u << 27);
  const unsigned long long xcr = osxsave ? xcr0() : 0;
  const bool ymm_saved = (xcr & 0x6) == 0x6, zmm_saved = (xcr & 0xe6) == 0xe6;
  c.sse42 = cx & (1u << 20);
  c.avx = (cx & (1u << 28)) && ymm_saved;
  c.fma = (cx & (1u << 12)) && ymm_saved;

  if (max_leaf >= 7) {
    __cpuid_count(7, 0, a, b, cx, d);
    c.avx2 = (b & (1u << 5)) && c.avx;
    const unsigned avx512_set = (1u << 16) | (1u << 17) | (1u << 28) | (1u << 30) | (1u << 31);  // F DQ CD BW VL
    c.avx512 = (b & avx512_set) == avx512_set && zmm_saved;
    c.amx = (d & (1u << 24)) && (d & (1u << 25));  // AMX-BF16, AMX-TILE
    __cpuid_count(7, 1, a, b, cx, d);
    c.avx512_bf16 = (a & (1u << 5)) && c.avx512;
  }

  __get_cpuid(0x80000000, &a, &b, &cx, &d);
  if (a >= 0x80000004) {
    unsigned brand[12];
    for (unsigned i = 0; i < 3; ++i)
      __get_cpuid(0x80000002 + i, &brand[4 * i], &brand[4 * i + 1], &brand[4 * i + 2], &brand[4 * i + 3]);
    char text[49] = {};
    std::memcpy(text, brand, 48);
    c.model_name = trimmed(text);
  }
  return c;
}

}  // namespace

std::string CpuInfo::best_isa() const {
  if (avx512) return "avx512";
  if (avx2) return "avx2";
  if (avx) return "avx";
  if (sse42) return "sse4.2";
  return "sse3";
}

std::string CpuInfo::describe() const {
  std::string features = avx512 ? "AVX-512" : avx2 ? "AVX2" : avx ? "AVX" : "SSE";
  if (avx512_bf16) features += ", BF16";
  if (amx) features += ", AMX";
  return (model_name.empty() ? vendor : model_name) + " (family " + std::to_string(family) + ", model " +
         std::to_string(model) + "; " + features + ")";
}

const CpuInfo& this_cpu() {
  static const CpuInfo cpu = read_cpu();
  return cpu;
}

}  // namespace manet
