#pragma once
// Bad values of a valid config, one --set override each, and the words the one-line
// error must contain. Used in process (tests/config) and through the binary (faults).
#include <string>
#include <utility>
#include <vector>

namespace manet::testing {

// A valid config (Fashion-MNIST data) the bad cases start from; checkpoints go to
// `checkpoint_dir`.
inline std::string good_config_yaml(const std::string& checkpoint_dir) {
  return R"(seed: 3
model:
  blocks:
    - conv: {channels: 8, kernel: 3}
    - pool_attention: {pool: max, size: 2, heads: 2}
  head: {hidden: [16], activation: relu, dropout: 0.1}
  num_classes: 10
data:
  train: {format: fashion_mnist, split: train}
  test: {format: fashion_mnist, split: test}
train:
  batch_size: 32
  epochs: 2
optimizer: {type: sgd, lr: 0.05, momentum: 0.9, nesterov: true, weight_decay: 0.0001}
checkpoint: {dir: )" + checkpoint_dir + R"(, every_steps: 100}
)";
}

inline const std::vector<std::pair<std::vector<std::string>, std::string>>& bad_config_overrides() {
  static const std::vector<std::pair<std::vector<std::string>, std::string>> cases = {
      {{"trian.batch_size=3"}, "run.yaml: (--set trian.batch_size) trian: unknown key"},
      {{"train.batch_sise=3"}, "train.batch_sise: unknown key"},
      {{"train.batch_size=0"}, "train.batch_size: must be in [1, "},
      {{"train.batch_size=lots"}, "train.batch_size: expected an integer, got 'lots'"},
      {{"train.epochs=-1"}, "train.epochs: must be in [1, "},
      {{"train.shuffle=maybe"}, "train.shuffle: expected true or false, got 'maybe'"},
      {{"train.label_smoothing=1.5"}, "train.label_smoothing: must be in [0, 0.999], got 1.5"},
      {{"optimizer.type=adam"}, "optimizer.type: expected one of sgd, adamw, got 'adam'"},
      {{"optimizer.lr=0"}, "optimizer.lr: must be in [1e-12, 1000], got 0"},
      {{"optimizer.momentum=1.5"}, "optimizer.momentum: must be in [0, 1], got 1.5"},
      {{"optimizer={type: adamw, betas: [0.9]}"}, "optimizer.betas: expected a pair [beta1, beta2]"},
      {{"optimizer={type: adamw, momentum: 0.9}"}, "optimizer.momentum: unknown key"},
      {{"optimizer={type: sgd, nesterov: true}"}, "optimizer.nesterov: nesterov needs a momentum > 0"},
      {{"data.train.format=csv"}, "data.train.format: expected one of fashion_mnist, hdf5, got 'csv'"},
      {{"data.train={format: hdf5}"}, "data.train.path: missing"},
      {{"data.train.split=validation"}, "data.train.split: expected one of train, test, got 'validation'"},
      {{"data.test={format: hdf5, path: a.h5, split: test}"}, "data.test.split: only for format: fashion_mnist"},
      {{"schedule.type=linear"}, "schedule.type: expected one of constant, cosine, got 'linear'"},
      {{"schedule.min_lr=1"}, "schedule.min_lr: must not exceed optimizer.lr"},
      {{"checkpoint.every_steps=-5"}, "checkpoint.every_steps: must be in [0, "},
      {{"checkpoint.keep=2"}, "checkpoint.keep: unknown key"},
      {{"seed=-1"}, "seed: must be in [0, "},
      {{"model.num_classes=1"}, "model.num_classes: must be in [2, "},
      {{"train.batch_size"}, "--set train.batch_size: expected key.path=value"},
      {{"checkpoint.keep_best={metric: val_accuracy}"}, "checkpoint.keep_best: needs a validation set: data.val"},
      {{"train.early_stop={metric: val_loss}"}, "train.early_stop: needs a validation set: data.val"},
      {{"data.val={fraction: 0.1}", "train.early_stop={metric: test_accuracy}"},
       "train.early_stop.metric: expected one of val_accuracy, val_loss, val_macro_f1, got 'test_accuracy'"},
      {{"data.val={fraction: 0.1}", "checkpoint.keep_best={metric: val_accuracy, mode: max}"},
       "checkpoint.keep_best.mode: unknown key"},
      {{"data.val={fraction: 1.5}"}, "data.val.fraction: must be in [1e-06, 0.9], got 1.5"},
      {{"data.val={fraction: 0.1, format: hdf5}"}, "data.val.format: unknown key"},
      {{"train.augment={crop_pad: 2, flip: true}"}, "train.augment.flip: unknown key"},
      {{"train.augment.pad=mirror"}, "train.augment.pad: expected one of zero, reflect, got 'mirror'"},
      {{"train.augment.erase=2"}, "train.augment.erase: must be in [0, 1], got 2"},
      {{"train.eval_hflip=sometimes"}, "train.eval_hflip: expected true or false, got 'sometimes'"},
      {{"model={input: tokens, vocab_size: 50, embed_dim: 8, seq_len: 12, num_classes: 10, "
        "blocks: [{conv_attention: {channels: 8, kernel: [1, 3], heads: 2}}]}",
        "train.eval_hflip=true"},
       "train.eval_hflip: eval_hflip mirrors images: it needs model.input: image"},
  };
  return cases;
}

}  // namespace manet::testing
