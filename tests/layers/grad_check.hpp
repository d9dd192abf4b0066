#pragma once
// A generic finite-difference gradient checker, in double precision: every layer's
// forward/backward is templated on the scalar type so it can be checked here.
//
// For a layer y = f(x; w) we check the scalar L = <R, y> with a random projection R:
// backward(R) must give dL/dx and dL/dw, compared entry by entry with central
// differences (L(v + eps) - L(v - eps)) / (2 eps).
//
// Error measure: |analytic - numeric| / max(|analytic|, |numeric|, 1e-3). With eps = 1e-5
// in double the difference quotient is accurate to ~1e-9 (truncation eps^2 f''' ~ 1e-10,
// round-off 1e-16 |L| / eps ~ 1e-10 for |L| ~ 10), so kTolerance = 1e-6 leaves three
// orders of margin while a wrong term (an error of order |analytic|) fails by five.
// Kinks (ReLU at 0, ties in max) are not avoided explicitly: inputs are continuous
// random doubles, which land within eps of a kink with negligible probability.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <string>
#include <vector>

#include "core/rng.hpp"
#include "core/shape.hpp"
#include "layers/layer.hpp"

namespace manet::testing {

inline constexpr double kEps = 1e-5;
inline constexpr double kTolerance = 1e-6;

struct GradReport {
  long checked = 0;
  double max_error = 0;
  std::string worst;
};

// Perturbs each of x[0..n) and compares with analytic[0..n).
template <class Loss>
GradReport check_gradient(const std::string& what, double* x, const double* analytic, long n, Loss&& loss) {
  GradReport r;
  for (long i = 0; i < n; ++i) {
    const double saved = x[i];
    x[i] = saved + kEps;
    const double plus = loss();
    x[i] = saved - kEps;
    const double minus = loss();
    x[i] = saved;
    const double numeric = (plus - minus) / (2 * kEps);
    const double error =
        std::abs(analytic[i] - numeric) / std::max({std::abs(analytic[i]), std::abs(numeric), 1e-3});
    ++r.checked;
    if (error > r.max_error) {
      r.max_error = error;
      r.worst = what + "[" + std::to_string(i) + "]: analytic " + std::to_string(analytic[i]) + ", numeric " +
                std::to_string(numeric);
    }
  }
  return r;
}

#define EXPECT_GRAD_OK(report)                                                                           \
  do {                                                                                                   \
    const auto& r_ = (report);                                                                           \
    EXPECT_GT(r_.checked, 0);                                                                            \
    EXPECT_LT(r_.max_error, ::manet::testing::kTolerance) << "worst entry: " << r_.worst;                \
  } while (0)

// Deterministic test data: U(lo, hi) from a named stream.
inline std::vector<double> random_values(long n, uint64_t stream_id, double lo = -1, double hi = 1) {
  const RandomStream s(2024, RandomPurpose::data, stream_id);
  std::vector<double> v(n);
  for (long i = 0; i < n; ++i) v[i] = lo + (hi - lo) * s.uniform(i);
  return v;
}

// Checks a layer's input and parameter gradients. Parameters are drawn from U(-0.5, 0.5).
template <class L>
void check_layer(L& layer, int N, MapShape in_shape, const uint8_t* mask, const StepContext& ctx,
                 uint64_t seed = 1) {
  long total = 0;
  for (const ParamSpec& p : layer.param_specs()) total += p.count();
  std::vector<double> w = random_values(total, seed * 10 + 1, -0.5, 0.5), dw(total, 0.0);
  layer.bind(w.data(), dw.data());
  std::vector<double> x = random_values(long(N) * in_shape.size(), seed * 10 + 2);
  const Activations<double> in{x.data(), N, in_shape, mask};
  const long out_count = long(N) * layer.output_shape().size();
  const std::vector<double> R = random_values(out_count, seed * 10 + 3);
  auto loss = [&] {
    const Activations<double> y = layer.forward(in, ctx);
    double s = 0;
    for (long i = 0; i < out_count; ++i) s += R[i] * y.data[i];
    return s;
  };
  loss();
  const double* dx_ptr = layer.backward(R.data(), true);
  const std::vector<double> dx(dx_ptr, dx_ptr + x.size());
  const std::vector<double> analytic_dw = dw;
  EXPECT_GRAD_OK(check_gradient("input", x.data(), dx.data(), long(x.size()), loss));
  if (total > 0) EXPECT_GRAD_OK(check_gradient("params", w.data(), analytic_dw.data(), total, loss));

  // backward accumulates into parameter gradients: a second pass doubles them.
  loss();
  layer.backward(R.data(), false);
  for (long i = 0; i < total; ++i) ASSERT_NEAR(dw[i], 2 * analytic_dw[i], 1e-12 + 1e-9 * std::abs(dw[i]));
}

}  // namespace manet::testing
