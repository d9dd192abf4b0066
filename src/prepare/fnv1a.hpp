#pragma once
// FNV-1a, 32 bits, over bytes: the frozen split rule of the text and speech data sets
// (docs/datasets.md). Check values: "" -> 0x811c9dc5, "a" -> 0xe40c292c.
#include <cstdint>
#include <string_view>

namespace manet::prepare {

constexpr uint32_t fnv1a32(std::string_view bytes) {
  uint32_t h = 0x811c9dc5u;
  for (const char c : bytes) h = (h ^ uint8_t(c)) * 0x01000193u;
  return h;
}

// The text split: h % 10 == 0 -> test, else train.
constexpr bool is_test_text(std::string_view text) { return fnv1a32(text) % 10 == 0; }

}  // namespace manet::prepare
