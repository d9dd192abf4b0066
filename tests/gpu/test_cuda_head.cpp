// The head, the ends and the optimizer steps on the GPU against the CPU: embedding,
// linear, activations, dropout (the same units dropped: exact), cross-entropy with label
// smoothing, SGD and AdamW (the same float operations: exact). Label gpu.
#include "gpu/gpu_test.hpp"
#include "kernels/cpu/activation.hpp"
#include "kernels/cpu/cross_entropy.hpp"
#include "kernels/cpu/dropout.hpp"
#include "kernels/cpu/embedding.hpp"
#include "kernels/cpu/linear.hpp"
#include "kernels/cuda/elementwise.hpp"
#include "kernels/cuda/head.hpp"
#include "kernels/cuda/optimizer.hpp"
#include "optim/clip.hpp"
#include "optim/optimizer.hpp"

namespace manet {

using testing::expect_close;
using testing::OnDevice;
using testing::random_floats;

TEST(CudaHead, LinearForwardBackward) {
  MANET_REQUIRE_GPU();
  const int N = 5, in = 7, out = 4;
  const auto x = random_floats(N * in, 1), w = random_floats(out * in, 2), b = random_floats(out, 3);
  const auto dy = random_floats(N * out, 4);
  std::vector<float> y(N * out), dx(N * in), dw(w.size()), db(out);
  cpu::linear_forward(y.data(), x.data(), w.data(), b.data(), N, in, out);
  cpu::linear_backward(dx.data(), dw.data(), db.data(), dy.data(), x.data(), w.data(), N, in, out);
  cuda::CudaRuntime rt;
  OnDevice<float> gx(x), gw(w), gb(b), gdy(dy), gy(y.size()), gdx(dx.size()), gdw(dw.size()), gdb(out);
  cuda::linear_forward(rt.context(), gy.get(), gx.get(), gw.get(), gb.get(), N, in, out);
  cuda::linear_backward(rt.context(), gdx.get(), gdw.get(), gdb.get(), gdy.get(), gx.get(), gw.get(), N, in, out);
  expect_close(gy.host(y.size()), y, "y");
  expect_close(gdx.host(dx.size()), dx, "dx");
  expect_close(gdw.host(dw.size()), dw, "dweight");
  expect_close(gdb.host(out), db, "dbias");
}

TEST(CudaHead, Activations) {
  MANET_REQUIRE_GPU();
  const long n = 1000;
  const auto x = random_floats(n, 5, 4.0), dy = random_floats(n, 6);
  for (cpu::ActivationKind kind : {cpu::ActivationKind::relu, cpu::ActivationKind::sigmoid, cpu::ActivationKind::tanh}) {
    std::vector<float> y(n), dx(n);
    cpu::activation_forward(y.data(), x.data(), n, kind);
    cpu::activation_backward(dx.data(), dy.data(), y.data(), n, kind);
    OnDevice<float> gx(x), gdy(dy), gy(n), gdx(n);
    cuda::activation_forward(gy.get(), gx.get(), n, kind, nullptr);
    cuda::activation_backward(gdx.get(), gdy.get(), gy.get(), n, kind, nullptr);
    expect_close(gy.host(n), y, "y", 1e-6, 1e-6);
    expect_close(gdx.host(n), dx, "dx", 1e-5, 1e-6);
  }
}

TEST(CudaHead, DropoutDropsTheSameUnits) {
  MANET_REQUIRE_GPU();
  const int N = 9, F = 33;
  const auto x = random_floats(N * F, 7), dy = random_floats(N * F, 8);
  const RandomStream stream(42, RandomPurpose::dropout, 3, 1);
  std::vector<float> y(N * F), keep(N * F), dx(N * F);
  cpu::dropout_forward(y.data(), keep.data(), x.data(), N, F, 0.3, stream, 17);
  cpu::dropout_backward(dx.data(), dy.data(), keep.data(), N * F);
  OnDevice<float> gx(x), gdy(dy), gy(y.size()), gkeep(keep.size()), gdx(dx.size());
  cuda::dropout_forward(gy.get(), gkeep.get(), gx.get(), N, F, 0.3, stream, 17, nullptr);
  cuda::dropout_backward(gdx.get(), gdy.get(), gkeep.get(), N * F, nullptr);
  EXPECT_EQ(gkeep.host(keep.size()), keep) << "Philox on the GPU must give the CPU's bits";
  EXPECT_EQ(gy.host(y.size()), y);
  EXPECT_EQ(gdx.host(dx.size()), dx);
}

TEST(CudaHead, EmbeddingForwardBackward) {
  MANET_REQUIRE_GPU();
  const int N = 3, T = 6, E = 4, V = 9;
  const std::vector<int64_t> ids = {1, 2, 3, 0, 0, 0, 4, 4, 8, 1, 0, 0, 2, 7, 7, 7, 5, 0};
  auto w = random_floats(std::size_t(V) * E, 9);
  std::fill(w.begin(), w.begin() + E, 0.0f);
  const auto dy = random_floats(std::size_t(N) * E * T, 10);
  std::vector<float> y(dy.size()), dw(w.size());
  std::vector<uint8_t> mask(std::size_t(N) * T);
  cpu::embedding_forward(y.data(), mask.data(), ids.data(), w.data(), N, T, E);
  cpu::embedding_backward(dw.data(), dy.data(), ids.data(), N, T, E);
  OnDevice<int64_t> gids(ids);
  OnDevice<float> gw(w), gdy(dy), gy(y.size()), gdw(dw.size());
  OnDevice<uint8_t> gmask(mask.size());
  cuda::embedding_forward(gy.get(), gmask.get(), gids.get(), gw.get(), N, T, E, nullptr);
  cuda::embedding_backward(gdw.get(), gdy.get(), gids.get(), N, T, E, nullptr);
  EXPECT_EQ(gy.host(y.size()), y);
  EXPECT_EQ(gmask.host(mask.size()), mask);
  expect_close(gdw.host(dw.size()), dw, "dweight", 1e-5, 1e-6);
}

TEST(CudaHead, CrossEntropyWithLabelSmoothing) {
  MANET_REQUIRE_GPU();
  const int N = 6, K = 5;
  const auto logits = random_floats(N * K, 11, 3.0);
  const std::vector<int64_t> labels = {0, 4, 2, 2, 1, 3};
  std::vector<float> probs(N * K), losses(N), dlogits(N * K);
  cpu::cross_entropy_forward(probs.data(), losses.data(), logits.data(), labels.data(), N, K, 0.1f);
  cpu::cross_entropy_backward(dlogits.data(), probs.data(), labels.data(), N, K, 0.1f, 0.25f);
  OnDevice<float> glogits(logits), gprobs(probs.size()), glosses(N), gd(dlogits.size());
  OnDevice<int64_t> glabels(labels);
  cuda::cross_entropy_forward(gprobs.get(), glosses.get(), glogits.get(), glabels.get(), N, K, 0.1f, nullptr);
  cuda::cross_entropy_backward(gd.get(), gprobs.get(), glabels.get(), N, K, 0.1f, 0.25f, nullptr);
  expect_close(gprobs.host(probs.size()), probs, "probs", 1e-5, 1e-7);
  expect_close(glosses.host(N), losses, "losses", 1e-5, 1e-6);
  expect_close(gd.host(dlogits.size()), dlogits, "dlogits", 1e-5, 1e-7);
}

// Three steps of each optimizer from the same inputs give the CPU's bits.
TEST(CudaHead, OptimizerStepsMatchTheCpuExactly) {
  MANET_REQUIRE_GPU();
  const long n = 777;
  const auto p0 = random_floats(n, 12), grad = random_floats(n, 13, 0.1);
  OptimizerSpec sgd{.type = "sgd", .lr = 0.05, .momentum = 0.9, .weight_decay = 1e-4, .nesterov = true};
  OptimizerSpec adamw{.type = "adamw", .lr = 1e-3, .weight_decay = 0.01};
  for (const OptimizerSpec& spec : {sgd, adamw}) {
    SCOPED_TRACE(spec.type);
    auto cpu = Optimizer::create(spec, n);
    std::vector<float> p = p0;
    OnDevice<float> gp(p0), ggrad(grad), gslot0(n), gslot1(n);
    for (int step = 1; step <= 3; ++step) {
      const double lr = spec.lr * step;
      cpu->step(p.data(), grad.data(), lr);
      if (spec.type == "sgd")
        cuda::sgd_step(gp.get(), gslot0.get(), ggrad.get(), n, sgd_scalars(spec, lr, step == 1), nullptr);
      else
        cuda::adamw_step(gp.get(), gslot0.get(), gslot1.get(), ggrad.get(), n, adamw_scalars(spec, lr, step), nullptr);
    }
    EXPECT_EQ(gp.host(n), p);
    EXPECT_EQ(gslot0.host(n), *cpu->slots().front().second);
  }
}

TEST(CudaHead, GradientChecks) {
  MANET_REQUIRE_GPU();
  std::vector<float> g = random_floats(500, 14);
  double sq = 0;
  for (float v : g) sq += double(v) * v;
  OnDevice<float> gg(g);
  OnDevice<double> gsq(1), gpartials(cuda::kReduceBlocks);
  OnDevice<int> gbad(1);
  cuda::sum_of_squares(gsq.get(), gpartials.get(), gg.get(), long(g.size()), nullptr);
  cuda::count_non_finite(gbad.get(), gg.get(), long(g.size()), nullptr);
  EXPECT_NEAR(gsq.host(1)[0], sq, 1e-9 * sq);
  EXPECT_EQ(gbad.host(1)[0], 0);
  g[123] = NAN, g[321] = INFINITY;
  OnDevice<float> gg2(g);
  cuda::count_non_finite(gbad.get(), gg2.get(), long(g.size()), nullptr);
  EXPECT_EQ(gbad.host(1)[0], 2);
}

// Every rank clips by the factor its own Σg² gives (no host round trip, no agreement): the
// sum must have the same bits every time for the same gradients. With atomicAdd over
// 512 blocks in no fixed order it would not (the order of the double additions varies).
TEST(CudaHead, SumOfSquaresIsTheSameBitsEveryTime) {
  MANET_REQUIRE_GPU();
  const long n = 3'600'000;  // every one of the 512 blocks adds ~7,000 values
  const auto g = random_floats(std::size_t(n), 15, 0.01);
  double sq = 0;
  for (float v : g) sq += double(v) * v;
  OnDevice<float> gg(g);
  OnDevice<double> gsq(1), gpartials(cuda::kReduceBlocks);
  float gamma_sum_first = 0;
  double first = 0;
  for (int run = 0; run < 20; ++run) {
    cuda::sum_of_squares(gsq.get(), gpartials.get(), gg.get(), n, nullptr);
    const double got = gsq.host(1)[0];
    if (run == 0) first = got;
    ASSERT_EQ(got, first) << "run " << run << " summed in another order";
  }
  EXPECT_NEAR(first, sq, 1e-9 * sq);
  // The gate's gradient (a float dot product) is fixed-order too.
  OnDevice<float> gdot(1), gfpartials(cuda::kReduceBlocks);
  for (int run = 0; run < 10; ++run) {
    cuda::cuda_check(cudaMemset(gdot.get(), 0, sizeof(float)), "reset");
    cuda::dot_accumulate(gdot.get(), gfpartials.get(), gg.get(), gg.get(), n, nullptr);
    const float got = gdot.host(1)[0];
    if (run == 0) gamma_sum_first = got;
    ASSERT_EQ(got, gamma_sum_first) << "run " << run;
  }
  EXPECT_NEAR(gamma_sum_first, sq, 1e-4 * sq);
}

// The clipping factor computed on the device is optim/clip.hpp's, bit for bit, and the
// scaling and the optimizer step are skipped on the device when a gradient is not finite.
TEST(CudaHead, ClippingAndTheSkippedUpdateAreDecidedOnTheDevice) {
  MANET_REQUIRE_GPU();
  const long n = 1000;
  const auto g = random_floats(n, 16);
  OnDevice<float> gg(g);
  OnDevice<double> gsq(1), gpartials(cuda::kReduceBlocks), gfactor(1);
  OnDevice<int> gbad(std::vector<int>{0});
  cuda::sum_of_squares(gsq.get(), gpartials.get(), gg.get(), n, nullptr);
  const double sum_sq = gsq.host(1)[0];
  for (double max_norm : {0.5, 1e6}) {
    SCOPED_TRACE(max_norm);
    cuda::clip_factor_on_device(gfactor.get(), gsq.get(), max_norm, gbad.get(), nullptr);
    const double factor = gfactor.host(1)[0];
    EXPECT_EQ(factor, clip_factor(sum_sq, max_norm));
    OnDevice<float> scaled(g);
    cuda::scale_by_device_factor(scaled.get(), n, gfactor.get(), nullptr);
    std::vector<float> expected(g);
    if (factor < 1.0)
      for (float& v : expected) v = float(v * factor);
    EXPECT_EQ(scaled.host(n), expected);
  }
  // A non-finite count: factor 1, and SGD leaves the parameters as they were.
  OnDevice<int> gskip(std::vector<int>{3});
  cuda::clip_factor_on_device(gfactor.get(), gsq.get(), 0.5, gskip.get(), nullptr);
  EXPECT_EQ(gfactor.host(1)[0], 1.0);
  const auto p0 = random_floats(n, 17);
  OnDevice<float> gp(p0);
  const OptimizerSpec sgd{.type = "sgd", .lr = 0.1};
  cuda::sgd_step(gp.get(), nullptr, gg.get(), n, sgd_scalars(sgd, 0.1, true), nullptr, gskip.get());
  EXPECT_EQ(gp.host(n), p0) << "skipped";
  cuda::sgd_step(gp.get(), nullptr, gg.get(), n, sgd_scalars(sgd, 0.1, true), nullptr, gbad.get());
  EXPECT_NE(gp.host(n), p0) << "not skipped when the count is 0";
}

// The loss of a step is summed on the device in the CPU's order: the same float.
TEST(CudaHead, LossSumInTheCpuOrder) {
  MANET_REQUIRE_GPU();
  const auto losses = random_floats(64, 18, 3.0);
  float total = 0;
  for (float l : losses) total += l;
  OnDevice<float> gl(losses), gsum(1);
  cuda::sum_in_order(gsum.get(), gl.get(), 64, nullptr);
  EXPECT_EQ(gsum.host(1)[0], total);
}

}  // namespace manet
