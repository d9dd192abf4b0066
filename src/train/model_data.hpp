#pragma once
// A model and the data it trains or is evaluated on must agree: input kind, channels, image
// size, sequence length, vocabulary and classes. The config leaves out what the data fixes.
#include <string>

#include "data/dataset.hpp"
#include "model/model_spec.hpp"
#include "optim/optimizer_spec.hpp"

namespace manet {

// Takes the image size from the data when the model does not name one (model.image_size),
// then checks as below.
void fit_model_to_data(ModelSpec& model, const Dataset& data, const std::string& source);

// Throws a usage Error naming `source` (the config), the data set and both sides of the
// first mismatch; also the shape checks that needed the input size.
void check_data_fits_model(const ModelSpec& model, const Dataset& data, const std::string& source);

// Token data: every sample must keep a valid position through every pooling of the model
// (a sequence of padding only, or whose tokens all fall where a pooling drops them, is bad
// input). Checked for every sample at start-up, so that a bad row names its file and index
// before training, not at the step or evaluation that meets it.
void check_every_sample(const ModelSpec& model, const Dataset& data, const std::string& source);

// Refuses a model whose parameters, gradients and optimizer state would not fit in this
// machine's memory, before allocating them.
void check_model_fits_memory(const ModelSpec& model, const OptimizerSpec& optimizer, const std::string& source);

}  // namespace manet
