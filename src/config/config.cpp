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

AugmentSpec parse_augment(const ConfigNode& n, const ModelSpec& model) {
  n.allow_only({"crop_pad", "pad", "hflip", "erase", "time_shift", "time_masks", "time_mask_width", "freq_masks",
                "freq_mask_width"});
  AugmentSpec a;
  if (!n.defined()) return a;
  if (model.input != InputKind::image) n.fail("augmentation is for image input (images and log-mel maps)");
  a.crop_pad = int(n.int_or("crop_pad", 0, 0, 1 << 12));
  if (n.has("pad"))
    a.reflect = n.child("pad").to_choice<bool>({{"zero", false}, {"reflect", true}});
  a.hflip = n.bool_or("hflip", false);
  a.erase = n.double_or("erase", 0.0, 0.0, 1.0);
  a.time_shift = int(n.int_or("time_shift", 0, 0, 1 << 16));
  a.time_masks = int(n.int_or("time_masks", 0, 0, 64));
  a.time_mask_width = int(n.int_or("time_mask_width", a.time_masks > 0 ? 10 : 0, 0, 1 << 16));
  a.freq_masks = int(n.int_or("freq_masks", 0, 0, 64));
  a.freq_mask_width = int(n.int_or("freq_mask_width", a.freq_masks > 0 ? 8 : 0, 0, 1 << 16));
  return a;
}

std::string parse_metric(const ConfigNode& n) {
  return n.to_choice<std::string>(
      {{"val_accuracy", "val_accuracy"}, {"val_loss", "val_loss"}, {"val_macro_f1", "val_macro_f1"}});
}

}  // namespace

bool is_selection_metric(const std::string& name) {
  return name == "val_accuracy" || name == "val_loss" || name == "val_macro_f1";
}

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
  data.required().allow_only({"train", "val", "test", "normalize"});
  c.data.train = parse_dataset(data.child("train").required());
  if (data.has("test")) c.data.test = parse_dataset(data.child("test"));
  if (data.has("val")) {
    const ConfigNode val = data.child("val");
    if (val.has("fraction")) {
      val.allow_only({"fraction"});
      c.data.val_fraction = val.child("fraction").to_double(1e-6, 0.9);
    } else {
      c.data.val = parse_dataset(val);
    }
  }
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
                "grad_clip", "augment", "early_stop", "test_every_epoch", "eval_hflip", "log_every_steps", "eval_batch_size",
                "timeline", "timeline_steps", "tf32"});
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
  c.train.augment = parse_augment(t.child("augment"), c.model);
  if (t.has("early_stop")) {
    const ConfigNode e = t.child("early_stop");
    e.allow_only({"metric", "patience", "min_delta"});
    c.train.early_stop.metric = parse_metric(e.child("metric").required());
    c.train.early_stop.patience = e.int_or("patience", c.train.early_stop.patience, 1, kBig);
    c.train.early_stop.min_delta = e.double_or("min_delta", 0.0, 0.0, 1e6);
    if (!c.data.has_val()) e.fail("needs a validation set: data.val (a file, or {fraction: 0.1})");
  }
  c.train.test_every_epoch = t.bool_or("test_every_epoch", false);
  c.train.eval_hflip = t.bool_or("eval_hflip", false);
  if (c.train.eval_hflip && c.model.input != InputKind::image)
    t.child("eval_hflip").fail("eval_hflip mirrors images: it needs model.input: image");
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
  k.allow_only({"dir", "every_steps", "every_minutes", "resume", "keep_last", "keep_best",
                "allow_global_batch_change", "stop_signals"});
  c.checkpoint.dir = k.string_or("dir", c.checkpoint.dir);
  if (c.checkpoint.dir.empty()) k.child("dir").fail("must not be empty");
  c.checkpoint.every_steps = k.int_or("every_steps", 0, 0, kBig);
  c.checkpoint.resume = k.string_or("resume", "auto");
  c.checkpoint.keep_last = k.int_or("keep_last", c.checkpoint.keep_last, 0, kBig);
  if (k.has("keep_best")) {
    const ConfigNode b = k.child("keep_best");
    b.allow_only({"metric"});
    c.checkpoint.keep_best = parse_metric(b.child("metric").required());
    if (!c.data.has_val()) b.fail("needs a validation set: data.val (a file, or {fraction: 0.1})");
  }
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

}  // namespace manet
