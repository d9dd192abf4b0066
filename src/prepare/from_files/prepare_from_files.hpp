#pragma once
// `manet prepare images|audio|text --from PATH --out DIR`: data sets from your own files
// (docs/data.md, "Your own data"). Each writes DIR/train.h5 (and val.h5, test.h5 for
// --val-fraction, --test-fraction) with /classes and /preprocess, prints the counts per
// class, names every file it cannot read and skips it (refuses with --strict).
#include "prepare/prepare.hpp"

namespace manet::prepare {

// PNG and JPEG in class folders -> float32 [N, C, H, W], normalised per channel with the
// training split's mean and standard deviation (or --mean/--std, or --like's).
void prepare_images(const PrepareOptions& options);

// WAV, FLAC, Ogg, ... in class folders -> the log-mel features of media/speech_features.hpp,
// float32 [N, 1, bands, frames].
void prepare_audio(const PrepareOptions& options);

// Texts in class folders (one .txt file per sample) or in a .tsv / .csv file (label, text
// per line) -> token ids int64 [N, seq_len] with the training split's vocabulary (or --like's).
void prepare_labelled_text(const PrepareOptions& options);

}  // namespace manet::prepare
