#pragma once
// What every CUDA kernel launcher needs: the stream it runs on and a cuBLAS handle bound
// to that stream. Plain C++ (no nvcc needed): the model, the tests and the NCCL backend
// include it. Return codes are checked by helpers that throw manet::Error with file:line.
#include <cublas_v2.h>
#include <cuda_runtime.h>

#include <cstdlib>
#include <string>

#include "core/error.hpp"

namespace manet::cuda {

inline void cuda_check(cudaError_t status, const char* what, SourceLocation where = SourceLocation::current()) {
  if (status != cudaSuccess)
    throw Error(std::string("CUDA error in ") + what + ": " + cudaGetErrorName(status) + " (" +
                    cudaGetErrorString(status) + ")",
                ErrorKind::runtime, where);
}

inline void cublas_check(cublasStatus_t status, const char* what, SourceLocation where = SourceLocation::current()) {
  if (status != CUBLAS_STATUS_SUCCESS)
    throw Error(std::string("cuBLAS error in ") + what + ": status " + std::to_string(int(status)), ErrorKind::runtime,
                where);
}

// MANET_CUDA_SYNC=1 (any value but 0): wait for the device after every kernel and cuBLAS
// call and check it, so a fault is reported under the name of the kernel that made it
// rather than the next synchronisation's. Slow; for debugging and the device check
// (bench/gpu/check.sh runs the GPU tests and compute-sanitizer with it).
inline bool sync_every_kernel() {
  static const bool on = [] {
    const char* v = std::getenv("MANET_CUDA_SYNC");
    return v && *v && std::string(v) != "0";
  }();
  return on;
}

// In MANET_CUDA_SYNC mode: waits for `stream` (the whole device for the legacy stream 0)
// and names `what` in the error. Otherwise nothing.
inline void sync_check(const char* what, cudaStream_t stream, SourceLocation where = SourceLocation::current()) {
  if (!sync_every_kernel()) return;
  const cudaError_t status = stream ? cudaStreamSynchronize(stream) : cudaDeviceSynchronize();
  if (status != cudaSuccess)
    throw Error(std::string("CUDA error in ") + what + " (MANET_CUDA_SYNC: found right after it ran): " +
                    cudaGetErrorName(status) + " (" + cudaGetErrorString(status) + ")",
                ErrorKind::runtime, where);
}

// After a kernel launch on `stream`: a bad configuration shows here, an execution error at
// the next sync (or here, with MANET_CUDA_SYNC).
inline void check_launch(const char* what, cudaStream_t stream, SourceLocation where = SourceLocation::current()) {
  cuda_check(cudaGetLastError(), what, where);
  sync_check(what, stream, where);
}

struct CudaContext {
  cudaStream_t stream = nullptr;
  cublasHandle_t blas = nullptr;
};

// Owns a stream and a cuBLAS handle on it.
class CudaRuntime {
 public:
  // `tf32` (train.tf32): cuBLAS may use TF32 tensor cores for FP32 GEMMs. Off by default:
  // plain FP32 GEMMs, results comparable with the CPU kernels.
  explicit CudaRuntime(bool tf32 = false) {
    cuda_check(cudaStreamCreateWithFlags(&cx_.stream, cudaStreamNonBlocking), "cudaStreamCreate");
    cublas_check(cublasCreate(&cx_.blas), "cublasCreate");
    cublas_check(cublasSetStream(cx_.blas, cx_.stream), "cublasSetStream");
    cublas_check(cublasSetMathMode(cx_.blas, tf32 ? CUBLAS_TF32_TENSOR_OP_MATH : CUBLAS_DEFAULT_MATH),
                 "cublasSetMathMode");
  }
  ~CudaRuntime() {
    cublasDestroy(cx_.blas);
    cudaStreamDestroy(cx_.stream);
  }
  CudaRuntime(const CudaRuntime&) = delete;
  CudaRuntime& operator=(const CudaRuntime&) = delete;
  const CudaContext& context() const { return cx_; }
  void synchronize() const { cuda_check(cudaStreamSynchronize(cx_.stream), "cudaStreamSynchronize"); }

 private:
  CudaContext cx_;
};

}  // namespace manet::cuda
