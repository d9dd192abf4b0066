#pragma once
// The layer interface. A layer owns its output and input-gradient buffers (grown once,
// reused every step) and views into the model's flat parameter and gradient buffers.
// forward() keeps what backward() needs; backward() *accumulates* into the parameter
// gradients and returns the gradient w.r.t. its input (owned by the layer).
// Layers know nothing of MPI, HDF5 or YAML.
#include <cstdint>
#include <string>
#include <vector>

#include "core/shape.hpp"

namespace manet {

enum class InitKind {
  uniform_fan_in,  // U(-1/sqrt(fan_in), 1/sqrt(fan_in))
  normal_row0_zero,  // N(0, 1), row 0 zero (token embedding, padding id 0)
  zero,
};

// One named parameter a layer declares, in canonical order (docs/model.md).
struct ParamSpec {
  std::string name;  // full name, e.g. "blocks.1.attn.qkv.weight"
  std::vector<int> shape;
  InitKind init = InitKind::uniform_fan_in;
  int fan_in = 0;
  long count() const {
    long n = 1;
    for (int s : shape) n *= s;
    return n;
  }
};

template <class T>
class Parameterized {
 public:
  virtual ~Parameterized() = default;
  virtual std::vector<ParamSpec> param_specs() const { return {}; }
  // `values` and `grads` point at this layer's first parameter in the flat buffers; its
  // parameters follow contiguously in the order of param_specs().
  virtual void bind(T* values, T* grads) {}
};

template <class T>
class Layer : public Parameterized<T> {
 public:
  virtual MapShape output_shape() const = 0;
  virtual Activations<T> forward(const Activations<T>& in, const StepContext& ctx) = 0;
  // dy: (N, output_shape). Returns dx (N, input shape), or nullptr when !want_dx.
  virtual const T* backward(const T* dy, bool want_dx) = 0;
};

}  // namespace manet
