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
  OnDevice<double> gsq(1);
  OnDevice<int> gbad(1);
  cuda::sum_of_squares(gsq.get(), gg.get(), long(g.size()), nullptr);
  cuda::count_non_finite(gbad.get(), gg.get(), long(g.size()), nullptr);
  EXPECT_NEAR(gsq.host(1)[0], sq, 1e-9 * sq);
  EXPECT_EQ(gbad.host(1)[0], 0);
  g[123] = NAN, g[321] = INFINITY;
  OnDevice<float> gg2(g);
  cuda::count_non_finite(gbad.get(), gg2.get(), long(g.size()), nullptr);
  EXPECT_EQ(gbad.host(1)[0], 2);
}

}  // namespace manet
