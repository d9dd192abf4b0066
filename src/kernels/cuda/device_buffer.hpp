#pragma once
// A grow-only device array (cudaMalloc'd), the GPU twin of a std::vector workspace that
// `ensure_size` grows once and steady-state steps reuse.
#include <cstddef>
#include <vector>

#include "kernels/cuda/cuda_context.hpp"

namespace manet::cuda {

template <class T>
class DeviceBuffer {
 public:
  DeviceBuffer() = default;
  explicit DeviceBuffer(std::size_t n) { ensure(n); }
  ~DeviceBuffer() { cudaFree(data_); }
  DeviceBuffer(const DeviceBuffer&) = delete;
  DeviceBuffer& operator=(const DeviceBuffer&) = delete;
  DeviceBuffer(DeviceBuffer&& o) noexcept : data_(o.data_), size_(o.size_) { o.data_ = nullptr, o.size_ = 0; }

  // Grows to at least n elements (contents are lost when it grows).
  T* ensure(std::size_t n) {
    if (n > size_) {
      cudaFree(data_);
      data_ = nullptr;
      cuda_check(cudaMalloc(reinterpret_cast<void**>(&data_), n * sizeof(T)), "cudaMalloc");
      size_ = n;
    }
    return data_;
  }
  T* data() { return data_; }
  const T* data() const { return data_; }
  std::size_t size() const { return size_; }

  void upload(const T* host, std::size_t n, cudaStream_t stream) {
    ensure(n);
    cuda_check(cudaMemcpyAsync(data_, host, n * sizeof(T), cudaMemcpyHostToDevice, stream), "upload to the GPU");
  }
  void download(T* host, std::size_t n, cudaStream_t stream) const {
    cuda_check(cudaMemcpyAsync(host, data_, n * sizeof(T), cudaMemcpyDeviceToHost, stream), "download from the GPU");
    cuda_check(cudaStreamSynchronize(stream), "download from the GPU");
  }
  std::vector<T> to_host(std::size_t n, cudaStream_t stream) const {
    std::vector<T> out(n);
    download(out.data(), n, stream);
    return out;
  }

 private:
  T* data_ = nullptr;
  std::size_t size_ = 0;
};

}  // namespace manet::cuda
