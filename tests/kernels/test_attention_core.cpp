// The fused attention core (kernels/cpu/attention_core.hpp) against a plain textbook
// implementation in double that stores the whole P×P map: forward output and all three
// input gradients, over head sizes and position counts that exercise every vector tail
// and query-block tail, with and without key masks. (The layer-level finite-difference
// checks in test_grad_layers.cpp cover the same code in double from another side.)
#include <gtest/gtest.h>

#include <cmath>
#include <cstdint>
#include <random>
#include <string>
#include <type_traits>
#include <vector>

#include "kernels/cpu/attention.hpp"
#include "kernels/cpu/attention_core.hpp"
#include "kernels/cpu/kernel_table.hpp"
#include "kernels/per_isa.hpp"

namespace {

constexpr double kFloatTolerance = 2e-5;  // of the largest reference value

struct Reference {
  std::vector<double> o, dq, dk, dv;
};

// q, k, v, dO: (d, P). Masked keys get weight 0; every row has a valid key.
Reference reference_attention(const std::vector<double>& q, const std::vector<double>& k,
                              const std::vector<double>& v, const std::vector<double>& dO,
                              const std::vector<uint8_t>& mask, int d, int P) {
  const double scale = 1 / std::sqrt(double(d));
  std::vector<double> A(size_t(P) * P), dS(size_t(P) * P);
  for (int p = 0; p < P; ++p) {
    double top = -INFINITY, sum = 0;
    for (int j = 0; j < P; ++j) {
      double s = 0;
      for (int c = 0; c < d; ++c) s += q[c * P + p] * k[c * P + j];
      A[p * P + j] = s * scale;
      if (mask.empty() || mask[j]) top = std::max(top, A[p * P + j]);
    }
    for (int j = 0; j < P; ++j) sum += A[p * P + j] = (mask.empty() || mask[j]) ? std::exp(A[p * P + j] - top) : 0;
    for (int j = 0; j < P; ++j) A[p * P + j] /= sum;
  }
  Reference r{std::vector<double>(size_t(d) * P), std::vector<double>(size_t(d) * P),
              std::vector<double>(size_t(d) * P), std::vector<double>(size_t(d) * P)};
  for (int c = 0; c < d; ++c)
    for (int p = 0; p < P; ++p)
      for (int j = 0; j < P; ++j) {
        r.o[c * P + p] += A[p * P + j] * v[c * P + j];
        r.dv[c * P + j] += dO[c * P + p] * A[p * P + j];
      }
  for (int p = 0; p < P; ++p) {
    double dot = 0;
    for (int j = 0; j < P; ++j) {
      double da = 0;
      for (int c = 0; c < d; ++c) da += dO[c * P + p] * v[c * P + j];
      dS[p * P + j] = da;
      dot += da * A[p * P + j];
    }
    for (int j = 0; j < P; ++j) dS[p * P + j] = A[p * P + j] * (dS[p * P + j] - dot);
  }
  for (int c = 0; c < d; ++c)
    for (int p = 0; p < P; ++p)
      for (int j = 0; j < P; ++j) {
        r.dq[c * P + p] += scale * dS[p * P + j] * k[c * P + j];
        r.dk[c * P + j] += scale * dS[p * P + j] * q[c * P + p];
      }
  return r;
}

// The scratch of one head: the generic kernels' (attention_core.hpp as included here), or
// for float that of instruction set `isa`'s build (kernels/cpu/kernel_table.hpp).
template <class T>
long scratch_size(const manet::Isa* isa, int d, int P) {
  if constexpr (std::is_same_v<T, float>)
    if (isa) return manet::cpu::float_kernels(*isa).attention_head_scratch(d, P);
  return manet::cpu::HeadScratch<T>::size(d, P);
}

// Runs forward and backward of one head: the generic kernels, or for float the kernels of
// instruction set `isa`.
template <class T>
void run_head(const manet::Isa* isa, T* o, T* lse, T* dq, T* dk, T* dv, const T* q, const T* k, const T* v,
              const T* dO, long ld, const uint8_t* m, int d, int P, T* ws) {
  if constexpr (std::is_same_v<T, float>) {
    if (isa) {
      const auto& kernels = manet::cpu::float_kernels(*isa);
      kernels.attention_head_forward(o, lse, q, k, v, ld, m, d, P, ws);
      kernels.attention_head_backward(dq, dk, dv, q, k, v, o, dO, ld, lse, m, d, P, ws);
      return;
    }
  }
  manet::cpu::attention_head_forward(o, lse, q, k, v, ld, m, d, P, manet::cpu::HeadScratch<T>(ws, d, P));
  manet::cpu::attention_head_backward(dq, dk, dv, q, k, v, o, dO, ld, lse, m, d, P,
                                      manet::cpu::HeadScratch<T>(ws, d, P));
}

template <class T>
void expect_matches(int d, int P, bool masked, double tolerance, const manet::Isa* isa = nullptr) {
  std::mt19937 gen(unsigned(d * 1000 + P));
  std::normal_distribution<double> normal(0, 1.5);
  auto random = [&](int n) {
    std::vector<double> x(n);
    for (double& e : x) e = normal(gen);
    return x;
  };
  const auto q = random(d * P), k = random(d * P), v = random(d * P), dO = random(d * P);
  std::vector<uint8_t> mask;
  if (masked) {
    mask.assign(P, 1);
    for (int j = 0; j < P; ++j) mask[j] = (j % 3 == 1 || j == P - 1) ? 0 : 1;
  }
  const Reference ref = reference_attention(q, k, v, dO, mask, d, P);

  // Every (d, P) array lives in rows of stride ld > P (as in a chunk of samples), the
  // gaps holding garbage that must be neither read nor written.
  const long ld = P + 3;
  auto strided = [&](const std::vector<double>& x) {
    std::vector<T> out(d * ld, T(99));
    for (int c = 0; c < d; ++c)
      for (int p = 0; p < P; ++p) out[c * ld + p] = T(x[c * P + p]);
    return out;
  };
  auto packed = [&](const std::vector<T>& x) {
    std::vector<T> out(d * P);
    for (int c = 0; c < d; ++c)
      for (int p = 0; p < P; ++p) out[c * P + p] = x[c * ld + p];
    for (int c = 0; c < d; ++c)
      for (long p = P; p < ld; ++p) EXPECT_EQ(x[c * ld + p], T(99)) << "a gap between rows was written";
    return out;
  };
  const auto qt = strided(q), kt = strided(k), vt = strided(v), dOt = strided(dO);
  std::vector<T> o(d * ld, T(99)), lse(P), dq(d * ld, T(99)), dk(d * ld, T(99)), dv(d * ld, T(99));
  std::vector<T> ws(scratch_size<T>(isa, d, P), T(-3));  // garbage must not leak
  const uint8_t* m = masked ? mask.data() : nullptr;
  run_head<T>(isa, o.data(), lse.data(), dq.data(), dk.data(), dv.data(), qt.data(), kt.data(), vt.data(), dOt.data(),
              ld, m, d, P, ws.data());
  auto compare = [&](const char* what, const std::vector<T>& got_strided, const std::vector<double>& want) {
    const std::vector<T> got = packed(got_strided);
    double worst = 0, scale = 1e-3;
    for (double w : want) scale = std::max(scale, std::abs(w));
    for (size_t i = 0; i < want.size(); ++i) worst = std::max(worst, std::abs(double(got[i]) - want[i]));
    EXPECT_LT(worst / scale, tolerance) << what << " d=" << d << " P=" << P << " masked=" << masked;
  };
  compare("O", o, ref.o);
  compare("dQ", dq, ref.dq);
  compare("dK", dk, ref.dk);
  compare("dV", dv, ref.dv);
  if (masked)
    for (int c = 0; c < d; ++c)
      for (int j = 0; j < P; ++j)
        if (!mask[j]) {
          ASSERT_EQ(dk[c * ld + j], T(0)) << "a masked key got a gradient";
          ASSERT_EQ(dv[c * ld + j], T(0)) << "a masked value got a gradient";
        }
}

TEST(AttentionCore, FloatMatchesTextbookAttention) {
  for (int d : {1, 3, 8, 16})
    for (int P : {1, 5, 13, 49, 196})
      for (bool masked : {false, true})
        if (!(masked && P < 3)) expect_matches<float>(d, P, masked, kFloatTolerance);
}

// Each instruction set's float kernels (64-byte vectors and 8-query blocks under AVX-512)
// against the same reference, at the model's shapes and around both vector widths.
using AttentionCoreIsa = manet::testing::PerIsa;

TEST_P(AttentionCoreIsa, FloatMatchesTextbookAttention) {
  const manet::Isa isa = GetParam();
  for (int d : {1, 3, 8, 16, 32})
    for (int P : {1, 5, 13, 17, 49, 64, 196, 200})
      for (bool masked : {false, true})
        if (!(masked && P < 3)) expect_matches<float>(d, P, masked, kFloatTolerance, &isa);
}

MANET_PER_ISA(AttentionCoreIsa);

TEST(AttentionCore, DoubleMatchesTextbookAttention) {
  for (int d : {2, 5, 16})
    for (int P : {3, 7, 49})
      for (bool masked : {false, true}) expect_matches<double>(d, P, masked, 1e-12);
}

// The float tolerance of FloatMatchesTextbookAttention rejects kernels that are only
// slightly wrong: the same comparison, on the same kind of random inputs, of a kernel
// given a softmax temperature 0.1 % off, a kernel that ignores the key mask, and a
// backward given an output gradient 0.1 % off, each exceeds it; the correct kernel meets it.
enum class Flaw { none, temperature, mask_ignored, output_gradient };

double worst_float_error(int d, int P, Flaw flaw) {
  std::mt19937 gen(unsigned(d * 7919 + P));
  std::normal_distribution<double> normal(0, 1.5);
  auto random = [&](int n) {
    std::vector<double> x(n);
    for (double& e : x) e = normal(gen);
    return x;
  };
  const auto q = random(d * P), k = random(d * P), v = random(d * P), dO = random(d * P);
  std::vector<uint8_t> mask(P, 1);
  for (int j = 0; j < P; ++j) mask[j] = j % 3 == 1 ? 0 : 1;
  const Reference ref = reference_attention(q, k, v, dO, mask, d, P);
  auto as_float = [](const std::vector<double>& x, double scale) {
    std::vector<float> out(x.size());
    for (std::size_t i = 0; i < x.size(); ++i) out[i] = float(x[i] * scale);
    return out;
  };
  const auto qf = as_float(q, flaw == Flaw::temperature ? 1.001 : 1.0), kf = as_float(k, 1.0), vf = as_float(v, 1.0);
  const auto dOf = as_float(dO, flaw == Flaw::output_gradient ? 1.001 : 1.0);
  std::vector<float> o(d * P), lse(P), dq(d * P), dk(d * P), dv(d * P);
  std::vector<float> ws(manet::cpu::HeadScratch<float>::size(d, P));
  const uint8_t* m = flaw == Flaw::mask_ignored ? nullptr : mask.data();
  manet::cpu::attention_head_forward(o.data(), lse.data(), qf.data(), kf.data(), vf.data(), P, m, d, P,
                                     manet::cpu::HeadScratch<float>(ws.data(), d, P));
  manet::cpu::attention_head_backward(dq.data(), dk.data(), dv.data(), qf.data(), kf.data(), vf.data(), o.data(),
                                      dOf.data(), P, lse.data(), m, d, P, manet::cpu::HeadScratch<float>(ws.data(), d, P));
  double worst = 0;
  for (const auto& [got, want] : {std::pair{&o, &ref.o}, std::pair{&dq, &ref.dq}, std::pair{&dk, &ref.dk},
                                  std::pair{&dv, &ref.dv}}) {
    double error = 0, scale = 1e-3;  // as in expect_matches
    for (std::size_t i = 0; i < want->size(); ++i)
      error = std::max(error, std::abs(double((*got)[i]) - (*want)[i])), scale = std::max(scale, std::abs((*want)[i]));
    worst = std::max(worst, error / scale);
  }
  return worst;
}

TEST(AttentionCore, TheToleranceRejectsSlightlyWrongKernels) {
  for (int d : {8, 16})
    for (int P : {13, 49}) {
      SCOPED_TRACE("d=" + std::to_string(d) + " P=" + std::to_string(P));
      EXPECT_LT(worst_float_error(d, P, Flaw::none), kFloatTolerance);
      EXPECT_GT(worst_float_error(d, P, Flaw::temperature), kFloatTolerance);
      EXPECT_GT(worst_float_error(d, P, Flaw::mask_ignored), kFloatTolerance);
      EXPECT_GT(worst_float_error(d, P, Flaw::output_gradient), kFloatTolerance);
    }
}

}  // namespace
