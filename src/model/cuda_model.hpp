#pragma once
// MANet on the GPU (CUDA builds only): the role of Model<float>, with every buffer in GPU
// memory. It builds the host model's ModelGraph (model/model_graph.hpp) through the CUDA
// layer factory, so the layers, their order and the flat parameter layout (one pointer,
// one length, canonical order) are the host's by construction: after an upload the device
// parameters are bit-for-bit the host's, and checkpoints use the host model after a
// download. Inputs are copied in through pinned staging buffers (asynchronous).
#include <memory>
#include <vector>

#include "kernels/cuda/cuda_context.hpp"
#include "kernels/cuda/device_buffer.hpp"
#include "layers/cuda/cuda_layers.hpp"
#include "model/layer_stack.hpp"
#include "model/manet_model.hpp"

namespace manet {

class CudaModel {
 public:
  // Builds the device twin of `host` and uploads its parameters (initialise on the host
  // with Model<float>::init: the same seed gives the same parameters on either device).
  CudaModel(const Model<float>& host, const cuda::CudaContext& cx);

  const ModelSpec& spec() const { return spec_; }
  long num_params() const { return n_; }
  float* values() { return values_.data(); }  // device (n)
  float* grads() { return grads_.data(); }    // device (n)
  const cuda::CudaContext& context() const { return cx_; }

  // Host <-> device copies of the flat parameters (n floats each); download waits.
  void upload_values(const float* host);
  void download_values(float* host) const;

  void zero_grad();
  // `input` on the host (copied in on the stream). Returns the device logits
  // (N, num_classes), valid until the next forward; queued, not waited for.
  const float* forward(const ModelInput<float>& input, const StepContext& ctx);
  // Accumulates parameter gradients from the device dlogits (N, num_classes).
  // grads_final(offset) after each layer, as Model<float>::backward: every gradient at
  // flat offsets >= offset has been queued on the stream (an event recorded then covers it).
  void backward(const float* dlogits, const GradsFinal& grads_final = {});

 private:
  cuda::CudaContext cx_;
  ModelSpec spec_;
  long n_;
  DeviceBuffer<float> values_, grads_;
  cuda::StagedUpload<float> images_;
  std::unique_ptr<CudaEmbeddingLayer> embed_;
  std::unique_ptr<LayerStack<float>> layers_;
};

}  // namespace manet
