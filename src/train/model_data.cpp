#include "train/model_data.hpp"

#include <unistd.h>

#include <algorithm>
#include <cstdio>
#include <vector>

#include "core/error.hpp"
#include "model/model_graph.hpp"

namespace manet {

void fit_model_to_data(ModelSpec& model, const Dataset& data, const std::string& source) {
  if (model.input == InputKind::image && !data.tokens && model.height == 0)
    model.height = data.sample_shape.H, model.width = data.sample_shape.W;
  check_data_fits_model(model, data, source);
}

void check_data_fits_model(const ModelSpec& m, const Dataset& data, const std::string& source) {
  const std::string where = source + ": ";
  if (data.tokens != (m.input == InputKind::tokens))
    throw Error(where + "model.input is " + (m.input == InputKind::tokens ? "tokens" : "image") + " but " + data.name +
                    " holds " + (data.tokens ? "token ids" : "images"),
                ErrorKind::usage);
  if (m.input == InputKind::image) {
    if (data.sample_shape.C != m.in_channels)
      throw Error(where + "model.in_channels is " + std::to_string(m.in_channels) + " but " + data.name + " has " +
                      std::to_string(data.sample_shape.C) + " channels",
                  ErrorKind::usage);
    if (m.height != data.sample_shape.H || m.width != data.sample_shape.W) {
      throw Error(where + "model.image_size is " + std::to_string(m.height) + "x" + std::to_string(m.width) + " but " +
                      data.name + " has " + std::to_string(data.sample_shape.H) + "x" +
                      std::to_string(data.sample_shape.W) + " images",
                  ErrorKind::usage);
    }
  } else {
    if (data.sample_shape.W != m.seq_len)
      throw Error(where + "model.seq_len is " + std::to_string(m.seq_len) + " but " + data.name + " has sequences of " +
                      std::to_string(data.sample_shape.W) + " ids",
                  ErrorKind::usage);
    const int64_t top = data.ids.empty() ? 0 : *std::max_element(data.ids.begin(), data.ids.end());
    if (top >= m.vocab_size)
      throw Error(where + "model.vocab_size is " + std::to_string(m.vocab_size) + " but " + data.name +
                      " has token id " + std::to_string(top),
                  ErrorKind::usage);
  }
  if (data.num_classes > m.num_classes)
    throw Error(where + "model.num_classes is " + std::to_string(m.num_classes) + " but " + data.name +
                    " has label " + std::to_string(data.num_classes - 1),
                ErrorKind::usage);
  // Shape checks that waited for the input size (no line: the size came from the data).
  try {
    validate(m);
  } catch (const KeyError& e) {
    throw Error(where + e.what(), ErrorKind::usage);
  }
}

void check_every_sample(const ModelSpec& model, const Dataset& data, const std::string& source) {
  if (!data.tokens) return;
  const long T = data.sample_shape.W;
  std::vector<uint8_t> mask(static_cast<std::size_t>(T)), pooled(static_cast<std::size_t>(T));
  for (long n = 0; n < data.size(); ++n) {
    long length = T, valid = 0;
    for (long t = 0; t < T; ++t) valid += (mask[std::size_t(t)] = data.ids[std::size_t(n * T + t)] != 0);
    if (valid == 0)
      throw Error(data.name + ": /x: sample " + std::to_string(n) + " (of " + std::to_string(data.size()) +
                      ") has no token: every id is 0 (padding); remove it or give it text (" + source + ")",
                  ErrorKind::usage);
    for (std::size_t i = 0; i < model.blocks.size(); ++i) {
      const BlockSpec& b = model.blocks[i];
      if (b.kind != BlockKind::pool_attention) continue;
      const long out = length / b.pool_w;  // a sequence is 1 x T: the windows run along T
      valid = 0;
      for (long j = 0; j < out; ++j) {
        uint8_t any = 0;
        for (long k = 0; k < b.pool_w; ++k) any |= mask[std::size_t(j * b.pool_w + k)];
        valid += (pooled[std::size_t(j)] = any);
      }
      std::copy_n(pooled.begin(), out, mask.begin());
      length = out;
      if (valid == 0)
        throw Error(data.name + ": /x: sample " + std::to_string(n) + " has no valid position left after the pooling of "
                        "model.blocks[" + std::to_string(i) + "] (its tokens all fall in the tail the pooling drops): "
                        "use a shorter model.seq_len or smaller pooling (" + source + ")",
                    ErrorKind::usage);
    }
  }
}

void check_model_fits_memory(const ModelSpec& model, const OptimizerSpec& optimizer, const std::string& source) {
  const double params = double(build_graph(model).table.total());
  // Values and gradients, the optimizer's slots, and a checkpoint's image of both.
  const double slots = optimizer.type == "adamw" ? 2 : optimizer.momentum != 0 ? 1 : 0;
  const double bytes = params * sizeof(float) * (2 + 2 * slots + 1);
  const double memory = double(sysconf(_SC_PHYS_PAGES)) * double(sysconf(_SC_PAGESIZE));
  char text[256] = {};
  if (params > double((1L << 31) - 1))
    std::snprintf(text, sizeof text, "the model has %.0f parameters, more than the %ld one flat buffer can index",
                  params, (1L << 31) - 1);
  else if (memory > 0 && bytes > 0.8 * memory)
    std::snprintf(text, sizeof text,
                  "the model has %.0f parameters: with its gradients and %s state that is %.1f GB per rank, more than "
                  "this machine's %.1f GB of memory can hold",
                  params, optimizer.type.c_str(), bytes / 1e9, memory / 1e9);
  if (*text) throw Error(source + ": model: " + text + "; use fewer or smaller layers", ErrorKind::usage);
}

}  // namespace manet
