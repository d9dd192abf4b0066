#include "checkpoint/run_position.hpp"

#include <cstring>
#include <type_traits>

#include "core/error.hpp"

namespace manet {

std::vector<char> RunPosition::to_bytes() const {
  std::vector<char> out;
  auto put = [&](const void* data, std::size_t n) {
    out.insert(out.end(), static_cast<const char*>(data), static_cast<const char*>(data) + n);
  };
  fields(*this, [&](const char*, const char*, const auto& value) {
    if constexpr (std::is_same_v<std::decay_t<decltype(value)>, std::string>) {
      const uint64_t n = value.size();
      put(&n, sizeof n);
      put(value.data(), n);
    } else {
      put(&value, sizeof value);
    }
  });
  const uint64_t records = history.size();
  put(&records, sizeof records);
  static_assert(std::is_trivially_copyable_v<EpochRecord>);
  put(history.data(), history.size() * sizeof(EpochRecord));
  return out;
}

RunPosition RunPosition::from_bytes(const std::vector<char>& bytes) {
  RunPosition p;
  std::size_t at = 0;
  auto get = [&](void* data, std::size_t n) {
    check(at + n <= bytes.size(), "RunPosition::from_bytes: truncated");
    std::memcpy(data, bytes.data() + at, n);
    at += n;
  };
  fields(p, [&](const char*, const char*, auto& value) {
    if constexpr (std::is_same_v<std::decay_t<decltype(value)>, std::string>) {
      uint64_t n = 0;
      get(&n, sizeof n);
      check(at + n <= bytes.size(), "RunPosition::from_bytes: truncated");
      value.assign(bytes.data() + at, n);
      at += n;
    } else {
      get(&value, sizeof value);
    }
  });
  uint64_t records = 0;
  get(&records, sizeof records);
  p.history.resize(records);
  get(p.history.data(), records * sizeof(EpochRecord));
  return p;
}

}  // namespace manet
