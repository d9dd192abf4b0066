#pragma once
// Max or average pooling with window = stride, respecting the key mask.
#include <string>
#include <vector>

#include "core/error.hpp"
#include "kernels/cpu/kernel_types.hpp"
#include "layers/layer.hpp"

namespace manet {

// The error for `emptied` sequences left with no valid position by the pooling of `where`
// (CPU and GPU paths).
Error pooling_emptied_error(int emptied, const std::string& where, MapShape in, int size_h, int size_w);

template <class T>
class PoolLayer : public Layer<T> {
 public:
  PoolLayer(std::string where, MapShape in, cpu::PoolKind kind, int size_h, int size_w);
  MapShape output_shape() const override { return {in_.C, in_.H / sh_, in_.W / sw_}; }
  Activations<T> forward(const Activations<T>& in, const StepContext& ctx) override;
  const T* backward(const T* dy, bool want_dx) override;

 private:
  std::string where_;  // "blocks.1", for error messages
  MapShape in_;
  cpu::PoolKind kind_;
  int sh_, sw_;
  Activations<T> input_;
  std::vector<T> y_;
  std::vector<uint8_t> ymask_;
  std::vector<int32_t> argmax_;
  std::vector<T> dx_;
};

}  // namespace manet
