#pragma once
// A grow-only device array (cudaMalloc'd), the GPU twin of a std::vector workspace that
// `ensure_size` grows once and steady-state steps reuse; and its host-side partner, a
// grow-only page-locked (pinned) array, from which copies to the device are truly
// asynchronous (from pageable memory the driver stages them through its own buffer first).
#include <algorithm>
#include <atomic>
#include <cstddef>
#include <vector>

#include "kernels/cuda/cuda_context.hpp"

namespace manet::cuda {

// Bytes held by DeviceBuffers now and at most (the model's share of GPU memory; the CUDA
// context and cuBLAS workspaces come on top).
inline std::atomic<std::size_t> device_bytes_now{0}, device_bytes_peak{0};

template <class T>
class DeviceBuffer {
 public:
  DeviceBuffer() = default;
  explicit DeviceBuffer(std::size_t n) { ensure(n); }
  ~DeviceBuffer() { release(); }
  DeviceBuffer(const DeviceBuffer&) = delete;
  DeviceBuffer& operator=(const DeviceBuffer&) = delete;
  DeviceBuffer(DeviceBuffer&& o) noexcept : data_(o.data_), size_(o.size_) { o.data_ = nullptr, o.size_ = 0; }

  // Grows to at least n elements (contents are lost when it grows).
  T* ensure(std::size_t n) {
    if (n > size_) {
      release();
      cuda_check(cudaMalloc(reinterpret_cast<void**>(&data_), n * sizeof(T)), "cudaMalloc");
      size_ = n;
      const std::size_t now = device_bytes_now += n * sizeof(T);
      std::size_t peak = device_bytes_peak.load();
      while (now > peak && !device_bytes_peak.compare_exchange_weak(peak, now)) {
      }
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
  void release() {
    if (!data_) return;
    cudaFree(data_);
    device_bytes_now -= size_ * sizeof(T);
    data_ = nullptr, size_ = 0;
  }
  T* data_ = nullptr;
  std::size_t size_ = 0;
};

// Page-locked host memory (cudaMallocHost), grow-only. The caller must not overwrite it
// while a copy from it is in flight (record an event after the copy and wait on it first).
template <class T>
class PinnedBuffer {
 public:
  PinnedBuffer() = default;
  ~PinnedBuffer() { cudaFreeHost(data_); }
  PinnedBuffer(const PinnedBuffer&) = delete;
  PinnedBuffer& operator=(const PinnedBuffer&) = delete;

  T* ensure(std::size_t n) {
    if (n > size_) {
      cudaFreeHost(data_);
      data_ = nullptr;
      cuda_check(cudaMallocHost(reinterpret_cast<void**>(&data_), n * sizeof(T)), "cudaMallocHost");
      size_ = n;
    }
    return data_;
  }
  T* data() { return data_; }
  const T* data() const { return data_; }

 private:
  T* data_ = nullptr;
  std::size_t size_ = 0;
};

// Host data copied to a device buffer through a pinned staging buffer: the copy is queued
// and the host goes on. The staging buffer is refilled only once its previous copy is done.
template <class T>
class StagedUpload {
 public:
  StagedUpload() { cuda_check(cudaEventCreateWithFlags(&copied_, cudaEventDisableTiming), "cudaEventCreate"); }
  ~StagedUpload() { cudaEventDestroy(copied_); }
  StagedUpload(const StagedUpload&) = delete;
  StagedUpload& operator=(const StagedUpload&) = delete;

  // Queues the copy of host[0, n) on `stream`; returns the device copy.
  T* upload(const T* host, std::size_t n, cudaStream_t stream) {
    cuda_check(cudaEventSynchronize(copied_), "upload to the GPU (the previous copy)");
    std::copy_n(host, n, staging_.ensure(n));
    device_.upload(staging_.data(), n, stream);
    cuda_check(cudaEventRecord(copied_, stream), "upload to the GPU");
    return device_.data();
  }
  T* data() { return device_.data(); }

 private:
  DeviceBuffer<T> device_;
  PinnedBuffer<T> staging_;
  cudaEvent_t copied_ = nullptr;
};

}  // namespace manet::cuda
