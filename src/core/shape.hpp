#pragma once
// Shapes of activations. A batch is N maps of C x H x W (row-major, channels first);
// a feature vector is a map of C x 1 x 1, a sequence of length T a map of C x 1 x T.
#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

namespace manet {

struct MapShape {
  int C = 0, H = 1, W = 1;
  int positions() const { return H * W; }
  int size() const { return C * H * W; }
  bool operator==(const MapShape&) const = default;
  std::string str() const { return std::to_string(C) + "x" + std::to_string(H) + "x" + std::to_string(W); }
};

// A read-only view of a batch of maps. `mask` is (N, H*W) with 1 = valid position, or
// nullptr when every position is valid (images).
template <class T>
struct Activations {
  const T* data = nullptr;
  int N = 0;
  MapShape shape;
  const uint8_t* mask = nullptr;
};

// What a layer may need to know about the step besides its input.
struct StepContext {
  bool training = false;
  uint64_t seed = 0;
  int64_t step = 0;          // optimizer steps done before this one
  int64_t first_sample = 0;  // global index of sample 0 of this batch in the step's global batch order
};

// Grow-only buffer helper: steady-state steps never allocate.
template <class V>
void ensure_size(V& buffer, std::size_t n) {
  if (buffer.size() < n) buffer.resize(n);
}

std::string shape_str(const std::vector<int>& shape);

}  // namespace manet
