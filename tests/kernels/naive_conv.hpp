#pragma once
// The convolution of docs/model.md written out as loops in double, for the kernel tests: the
// independent reference the direct, Winograd and im2col kernels are all compared with.
//   y[n, o, h, w] = relu(b[o] + sum_{c, i, j} w[o, c, i, j] x[n, c, h + i - kh/2, w + j - kw/2])
// with x read as 0 outside the map. Shapes: x (N, Ci, H, W), w (Co, Ci, kh, kw), y (N, Co, H, W).
#include <vector>

namespace manet::testing {

struct NaiveConv {
  int N, Ci, H, W, Co, kh, kw;

  template <class F>  // f(n, o, c, h, w, i, j, input index, weight index) for every term inside the map
  void each_term(F&& f) const {
    for (int n = 0; n < N; ++n)
      for (int o = 0; o < Co; ++o)
        for (int c = 0; c < Ci; ++c)
          for (int h = 0; h < H; ++h)
            for (int w = 0; w < W; ++w)
              for (int i = 0; i < kh; ++i)
                for (int j = 0; j < kw; ++j) {
                  const int hh = h + i - kh / 2, ww = w + j - kw / 2;
                  if (hh < 0 || hh >= H || ww < 0 || ww >= W) continue;
                  f(n, o, h, w, ((long(n) * Ci + c) * H + hh) * W + ww, ((long(o) * Ci + c) * kh + i) * kw + j);
                }
  }
  long out_index(int n, int o, int h, int w) const { return ((long(n) * Co + o) * H + h) * W + w; }

  std::vector<double> forward(const std::vector<float>& x, const std::vector<float>& weight,
                              const std::vector<float>& bias) const {
    std::vector<double> y(long(N) * Co * H * W);
    for (int n = 0; n < N; ++n)
      for (int o = 0; o < Co; ++o)
        for (long p = 0; p < long(H) * W; ++p) y[(long(n) * Co + o) * H * W + p] = bias[o];
    each_term([&](int n, int o, int h, int w, long xi, long wi) { y[out_index(n, o, h, w)] += double(weight[wi]) * x[xi]; });
    for (double& v : y) v = v > 0 ? v : 0;
    return y;
  }

  // Gradients for the output gradient `dy`, through the ReLU gate y > 0 of the kernel's own
  // float output `y` (an output within rounding of 0 must be gated alike on both sides).
  struct Grads {
    std::vector<double> dx, dw, db;
  };
  Grads backward(const std::vector<float>& x, const std::vector<float>& weight, const std::vector<float>& y,
                 const std::vector<float>& dy) const {
    Grads g{std::vector<double>(x.size()), std::vector<double>(weight.size()), std::vector<double>(Co)};
    std::vector<double> gated(dy.size());
    for (std::size_t i = 0; i < dy.size(); ++i) gated[i] = y[i] > 0 ? dy[i] : 0.0;
    for (int n = 0; n < N; ++n)
      for (int o = 0; o < Co; ++o)
        for (long p = 0; p < long(H) * W; ++p) g.db[o] += gated[(long(n) * Co + o) * H * W + p];
    each_term([&](int n, int o, int h, int w, long xi, long wi) {
      const double d = gated[out_index(n, o, h, w)];
      g.dx[xi] += d * weight[wi];
      g.dw[wi] += d * x[xi];
    });
    return g;
  }
};

}  // namespace manet::testing
