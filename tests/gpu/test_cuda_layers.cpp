// Each CUDA layer kernel against its CPU twin (kernels/cpu), forward and backward, with
// and without a key mask, to float tolerance. Label gpu: SKIPPED without a device.
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

using testing::expect_close;
using testing::OnDevice;
using testing::random_floats;
using testing::random_mask;

class CudaLayers : public ::testing::TestWithParam<bool> {  // parameter: with a key mask
 protected:
  std::vector<uint8_t> mask_for(int N, int P) { return GetParam() ? random_mask(N, P, 5) : std::vector<uint8_t>(); }
};

TEST_P(CudaLayers, ConvForwardBackward) {
  MANET_REQUIRE_GPU();
  const int N = 3, Ci = 4, H = 5, W = 6, Co = 5, kh = 3, kw = 3, P = H * W, K = Ci * kh * kw;
  const auto x = random_floats(std::size_t(N) * Ci * P, 1), w = random_floats(std::size_t(Co) * K, 2, 0.3);
  const auto b = random_floats(Co, 3, 0.1), dy = random_floats(std::size_t(N) * Co * P, 4);
  const auto mask = mask_for(N, P);
  const uint8_t* m = mask.empty() ? nullptr : mask.data();
  std::vector<float> y(std::size_t(N) * Co * P), col(std::size_t(K) * N * P), scratch(std::size_t(Co) * N * P);
  std::vector<float> dx(x.size()), dw(w.size(), 0.5f), db(Co, 0.25f);  // gradients accumulate onto these
  cpu::conv_relu_forward(y.data(), col.data(), scratch.data(), x.data(), m, w.data(), b.data(), N, Ci, H, W, Co, kh, kw);
  cpu::conv_relu_backward(dx.data(), dw.data(), db.data(), col.data(), scratch.data(), dy.data(), y.data(), x.data(), m,
                          w.data(), N, Ci, H, W, Co, kh, kw);

  cuda::CudaRuntime rt;
  OnDevice<float> gx(x), gw(w), gb(b), gdy(dy), gy(y.size()), gcol(col.size()), gscratch(scratch.size());
  OnDevice<float> gdx(dx.size()), gdw(std::vector<float>(w.size(), 0.5f)), gdb(std::vector<float>(Co, 0.25f));
  OnDevice<uint8_t> gm(mask);
  const uint8_t* dm = mask.empty() ? nullptr : gm.get();
  cuda::conv_relu_forward(rt.context(), gy.get(), gcol.get(), gscratch.get(), gx.get(), dm, gw.get(), gb.get(), N, Ci,
                          H, W, Co, kh, kw);
  cuda::conv_relu_backward(rt.context(), gdx.get(), gdw.get(), gdb.get(), gcol.get(), gscratch.get(), gdy.get(),
                           gy.get(), gx.get(), dm, gw.get(), N, Ci, H, W, Co, kh, kw);
  expect_close(gy.host(y.size()), y, "y");
  expect_close(gdx.host(dx.size()), dx, "dx", 1e-3, 1e-4);
  expect_close(gdw.host(dw.size()), dw, "dweight", 1e-3, 1e-4);
  expect_close(gdb.host(db.size()), db, "dbias", 1e-3, 1e-4);
}

TEST_P(CudaLayers, AttentionForwardBackward) {
  MANET_REQUIRE_GPU();
  const int N = 2, C = 8, H = 3, W = 5, P = H * W, heads = 2;
  const long CP = long(C) * P;
  const auto x = random_floats(N * CP, 11), wqkv = random_floats(3 * C * C, 12, 0.4), bqkv = random_floats(3 * C, 13, 0.1);
  const auto wproj = random_floats(C * C, 14, 0.4), bproj = random_floats(C, 15, 0.1), dy = random_floats(N * CP, 16);
  const float gamma = 0.7f;
  const auto mask = mask_for(N, P);
  const uint8_t* m = mask.empty() ? nullptr : mask.data();
  std::vector<float> y(N * CP), qkv(3 * N * CP), o(N * CP), z(N * CP), lse(std::size_t(N) * heads * P);
  std::vector<float> ws(cpu::head_scratch_size<float>(C / heads, P) + 5 * CP);
  cpu::attention_forward(y.data(), qkv.data(), o.data(), z.data(), lse.data(), ws.data(), x.data(), m, wqkv.data(),
                         bqkv.data(), wproj.data(), bproj.data(), gamma, N, C, P, heads);
  std::vector<float> dx(N * CP), dwqkv(wqkv.size()), dbqkv(bqkv.size()), dwproj(wproj.size()), dbproj(C), dgamma(1);
  const long head = cpu::head_scratch_size<float>(C / heads, P);
  const cpu::AttentionScratch<float> scratch{ws.data(), ws.data() + head, ws.data() + head + CP,
                                              ws.data() + head + 2 * CP};
  cpu::attention_backward(dx.data(), dwqkv.data(), dbqkv.data(), dwproj.data(), dbproj.data(), dgamma.data(), scratch,
                          dy.data(), x.data(), m, qkv.data(), lse.data(), o.data(), z.data(), wqkv.data(),
                          wproj.data(), gamma, N, C, P, heads);

  cuda::CudaRuntime rt;
  OnDevice<float> gx(x), gwqkv(wqkv), gbqkv(bqkv), gwproj(wproj), gbproj(bproj), ggamma(std::vector<float>{gamma});
  OnDevice<float> gy(y.size()), gqkv(qkv.size()), gatt(std::size_t(N) * heads * P * P), go(o.size()), gz(z.size());
  OnDevice<float> gdy(dy), gdx(dx.size()), gdwqkv(dwqkv.size()), gdbqkv(dbqkv.size()), gdwproj(dwproj.size());
  OnDevice<float> gdbproj(C), gdgamma(1), gdz(z.size()), gdO(o.size()), gdqkv(qkv.size()), gdatt(gatt.buffer.size());
  OnDevice<float> grows(qkv.size()), grows_x(x.size()), gpartials(cuda::kReduceBlocks);
  OnDevice<uint8_t> gm(mask);
  const uint8_t* dm = mask.empty() ? nullptr : gm.get();
  const cuda::AttentionSaved saved{gqkv.get(), gatt.get(), go.get(), gz.get()};
  cuda::attention_forward(rt.context(), gy.get(), saved, gx.get(), dm, gwqkv.get(), gbqkv.get(), gwproj.get(),
                          gbproj.get(), ggamma.get(), N, C, P, heads);
  cuda::attention_backward(rt.context(), gdx.get(), gdwqkv.get(), gdbqkv.get(), gdwproj.get(), gdbproj.get(),
                           gdgamma.get(),
                           {gdz.get(), gdO.get(), gdqkv.get(), gdatt.get(), grows.get(), grows_x.get(), gpartials.get()},
                           gdy.get(), gx.get(), dm,
                           saved, gwqkv.get(), gwproj.get(), ggamma.get(), N, C, P, heads);
  expect_close(gy.host(y.size()), y, "y");
  expect_close(go.host(o.size()), o, "attention output O");
  expect_close(gdx.host(dx.size()), dx, "dx", 1e-3, 1e-4);
  expect_close(gdwqkv.host(dwqkv.size()), dwqkv, "dWqkv", 1e-3, 1e-4);
  expect_close(gdbqkv.host(dbqkv.size()), dbqkv, "dbqkv", 1e-3, 1e-4);
  expect_close(gdwproj.host(dwproj.size()), dwproj, "dWproj", 1e-3, 1e-4);
  expect_close(gdbproj.host(C), dbproj, "dbproj", 1e-3, 1e-4);
  expect_close(gdgamma.host(1), dgamma, "dgamma", 1e-3, 1e-4);
}

TEST_P(CudaLayers, PoolForwardBackward) {
  MANET_REQUIRE_GPU();
  const int N = 3, C = 4, H = 7, W = 6, sh = 2, sw = 3, Po = (H / sh) * (W / sw);
  const auto x = random_floats(std::size_t(N) * C * H * W, 21), dy = random_floats(std::size_t(N) * C * Po, 22);
  const auto mask = mask_for(N, H * W);
  const uint8_t* m = mask.empty() ? nullptr : mask.data();
  for (cpu::PoolKind kind : {cpu::PoolKind::max, cpu::PoolKind::avg}) {
    SCOPED_TRACE(kind == cpu::PoolKind::max ? "max" : "avg");
    std::vector<float> y(std::size_t(N) * C * Po), dx(x.size());
    std::vector<uint8_t> ymask(std::size_t(N) * Po);
    std::vector<int32_t> argmax(y.size());
    const int emptied = cpu::pool_forward(y.data(), ymask.data(), argmax.data(), x.data(), m, kind, N, C, H, W, sh, sw);
    cpu::pool_backward(dx.data(), dy.data(), argmax.data(), m, kind, N, C, H, W, sh, sw);

    cuda::CudaRuntime rt;
    OnDevice<float> gx(x), gy(y.size()), gdy(dy), gdx(dx.size());
    OnDevice<uint8_t> gm(mask), gymask(ymask.size());
    OnDevice<int32_t> gargmax(argmax.size());
    OnDevice<int> gemptied(1);
    const uint8_t* dm = mask.empty() ? nullptr : gm.get();
    cuda::pool_forward(gy.get(), gymask.get(), gargmax.get(), gemptied.get(), gx.get(), dm, kind, N, C, H, W, sh, sw,
                       rt.context().stream);
    cuda::pool_backward(gdx.get(), gdy.get(), gargmax.get(), dm, kind, N, C, H, W, sh, sw, rt.context().stream);
    expect_close(gy.host(y.size()), y, "y", 0, 0);
    expect_close(gdx.host(dx.size()), dx, "dx", 1e-6, 0);
    EXPECT_EQ(gemptied.host(1)[0], emptied);
    if (m) {
      EXPECT_EQ(gymask.host(ymask.size()), ymask);
    }
  }
}

TEST_P(CudaLayers, AttentionPoolForwardBackward) {
  MANET_REQUIRE_GPU();
  const int N = 3, C = 6, P = 10;
  const auto x = random_floats(std::size_t(N) * C * P, 31), w = random_floats(C, 32), b = random_floats(1, 33);
  const auto dv = random_floats(std::size_t(N) * C, 34);
  const auto mask = mask_for(N, P);
  const uint8_t* m = mask.empty() ? nullptr : mask.data();
  std::vector<float> v(std::size_t(N) * C), alpha(std::size_t(N) * P), dx(x.size()), dw(C), db(1), dscore(P);
  cpu::attention_pool_forward(v.data(), alpha.data(), x.data(), m, w.data(), b[0], N, C, P);
  cpu::attention_pool_backward(dx.data(), dw.data(), db.data(), dscore.data(), dv.data(), x.data(), alpha.data(),
                               w.data(), N, C, P);
  cuda::CudaRuntime rt;
  OnDevice<float> gx(x), gw(w), gb(b), gdv(dv), gv(v.size()), galpha(alpha.size()), gdx(dx.size()), gdw(C), gdb(1);
  OnDevice<uint8_t> gm(mask);
  const uint8_t* dm = mask.empty() ? nullptr : gm.get();
  cuda::attention_pool_forward(gv.get(), galpha.get(), gx.get(), dm, gw.get(), gb.get(), N, C, P, rt.context().stream);
  cuda::attention_pool_backward(gdx.get(), gdw.get(), gdb.get(), gdv.get(), gx.get(), galpha.get(), gw.get(), N, C, P,
                                rt.context().stream);
  expect_close(gv.host(v.size()), v, "v");
  expect_close(galpha.host(alpha.size()), alpha, "alpha");
  expect_close(gdx.host(dx.size()), dx, "dx", 1e-3, 1e-5);
  expect_close(gdw.host(C), dw, "dw", 1e-3, 1e-5);
  expect_close(gdb.host(1), db, "db", 1e-3, 1e-5);
}

INSTANTIATE_TEST_SUITE_P(Masks, CudaLayers, ::testing::Values(false, true),
                         [](const auto& info) { return info.param ? "masked" : "dense"; });

}  // namespace manet
