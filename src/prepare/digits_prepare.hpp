#pragma once
// SynthDigits-10 (docs/datasets.md): spoken digits synthesised by espeak-ng for
// training, tested on held-out espeak voices and on another synthesiser (flite).
#include "prepare/prepare.hpp"

namespace manet::prepare {

void prepare_digits(const PrepareOptions& options);

}  // namespace manet::prepare
