// The whole config: defaults, the resolved YAML round trip, and bad configs that each
// get a one-line usage error naming the key and the file.
#include <gtest/gtest.h>
#include <yaml-cpp/yaml.h>

#include <cmath>
#include <fstream>
#include <set>

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

// The keys in the first column of docs/config.md's tables, less the sections and block kinds.
std::set<std::string> documented_config_keys() {
  std::ifstream in(MANET_SOURCE_DIR "/docs/config.md");
  const std::set<std::string> not_keys = {"model", "data", "train", "optimizer", "schedule", "checkpoint", "dist",
                                          "conv", "conv_attention", "pool_attention"};
  std::set<std::string> keys;
  std::string line;
  while (std::getline(in, line)) {
    if (line.rfind("| `", 0) != 0) continue;
    const std::string cell = line.substr(2, line.find('|', 2) - 2);
    for (std::size_t at = cell.find('`'); at != std::string::npos; at = cell.find('`', cell.find('`', at + 1) + 1)) {
      const std::string name = cell.substr(at + 1, cell.find('`', at + 1) - at - 1);
      if (!not_keys.count(name)) keys.insert(name);
    }
  }
  return keys;
}

// The node at a dotted key path (invalid when absent); const, so nothing is inserted.
YAML::Node yaml_at(const YAML::Node& node, const std::string& key) {
  const auto dot = key.find('.');
  if (dot == std::string::npos) return node[key];
  const YAML::Node next = node[key.substr(0, dot)];
  return next ? yaml_at(next, key.substr(dot + 1)) : next;
}

// Equal YAML trees; numbers compared as numbers (0.1 and 0.10000000000000001 are one value).
bool same_yaml(const YAML::Node& a, const YAML::Node& b) {
  if (a.Type() != b.Type()) return false;
  if (a.IsScalar()) {
    double x = 0, y = 0;
    if (YAML::convert<double>::decode(a, x) && YAML::convert<double>::decode(b, y))
      return std::abs(x - y) <= 1e-12 * std::max(std::abs(x), std::abs(y));
    return a.Scalar() == b.Scalar();
  }
  if (a.size() != b.size()) return false;
  if (a.IsSequence()) {
    for (std::size_t i = 0; i < a.size(); ++i)
      if (!same_yaml(a[i], b[i])) return false;
    return true;
  }
  for (const auto& item : a)
    if (!b[item.first.Scalar()] || !same_yaml(item.second, b[item.first.Scalar()])) return false;
  return true;
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

// Every key docs/config.md lists, each set to a value other than its default in one of two
// configs (an image model with AdamW, a tokens model with SGD): the resolved YAML holds
// every one with its value - read back with yaml-cpp, not with manet's reader - and
// parsing it again gives the same YAML. A key that to_yaml dropped or wrote with its
// default fails here, and so does a documented key this test does not set.
TEST(Config, ResolvedYamlHoldsEveryDocumentedKeyWithItsValue) {
  const std::string base = "model: {blocks: [{conv: {channels: 2, kernel: 3}}], num_classes: 2}\n"
                           "data: {train: {format: hdf5, path: /data/train.h5}}\n";
  using Values = std::vector<std::pair<std::string, std::string>>;
  const Values image = {
      {"seed", "17"}, {"device", "cpu"},
      {"model.input", "image"}, {"model.in_channels", "3"}, {"model.image_size", "[5, 7]"},
      {"model.blocks", "[{conv: {channels: 4, kernel: [3, 5]}}, {pool_attention: {pool: avg, size: [1, 2], heads: 2}},"
                       " {conv_attention: {channels: 6, kernel: [1, 1], heads: 3}}]"},
      {"model.head.hidden", "[9, 5]"}, {"model.head.activation", "sigmoid"}, {"model.head.dropout", "0.25"},
      {"model.num_classes", "7"},
      {"data.train", "{format: hdf5, path: /data/other.h5}"}, {"data.test", "{format: hdf5, path: /data/test.h5}"},
      {"data.val", "{format: hdf5, path: /data/val.h5}"},
      {"train.augment.crop_pad", "3"}, {"train.augment.pad", "reflect"}, {"train.augment.hflip", "true"},
      {"train.augment.erase", "0.5"}, {"train.augment.time_shift", "2"}, {"train.augment.time_masks", "2"},
      {"train.augment.time_mask_width", "3"}, {"train.augment.freq_masks", "1"},
      {"train.augment.freq_mask_width", "2"}, {"train.early_stop.metric", "val_loss"},
      {"train.early_stop.patience", "3"}, {"train.early_stop.min_delta", "0.001"}, {"train.test_every_epoch", "true"},
      {"train.eval_hflip", "true"}, {"checkpoint.keep_best.metric", "val_macro_f1"},
      {"data.normalize.mean", "0.5"}, {"data.normalize.std", "0.25"},
      {"train.batch_size", "5"}, {"train.max_steps", "123"}, {"train.epochs", "4"}, {"train.shuffle", "false"},
      {"train.init_from", "/ck/start.h5"}, {"train.label_smoothing", "0.05"}, {"train.grad_clip", "2.5"},
      {"train.log_every_steps", "7"}, {"train.eval_batch_size", "11"}, {"train.timeline", "/tmp/t.json"},
      {"train.timeline_steps", "9"}, {"train.tf32", "true"},
      {"optimizer.type", "adamw"}, {"optimizer.lr", "0.004"}, {"optimizer.weight_decay", "0.02"},
      {"optimizer.betas", "[0.85, 0.95]"}, {"optimizer.eps", "1e-06"},
      {"schedule.type", "cosine"}, {"schedule.warmup_steps", "13"}, {"schedule.min_lr", "0.0001"},
      {"checkpoint.dir", "/ck/run"}, {"checkpoint.every_steps", "17"}, {"checkpoint.every_minutes", "2.5"},
      {"checkpoint.resume", "never"}, {"checkpoint.keep_last", "5"}, {"checkpoint.allow_global_batch_change", "true"},
      {"checkpoint.stop_signals", "[USR2, HUP]"},
      {"dist.bucket_mb", "0.5"}, {"dist.timeout_s", "45"}, {"dist.check_replicas_every", "3"}};
  const Values tokens = {
      {"model.input", "tokens"}, {"model.vocab_size", "50"}, {"model.embed_dim", "8"}, {"model.seq_len", "12"},
      {"model.blocks", "[{conv_attention: {channels: 8, kernel: [1, 3], heads: 2}}]"},
      {"model.head.activation", "tanh"}, {"train.token_dropout", "0.1"}, {"data.val.fraction", "0.2"},
      {"optimizer.type", "sgd"}, {"optimizer.lr", "0.3"}, {"optimizer.momentum", "0.7"}, {"optimizer.nesterov", "true"},
      {"optimizer.weight_decay", "0.001"}, {"checkpoint.resume", "/ck/run/step-00000004.h5"}};

  std::set<std::string> covered;
  for (const Values* values : {&image, &tokens}) {
    std::vector<std::string> overrides;
    for (const auto& [key, value] : *values) overrides.push_back(key + "=" + value), covered.insert(key);
    const std::string yaml = to_yaml(parse_config(base, "run.yaml", overrides));
    const YAML::Node resolved = YAML::Load(yaml);
    for (const auto& [key, value] : *values) {
      const YAML::Node at = yaml_at(resolved, key);
      ASSERT_TRUE(at) << key << " is missing from the resolved YAML:\n" << yaml;
      EXPECT_TRUE(same_yaml(at, YAML::Load(value))) << key << ": set to " << value << ", resolved as " << YAML::Dump(at)
                                                    << "\n" << yaml;
    }
    EXPECT_EQ(to_yaml(parse_config(yaml, "resolved")), yaml) << "the resolved YAML does not round-trip";
  }
  for (const std::string& key : documented_config_keys())
    EXPECT_TRUE(covered.count(key)) << key << " is in docs/config.md but this test gives it no value";
  EXPECT_GE(documented_config_keys().size(), 60u) << "docs/config.md's tables were not read";
}

// yaml-cpp alone writes 0.1 as 0.10000000000000001: the resolved YAML writes each double
// as the shortest text that reads back as the same double, and leaves integers alone (a
// 19-digit seed read as a double would lose its last digits).
TEST(Config, ResolvedYamlWritesNumbersAsPeopleDo) {
  const std::string base = "seed: 4611686018427387903\n"
                           "model: {blocks: [{conv: {channels: 2, kernel: 3}}], head: {dropout: 0.3}, num_classes: 2}\n"
                           "data: {train: {format: hdf5, path: /data/train.h5}}\n"
                           "train: {label_smoothing: 0.1}\noptimizer: {type: adamw, lr: 0.1, betas: [0.9, 0.999]}\n";
  const Config c = parse_config(base, "run.yaml");
  const std::string yaml = to_yaml(c);
  for (const char* text : {"seed: 4611686018427387903\n", "dropout: 0.3", "label_smoothing: 0.1\n", "lr: 0.1\n",
                           "betas: [0.9, 0.999]"})
    EXPECT_NE(yaml.find(text), std::string::npos) << text << " not in\n" << yaml;
  EXPECT_EQ(yaml.find("0000000"), std::string::npos) << yaml;
  const Config again = parse_config(yaml, "resolved");
  EXPECT_EQ(again.seed, c.seed);
  EXPECT_EQ(again.optimizer.lr, c.optimizer.lr);  // exactly the same double
  EXPECT_EQ(again.train.label_smoothing, c.train.label_smoothing);
  EXPECT_EQ(to_yaml(again), yaml);
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
  EXPECT_NE(error_of("model: [\n").find("run.yaml:2: malformed YAML"), std::string::npos) << error_of("model: [\n");
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
