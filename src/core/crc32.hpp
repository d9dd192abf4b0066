#pragma once
// zlib's CRC-32: checkpoints' /config, the check that ranks share one config, and the
// cross-rank replica checksums.
#include <cstddef>
#include <cstdint>
#include <string>

namespace manet {

// CRC-32 of a string, or of any bytes continuing from `crc` (for several buffers).
uint32_t crc32_of(const std::string& bytes);
uint32_t crc32_of(const void* data, std::size_t bytes, uint32_t crc = 0);

}  // namespace manet
