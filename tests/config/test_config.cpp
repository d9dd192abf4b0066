// The whole config: defaults, the resolved YAML round trip, and bad configs that each
// get a one-line usage error naming the key and the file.
#include <gtest/gtest.h>

#include "config/bad_configs.hpp"
#include "config/config.hpp"
#include "core/error.hpp"
#include "device/device.hpp"

namespace manet {

namespace {

const std::string kGood = testing::good_config_yaml("/tmp/x");

std::string error_of(const std::string& text, const std::vector<std::string>& overrides = {}) {
  try {
    parse_config(text, "run.yaml", overrides);
  } catch (const Error& e) {
    EXPECT_EQ(e.kind(), ErrorKind::usage) << e.what();
    EXPECT_EQ(std::string(e.what()).find('\n'), std::string::npos) << e.what();
    return e.what();
  }
  return "(accepted)";
}

}  // namespace

TEST(Config, DefaultsAndValues) {
  const Config c = parse_config(kGood, "run.yaml");
  EXPECT_EQ(c.seed, 3u);
  EXPECT_EQ(c.train.batch_size, 32);
  EXPECT_TRUE(c.train.shuffle);
  EXPECT_EQ(c.train.max_steps, 0);
  EXPECT_EQ(c.optimizer.type, "sgd");
  EXPECT_TRUE(c.optimizer.nesterov);
  EXPECT_EQ(c.checkpoint.resume, "auto");
  EXPECT_EQ(c.model.height, 28) << "Fashion-MNIST fixes the image size";
  const Config adamw = parse_config(kGood, "run.yaml", {"optimizer={type: adamw}"});
  EXPECT_DOUBLE_EQ(adamw.optimizer.lr, 1e-3);
  EXPECT_DOUBLE_EQ(adamw.optimizer.beta2, 0.999);
  EXPECT_DOUBLE_EQ(adamw.optimizer.weight_decay, 0.01);
}

TEST(Config, ResolvedYamlRoundTrips) {
  const Config c = parse_config(kGood, "run.yaml", {"train.max_steps=7", "schedule={type: cosine, warmup_steps: 3}"});
  const std::string yaml = to_yaml(c);
  const Config back = parse_config(yaml, "resolved");
  EXPECT_EQ(to_yaml(back), yaml);
  EXPECT_EQ(back.train.max_steps, 7);
  EXPECT_EQ(back.schedule.type, "cosine");
  EXPECT_DOUBLE_EQ(back.optimizer.weight_decay, 0.0001);
}

TEST(Config, BadConfigsNameKeyAndFile) {
  const auto& cases = testing::bad_config_overrides();
  for (const auto& [overrides, expected] : cases) {
    SCOPED_TRACE(overrides.front());
    const std::string message = error_of(kGood, overrides);
    EXPECT_NE(message.find(expected), std::string::npos) << "got: " << message;
    if (expected.rfind("--set", 0) != 0) {  // a malformed --set is about the command line, not the file
      EXPECT_EQ(message.rfind("run.yaml", 0), 0u) << "names the file first: " << message;
    }
  }
  // Errors inside the file carry its line.
  EXPECT_NE(error_of(kGood + "extra: 1\n").find("run.yaml:16: extra: unknown key"), std::string::npos);
  std::string bad = kGood;
  bad.replace(bad.find("epochs: 2"), 9, "epochs: two");
  EXPECT_NE(error_of(bad).find("run.yaml:13: train.epochs: expected an integer, got 'two'"), std::string::npos)
      << error_of(bad);
  EXPECT_NE(error_of("model: [\n").find("run.yaml:"), std::string::npos);
  EXPECT_NE(error_of("seed: 1\n").find("data: missing"), std::string::npos);
  // Found by tests/fuzz: a key that is not a plain name escaped as a yaml-cpp exception.
  const std::string odd_key = "data: {train: {format: fashion_mnist, split: train}}\nmodel: {[1]: 2}\n";
  EXPECT_NE(error_of(odd_key).find("run.yaml:2: model: every key must be a plain name (found a list"),
            std::string::npos)
      << error_of(odd_key);
}

// The top-level `device` key: auto by default, printed in the resolved config, checked.
TEST(Config, DeviceKey) {
  EXPECT_EQ(parse_config(kGood, "run.yaml").device, "auto");
  for (const char* d : {"auto", "cpu", "cuda"}) {
    const Config c = parse_config(kGood, "run.yaml", {std::string("device=") + d});
    EXPECT_EQ(c.device, d);
    EXPECT_NE(to_yaml(c).find(std::string("device: ") + d + "\n"), std::string::npos) << to_yaml(c);
    EXPECT_EQ(parse_config(to_yaml(c), "resolved").device, d);
  }
  EXPECT_NE(error_of(kGood, {"device=gpu"}).find("run.yaml: (--set device) device: expected one of auto, cpu, cuda, "
                                                 "got 'gpu'"),
            std::string::npos)
      << error_of(kGood, {"device=gpu"});
  EXPECT_NE(error_of("device: tpu\n" + kGood).find("run.yaml:1: device: expected one of auto, cpu, cuda, got 'tpu'"),
            std::string::npos)
      << error_of("device: tpu\n" + kGood);
}

// Resolving it: cpu is always cpu; auto never fails; cuda fails with the key, the file and
// the reason unless a GPU is there.
TEST(Config, DeviceResolution) {
  std::vector<std::string> notices;
  auto notice = [&](const std::string& line) { notices.push_back(line); };
  EXPECT_EQ(resolve_device("cpu", "run.yaml", notice), DeviceKind::cpu);
  EXPECT_TRUE(notices.empty());
  const CudaProbe probe = probe_cuda();
  const DeviceKind automatic = resolve_device("auto", "run.yaml", notice);
  if (probe.devices > 0) {
    EXPECT_EQ(automatic, DeviceKind::cuda);
    return;
  }
  EXPECT_EQ(automatic, DeviceKind::cpu);
  if (built_with_cuda()) {
    ASSERT_EQ(notices.size(), 1u);
    EXPECT_NE(notices[0].find("device: auto: no usable CUDA device (cudaGetDeviceCount"), std::string::npos) << notices[0];
    EXPECT_NE(notices[0].find("training on the CPU"), std::string::npos);
  } else {
    EXPECT_TRUE(notices.empty()) << "a CPU-only build has nothing to fall back from";
  }
  try {
    resolve_device("cuda", "run.yaml", notice);
    ADD_FAILURE() << "device: cuda without a usable GPU was accepted";
  } catch (const Error& e) {
    const std::string m = e.what();
    EXPECT_EQ(e.kind(), ErrorKind::usage);
    EXPECT_EQ(m.rfind("run.yaml: device: cuda, but ", 0), 0u) << m;
    EXPECT_NE(m.find(built_with_cuda() ? "no usable CUDA device: cudaGetDeviceCount" : "built without CUDA"),
              std::string::npos)
        << m;
  }
}

}  // namespace manet
