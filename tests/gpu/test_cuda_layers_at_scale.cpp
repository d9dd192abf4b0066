// The CUDA layer kernels at the shapes training uses (label gpu; SKIPPED without a device):
// batch 8, the spec example's maps (28x28 and 14x14, P = 196 attention positions with 32
// and 64 channels, P = 49 for the head's attention pooling) and P = 272 positions, where
// a softmax row spans several warps (block_max_all / block_sum_all over 8 warps). Forward
// and backward, against the CPU kernels run in float and in double (gpu_test.hpp:
// expect_as_accurate), with and without key masks.
#include "gpu/gpu_test.hpp"
#include "kernels/cpu/attention.hpp"
#include "kernels/cpu/attention_pool.hpp"
#include "kernels/cpu/conv.hpp"
#include "kernels/cpu/pool.hpp"
#include "kernels/cuda/attention.hpp"
#include "kernels/cuda/conv.hpp"
#include "kernels/cuda/elementwise.hpp"
#include "kernels/cuda/head.hpp"
#include "kernels/cuda/pool.hpp"

namespace manet {

using testing::cast_to;
using testing::expect_as_accurate;
using testing::OnDevice;
using testing::random_floats;
using testing::random_mask;

namespace {

struct AttentionShape {
  const char* name;
  int N, C, H, W, heads;
  bool masked;
};
void PrintTo(const AttentionShape& s, std::ostream* os) { *os << s.name; }

// Attention forward + backward on the CPU in T: y, o, dx, dwqkv, dbqkv, dwproj, dbproj, dgamma.
template <class T>
std::vector<std::vector<T>> cpu_attention(const AttentionShape& s, const std::vector<float>& x32,
                                          const std::vector<float>& wqkv32, const std::vector<float>& bqkv32,
                                          const std::vector<float>& wproj32, const std::vector<float>& bproj32,
                                          float gamma, const std::vector<float>& dy32, const uint8_t* mask) {
  const int P = s.H * s.W, C = s.C;
  const long CP = long(C) * P, NCP = s.N * CP;
  const auto x = cast_to<T>(x32), wqkv = cast_to<T>(wqkv32), bqkv = cast_to<T>(bqkv32);
  const auto wproj = cast_to<T>(wproj32), bproj = cast_to<T>(bproj32), dy = cast_to<T>(dy32);
  std::vector<T> y(NCP), qkv(3 * NCP), o(NCP), z(NCP), lse(std::size_t(s.N) * s.heads * P);
  const long head = cpu::HeadScratch<T>::size(C / s.heads, P);
  std::vector<T> ws(head + 3 * CP + 2 * CP);
  cpu::attention_forward(y.data(), qkv.data(), o.data(), z.data(), lse.data(), ws.data(), x.data(), mask, wqkv.data(),
                         bqkv.data(), wproj.data(), bproj.data(), T(gamma), s.N, C, P, s.heads);
  std::vector<T> dx(NCP), dwqkv(wqkv.size()), dbqkv(bqkv.size()), dwproj(wproj.size()), dbproj(C), dgamma(1);
  const cpu::AttentionScratch<T> scratch{ws.data(), ws.data() + head, ws.data() + head + CP, ws.data() + head + 2 * CP};
  cpu::attention_backward(dx.data(), dwqkv.data(), dbqkv.data(), dwproj.data(), dbproj.data(), dgamma.data(), scratch,
                          dy.data(), x.data(), mask, qkv.data(), lse.data(), o.data(), z.data(), wqkv.data(),
                          wproj.data(), T(gamma), s.N, C, P, s.heads);
  return {y, o, dx, dwqkv, dbqkv, dwproj, dbproj, dgamma};
}

}  // namespace

class CudaAttentionAtScale : public ::testing::TestWithParam<AttentionShape> {};

TEST_P(CudaAttentionAtScale, ForwardAndBackwardAsAccurateAsTheCpu) {
  MANET_REQUIRE_GPU();
  const AttentionShape s = GetParam();
  const int P = s.H * s.W, C = s.C;
  const long CP = long(C) * P, NCP = s.N * CP, PP = long(P) * P;
  const float bound = 1.0f / std::sqrt(float(C));  // the layer's own initialisation scale
  const auto x = random_floats(NCP, 41), wqkv = random_floats(3 * C * C, 42, bound);
  const auto bqkv = random_floats(3 * C, 43, bound), wproj = random_floats(C * C, 44, bound);
  const auto bproj = random_floats(C, 45, bound), dy = random_floats(NCP, 46);
  const float gamma = 0.7f;
  const auto mask = s.masked ? random_mask(s.N, P, 47) : std::vector<uint8_t>();
  const uint8_t* m = mask.empty() ? nullptr : mask.data();
  const auto f = cpu_attention<float>(s, x, wqkv, bqkv, wproj, bproj, gamma, dy, m);
  const auto d = cpu_attention<double>(s, x, wqkv, bqkv, wproj, bproj, gamma, dy, m);

  cuda::CudaRuntime rt;
  OnDevice<float> gx(x), gwqkv(wqkv), gbqkv(bqkv), gwproj(wproj), gbproj(bproj), ggamma(std::vector<float>{gamma});
  OnDevice<float> gy(NCP), gqkv(3 * NCP), gatt(std::size_t(s.N) * s.heads * PP), go(NCP), gz(NCP), gdy(dy);
  OnDevice<float> gdx(NCP), gdwqkv(wqkv.size()), gdbqkv(bqkv.size()), gdwproj(wproj.size()), gdbproj(C), gdgamma(1);
  OnDevice<float> gdz(NCP), gdO(NCP), gdqkv(3 * NCP), gdatt(gatt.buffer.size()), grows(3 * NCP), grows_x(NCP);
  OnDevice<float> gpartials(cuda::kReduceBlocks);
  OnDevice<uint8_t> gm(mask);
  const uint8_t* dm = mask.empty() ? nullptr : gm.get();
  const cuda::AttentionSaved saved{gqkv.get(), gatt.get(), go.get(), gz.get()};
  cuda::attention_forward(rt.context(), gy.get(), saved, gx.get(), dm, gwqkv.get(), gbqkv.get(), gwproj.get(),
                          gbproj.get(), ggamma.get(), s.N, C, P, s.heads);
  cuda::attention_backward(rt.context(), gdx.get(), gdwqkv.get(), gdbqkv.get(), gdwproj.get(), gdbproj.get(),
                           gdgamma.get(),
                           {gdz.get(), gdO.get(), gdqkv.get(), gdatt.get(), grows.get(), grows_x.get(), gpartials.get()},
                           gdy.get(), gx.get(), dm, saved, gwqkv.get(), gwproj.get(), ggamma.get(), s.N, C, P, s.heads);
  const char* names[] = {"y", "O", "dx", "dWqkv", "dbqkv", "dWproj", "dbproj", "dgamma"};
  OnDevice<float>* gpu[] = {&gy, &go, &gdx, &gdwqkv, &gdbqkv, &gdwproj, &gdbproj, &gdgamma};
  for (int i = 0; i < 8; ++i) expect_as_accurate(gpu[i]->host(f[i].size()), f[i], d[i], names[i]);
}

INSTANTIATE_TEST_SUITE_P(
    Shapes, CudaAttentionAtScale,
    ::testing::Values(AttentionShape{"spec_pool_attention_P196_C32", 8, 32, 14, 14, 4, false},
                      AttentionShape{"spec_conv_attention_P196_C64", 8, 64, 14, 14, 4, false},
                      AttentionShape{"spec_P196_C64_masked", 8, 64, 14, 14, 4, true},
                      AttentionShape{"multiwarp_P272_C16", 8, 16, 16, 17, 2, false},
                      AttentionShape{"multiwarp_P272_C16_masked", 8, 16, 16, 17, 2, true}),
    [](const auto& info) { return std::string(info.param.name); });

namespace {

struct ConvShape {
  const char* name;
  int N, Ci, H, W, Co, k;
  bool masked;
};
void PrintTo(const ConvShape& s, std::ostream* os) { *os << s.name; }

template <class T>
std::vector<std::vector<T>> cpu_conv(const ConvShape& s, const std::vector<float>& x32, const std::vector<float>& w32,
                                     const std::vector<float>& b32, const std::vector<float>& dy32,
                                     const uint8_t* mask) {
  const int P = s.H * s.W, K = s.Ci * s.k * s.k;
  const auto x = cast_to<T>(x32), w = cast_to<T>(w32), b = cast_to<T>(b32), dy = cast_to<T>(dy32);
  std::vector<T> y(std::size_t(s.N) * s.Co * P), col(std::size_t(K) * s.N * P), scratch(std::size_t(s.Co) * s.N * P);
  std::vector<T> dx(x.size()), dw(w.size()), db(s.Co);
  cpu::conv_relu_forward(y.data(), col.data(), scratch.data(), x.data(), mask, w.data(), b.data(), s.N, s.Ci, s.H, s.W,
                         s.Co, s.k, s.k);
  cpu::conv_relu_backward(dx.data(), dw.data(), db.data(), col.data(), scratch.data(), dy.data(), y.data(), x.data(),
                          mask, w.data(), s.N, s.Ci, s.H, s.W, s.Co, s.k, s.k);
  return {y, dx, dw, db};
}

}  // namespace

class CudaConvAtScale : public ::testing::TestWithParam<ConvShape> {};

TEST_P(CudaConvAtScale, ForwardAndBackwardAsAccurateAsTheCpu) {
  MANET_REQUIRE_GPU();
  const ConvShape s = GetParam();
  const int P = s.H * s.W, K = s.Ci * s.k * s.k;
  const auto x = random_floats(std::size_t(s.N) * s.Ci * P, 51);
  const auto w = random_floats(std::size_t(s.Co) * K, 52, 1.0 / std::sqrt(double(K)));
  const auto b = random_floats(s.Co, 53, 0.1), dy = random_floats(std::size_t(s.N) * s.Co * P, 54);
  const auto mask = s.masked ? random_mask(s.N, P, 55) : std::vector<uint8_t>();
  const uint8_t* m = mask.empty() ? nullptr : mask.data();
  const auto f = cpu_conv<float>(s, x, w, b, dy, m);
  const auto d = cpu_conv<double>(s, x, w, b, dy, m);
  cuda::CudaRuntime rt;
  OnDevice<float> gx(x), gw(w), gb(b), gdy(dy), gy(f[0].size()), gcol(std::size_t(K) * s.N * P);
  OnDevice<float> gscratch(std::size_t(s.Co) * s.N * P), gdx(x.size()), gdw(w.size()), gdb(s.Co);
  OnDevice<uint8_t> gm(mask);
  const uint8_t* dm = mask.empty() ? nullptr : gm.get();
  cuda::conv_relu_forward(rt.context(), gy.get(), gcol.get(), gscratch.get(), gx.get(), dm, gw.get(), gb.get(), s.N,
                          s.Ci, s.H, s.W, s.Co, s.k, s.k);
  cuda::conv_relu_backward(rt.context(), gdx.get(), gdw.get(), gdb.get(), gcol.get(), gscratch.get(), gdy.get(),
                           gy.get(), gx.get(), dm, gw.get(), s.N, s.Ci, s.H, s.W, s.Co, s.k, s.k);
  expect_as_accurate(gy.host(f[0].size()), f[0], d[0], "y");
  expect_as_accurate(gdx.host(f[1].size()), f[1], d[1], "dx");
  expect_as_accurate(gdw.host(f[2].size()), f[2], d[2], "dweight");
  expect_as_accurate(gdb.host(f[3].size()), f[3], d[3], "dbias");
}

INSTANTIATE_TEST_SUITE_P(Shapes, CudaConvAtScale,
                         ::testing::Values(ConvShape{"spec_first_28x28_1to32", 8, 1, 28, 28, 32, 3, false},
                                           ConvShape{"spec_second_14x14_32to64", 8, 32, 14, 14, 64, 3, false},
                                           ConvShape{"masked_14x14_32to64", 8, 32, 14, 14, 64, 3, true}),
                         [](const auto& info) { return std::string(info.param.name); });

// Max pooling is exact (a choice, no arithmetic); the 2x2 path of the CPU kernel at the
// spec example's first pooling (28x28 -> 14x14, 32 channels).
TEST(CudaPoolAtScale, SpecExampleMaxPoolIsExact) {
  MANET_REQUIRE_GPU();
  const int N = 8, C = 32, H = 28, W = 28, Po = 14 * 14;
  const auto x = random_floats(std::size_t(N) * C * H * W, 61), dy = random_floats(std::size_t(N) * C * Po, 62);
  std::vector<float> y(std::size_t(N) * C * Po), dx(x.size());
  std::vector<int32_t> argmax(y.size());
  cpu::pool_forward(y.data(), nullptr, argmax.data(), x.data(), nullptr, cpu::PoolKind::max, N, C, H, W, 2, 2);
  cpu::pool_backward(dx.data(), dy.data(), argmax.data(), nullptr, cpu::PoolKind::max, N, C, H, W, 2, 2);
  cuda::CudaRuntime rt;
  OnDevice<float> gx(x), gy(y.size()), gdy(dy), gdx(dx.size());
  OnDevice<int32_t> gargmax(argmax.size());
  OnDevice<int> gemptied(1);
  cuda::pool_forward(gy.get(), nullptr, gargmax.get(), gemptied.get(), gx.get(), nullptr, cpu::PoolKind::max, N, C, H,
                     W, 2, 2, rt.context().stream);
  cuda::pool_backward(gdx.get(), gdy.get(), gargmax.get(), nullptr, cpu::PoolKind::max, N, C, H, W, 2, 2,
                      rt.context().stream);
  EXPECT_EQ(gy.host(y.size()), y);
  EXPECT_EQ(gdx.host(dx.size()), dx);
}

// Attention pooling: the spec head's P = 49 (7x7, 64 channels) and P = 272 (multi-warp).
class CudaAttentionPoolAtScale : public ::testing::TestWithParam<std::pair<int, int>> {};  // (C, P)

TEST_P(CudaAttentionPoolAtScale, ForwardAndBackwardAsAccurateAsTheCpu) {
  MANET_REQUIRE_GPU();
  const int N = 8, C = GetParam().first, P = GetParam().second;
  const auto x = random_floats(std::size_t(N) * C * P, 71), w = random_floats(C, 72, 1.0 / std::sqrt(double(C)));
  const auto b = random_floats(1, 73), dv = random_floats(std::size_t(N) * C, 74);
  auto run = [&](auto zero) {
    using T = decltype(zero);
    const auto xt = cast_to<T>(x), wt = cast_to<T>(w), dvt = cast_to<T>(dv);
    std::vector<T> v(std::size_t(N) * C), alpha(std::size_t(N) * P), dx(x.size()), dw(C), db(1), dscore(P);
    cpu::attention_pool_forward(v.data(), alpha.data(), xt.data(), nullptr, wt.data(), T(b[0]), N, C, P);
    cpu::attention_pool_backward(dx.data(), dw.data(), db.data(), dscore.data(), dvt.data(), xt.data(), alpha.data(),
                                 wt.data(), N, C, P);
    return std::vector<std::vector<T>>{v, alpha, dx, dw, db};
  };
  const auto f = run(0.0f);
  const auto d = run(0.0);
  cuda::CudaRuntime rt;
  OnDevice<float> gx(x), gw(w), gb(b), gdv(dv), gv(f[0].size()), galpha(f[1].size()), gdx(x.size()), gdw(C), gdb(1);
  cuda::attention_pool_forward(gv.get(), galpha.get(), gx.get(), nullptr, gw.get(), gb.get(), N, C, P,
                               rt.context().stream);
  cuda::attention_pool_backward(gdx.get(), gdw.get(), gdb.get(), gdv.get(), gx.get(), galpha.get(), gw.get(), N, C, P,
                                rt.context().stream);
  const char* names[] = {"v", "alpha", "dx", "dw", "db"};
  OnDevice<float>* gpu[] = {&gv, &galpha, &gdx, &gdw, &gdb};
  for (int i = 0; i < 5; ++i) expect_as_accurate(gpu[i]->host(f[i].size()), f[i], d[i], names[i]);
}

INSTANTIATE_TEST_SUITE_P(Shapes, CudaAttentionPoolAtScale,
                         ::testing::Values(std::pair{64, 49}, std::pair{16, 272}),
                         [](const auto& info) {
                           return "C" + std::to_string(info.param.first) + "_P" + std::to_string(info.param.second);
                         });

}  // namespace manet
