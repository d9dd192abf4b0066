#pragma once
// What every CUDA kernel launcher needs: the stream it runs on and a cuBLAS handle bound
// to that stream. Plain C++ (no nvcc needed): the model, the tests and the NCCL backend
// include it. Return codes are checked by helpers that throw manet::Error with file:line.
#include <cublas_v2.h>
#include <cuda_runtime.h>

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

// After a kernel launch: a bad configuration shows here, an execution error at the next sync.
inline void check_launch(const char* what, SourceLocation where = SourceLocation::current()) {
  cuda_check(cudaGetLastError(), what, where);
}

struct CudaContext {
  cudaStream_t stream = nullptr;
  cublasHandle_t blas = nullptr;
};

// Owns a stream and a cuBLAS handle on it.
class CudaRuntime {
 public:
  CudaRuntime() {
    cuda_check(cudaStreamCreateWithFlags(&cx_.stream, cudaStreamNonBlocking), "cudaStreamCreate");
    cublas_check(cublasCreate(&cx_.blas), "cublasCreate");
    cublas_check(cublasSetStream(cx_.blas, cx_.stream), "cublasSetStream");
    // Plain FP32 GEMMs (no TF32): results comparable with the CPU kernels.
    cublas_check(cublasSetMathMode(cx_.blas, CUBLAS_DEFAULT_MATH), "cublasSetMathMode");
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
