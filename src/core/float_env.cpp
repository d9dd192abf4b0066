#include "core/float_env.hpp"

#include <pmmintrin.h>
#include <xmmintrin.h>

#include <cstdlib>
#include <cstring>

namespace manet {

bool flush_subnormals_here() {
  const char* keep = std::getenv("MANET_KEEP_SUBNORMALS");
  if (!(keep && *keep && std::strcmp(keep, "0") != 0)) {
    _MM_SET_FLUSH_ZERO_MODE(_MM_FLUSH_ZERO_ON);
    _MM_SET_DENORMALS_ZERO_MODE(_MM_DENORMALS_ZERO_ON);
  }
  return subnormals_flushed();
}

bool subnormals_flushed() {
  return _MM_GET_FLUSH_ZERO_MODE() == _MM_FLUSH_ZERO_ON && _MM_GET_DENORMALS_ZERO_MODE() == _MM_DENORMALS_ZERO_ON;
}

}  // namespace manet
