// A finite-difference gradient test for every layer (input and parameter gradients).
#include "core/error.hpp"
#include "kernels/cpu/pool.hpp"
#include "layers/activation_layer.hpp"
#include "layers/attention_layer.hpp"
#include "layers/attention_pool_layer.hpp"
#include "layers/conv_layer.hpp"
#include "layers/cross_entropy.hpp"
#include "layers/dropout_layer.hpp"
#include "layers/embedding_layer.hpp"
#include "layers/grad_check.hpp"
#include "layers/linear_layer.hpp"
#include "layers/pool_layer.hpp"

namespace manet::testing {

namespace {
const StepContext kTrain{true, 99, 3, 40};

// (N, P) mask with a few masked positions per sample, never all of them.
std::vector<uint8_t> some_masked(int N, int P) {
  std::vector<uint8_t> m(long(N) * P, 1);
  for (int n = 0; n < N; ++n)
    for (int p = 0; p < P; ++p) m[long(n) * P + p] = (p * 7 + n * 3) % 5 != 1;
  return m;
}
}  // namespace

TEST(Conv, SquareKernel) {
  ConvLayer<double> layer("c", {3, 5, 6}, 4, 3, 3);
  check_layer(layer, 2, {3, 5, 6}, nullptr, kTrain);
  ConvLayer<double> wider("c", {2, 3, 2}, 2, 3, 5);  // kernel wider than the map, no mask
  check_layer(wider, 2, {2, 3, 2}, nullptr, kTrain);
}

TEST(Conv, RectangularKernelWithMask) {
  const auto mask = some_masked(2, 1 * 7);
  ConvLayer<double> layer("c", {3, 1, 7}, 2, 1, 5);
  check_layer(layer, 2, {3, 1, 7}, mask.data(), kTrain, 2);
  ConvLayer<double> tall("c", {2, 5, 3}, 3, 5, 1);
  const auto mask2 = some_masked(2, 15);
  check_layer(tall, 2, {2, 5, 3}, mask2.data(), kTrain, 3);
}

TEST(Conv, OneInputChannelTakesTheDirectPath) {
  // No mask and C_in = 1: forward is conv_direct.hpp; backward with want_dx is conv.hpp
  // and without it conv_direct.hpp, which check_layer's second pass compares.
  for (auto [kh, kw] : {std::pair{3, 3}, {1, 5}, {5, 3}, {1, 1}}) {
    ConvLayer<double> layer("c", {1, 5, 11}, 3, kh, kw);
    check_layer(layer, 2, {1, 5, 11}, nullptr, kTrain, kh * 10 + kw);
  }
}

TEST(Conv, EightChannelsAndMoreTakeWinograd) {
  // 3x3, no mask, C_in and C_out >= 8: forward, the input gradient and the weight and bias
  // gradients are winograd.hpp; even and odd maps (edge tiles half outside).
  for (MapShape in : {MapShape{8, 4, 6}, MapShape{9, 5, 3}}) {
    ConvLayer<double> layer("c", in, 8, 3, 3);
    check_layer(layer, 2, in, nullptr, kTrain, 7);
  }
}

TEST(Conv, MaskedPositionsReadAsZero) {
  // The same input with masked positions changed gives the same output.
  ConvLayer<double> layer("c", {1, 1, 5}, 1, 1, 3);
  std::vector<double> w = {1, 10, 100, 0}, dw(4);
  layer.bind(w.data(), dw.data());
  const std::vector<uint8_t> mask = {1, 0, 1, 1, 0};
  std::vector<double> x = {1, 2, 3, 4, 5};
  const double* y = layer.forward({x.data(), 1, {1, 1, 5}, mask.data()}, kTrain).data;
  // y[t] = ReLU(1*x[t-1] + 10*x[t] + 100*x[t+1]) with masked x = 0.
  const std::vector<double> expected = {10 * 1 + 0, 1 + 0 + 300, 0 + 30 + 400, 3 + 40 + 0, 4 + 0};
  for (int t = 0; t < 5; ++t) EXPECT_DOUBLE_EQ(y[t], expected[t]) << t;
}

TEST(Pool, MaxAndAvgWithFloorAndMask) {
  for (auto kind : {cpu::PoolKind::max, cpu::PoolKind::avg}) {
    PoolLayer<double> plain("b", {2, 5, 7}, kind, 2, 3);
    check_layer(plain, 2, {2, 5, 7}, nullptr, kTrain, 4);
    EXPECT_EQ(plain.output_shape(), (MapShape{2, 2, 2}));
    // A mask with one window (positions 0, 1 of row 0; 7, 8 of row 1 ... ) left empty.
    auto mask = some_masked(2, 35);
    for (int p : {0, 1, 2, 7, 8, 9}) mask[p] = 0;
    PoolLayer<double> masked("b", {2, 5, 7}, kind, 2, 3);
    check_layer(masked, 2, {2, 5, 7}, mask.data(), kTrain, 5);
  }
}

TEST(Pool, TwoByTwoMaxMatchesTheGeneralPathTiesIncluded) {
  // Images' 2x2 max pool has its own branch-free loop; with an all-valid mask the same
  // input goes through the general one. Small integers make ties: both keep the first
  // largest in scan order (a, b on the top row, then the bottom row).
  PoolLayer<double> plain("b", {2, 5, 17}, cpu::PoolKind::max, 2, 2);  // 8 outputs a row: the fast path
  check_layer(plain, 2, {2, 5, 17}, nullptr, kTrain, 6);
  const int N = 3, C = 2, H = 7, W = 17, Po = 3 * 8;
  std::vector<double> x(N * C * H * W);
  for (std::size_t i = 0; i < x.size(); ++i) x[i] = double((i * 7919) % 5);
  x[0] = 2, x[1] = 3, x[17] = 3, x[18] = 1;  // window 0: 3 on both rows
  x[2] = 1, x[3] = 0, x[19] = 1, x[20] = 1;  // window 1: 1 three times
  const std::vector<uint8_t> all(N * H * W, 1);
  std::vector<double> y(N * C * Po), y_ref(N * C * Po);
  std::vector<int32_t> arg(N * C * Po), arg_ref(N * C * Po);
  std::vector<uint8_t> ymask(N * Po);
  cpu::pool_forward<double>(y.data(), nullptr, arg.data(), x.data(), nullptr, cpu::PoolKind::max, N, C, H, W, 2, 2);
  cpu::pool_forward<double>(y_ref.data(), ymask.data(), arg_ref.data(), x.data(), all.data(), cpu::PoolKind::max, N, C,
                            H, W, 2, 2);
  EXPECT_EQ(y, y_ref);
  EXPECT_EQ(arg, arg_ref);
  EXPECT_EQ(arg[0], 1);
  EXPECT_EQ(arg[1], 2);
  // Backward: the 2x2 path writes every dx once (the odd last row and column get 0).
  std::vector<double> dy(N * C * Po), dx(x.size(), 7.0), dx_ref(x.size(), 7.0);
  for (std::size_t i = 0; i < dy.size(); ++i) dy[i] = 1.0 + double(i);
  cpu::pool_backward<double>(dx.data(), dy.data(), arg.data(), nullptr, cpu::PoolKind::max, N, C, H, W, 2, 2);
  cpu::pool_backward<double>(dx_ref.data(), dy.data(), arg_ref.data(), all.data(), cpu::PoolKind::max, N, C, H, W, 2,
                             2);
  EXPECT_EQ(dx, dx_ref);
}

TEST(Pool, ValidOnlyMaxAvgAndEmptyWindowGivesZero) {
  const std::vector<double> x = {-5, 2, -1, -7, 9, 4};  // one sample, 1 channel, 1 x 6, windows of 2
  const std::vector<uint8_t> mask = {1, 0, 1, 1, 0, 0};
  PoolLayer<double> mx("b", {1, 1, 6}, cpu::PoolKind::max, 1, 2), av("b", {1, 1, 6}, cpu::PoolKind::avg, 1, 2);
  const auto ym = mx.forward({x.data(), 1, {1, 1, 6}, mask.data()}, kTrain);
  const auto ya = av.forward({x.data(), 1, {1, 1, 6}, mask.data()}, kTrain);
  EXPECT_EQ(std::vector<double>(ym.data, ym.data + 3), (std::vector<double>{-5, -1, 0}));
  EXPECT_EQ(std::vector<double>(ya.data, ya.data + 3), (std::vector<double>{-5, -4, 0}));
  EXPECT_EQ(std::vector<uint8_t>(ym.mask, ym.mask + 3), (std::vector<uint8_t>{1, 1, 0}));
}

TEST(Pool, AllPositionsDroppedIsAnError) {
  const std::vector<double> x(6, 1.0);
  const std::vector<uint8_t> mask = {0, 0, 0, 0, 0, 1};  // the only valid token is in the dropped tail
  PoolLayer<double> pool("blocks.1", {1, 1, 6}, cpu::PoolKind::max, 1, 4);
  try {
    pool.forward({x.data(), 1, {1, 1, 6}, mask.data()}, kTrain);
    FAIL() << "expected an error";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("no valid position left after the pooling of blocks.1"), std::string::npos)
        << e.what();
  }
}

TEST(Attention, HeadsAndMask) {
  for (int heads : {1, 2, 3}) {
    AttentionLayer<double> plain("a", {6, 3, 4}, heads);
    check_layer(plain, 2, {6, 3, 4}, nullptr, kTrain, 6 + heads);
    const auto mask = some_masked(2, 12);
    AttentionLayer<double> masked("a", {6, 3, 4}, heads);
    check_layer(masked, 2, {6, 3, 4}, mask.data(), kTrain, 10 + heads);
  }
}

TEST(Attention, ZeroGammaIsTheIdentity) {
  AttentionLayer<double> layer("a", {4, 2, 2}, 2);
  std::vector<double> w = random_values(4 * 4 * 3 + 12 + 16 + 4 + 1, 77), dw(w.size());
  w.back() = 0.0;  // gamma
  layer.bind(w.data(), dw.data());
  const std::vector<double> x = random_values(16, 78);
  const auto y = layer.forward({x.data(), 1, {4, 2, 2}, nullptr}, kTrain);
  for (int i = 0; i < 16; ++i) EXPECT_EQ(y.data[i], x[i]);
}

TEST(AttentionPool, WithAndWithoutMask) {
  AttentionPoolLayer<double> plain({5, 3, 4});
  check_layer(plain, 3, {5, 3, 4}, nullptr, kTrain, 20);
  const auto mask = some_masked(3, 12);
  AttentionPoolLayer<double> masked({5, 3, 4});
  check_layer(masked, 3, {5, 3, 4}, mask.data(), kTrain, 21);
}

TEST(Linear, Dense) {
  LinearLayer<double> layer("head.0", 7, 4);
  check_layer(layer, 3, {7, 1, 1}, nullptr, kTrain, 30);
}

TEST(Activation, ReluSigmoidTanh) {
  uint64_t seed = 40;
  for (auto kind : {cpu::ActivationKind::relu, cpu::ActivationKind::sigmoid, cpu::ActivationKind::tanh}) {
    ActivationLayer<double> layer({6, 1, 1}, kind);
    check_layer(layer, 4, {6, 1, 1}, nullptr, kTrain, seed++);
  }
}

TEST(Dropout, GradientAndInvertedScaling) {
  DropoutLayer<double> layer({50, 1, 1}, 0.4, 0);
  check_layer(layer, 4, {50, 1, 1}, nullptr, kTrain, 50);
  const std::vector<double> x(200, 1.0);
  const auto y = layer.forward({x.data(), 4, {50, 1, 1}, nullptr}, kTrain);
  int kept = 0;
  for (int i = 0; i < 200; ++i) {
    ASSERT_TRUE(y.data[i] == 0.0 || std::abs(y.data[i] - 1 / 0.6) < 1e-15) << y.data[i];
    kept += y.data[i] != 0.0;
  }
  EXPECT_NEAR(kept / 200.0, 0.6, 0.12);  // binomial sd 0.035
}

TEST(Dropout, MaskDependsOnGlobalSampleIndexNotOnBatchPosition) {
  DropoutLayer<double> a({64, 1, 1}, 0.5, 1), b({64, 1, 1}, 0.5, 1);
  const std::vector<double> x(3 * 64, 1.0);
  // Batch a holds global samples 10, 11, 12; batch b holds sample 12 alone.
  const auto ya = a.forward({x.data(), 3, {64, 1, 1}, nullptr}, {true, 7, 5, 10});
  const auto yb = b.forward({x.data(), 1, {64, 1, 1}, nullptr}, {true, 7, 5, 12});
  for (int f = 0; f < 64; ++f) EXPECT_EQ(ya.data[2 * 64 + f], yb.data[f]);
  // Another step gives another mask.
  const auto yc = b.forward({x.data(), 1, {64, 1, 1}, nullptr}, {true, 7, 6, 12});
  int differ = 0;
  for (int f = 0; f < 64; ++f) differ += yc.data[f] != ya.data[2 * 64 + f];
  EXPECT_GT(differ, 10);
}

TEST(Dropout, InactiveOutsideTraining) {
  DropoutLayer<double> layer({8, 1, 1}, 0.5, 0);
  const std::vector<double> x = random_values(16, 55);
  const auto y = layer.forward({x.data(), 2, {8, 1, 1}, nullptr}, {false, 7, 5, 0});
  EXPECT_EQ(y.data, x.data());
}

TEST(Embedding, WeightGradientAndPaddingRow) {
  const int V = 9, E = 3, T = 6, N = 2;
  EmbeddingLayer<double> layer(V, E, T);
  std::vector<double> w = random_values(V * E, 60), dw(V * E, 0.0);
  for (int e = 0; e < E; ++e) w[e] = 0;  // row 0 is padding, zero
  layer.bind(w.data(), dw.data());
  const std::vector<int64_t> ids = {3, 1, 8, 3, 0, 0, 5, 2, 0, 7, 7, 0};
  const std::vector<double> R = random_values(N * E * T, 61);
  auto loss = [&] {
    const auto y = layer.forward(ids.data(), N);
    double s = 0;
    for (int i = 0; i < N * E * T; ++i) s += R[i] * y.data[i];
    return s;
  };
  const auto y = layer.forward(ids.data(), N);
  EXPECT_EQ(std::vector<uint8_t>(y.mask, y.mask + N * T), (std::vector<uint8_t>{1, 1, 1, 1, 0, 0, 1, 1, 0, 1, 1, 0}));
  layer.backward(R.data());
  const std::vector<double> analytic = dw;
  for (int e = 0; e < E; ++e) EXPECT_EQ(analytic[e], 0.0);  // padding row never updated
  // Row 0 is fixed: check the trainable rows only.
  EXPECT_GRAD_OK(check_gradient("embed", w.data() + E, analytic.data() + E, (V - 1) * E, loss));
}

TEST(Embedding, RefusesOutOfRangeIdsAndEmptySequences) {
  EmbeddingLayer<double> layer(5, 2, 3);
  std::vector<double> w(10), dw(10);
  layer.bind(w.data(), dw.data());
  const std::vector<int64_t> too_big = {1, 5, 0}, empty = {1, 2, 3, 0, 0, 0};
  EXPECT_THROW(layer.forward(too_big.data(), 1), Error);
  try {
    layer.forward(empty.data(), 2);
    FAIL();
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("sample 1 of the batch has no valid token"), std::string::npos) << e.what();
  }
}

TEST(CrossEntropy, LabelSmoothedMeanLoss) {
  const int N = 3, K = 5;
  const double eps = 0.1;
  CrossEntropy<double> ce(K);
  std::vector<double> logits = random_values(N * K, 70, -2, 2);
  const std::vector<int64_t> labels = {4, 0, 2};
  auto loss = [&] { return ce.forward(logits.data(), labels.data(), N, eps) / N; };
  loss();
  const double* d = ce.backward(1.0 / N);
  const std::vector<double> analytic(d, d + N * K);
  EXPECT_GRAD_OK(check_gradient("logits", logits.data(), analytic.data(), N * K, loss));
  // Closed form for one sample: -sum_k t_k log softmax_k.
  double lse = 0;
  for (int k = 0; k < K; ++k) lse += std::exp(logits[k]);
  lse = std::log(lse);
  double expected = 0;
  for (int k = 0; k < K; ++k) expected -= (eps / K + (k == 4 ? 1 - eps : 0)) * (logits[k] - lse);
  ce.forward(logits.data(), labels.data(), N, eps);
  EXPECT_NEAR(ce.losses()[0], expected, 1e-12);
}

}  // namespace manet::testing
