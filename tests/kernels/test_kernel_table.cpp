// Every instruction set's float kernels (kernel_table.hpp) for the layers the other kernel
// tests do not cover, against the double kernels of the baseline build on the same inputs:
// the double kernels are what the finite-difference gradient checks (tests/layers,
// tests/model) verify, so each float build must agree with them to float rounding. The
// optimizer steps, which have no double build, against torch.optim's rules written out in
// double here.
#include <gtest/gtest.h>

#include <cmath>
#include <cstdint>
#include <vector>

#include "core/rng.hpp"
#include "kernels/cpu/kernel_table.hpp"
#include "kernels/normal_values.hpp"
#include "kernels/per_isa.hpp"

namespace manet::cpu {
namespace {

using manet::testing::normal_values;

std::vector<double> widened(const std::vector<float>& v) { return {v.begin(), v.end()}; }

// |got - want| within tol (1 + |want|), elementwise.
void expect_close(const std::vector<float>& got, const std::vector<double>& want, double tol, const char* what) {
  ASSERT_EQ(got.size(), want.size()) << what;
  for (std::size_t i = 0; i < got.size(); ++i)
    ASSERT_NEAR(got[i], want[i], tol * (1 + std::abs(want[i]))) << what << " [" << i << "]";
}

const Kernels<double>& reference() { return kernels<double>(); }

using KernelTable = manet::testing::PerIsa;

// The whole attention layer (QKV and projection GEMMs around the head core), masked, with
// heads of 8 channels over 49 positions (the spec example's 7x7 maps).
TEST_P(KernelTable, AttentionLayerForwardAndBackward) {
  const int N = 2, C = 16, P = 49, heads = 2, d = C / heads;
  const long CP = long(C) * P;
  const auto x = normal_values(N * CP, 1), wqkv = normal_values(3L * C * C, 2), bqkv = normal_values(3 * C, 3);
  const auto wproj = normal_values(long(C) * C, 4), bproj = normal_values(C, 5), dy = normal_values(N * CP, 6);
  std::vector<uint8_t> mask(N * P, 1);
  for (int p = 40; p < P; ++p) mask[P + p] = 0;  // the second sample's last keys are padding
  const float gamma = 0.7f;

  // float, the instruction set under test
  const Kernels<float>& k = kernels();
  std::vector<float> y(N * CP), qkv(3 * N * CP), o(N * CP), z(N * CP), lse(long(N) * heads * P);
  const long head = k.attention_head_scratch(d, P);
  std::vector<float> ws(head + 5 * CP, -3.0f);
  k.attention_forward(y.data(), qkv.data(), o.data(), z.data(), lse.data(), ws.data(), x.data(), mask.data(),
                      wqkv.data(), bqkv.data(), wproj.data(), bproj.data(), gamma, N, C, P, heads);
  std::vector<float> dx(N * CP), dwqkv(wqkv.size(), 0.5f), dbqkv(bqkv.size(), 0.5f), dwproj(wproj.size(), 0.5f);
  std::vector<float> dbproj(bproj.size(), 0.5f), dgamma(1, 0.5f);
  k.attention_backward(dx.data(), dwqkv.data(), dbqkv.data(), dwproj.data(), dbproj.data(), dgamma.data(),
                       {ws.data(), ws.data() + head, ws.data() + head + CP, ws.data() + head + 2 * CP}, dy.data(),
                       x.data(), mask.data(), qkv.data(), lse.data(), o.data(), z.data(), wqkv.data(), wproj.data(),
                       gamma, N, C, P, heads);

  // double, the baseline build
  const auto xd = widened(x), wqkvd = widened(wqkv), bqkvd = widened(bqkv), wprojd = widened(wproj),
             bprojd = widened(bproj), dyd = widened(dy);
  std::vector<double> yd(N * CP), qkvd(3 * N * CP), od(N * CP), zd(N * CP), lsed(long(N) * heads * P);
  const long headd = reference().attention_head_scratch(d, P);
  std::vector<double> wsd(headd + 5 * CP);
  reference().attention_forward(yd.data(), qkvd.data(), od.data(), zd.data(), lsed.data(), wsd.data(), xd.data(),
                                mask.data(), wqkvd.data(), bqkvd.data(), wprojd.data(), bprojd.data(), gamma, N, C,
                                P, heads);
  std::vector<double> dxd(N * CP), dwqkvd(wqkv.size(), 0.5), dbqkvd(bqkv.size(), 0.5), dwprojd(wproj.size(), 0.5);
  std::vector<double> dbprojd(bproj.size(), 0.5), dgammad(1, 0.5);
  reference().attention_backward(dxd.data(), dwqkvd.data(), dbqkvd.data(), dwprojd.data(), dbprojd.data(),
                                 dgammad.data(),
                                 {wsd.data(), wsd.data() + headd, wsd.data() + headd + CP, wsd.data() + headd + 2 * CP},
                                 dyd.data(), xd.data(), mask.data(), qkvd.data(), lsed.data(), od.data(), zd.data(),
                                 wqkvd.data(), wprojd.data(), gamma, N, C, P, heads);

  const double tol = 2e-5 * std::sqrt(double(C * P));  // sums over channels and positions
  expect_close(y, yd, tol, "y");
  expect_close(dx, dxd, tol, "dx");
  expect_close(dwqkv, dwqkvd, tol, "dwqkv");
  expect_close(dbqkv, dbqkvd, tol, "dbqkv");
  expect_close(dwproj, dwprojd, tol, "dwproj");
  expect_close(dbproj, dbprojd, tol, "dbproj");
  expect_close(dgamma, dgammad, tol, "dgamma");
}

TEST_P(KernelTable, AttentionPoolForwardAndBackward) {
  const int N = 3, C = 20, P = 37;
  const auto x = normal_values(long(N) * C * P, 11), w = normal_values(C, 12), dv = normal_values(long(N) * C, 13);
  std::vector<uint8_t> mask(N * P, 1);
  for (int p = 30; p < P; ++p) mask[2 * P + p] = 0;
  const float b = 0.25f;
  const Kernels<float>& k = kernels();
  std::vector<float> v(long(N) * C), alpha(long(N) * P), dx(x.size()), dw(C, 0.5f), db(1, 0.5f), dscore(P);
  k.attention_pool_forward(v.data(), alpha.data(), x.data(), mask.data(), w.data(), b, N, C, P);
  k.attention_pool_backward(dx.data(), dw.data(), db.data(), dscore.data(), dv.data(), x.data(), alpha.data(),
                            w.data(), N, C, P);
  const auto xd = widened(x), wd = widened(w), dvd = widened(dv);
  std::vector<double> vd(long(N) * C), alphad(long(N) * P), dxd(x.size()), dwd(C, 0.5), dbd(1, 0.5), dscored(P);
  reference().attention_pool_forward(vd.data(), alphad.data(), xd.data(), mask.data(), wd.data(), b, N, C, P);
  reference().attention_pool_backward(dxd.data(), dwd.data(), dbd.data(), dscored.data(), dvd.data(), xd.data(),
                                      alphad.data(), wd.data(), N, C, P);
  const double tol = 2e-5 * std::sqrt(double(C * P));
  expect_close(v, vd, tol, "v");
  expect_close(alpha, alphad, tol, "alpha");
  expect_close(dx, dxd, tol, "dx");
  expect_close(dw, dwd, tol, "dw");
  expect_close(db, dbd, tol, "db");
}

// Max pooling takes a vectorised path for unmasked 2x2 with at least 8 outputs a row
// (pool.hpp): 32-wide rows take it, 12-wide ones, masked input and average pooling take the
// general loop. Max pooling's outputs and argmax are exact.
TEST_P(KernelTable, PoolForwardAndBackward) {
  struct Case {
    PoolKind kind;
    int N, C, H, W, sh, sw;
    bool masked;
  };
  for (const Case c : {Case{PoolKind::max, 2, 3, 32, 32, 2, 2, false}, Case{PoolKind::max, 2, 3, 12, 12, 2, 2, false},
                       Case{PoolKind::max, 2, 2, 14, 9, 2, 3, false}, Case{PoolKind::max, 2, 2, 8, 16, 2, 2, true},
                       Case{PoolKind::avg, 2, 3, 32, 32, 2, 2, false}, Case{PoolKind::avg, 2, 2, 8, 16, 2, 2, true}}) {
    SCOPED_TRACE(::testing::Message() << (c.kind == PoolKind::max ? "max " : "avg ") << c.H << "x" << c.W << " by "
                                      << c.sh << "x" << c.sw << (c.masked ? " masked" : ""));
    const int Ho = c.H / c.sh, Wo = c.W / c.sw;
    const long in = long(c.N) * c.C * c.H * c.W, out = long(c.N) * c.C * Ho * Wo;
    const auto x = normal_values(in, 21), dy = normal_values(out, 22);
    std::vector<uint8_t> xmask(long(c.N) * c.H * c.W, 1);
    for (long p = 0; p < long(c.H) * c.W; p += 3) xmask[p] = 0;  // sample 0: every third position is padding
    const uint8_t* xm = c.masked ? xmask.data() : nullptr;
    const Kernels<float>& k = kernels();
    std::vector<float> y(out), dx(in);
    std::vector<uint8_t> ymask(long(c.N) * Ho * Wo), ymaskd(ymask.size());
    std::vector<int32_t> argmax(out), argmaxd(out);
    ASSERT_EQ(k.pool_forward(y.data(), ymask.data(), argmax.data(), x.data(), xm, c.kind, c.N, c.C, c.H, c.W, c.sh,
                             c.sw),
              0);
    k.pool_backward(dx.data(), dy.data(), argmax.data(), xm, c.kind, c.N, c.C, c.H, c.W, c.sh, c.sw);
    const auto xd = widened(x), dyd = widened(dy);
    std::vector<double> yd(out), dxd(in);
    reference().pool_forward(yd.data(), ymaskd.data(), argmaxd.data(), xd.data(), xm, c.kind, c.N, c.C, c.H, c.W, c.sh,
                             c.sw);
    reference().pool_backward(dxd.data(), dyd.data(), argmaxd.data(), xm, c.kind, c.N, c.C, c.H, c.W, c.sh, c.sw);
    expect_close(y, yd, c.kind == PoolKind::max ? 0.0 : 1e-6, "y");
    expect_close(dx, dxd, c.kind == PoolKind::max ? 0.0 : 1e-6, "dx");
    if (c.kind == PoolKind::max) {
      EXPECT_EQ(argmax, argmaxd);
    }
    if (c.masked) {
      EXPECT_EQ(ymask, ymaskd);
    }
  }
}

TEST_P(KernelTable, ActivationsForwardAndBackward) {
  const long n = 1000 + 13;  // not a multiple of any vector
  auto x = normal_values(n, 31);
  for (long i = 0; i < n; i += 7) x[i] *= 20;  // saturate sigmoid and tanh
  const auto dy = normal_values(n, 32);
  for (ActivationKind kind : {ActivationKind::relu, ActivationKind::sigmoid, ActivationKind::tanh}) {
    SCOPED_TRACE(int(kind));
    std::vector<float> y(n), dx(n);
    kernels().activation_forward(y.data(), x.data(), n, kind);
    kernels().activation_backward(dx.data(), dy.data(), y.data(), n, kind);
    const auto xd = widened(x), dyd = widened(dy), yf = widened(y);
    std::vector<double> yd(n), dxd(n);
    reference().activation_forward(yd.data(), xd.data(), n, kind);
    reference().activation_backward(dxd.data(), dyd.data(), yf.data(), n, kind);  // at the float y: same gate
    expect_close(y, yd, 1e-6, "y");
    expect_close(dx, dxd, 1e-6, "dx");
  }
}

TEST_P(KernelTable, DropoutLinearAndCrossEntropy) {
  const Kernels<float>& k = kernels();
  {  // dropout: the same units dropped (the mask is the random stream's, not the kernel's)
    const int N = 4, F = 301;
    const auto x = normal_values(long(N) * F, 41), dy = normal_values(long(N) * F, 42);
    const RandomStream stream(7, RandomPurpose::dropout, 3, 1);
    std::vector<float> y(x.size()), keep(x.size()), dx(x.size());
    k.dropout_forward(y.data(), keep.data(), x.data(), N, F, 0.3, stream, 100);
    k.dropout_backward(dx.data(), dy.data(), keep.data(), long(N) * F);
    const auto xd = widened(x), dyd = widened(dy);
    std::vector<double> yd(x.size()), keepd(x.size()), dxd(x.size());
    reference().dropout_forward(yd.data(), keepd.data(), xd.data(), N, F, 0.3, stream, 100);
    reference().dropout_backward(dxd.data(), dyd.data(), keepd.data(), long(N) * F);
    expect_close(keep, keepd, 1e-7, "dropout keep");
    expect_close(y, yd, 1e-6, "dropout y");
    expect_close(dx, dxd, 1e-6, "dropout dx");
  }
  {  // linear
    const int N = 5, in = 67, out = 10;
    const auto x = normal_values(long(N) * in, 43), w = normal_values(long(out) * in, 44), b = normal_values(out, 45);
    const auto dy = normal_values(long(N) * out, 46);
    std::vector<float> y(long(N) * out), dx(x.size()), dw(w.size(), 0.5f), db(out, 0.5f);
    k.linear_forward(y.data(), x.data(), w.data(), b.data(), N, in, out);
    k.linear_backward(dx.data(), dw.data(), db.data(), dy.data(), x.data(), w.data(), N, in, out);
    const auto xd = widened(x), wd = widened(w), bd = widened(b), dyd = widened(dy);
    std::vector<double> yd(long(N) * out), dxd(x.size()), dwd(w.size(), 0.5), dbd(out, 0.5);
    reference().linear_forward(yd.data(), xd.data(), wd.data(), bd.data(), N, in, out);
    reference().linear_backward(dxd.data(), dwd.data(), dbd.data(), dyd.data(), xd.data(), wd.data(), N, in, out);
    const double tol = 2e-5 * std::sqrt(double(in));
    expect_close(y, yd, tol, "linear y");
    expect_close(dx, dxd, tol, "linear dx");
    expect_close(dw, dwd, tol, "linear dw");
    expect_close(db, dbd, tol, "linear db");
  }
  {  // cross-entropy with label smoothing
    const int N = 6, K = 10;
    const auto logits = normal_values(long(N) * K, 47);
    const std::vector<int64_t> labels{0, 3, 9, 4, 4, 7};
    std::vector<float> probs(logits.size()), losses(N), dlogits(logits.size());
    const float loss = k.cross_entropy_forward(probs.data(), losses.data(), logits.data(), labels.data(), N, K, 0.1f);
    k.cross_entropy_backward(dlogits.data(), probs.data(), labels.data(), N, K, 0.1f, 1.0f / N);
    const auto logitsd = widened(logits);
    std::vector<double> probsd(logits.size()), lossesd(N), dlogitsd(logits.size());
    const double lossd = reference().cross_entropy_forward(probsd.data(), lossesd.data(), logitsd.data(),
                                                           labels.data(), N, K, 0.1);
    reference().cross_entropy_backward(dlogitsd.data(), probsd.data(), labels.data(), N, K, 0.1, 1.0 / N);
    EXPECT_NEAR(loss, lossd, 1e-5 * (1 + std::abs(lossd)));
    expect_close(probs, probsd, 1e-5, "probs");
    expect_close(losses, lossesd, 1e-5, "losses");
    expect_close(dlogits, dlogitsd, 1e-5, "dlogits");
  }
}

// SGD (momentum, Nesterov, weight decay) and AdamW for three steps over an odd length,
// against torch.optim's update rules (kernels/cpu/optimizer.hpp) in double.
TEST_P(KernelTable, OptimizerStepsFollowTorchRules) {
  const long n = 1000 + 5;
  std::vector<float> p = normal_values(n, 51), buf(n), m(n, 0.0f), v(n, 0.0f);
  std::vector<float> pa = p;
  std::vector<double> pd = widened(p), bufd(n), pad = pd, md(n, 0.0), vd(n, 0.0);
  for (int t = 1; t <= 3; ++t) {
    const auto g = normal_values(n, 60 + t);
    const SgdScalars s{0.1f, 0.9f, 0.01f, true, t == 1};
    kernels().sgd_step(p.data(), buf.data(), g.data(), n, s);
    const double lr = 1e-3, b1 = 0.9, b2 = 0.999, eps = 1e-8, wd = 0.05;
    // decay, step_size, bc2_sqrt, one_minus_b1, b2, one_minus_b2, eps (optimizer_rules.hpp)
    const AdamWScalars a{float(1 - lr * wd), float(lr / (1 - std::pow(b1, t))), float(std::sqrt(1 - std::pow(b2, t))),
                         float(1 - b1), float(b2), float(1 - b2), float(eps)};
    kernels().adamw_step(pa.data(), m.data(), v.data(), g.data(), n, a);
    for (long i = 0; i < n; ++i) {
      double gi = g[i] + 0.01 * pd[i];
      bufd[i] = t == 1 ? gi : 0.9 * bufd[i] + gi;
      gi = gi + 0.9 * bufd[i];
      pd[i] -= 0.1 * gi;
      pad[i] *= 1 - lr * wd;
      md[i] += (1 - b1) * (g[i] - md[i]);
      vd[i] = b2 * vd[i] + (1 - b2) * double(g[i]) * g[i];
      pad[i] -= lr / (1 - std::pow(b1, t)) * md[i] / (std::sqrt(vd[i]) / std::sqrt(1 - std::pow(b2, t)) + eps);
    }
  }
  expect_close(p, pd, 1e-6, "sgd p");
  expect_close(buf, bufd, 1e-6, "sgd buffer");
  expect_close(pa, pad, 1e-6, "adamw p");
  expect_close(m, md, 1e-6, "adamw m");
  expect_close(v, vd, 1e-6, "adamw v");
}

MANET_PER_ISA(KernelTable);

}  // namespace
}  // namespace manet::cpu
