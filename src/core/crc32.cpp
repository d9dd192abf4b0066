#include "core/crc32.hpp"

#include <zlib.h>

#include <algorithm>

namespace manet {

uint32_t crc32_of(const void* data, std::size_t bytes, uint32_t crc) {
  const auto* p = static_cast<const Bytef*>(data);
  while (bytes > 0) {  // zlib takes a uInt length
    const uInt n = uInt(std::min<std::size_t>(bytes, 1u << 30));
    crc = uint32_t(crc32(crc, p, n));
    p += n, bytes -= n;
  }
  return crc;
}

uint32_t crc32_of(const std::string& bytes) { return crc32_of(bytes.data(), bytes.size()); }

}  // namespace manet
