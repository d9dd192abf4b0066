#include "config/config.hpp"

#include <yaml-cpp/yaml.h>

#include <algorithm>
#include <csignal>

#include "config/model_config.hpp"
#include "config/yaml_reader.hpp"

namespace manet {

namespace {

constexpr long kBig = 1L << 40;

DatasetSpec parse_dataset(const ConfigNode& n) {
  n.allow_only({"format", "split", "path"});
  DatasetSpec d;
  d.format = n.child("format").to_choice<std::string>({{"fashion_mnist", "fashion_mnist"}, {"hdf5", "hdf5"}});
  if (d.format == "fashion_mnist") {
    if (n.has("path")) n.child("path").fail("only for format: hdf5 (fashion_mnist is read from its Debian package)");
    d.split = n.child("split").to_choice<std::string>({{"train", "train"}, {"test", "test"}});
  } else {
    if (n.has("split")) n.child("split").fail("only for format: fashion_mnist (an hdf5 file is one split)");
    d.path = n.child("path").to_string();
  }
  return d;
}

}  // namespace

namespace {
Config parse_checked(const std::string& yaml, const std::string& name, const std::vector<std::string>& overrides);
}  // namespace

// Every reading error is a usage error naming the file: a yaml-cpp exception that got
// past the checks (a conversion of an odd node) too.
Config parse_config(const std::string& yaml, const std::string& name, const std::vector<std::string>& overrides) {
  try {
    return parse_checked(yaml, name, overrides);
  } catch (const YAML::Exception& e) {
    throw Error(name + (e.mark.is_null() ? "" : ":" + std::to_string(e.mark.line + 1)) + ": " + e.msg,
                ErrorKind::usage);
  }
}

namespace {

Config parse_checked(const std::string& yaml, const std::string& name, const std::vector<std::string>& overrides) {
  const ConfigNode root = parse_yaml_config(yaml, name, overrides);
  root.allow_only({"seed", "device", "model", "data", "train", "optimizer", "schedule", "checkpoint", "dist"});
  Config c;
  c.source = name;
  c.seed = uint64_t(root.int_or("seed", 1, 0, (1L << 62)));
  if (root.has("device"))
    c.device = root.child("device").to_choice<std::string>({{"auto", "auto"}, {"cpu", "cpu"}, {"cuda", "cuda"}});

  const ConfigNode data = root.child("data");
  data.required().allow_only({"train", "test", "normalize"});
  c.data.train = parse_dataset(data.child("train").required());
  if (data.has("test")) c.data.test = parse_dataset(data.child("test"));
  if (data.has("normalize")) {
    const ConfigNode norm = data.child("normalize");
    norm.allow_only({"mean", "std"});
    c.data.normalize.mean = norm.double_or("mean", c.data.normalize.mean, -1e6, 1e6);
    c.data.normalize.std = norm.double_or("std", c.data.normalize.std, 1e-9, 1e6);
  }

  const std::pair<int, int> size = c.data.train.format == "fashion_mnist" ? std::pair{28, 28} : std::pair{0, 0};
  c.model = parse_model_section(root.child("model"), size);

  const ConfigNode t = root.child("train");
  t.allow_only({"batch_size", "max_steps", "epochs", "shuffle", "init_from", "label_smoothing", "token_dropout",
                "grad_clip", "log_every_steps", "eval_batch_size", "timeline", "timeline_steps", "tf32"});
  c.train.batch_size = t.int_or("batch_size", c.train.batch_size, 1, 1 << 20);
  c.train.max_steps = t.int_or("max_steps", 0, 0, kBig);
  c.train.epochs = t.int_or("epochs", c.train.epochs, 1, 1 << 20);
  c.train.shuffle = t.bool_or("shuffle", true);
  c.train.init_from = t.string_or("init_from", "");
  c.train.label_smoothing = t.double_or("label_smoothing", 0.0, 0.0, 0.999);
  c.train.token_dropout = t.double_or("token_dropout", 0.0, 0.0, 0.99);
  if (c.train.token_dropout > 0 && c.model.input != InputKind::tokens)
    t.child("token_dropout").fail("token_dropout needs model.input: tokens");
  c.train.grad_clip = t.double_or("grad_clip", 0.0, 0.0, 1e12);
  c.train.log_every_steps = t.int_or("log_every_steps", c.train.log_every_steps, 1, kBig);
  // Evaluation batches default to the training batch: larger ones only cost memory.
  c.train.eval_batch_size = t.int_or("eval_batch_size", c.train.batch_size, 1, 1 << 20);
  c.train.timeline = t.string_or("timeline", "");
  c.train.timeline_steps = t.int_or("timeline_steps", c.train.timeline_steps, 1, 100000);
  c.train.tf32 = t.bool_or("tf32", false);

  const ConfigNode o = root.child("optimizer");
  OptimizerSpec& opt = c.optimizer;
  opt.type = o.defined() && o.has("type") ? o.child("type").to_choice<std::string>({{"sgd", "sgd"}, {"adamw", "adamw"}})
                                          : "sgd";
  if (opt.type == "sgd") {
    o.allow_only({"type", "lr", "momentum", "nesterov", "weight_decay"});
    opt.momentum = o.double_or("momentum", 0.0, 0.0, 1.0);
    opt.nesterov = o.bool_or("nesterov", false);
    if (opt.nesterov && opt.momentum == 0) o.child("nesterov").fail("nesterov needs a momentum > 0");
    opt.weight_decay = o.double_or("weight_decay", 0.0, 0.0, 1e3);
  } else {
    o.allow_only({"type", "lr", "betas", "eps", "weight_decay"});
    opt.lr = 1e-3;
    if (o.has("betas")) {
      const ConfigNode b = o.child("betas");
      if (!b.is_sequence() || b.size() != 2) b.fail("expected a pair [beta1, beta2], e.g. [0.9, 0.999]");
      opt.beta1 = b.at(0).to_double(0.0, 0.999999);
      opt.beta2 = b.at(1).to_double(0.0, 0.999999);
    }
    opt.eps = o.double_or("eps", 1e-8, 1e-30, 1.0);
    opt.weight_decay = o.double_or("weight_decay", 1e-2, 0.0, 1e3);
  }
  opt.lr = o.double_or("lr", opt.lr, 1e-12, 1e3);

  const ConfigNode s = root.child("schedule");
  s.allow_only({"type", "warmup_steps", "min_lr"});
  if (s.has("type")) c.schedule.type = s.child("type").to_choice<std::string>({{"constant", "constant"}, {"cosine", "cosine"}});
  c.schedule.warmup_steps = s.int_or("warmup_steps", 0, 0, kBig);
  c.schedule.min_lr = s.double_or("min_lr", 0.0, 0.0, 1e3);
  if (s.has("min_lr") && c.schedule.min_lr > opt.lr) s.child("min_lr").fail("must not exceed optimizer.lr");

  const ConfigNode k = root.child("checkpoint");
  k.allow_only({"dir", "every_steps", "every_minutes", "resume", "keep_last", "allow_global_batch_change",
                "stop_signals"});
  c.checkpoint.dir = k.string_or("dir", c.checkpoint.dir);
  if (c.checkpoint.dir.empty()) k.child("dir").fail("must not be empty");
  c.checkpoint.every_steps = k.int_or("every_steps", 0, 0, kBig);
  c.checkpoint.resume = k.string_or("resume", "auto");
  c.checkpoint.keep_last = k.int_or("keep_last", c.checkpoint.keep_last, 0, kBig);
  c.checkpoint.every_minutes = k.double_or("every_minutes", 0.0, 0.0, 1e6);
  c.checkpoint.allow_global_batch_change = k.bool_or("allow_global_batch_change", false);
  c.checkpoint.stop_signals = {SIGINT, SIGTERM, SIGUSR1};
  if (k.has("stop_signals")) {
    const ConfigNode list = k.child("stop_signals");
    if (!list.is_sequence()) list.fail("must be a list of signal names, e.g. [INT, TERM, USR1]");
    c.checkpoint.stop_signals.clear();
    for (std::size_t i = 0; i < list.size(); ++i)
      c.checkpoint.stop_signals.push_back(list.at(i).to_choice<int>(
          {{"INT", SIGINT}, {"TERM", SIGTERM}, {"USR1", SIGUSR1}, {"USR2", SIGUSR2}, {"HUP", SIGHUP},
           {"SIGINT", SIGINT}, {"SIGTERM", SIGTERM}, {"SIGUSR1", SIGUSR1}, {"SIGUSR2", SIGUSR2}, {"SIGHUP", SIGHUP}}));
  }

  const ConfigNode d = root.child("dist");
  d.allow_only({"bucket_mb", "timeout_s", "check_replicas_every"});
  c.dist.bucket_mb = d.double_or("bucket_mb", c.dist.bucket_mb, 1.0 / 1024, 256);
  c.dist.timeout_s = d.double_or("timeout_s", c.dist.timeout_s, 0.1, 7 * 24 * 3600.0);
  c.dist.check_replicas_every = d.int_or("check_replicas_every", c.dist.check_replicas_every, 0, kBig);
  return c;
}

}  // namespace

Config load_config(const std::string& file, const std::vector<std::string>& overrides) {
  return parse_config(read_config_file(file), file, overrides);
}

namespace {

std::string signal_name(int sig) {
  switch (sig) {
    case SIGINT: return "INT";
    case SIGTERM: return "TERM";
    case SIGUSR1: return "USR1";
    case SIGUSR2: return "USR2";
    case SIGHUP: return "HUP";
  }
  return std::to_string(sig);
}

YAML::Node dataset_yaml(const DatasetSpec& d) {
  YAML::Node n;
  n["format"] = d.format;
  if (d.format == "hdf5")
    n["path"] = d.path;
  else
    n["split"] = d.split;
  return n;
}

YAML::Node flow_pair(int a, int b) {
  YAML::Node n;
  n.SetStyle(YAML::EmitterStyle::Flow);
  n.push_back(a);
  n.push_back(b);
  return n;
}

const char* activation_name(cpu::ActivationKind k) {
  return k == cpu::ActivationKind::relu ? "relu" : k == cpu::ActivationKind::sigmoid ? "sigmoid" : "tanh";
}

}  // namespace

std::string to_yaml(const Config& c) {
  YAML::Node root;
  root["seed"] = c.seed;
  root["device"] = c.device;
  YAML::Node m;
  const ModelSpec& s = c.model;
  if (s.input == InputKind::image) {
    m["input"] = "image";
    m["in_channels"] = s.in_channels;
    if (s.height > 0) m["image_size"] = flow_pair(s.height, s.width);
  } else {
    m["input"] = "tokens";
    m["vocab_size"] = s.vocab_size;
    m["embed_dim"] = s.embed_dim;
    m["seq_len"] = s.seq_len;
  }
  for (const BlockSpec& b : s.blocks) {
    YAML::Node body;
    body.SetStyle(YAML::EmitterStyle::Flow);
    if (b.kind == BlockKind::pool_attention) {
      body["pool"] = b.pool == cpu::PoolKind::max ? "max" : "avg";
      body["size"] = flow_pair(b.pool_h, b.pool_w);
      body["heads"] = b.heads;
    } else {
      body["channels"] = b.channels;
      body["kernel"] = flow_pair(b.kernel_h, b.kernel_w);
      if (b.kind == BlockKind::conv_attention) body["heads"] = b.heads;
    }
    YAML::Node block;
    block[block_kind_name(b.kind)] = body;
    m["blocks"].push_back(block);
  }
  YAML::Node head;
  head.SetStyle(YAML::EmitterStyle::Flow);
  YAML::Node hidden(YAML::NodeType::Sequence);
  for (int h : s.head.hidden) hidden.push_back(h);
  head["hidden"] = hidden;
  head["activation"] = activation_name(s.head.activation);
  head["dropout"] = s.head.dropout;
  m["head"] = head;
  m["num_classes"] = s.num_classes;
  root["model"] = m;

  root["data"]["train"] = dataset_yaml(c.data.train);
  if (c.data.test.defined()) root["data"]["test"] = dataset_yaml(c.data.test);
  if (c.model.input == InputKind::image) {  // pixels only: tokens are ids
    root["data"]["normalize"]["mean"] = c.data.normalize.mean;
    root["data"]["normalize"]["std"] = c.data.normalize.std;
  }

  YAML::Node t;
  t["batch_size"] = c.train.batch_size;
  t["max_steps"] = c.train.max_steps;
  t["epochs"] = c.train.epochs;
  t["shuffle"] = c.train.shuffle;
  if (!c.train.init_from.empty()) t["init_from"] = c.train.init_from;
  t["label_smoothing"] = c.train.label_smoothing;
  if (c.train.token_dropout > 0) t["token_dropout"] = c.train.token_dropout;
  t["grad_clip"] = c.train.grad_clip;
  t["log_every_steps"] = c.train.log_every_steps;
  t["eval_batch_size"] = c.train.eval_batch_size;
  if (!c.train.timeline.empty()) t["timeline"] = c.train.timeline, t["timeline_steps"] = c.train.timeline_steps;
  if (c.train.tf32) t["tf32"] = true;
  root["train"] = t;

  YAML::Node o;
  o["type"] = c.optimizer.type;
  o["lr"] = c.optimizer.lr;
  if (c.optimizer.type == "sgd") {
    o["momentum"] = c.optimizer.momentum;
    o["nesterov"] = c.optimizer.nesterov;
  } else {
    YAML::Node betas;
    betas.SetStyle(YAML::EmitterStyle::Flow);
    betas.push_back(c.optimizer.beta1);
    betas.push_back(c.optimizer.beta2);
    o["betas"] = betas;
    o["eps"] = c.optimizer.eps;
  }
  o["weight_decay"] = c.optimizer.weight_decay;
  root["optimizer"] = o;

  root["schedule"]["type"] = c.schedule.type;
  root["schedule"]["warmup_steps"] = c.schedule.warmup_steps;
  root["schedule"]["min_lr"] = c.schedule.min_lr;

  root["checkpoint"]["dir"] = c.checkpoint.dir;
  root["checkpoint"]["every_steps"] = c.checkpoint.every_steps;
  root["checkpoint"]["resume"] = c.checkpoint.resume;
  root["checkpoint"]["keep_last"] = c.checkpoint.keep_last;
  root["checkpoint"]["every_minutes"] = c.checkpoint.every_minutes;
  root["checkpoint"]["allow_global_batch_change"] = c.checkpoint.allow_global_batch_change;
  YAML::Node signals;
  signals.SetStyle(YAML::EmitterStyle::Flow);
  for (int sig : c.checkpoint.stop_signals) signals.push_back(signal_name(sig));
  root["checkpoint"]["stop_signals"] = signals;

  root["dist"]["bucket_mb"] = c.dist.bucket_mb;
  root["dist"]["timeout_s"] = c.dist.timeout_s;
  root["dist"]["check_replicas_every"] = c.dist.check_replicas_every;

  YAML::Emitter out;
  out.SetDoublePrecision(17);
  out << root;
  return std::string(out.c_str()) + "\n";
}

}  // namespace manet
