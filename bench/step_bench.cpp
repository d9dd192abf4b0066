// Forward + backward of one model on real Fashion-MNIST images, one thread: samples/s,
// GFLOP/s and the share of the core's FMA peak. The baseline later work must beat.
//
//   build/manet_bench_step [--config configs/spec_example.yaml] [--batch 64] [--seconds 10]
#include <CLI/CLI.hpp>
#include <cblas.h>

#include <chrono>
#include <cstdio>
#include <filesystem>

#include "config/model_config.hpp"
#include "core/blas_core.hpp"
#include "core/float_env.hpp"
#include "core/isa.hpp"
#include "core/error.hpp"
#include "data/fashion_mnist.hpp"
#include "layers/cross_entropy.hpp"
#include "model/manet_model.hpp"

namespace {

using Clock = std::chrono::steady_clock;
double seconds_since(Clock::time_point t) { return std::chrono::duration<double>(Clock::now() - t).count(); }

}  // namespace

int main(int argc, char** argv) {
  manet::use_best_blas_core(argv);  // as `manet` does: the BLAS kernels this CPU allows,
  manet::flush_subnormals_here();   // subnormals flushed
  CLI::App app{"Time forward+backward of a MANet model on Fashion-MNIST images (one thread)."};
  std::string config = "configs/spec_example.yaml";
  int batch = 64, warmup = 3;
  double seconds = 10, mflop_per_sample = 98.1, peak_gflops = 117.0;
  app.add_option("--config", config, "YAML config whose model section is timed")->capture_default_str();
  app.add_option("--batch", batch, "samples per step")->capture_default_str();
  app.add_option("--seconds", seconds, "how long to time, after warm-up")->capture_default_str();
  app.add_option("--warmup", warmup, "untimed steps first")->capture_default_str();
  app.add_option("--mflop", mflop_per_sample, "MFLOP per training sample (98.1 for the spec example)")
      ->capture_default_str();
  app.add_option("--peak", peak_gflops, "one core's FMA peak in GFLOP/s (117 measured on the CI machine)")
      ->capture_default_str();
  CLI11_PARSE(app, argc, argv);
  openblas_set_num_threads(1);

  try {
    const manet::ModelSpec spec = manet::parse_model_section(manet::load_yaml_config(config).child("model"), {28, 28});
    manet::Model<float> model(spec);
    model.init(1);
    manet::CrossEntropy<float> loss(spec.num_classes);

    manet::Dataset data;
    const bool real = std::filesystem::exists(std::string(manet::kFashionMnistDir) + "/train-images-idx3-ubyte.gz");
    if (real) {
      data = manet::load_fashion_mnist("train", manet::kFashionMnistDir, manet::kFashionMnistMean,
                                       manet::kFashionMnistStd, 16L * batch);
      data.images = data.image_values();  // timed as floats, as the trainer's batch buffer holds them
    } else {
      std::fprintf(stderr, "note: dataset-fashion-mnist not installed; timing on constant images\n");
      data.sample_shape = {1, 28, 28};
      data.images.assign(16L * batch * 784, 0.1f);
      data.labels.assign(16L * batch, 3);
    }
    const long per_sample = data.sample_values();
    const long batches = data.size() / batch;

    double t_forward = 0, t_backward = 0, loss_sum = 0;
    long steps = 0;
    const auto start_all = Clock::now();
    Clock::time_point timed_start;
    for (long it = 0;; ++it) {
      if (it == warmup) timed_start = Clock::now(), t_forward = t_backward = 0;
      const long b = it % batches;
      const manet::StepContext ctx{true, 1, it, it * batch};
      auto t0 = Clock::now();
      const float* logits = model.forward({batch, data.images.data() + b * batch * per_sample, nullptr}, ctx);
      loss_sum = loss.forward(logits, data.labels.data() + b * batch, batch, 0.0f) / batch;
      t_forward += seconds_since(t0);
      t0 = Clock::now();
      model.zero_grad();
      model.backward(loss.backward(1.0f / batch));
      t_backward += seconds_since(t0);
      if (it >= warmup) ++steps;
      if (it >= warmup && seconds_since(timed_start) >= seconds) break;
      if (seconds_since(start_all) > 10 * seconds + 60) break;
    }
    const double elapsed = seconds_since(timed_start);
    const double samples_per_s = steps * batch / elapsed;
    const double gflops = samples_per_s * mflop_per_sample / 1e3;
    std::printf("cpu        %s\nBLAS       %s\nkernels    %s, subnormals %s\n", manet::this_cpu().describe().c_str(),
                manet::blas_description().c_str(), manet::isa_name(manet::active_isa()),
                manet::subnormals_flushed() ? "flushed (FTZ/DAZ)" : "kept");
    std::printf("model      %s: %ld parameters, batch %d, %s images, 1 thread\n", config.c_str(), model.num_params(),
                batch, real ? "Fashion-MNIST" : "constant");
    std::printf("steps      %ld timed after %d warm-up (last loss %.4f)\n", steps, warmup, loss_sum);
    std::printf("step       %.2f ms  (forward %.2f ms, backward %.2f ms)\n", 1e3 * elapsed / steps,
                1e3 * t_forward / steps, 1e3 * t_backward / steps);
    std::printf("throughput %.1f samples/s\n", samples_per_s);
    std::printf("compute    %.1f GFLOP/s = %.1f %% of the %.0f GFLOP/s FMA peak (%.1f MFLOP/sample)\n", gflops,
                100 * gflops / peak_gflops, peak_gflops, mflop_per_sample);
  } catch (const manet::Error& e) {
    std::fprintf(stderr, "manet_bench_step: error: %s\n", e.what());
    return 1;
  }
  return 0;
}
