// libFuzzer target: the config loader. Any input must either parse or be refused with a
// manet::Error (a usage error naming the key); anything else - a crash, a sanitizer
// report, another exception type escaping - is a bug.
#include <cstddef>
#include <cstdint>
#include <string>

#include "config/config.hpp"
#include "core/error.hpp"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string text(reinterpret_cast<const char*>(data), size);
  try {
    const manet::Config c = manet::parse_config(text, "fuzz.yaml");
    // What parses must also round-trip through the resolved YAML.
    (void)manet::parse_config(manet::to_yaml(c), "resolved.yaml");
  } catch (const manet::Error&) {
  }
  return 0;
}
