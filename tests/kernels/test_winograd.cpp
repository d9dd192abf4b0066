// Winograd F(2x2, 3x3) (winograd.hpp) against im2col + GEMM (conv.hpp) in float: the
// forward with bias and ReLU, the input gradient through the adjoint weights, and the
// weight and bias gradients, on even and odd maps; and the blocked transpose it lays
// channels out with.
#include <gtest/gtest.h>

#include <algorithm>
#include <vector>

#include "kernels/cpu/conv.hpp"
#include "kernels/normal_values.hpp"
#include "kernels/cpu/transpose.hpp"
#include "kernels/cpu/winograd.hpp"

namespace manet::cpu {
namespace {

using manet::testing::normal_values;

void compare(int S, int Ci, int Co, int H, int W) {
  SCOPED_TRACE(::testing::Message() << S << "x" << Ci << "x" << H << "x" << W << " -> " << Co);
  ASSERT_TRUE(winograd_applies(Ci, Co, 3, 3, nullptr));
  const long P = long(H) * W;
  const auto x = normal_values(S * Ci * P, 1), w = normal_values(long(Co) * Ci * 9, 2);
  const auto b = normal_values(Co, 3), dy = normal_values(S * Co * P, 4);
  std::vector<float> col(9L * Ci * S * P), scratch(long(Co) * S * P), y_ref(S * Co * P), y(S * Co * P);
  std::vector<float> ws(winograd_workspace(std::max(Ci, Co), std::max(Ci, Co), H, W));
  std::vector<float> M(winograd_products(std::max(Ci, Co), H, W), 0.0f);  // zero, and left zero
  std::vector<float> U(16L * Ci * Co), wt(w.size()), Ut(16L * Ci * Co);
  conv_relu_forward(y_ref.data(), col.data(), scratch.data(), x.data(), nullptr, w.data(), b.data(), S, Ci, H, W, Co,
                    3, 3);
  winograd_weights(U.data(), w.data(), Co, Ci);
  winograd_conv(y.data(), x.data(), static_cast<const float*>(nullptr), U.data(), b.data(), true, S, Ci, Co, H, W,
                ws.data(), M.data());
  EXPECT_EQ(std::count(M.begin(), M.end(), 0.0f), long(M.size()));
  const float tol = 1e-5f * std::sqrt(float(9 * Ci));
  for (long i = 0; i < long(y.size()); ++i) ASSERT_NEAR(y[i], y_ref[i], tol * (1 + std::abs(y_ref[i]))) << i;

  // dx: conv.hpp's backward (col2im of Wᵀ g) against Winograd with the adjoint weights.
  std::vector<float> dx_ref(S * Ci * P), dx(S * Ci * P), dw(w.size()), db(Co);
  conv_relu_backward(dx_ref.data(), dw.data(), db.data(), col.data(), scratch.data(), dy.data(), y_ref.data(),
                     x.data(), nullptr, w.data(), S, Ci, H, W, Co, 3, 3);
  adjoint_weights(wt.data(), w.data(), Co, Ci);
  winograd_weights(Ut.data(), wt.data(), Ci, Co);
  winograd_conv(dx.data(), dy.data(), y.data(), Ut.data(), static_cast<const float*>(nullptr), false, S, Co, Ci, H, W,
                ws.data(), M.data());
  const float tol_dx = 1e-5f * std::sqrt(float(9 * Co));
  for (long i = 0; i < long(dx.size()); ++i) ASSERT_NEAR(dx[i], dx_ref[i], tol_dx * (1 + std::abs(dx_ref[i]))) << i;

  // dweight, dbias (they accumulate onto what is there), 3 samples per GEMM.
  std::vector<float> dw2(w.size(), 0.25f), db2(Co, 0.25f);
  for (float& v : dw) v += 0.25f;
  for (float& v : db) v += 0.25f;
  std::vector<float> gws(winograd_weight_grad_workspace(3, Ci, Co, H, W));
  winograd_weight_grad(dw2.data(), db2.data(), x.data(), dy.data(), y.data(), S, Ci, Co, H, W, 3, gws.data());
  const float tol_w = 1e-5f * std::sqrt(float(S * P));
  for (std::size_t i = 0; i < dw.size(); ++i) ASSERT_NEAR(dw2[i], dw[i], tol_w * (1 + std::abs(dw[i]))) << "dw " << i;
  for (int i = 0; i < Co; ++i) ASSERT_NEAR(db2[i], db[i], tol_w * (1 + std::abs(db[i]))) << "db " << i;
}

TEST(Transpose, BlockedEqualsElementwiseWithAndWithoutGate) {
  for (auto [rows, cols] : {std::pair{8, 8}, {19, 13}, {5, 30}, {64, 196}}) {
    const long lds = cols + 3, ldd = rows + 2;
    const auto src = normal_values(rows * lds, 5), gate = normal_values(rows * lds, 6);
    for (const float* g : {static_cast<const float*>(nullptr), gate.data()}) {
      std::vector<float> dst(cols * ldd, 9.0f), want(cols * ldd, 9.0f);
      transpose(dst.data(), ldd, src.data(), lds, rows, cols, g);
      for (int i = 0; i < rows; ++i)
        for (int j = 0; j < cols; ++j) want[j * ldd + i] = !g || g[i * lds + j] > 0 ? src[i * lds + j] : 0.0f;
      EXPECT_EQ(dst, want) << rows << "x" << cols << (g ? " gated" : "");
    }
  }
}

TEST(Winograd, MatchesIm2colAndGemmForwardAndAllGradients) {
  compare(8, 32, 64, 14, 14);  // the spec example's blocks.2
  compare(3, 64, 128, 7, 7);   // odd: edge tiles half outside the map
  compare(2, 8, 16, 5, 12);
  compare(2, 16, 8, 1, 9);
}

}  // namespace
}  // namespace manet::cpu
