// Whole-model gradient checks: every parameter of a tiny image model and a tiny tokens
// model with padding, through the label-smoothed loss, dropout included.
#include "layers/cross_entropy.hpp"
#include "layers/grad_check.hpp"
#include "model/manet_model.hpp"
#include "model/tiny_models.hpp"

namespace manet::testing {

namespace {

// Gamma starts at 0, which would hide every attention gradient but gamma's: set
// all parameters (gammas included) to small random values instead.
void randomize(Model<double>& model, uint64_t seed) {
  const auto v = random_values(model.num_params(), seed, -0.5, 0.5);
  std::copy(v.begin(), v.end(), model.values());
}

template <class MakeInput>
void check_model(Model<double>& model, const std::vector<int64_t>& labels, MakeInput input, double smoothing) {
  const int N = int(labels.size());
  CrossEntropy<double> ce(model.spec().num_classes);
  const StepContext ctx{true, 5, 2, 100};
  auto loss = [&] { return ce.forward(model.forward(input(), ctx), labels.data(), N, smoothing) / N; };
  model.zero_grad();
  loss();
  model.backward(ce.backward(1.0 / N));
  const std::vector<double> analytic(model.grads(), model.grads() + model.num_params());
  for (const ParamEntry& e : model.params().entries()) {
    SCOPED_TRACE(e.name());
    double* at = model.values() + e.offset;
    const double* grad = analytic.data() + e.offset;
    long skip = 0;
    if (e.name() == "embed.weight") {
      skip = e.spec.shape[1];  // row 0 is fixed at zero, its gradient must be 0
      for (long i = 0; i < skip; ++i) EXPECT_EQ(grad[i], 0.0);
    }
    EXPECT_GRAD_OK(check_gradient(e.name(), at + skip, grad + skip, e.count() - skip, loss));
  }
}

}  // namespace

TEST(Model, TinyImageEveryParameter) {
  Model<double> model(tiny_image_spec());
  randomize(model, 1);
  const int N = 3;
  const std::vector<double> images = random_values(N * 2 * 6 * 6, 2);
  check_model(model, {2, 0, 1}, [&] { return ModelInput<double>{N, images.data(), nullptr}; }, 0.1);
}

TEST(Model, TinyImageInputGradient) {
  Model<double> model(tiny_image_spec());
  randomize(model, 3);
  const int N = 2;
  std::vector<double> images = random_values(N * 72, 4);
  const std::vector<int64_t> labels = {1, 2};
  CrossEntropy<double> ce(3);
  const StepContext ctx{true, 5, 2, 0};
  auto loss = [&] {
    return ce.forward(model.forward({N, images.data(), nullptr}, ctx), labels.data(), N, 0.0) / N;
  };
  loss();
  const double* dx = model.backward(ce.backward(1.0 / N), true);
  const std::vector<double> analytic(dx, dx + images.size());
  EXPECT_GRAD_OK(check_gradient("images", images.data(), analytic.data(), long(images.size()), loss));
}

TEST(Model, TinyTokensWithPaddingEveryParameter) {
  Model<double> model(tiny_tokens_spec());
  randomize(model, 5);
  for (int e = 0; e < 4; ++e) model.values()[e] = 0.0;  // embedding row 0
  const std::vector<int64_t> ids = {3, 9, 1, 4, 4, 2, 0, 0,   // padded
                                    7, 10, 0, 0, 0, 0, 0, 0,  // short
                                    5, 6, 7, 8, 9, 10, 1, 2};  // full
  check_model(model, {0, 3, 2}, [&] { return ModelInput<double>{3, nullptr, ids.data()}; }, 0.2);
}

}  // namespace manet::testing
