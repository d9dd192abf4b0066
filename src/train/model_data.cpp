#include "train/model_data.hpp"

#include <algorithm>

#include "core/error.hpp"

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

}  // namespace manet
