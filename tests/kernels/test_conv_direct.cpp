// The direct first-layer convolution (conv_direct.hpp) and im2col + GEMM (conv.hpp) against
// the convolution written out in double (naive_conv.hpp), on shapes whose rows end inside a
// vector and on the Fashion-MNIST one; each instruction set's build (kernel_table.hpp).
#include <gtest/gtest.h>

#include <cmath>
#include <vector>

#include "kernels/cpu/conv_direct.hpp"
#include "kernels/cpu/kernel_table.hpp"
#include "kernels/naive_conv.hpp"
#include "kernels/normal_values.hpp"
#include "kernels/per_isa.hpp"

namespace manet::cpu {
namespace {

using manet::testing::normal_values;

void compare(const Kernels<float>& k, int N, int H, int W, int Co, int kh, int kw) {
  SCOPED_TRACE(::testing::Message() << N << "x" << H << "x" << W << " -> " << Co << ", kernel " << kh << "x" << kw);
  ASSERT_TRUE(direct_conv_applies(1, kh, kw, nullptr));
  const long P = long(H) * W, out = long(N) * Co * P;
  const auto x = normal_values(N * P, 1), w = normal_values(long(Co) * kh * kw, 2);
  const auto b = normal_values(Co, 3), dy = normal_values(out, 4);
  std::vector<float> col(long(kh) * kw * N * P), scratch(Co * N * P), y_gemm(out), y(out);
  std::vector<float> xp(k.direct_conv_workspace(N, H, W, kh, kw));
  const manet::testing::NaiveConv naive{N, 1, H, W, Co, kh, kw};
  const std::vector<double> y_ref = naive.forward(x, w, b);
  k.conv_relu_forward(y_gemm.data(), col.data(), scratch.data(), x.data(), nullptr, w.data(), b.data(), N, 1, H, W, Co,
                    kh, kw);
  k.direct_conv_relu_forward(y.data(), xp.data(), x.data(), w.data(), b.data(), N, H, W, Co, kh, kw);
  const double tol = 1e-5 * std::sqrt(double(kh * kw));
  for (long i = 0; i < out; ++i) ASSERT_NEAR(y[i], y_ref[i], tol * (1 + std::abs(y_ref[i]))) << "direct " << i;
  for (long i = 0; i < out; ++i) ASSERT_NEAR(y_gemm[i], y_ref[i], tol * (1 + std::abs(y_ref[i]))) << "im2col " << i;

  const manet::testing::NaiveConv::Grads ref = naive.backward(x, w, y, dy);
  std::vector<float> dw_gemm(w.size(), 0.5f), db_gemm(Co, 0.5f), dw(w.size(), 0.5f), db(Co, 0.5f);  // they accumulate
  std::vector<float> dx_gemm(x.size());
  k.conv_relu_backward(dx_gemm.data(), dw_gemm.data(), db_gemm.data(), col.data(), scratch.data(), dy.data(), y.data(),
                            x.data(), nullptr, w.data(), N, 1, H, W, Co, kh, kw);
  k.direct_conv_relu_backward(dw.data(), db.data(), xp.data(), dy.data(), y.data(), x.data(), N, H, W, Co, kh, kw);
  const double scale = std::sqrt(double(N * P));  // sums of N·P terms of size ~1
  for (std::size_t i = 0; i < dw.size(); ++i) {
    ASSERT_NEAR(dw[i], 0.5 + ref.dw[i], 1e-5 * scale) << "direct dweight " << i;
    ASSERT_NEAR(dw_gemm[i], 0.5 + ref.dw[i], 1e-5 * scale) << "im2col dweight " << i;
  }
  for (int i = 0; i < Co; ++i) {
    ASSERT_NEAR(db[i], 0.5 + ref.db[i], 1e-5 * scale) << "direct dbias " << i;
    ASSERT_NEAR(db_gemm[i], 0.5 + ref.db[i], 1e-5 * scale) << "im2col dbias " << i;
  }
  const double tol_dx = 1e-5 * std::sqrt(double(Co * kh * kw));
  for (std::size_t i = 0; i < dx_gemm.size(); ++i)
    ASSERT_NEAR(dx_gemm[i], ref.dx[i], tol_dx * (1 + std::abs(ref.dx[i]))) << "im2col dinput " << i;
}

using DirectConv = manet::testing::PerIsa;

TEST_P(DirectConv, AndIm2colMatchTheConvolutionWrittenOut) {
  const Kernels<float>& k = kernels();
  compare(k, 64, 28, 28, 32, 3, 3);  // Fashion-MNIST's first layer
  compare(k, 3, 40, 13, 5, 3, 3);    // rows end inside a vector
  compare(k, 2, 7, 5, 4, 5, 5);      // kernel wider than a row's remainder
  compare(k, 2, 6, 17, 3, 1, 5);
  compare(k, 2, 9, 8, 3, 5, 1);
  compare(k, 1, 1, 3, 2, 1, 1);
}

MANET_PER_ISA(DirectConv);

}  // namespace
}  // namespace manet::cpu
