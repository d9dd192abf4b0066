// The resolved config back to YAML: every key, defaults filled in (what a run prints and
// what a checkpoint stores as /config).
#include "config/config.hpp"

#include <yaml-cpp/yaml.h>

#include <charconv>
#include <csignal>
#include <cstdlib>
#include <string>

#include "config/model_config.hpp"

namespace manet {

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

// yaml-cpp writes a double with 17 significant digits (0.10000000000000001): exact, but
// not what anyone wrote. Each such scalar becomes the shortest text that reads back as the
// same double (0.1), so the resolved config stays exact and readable.
void shortest_numbers(YAML::Node node) {
  if (node.IsMap() || node.IsSequence()) {
    for (auto it = node.begin(); it != node.end(); ++it) shortest_numbers(node.IsMap() ? it->second : *it);
    return;
  }
  if (!node.IsScalar()) return;
  const std::string text = node.Scalar();
  int digits = 0;
  for (char ch : text) digits += ch >= '0' && ch <= '9';
  // Only what yaml-cpp wrote for a double: an integer (a 64-bit seed) stays as it is.
  if (digits < 16 || text.find_first_of(".eE") == std::string::npos) return;
  char* end = nullptr;
  const double value = std::strtod(text.c_str(), &end);
  if (end != text.c_str() + text.size()) return;  // not a number
  char buf[32];
  const auto [ptr, ec] = std::to_chars(buf, buf + sizeof buf, value);
  if (ec == std::errc()) node = std::string(buf, ptr);
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
  if (c.data.val.defined()) root["data"]["val"] = dataset_yaml(c.data.val);
  if (c.data.val_fraction > 0) root["data"]["val"]["fraction"] = c.data.val_fraction;
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
  const AugmentSpec& a = c.train.augment;
  if (a.any()) {
    YAML::Node augment;
    augment.SetStyle(YAML::EmitterStyle::Flow);
    if (a.crop_pad > 0) augment["crop_pad"] = a.crop_pad, augment["pad"] = a.reflect ? "reflect" : "zero";
    if (a.hflip) augment["hflip"] = true;
    if (a.erase > 0) augment["erase"] = a.erase;
    if (a.time_shift > 0) augment["time_shift"] = a.time_shift;
    if (a.time_masks > 0) augment["time_masks"] = a.time_masks, augment["time_mask_width"] = a.time_mask_width;
    if (a.freq_masks > 0) augment["freq_masks"] = a.freq_masks, augment["freq_mask_width"] = a.freq_mask_width;
    t["augment"] = augment;
  }
  if (!c.train.early_stop.metric.empty()) {
    YAML::Node e;
    e.SetStyle(YAML::EmitterStyle::Flow);
    e["metric"] = c.train.early_stop.metric;
    e["patience"] = c.train.early_stop.patience;
    e["min_delta"] = c.train.early_stop.min_delta;
    t["early_stop"] = e;
  }
  t["test_every_epoch"] = c.train.test_every_epoch;
  if (c.train.eval_hflip) t["eval_hflip"] = true;
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
  if (!c.checkpoint.keep_best.empty()) {
    root["checkpoint"]["keep_best"]["metric"] = c.checkpoint.keep_best;
    root["checkpoint"]["keep_best"].SetStyle(YAML::EmitterStyle::Flow);
  }
  root["checkpoint"]["every_minutes"] = c.checkpoint.every_minutes;
  root["checkpoint"]["allow_global_batch_change"] = c.checkpoint.allow_global_batch_change;
  YAML::Node signals;
  signals.SetStyle(YAML::EmitterStyle::Flow);
  for (int sig : c.checkpoint.stop_signals) signals.push_back(signal_name(sig));
  root["checkpoint"]["stop_signals"] = signals;

  root["dist"]["bucket_mb"] = c.dist.bucket_mb;
  root["dist"]["timeout_s"] = c.dist.timeout_s;
  root["dist"]["check_replicas_every"] = c.dist.check_replicas_every;

  shortest_numbers(root);
  YAML::Emitter out;
  out.SetDoublePrecision(17);
  out << root;
  return std::string(out.c_str()) + "\n";
}

}  // namespace manet
