#pragma once
// Checkpoints (docs/checkpoint.md): one HDF5 file with weights, optimizer state, where
// training stands and the config, written atomically and verified on load.
#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include "checkpoint/run_position.hpp"
#include "data/preprocess.hpp"
#include "model/param_table.hpp"

namespace manet {

struct CheckpointContents {
  RunPosition position;                    // /meta, /data, /state, /optimizer@step, /metrics
  std::string created_utc, manet_version;  // /meta
  std::string config_yaml;                 // /config
  std::vector<float> params;               // /model: flat, canonical order
  // /optimizer (type empty: none stored)
  std::string optimizer_type;
  std::vector<std::pair<std::string, double>> optimizer_hyper;
  std::vector<std::pair<std::string, std::vector<float>>> slots;  // flat, canonical order
  // /preprocess (optional; empty: not written): class names and how raw inputs become the
  // model's, copied from the training data (data/preprocess.hpp). Checkpoints written
  // before it existed lack it; eval and resume do not need it, `manet predict` does.
  Preprocess preprocess;

  // Read, not written: the datasets (and "/config" without its crc32) that carry no
  // checksum, so their values could not be verified: files written by other tools.
  std::vector<std::string> unchecked;
  int64_t datasets = 0;  // how many datasets were read
  // Read, not written: the attributes of /meta and /data that a resume needs and the file
  // lacks (a file written by hand for train.init_from or eval need not have them).
  std::vector<std::string> missing_position;
};

// Writes `path` atomically: a temporary file in the same directory, flushed and fsynced,
// renamed, and the directory fsynced. On failure the temporary file is removed, any
// previous file at `path` is untouched, and the Error names the path and the size needed.
void save_checkpoint(const std::string& path, const CheckpointContents& c, const ParamTable& table);

// Reads and verifies a checkpoint against the model's parameter table: format, every
// checksum, every name and shape (a mismatch names the parameter and both shapes).
CheckpointContents load_checkpoint(const std::string& path, const ParamTable& table);

// Only the stored config (to build the model a checkpoint belongs to); verifies its CRC
// when the file has one.
std::string read_checkpoint_config(const std::string& path);

// "" for a fully checksummed checkpoint, else one line saying what carries no checksum.
std::string unchecked_note(const std::string& path, const CheckpointContents& c);

// "step-00001234.h5": names sort by step.
std::string checkpoint_file_name(int64_t step);
// Checkpoint files in `dir`, newest (highest step) first.
std::vector<std::string> list_checkpoints(const std::string& dir);

}  // namespace manet
