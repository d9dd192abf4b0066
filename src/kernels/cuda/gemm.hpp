#pragma once
// Row-major GEMM through cuBLAS (column-major), with the signature of core/blas.hpp so the
// CUDA kernels read like the CPU ones: C = alpha op(A) op(B) + beta C, op(A) is M x K.
// Row-major C = A B is column-major Cᵀ = Bᵀ Aᵀ: swap the operands and M, N.
#include "kernels/cuda/cuda_context.hpp"

namespace manet::cuda {

inline void gemm(const CudaContext& cx, bool trans_a, bool trans_b, int M, int N, int K, float alpha, const float* A,
                 int lda, const float* B, int ldb, float beta, float* C, int ldc) {
  cublas_check(cublasSgemm(cx.blas, trans_b ? CUBLAS_OP_T : CUBLAS_OP_N, trans_a ? CUBLAS_OP_T : CUBLAS_OP_N, N, M, K,
                           &alpha, B, ldb, A, lda, &beta, C, ldc),
               "cublasSgemm");
  sync_check("cublasSgemm", cx.stream);
}

// `batch` GEMMs, matrix i at A + i stride_a (and so on); a stride of 0 shares one matrix.
inline void gemm_batched(const CudaContext& cx, bool trans_a, bool trans_b, int M, int N, int K, float alpha,
                         const float* A, int lda, long long stride_a, const float* B, int ldb, long long stride_b,
                         float beta, float* C, int ldc, long long stride_c, int batch) {
  cublas_check(cublasSgemmStridedBatched(cx.blas, trans_b ? CUBLAS_OP_T : CUBLAS_OP_N,
                                         trans_a ? CUBLAS_OP_T : CUBLAS_OP_N, N, M, K, &alpha, B, ldb, stride_b, A,
                                         lda, stride_a, &beta, C, ldc, stride_c, batch),
               "cublasSgemmStridedBatched");
  sync_check("cublasSgemmStridedBatched", cx.stream);
}

}  // namespace manet::cuda
