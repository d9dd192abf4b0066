#pragma once
#include <string>

namespace manet {

// Now as ISO 8601 UTC, e.g. 2026-11-25T21:43:00Z (checkpoints' created_utc, run logs).
std::string utc_now();

}  // namespace manet
