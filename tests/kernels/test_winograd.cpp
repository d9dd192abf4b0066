// Winograd F(2x2, 3x3) (winograd.hpp) and im2col + GEMM (conv.hpp) against the convolution
// written out in double (naive_conv.hpp): the forward with bias and ReLU, the input gradient
// (Winograd's through the adjoint weights), and the weight and bias gradients, on even and
// odd maps; and the blocked transpose Winograd lays channels out with. Each instruction
// set's build of them (kernel_table.hpp); the weight transforms have only the baseline's.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <vector>

#include "kernels/cpu/kernel_table.hpp"
#include "kernels/cpu/winograd.hpp"
#include "kernels/naive_conv.hpp"
#include "kernels/normal_values.hpp"
#include "kernels/per_isa.hpp"

namespace manet::cpu {
namespace {

using manet::testing::normal_values;

void compare(const Kernels<float>& k, int S, int Ci, int Co, int H, int W) {
  SCOPED_TRACE(::testing::Message() << S << "x" << Ci << "x" << H << "x" << W << " -> " << Co);
  ASSERT_TRUE(winograd_applies(Ci, Co, 3, 3, nullptr));
  const long P = long(H) * W;
  const auto x = normal_values(S * Ci * P, 1), w = normal_values(long(Co) * Ci * 9, 2);
  const auto b = normal_values(Co, 3), dy = normal_values(S * Co * P, 4);
  std::vector<float> col(9L * Ci * S * P), scratch(long(Co) * S * P), y_gemm(S * Co * P), y(S * Co * P);
  std::vector<float> ws(winograd_workspace(std::max(Ci, Co), std::max(Ci, Co), H, W));
  std::vector<float> M(winograd_products(std::max(Ci, Co), H, W), 0.0f);  // zero, and left zero
  std::vector<float> U(16L * Ci * Co), wt(w.size()), Ut(16L * Ci * Co);
  const manet::testing::NaiveConv naive{S, Ci, H, W, Co, 3, 3};
  const std::vector<double> y_ref = naive.forward(x, w, b);
  k.conv_relu_forward(y_gemm.data(), col.data(), scratch.data(), x.data(), nullptr, w.data(), b.data(), S, Ci, H, W, Co,
                    3, 3);
  winograd_weights(U.data(), w.data(), Co, Ci);
  k.winograd_conv(y.data(), x.data(), nullptr, U.data(), b.data(), true, S, Ci, Co, H, W,
                ws.data(), M.data());
  EXPECT_EQ(std::count(M.begin(), M.end(), 0.0f), long(M.size()));
  const double tol = 1e-5 * std::sqrt(double(9 * Ci));
  for (long i = 0; i < long(y.size()); ++i) ASSERT_NEAR(y[i], y_ref[i], tol * (1 + std::abs(y_ref[i]))) << "winograd " << i;
  for (long i = 0; i < long(y.size()); ++i) ASSERT_NEAR(y_gemm[i], y_ref[i], tol * (1 + std::abs(y_ref[i]))) << "im2col " << i;

  // dx: Winograd with the adjoint weights and conv.hpp's backward (col2im of Wᵀ g).
  const manet::testing::NaiveConv::Grads ref = naive.backward(x, w, y, dy);
  std::vector<float> dx_gemm(S * Ci * P), dx(S * Ci * P), dw(w.size(), 0.25f), db(Co, 0.25f);
  k.conv_relu_backward(dx_gemm.data(), dw.data(), db.data(), col.data(), scratch.data(), dy.data(), y.data(),
                     x.data(), nullptr, w.data(), S, Ci, H, W, Co, 3, 3);
  adjoint_weights(wt.data(), w.data(), Co, Ci);
  winograd_weights(Ut.data(), wt.data(), Ci, Co);
  k.winograd_conv(dx.data(), dy.data(), y.data(), Ut.data(), nullptr, false, S, Co, Ci, H, W,
                ws.data(), M.data());
  const double tol_dx = 1e-5 * std::sqrt(double(9 * Co));
  for (long i = 0; i < long(dx.size()); ++i) {
    ASSERT_NEAR(dx[i], ref.dx[i], tol_dx * (1 + std::abs(ref.dx[i]))) << "winograd dinput " << i;
    ASSERT_NEAR(dx_gemm[i], ref.dx[i], tol_dx * (1 + std::abs(ref.dx[i]))) << "im2col dinput " << i;
  }

  // dweight, dbias (they accumulate onto what is there), 3 samples per GEMM.
  std::vector<float> dw2(w.size(), 0.25f), db2(Co, 0.25f);
  std::vector<float> gws(winograd_weight_grad_workspace(3, Ci, Co, H, W));
  k.winograd_weight_grad(dw2.data(), db2.data(), x.data(), dy.data(), y.data(), S, Ci, Co, H, W, 3, gws.data());
  const double tol_w = 1e-5 * std::sqrt(double(S * P));
  for (std::size_t i = 0; i < dw.size(); ++i) {
    const double want = 0.25 + ref.dw[i];
    ASSERT_NEAR(dw2[i], want, tol_w * (1 + std::abs(want))) << "winograd dw " << i;
    ASSERT_NEAR(dw[i], want, tol_w * (1 + std::abs(want))) << "im2col dw " << i;
  }
  for (int i = 0; i < Co; ++i) {
    const double want = 0.25 + ref.db[i];
    ASSERT_NEAR(db2[i], want, tol_w * (1 + std::abs(want))) << "winograd db " << i;
    ASSERT_NEAR(db[i], want, tol_w * (1 + std::abs(want))) << "im2col db " << i;
  }
}

using Transpose = manet::testing::PerIsa;

TEST_P(Transpose, BlockedEqualsElementwiseWithAndWithoutGate) {
  for (auto [rows, cols] : {std::pair{8, 8}, {19, 13}, {5, 30}, {64, 196}}) {
    const long lds = cols + 3, ldd = rows + 2;
    const auto src = normal_values(rows * lds, 5), gate = normal_values(rows * lds, 6);
    for (const float* g : {static_cast<const float*>(nullptr), gate.data()}) {
      std::vector<float> dst(cols * ldd, 9.0f), want(cols * ldd, 9.0f);
      kernels().transpose(dst.data(), ldd, src.data(), lds, rows, cols, g);
      for (int i = 0; i < rows; ++i)
        for (int j = 0; j < cols; ++j) want[j * ldd + i] = !g || g[i * lds + j] > 0 ? src[i * lds + j] : 0.0f;
      EXPECT_EQ(dst, want) << rows << "x" << cols << (g ? " gated" : "");
    }
  }
}

using Winograd = manet::testing::PerIsa;

TEST_P(Winograd, AndIm2colMatchTheConvolutionWrittenOutForwardAndAllGradients) {
  const Kernels<float>& k = kernels();
  compare(k, 8, 32, 64, 14, 14);  // the spec example's blocks.2
  compare(k, 3, 64, 128, 7, 7);   // odd: edge tiles half outside the map
  compare(k, 2, 8, 16, 5, 12);
  compare(k, 2, 16, 8, 1, 9);
}

MANET_PER_ISA(Transpose);
MANET_PER_ISA(Winograd);

}  // namespace
}  // namespace manet::cpu
