#pragma once
// The `model` section of a config -> ModelSpec (docs/model.md, docs/config.md).
#include "config/yaml_reader.hpp"
#include "model/model_spec.hpp"

namespace manet {

// Parses and validates the `model` section. `image_size` {H, W} is used when the
// section has no `image_size` key (e.g. taken from the data set); {0, 0} leaves it open.
// Errors name the key, the file and the line.
ModelSpec parse_model_section(const ConfigNode& model, std::pair<int, int> image_size = {0, 0});

}  // namespace manet
