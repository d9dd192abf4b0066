#include "app/prepare_command.hpp"

#include <cstdio>
#include <memory>
#include <string>

#include "comm/agree.hpp"
#include "core/error.hpp"
#include "prepare/prepare.hpp"

namespace manet {

void add_prepare_command(CLI::App& app, comm::Comm& comm) {
  auto pargs = std::make_shared<prepare::PrepareOptions>();
  auto size = std::make_shared<std::string>();
  auto* prepare_cmd = app.add_subcommand(
      "prepare", "Build a data set: the text and speech sets from Debian packages, or your own images, audio or "
                 "text (one process).");
  prepare_cmd->add_option("dataset", pargs->dataset, std::string("which: ") + prepare::kPreparableDatasets)->required();
  prepare_cmd->add_option("--out", pargs->out_dir, "directory for train.h5, test.h5 (and the digits test sets; val.h5)")
      ->required();
  prepare_cmd->add_flag("--force", pargs->force, "rebuild even when the files are up to date");
  prepare_cmd->add_option("--seq-len", pargs->seq_len, "text: token ids per sample (default wn26 40, fort14 64, text 64)")
      ->check(CLI::Range(1, 4096));
  prepare_cmd->add_option("--min-count", pargs->min_count,
                          "text: keep tokens seen this often in train (default wn26 3, fort14 2, text 2)")
      ->check(CLI::Range(1, 1 << 30));
  prepare_cmd->add_option("--oov-suffix", pargs->oov_suffix,
                          "text: a rare word becomes its last N bytes' token, 0 = one unknown id (default wn26 3, "
                          "fort14 0, text 0)")
      ->check(CLI::Range(0, 16));
  prepare_cmd->add_option("--seed", pargs->seed, "digits: seed of the synthesis; images, audio, text: of the split")
      ->capture_default_str();
  prepare_cmd->add_option("--clips-per-class", pargs->clips_per_class, "digits: augmented training clips per digit")
      ->check(CLI::Range(1L, 1L << 24));
  // Your own data.
  prepare_cmd->add_option("--from", pargs->from,
                          "images, audio, text: a folder with one sub-folder per class (the folder name is the class); "
                          "text also a .tsv or .csv file of label and text per line");
  prepare_cmd->add_option("--like", pargs->like,
                          "images, audio, text: take the preprocessing and class list of this checkpoint or prepared "
                          "file (to prepare more data for a model you have)");
  prepare_cmd->add_option("--size", *size, "images: resize every image to HxW (e.g. 64x64; area average when shrinking, "
                                           "bilinear when enlarging); default: the images' own size")
      ->check([](const std::string& v) -> std::string {
        int h = 0, w = 0;
        char x = 0, extra = 0;
        if (std::sscanf(v.c_str(), "%d%c%d%c", &h, &x, &w, &extra) == 3 && (x == 'x' || x == 'X') && h > 0 &&
            w > 0 && h <= 4096 && w <= 4096)
          return "";
        return "expected HxW with sides from 1 to 4096, e.g. 64x64";
      });
  prepare_cmd->add_option("--channels", pargs->channels, "images: 1 (grey) or 3 (RGB); default 1 if every image is grey")
      ->check(CLI::IsMember({1, 3}));
  prepare_cmd->add_option("--mean", pargs->mean, "images: per-channel mean of pixels in [0, 1] to subtract, instead of "
                                                 "the training split's (1 or C values, comma-separated)")
      ->delimiter(',');
  prepare_cmd->add_option("--std", pargs->std, "images: per-channel standard deviation to divide by (with --mean)")
      ->delimiter(',');
  prepare_cmd->add_option("--seconds", pargs->seconds, "audio: the window each clip is cut or padded to, around its "
                                                       "middle (default 1)")
      ->check(CLI::Range(0.05, 60.0));
  prepare_cmd->add_option("--val-fraction", pargs->val_fraction, "share of each class for val.h5 (stratified, seeded)")
      ->check(CLI::Range(0.0, 0.9));
  prepare_cmd->add_option("--test-fraction", pargs->test_fraction, "share of each class for test.h5 (stratified, seeded)")
      ->check(CLI::Range(0.0, 0.9));
  prepare_cmd->add_flag("--strict", pargs->strict, "refuse files that cannot be read instead of skipping them");
  prepare_cmd->footer(
      "Writes the HDF5 data set format of docs/data.md; a second run with the same options does nothing.\n"
      "  manet prepare wn26 --out data/wn26 && manet train --config configs/wn26.yaml\n"
      "  manet prepare images --from photos/ --out data/photos --size 64x64 --val-fraction 0.1 --test-fraction 0.1");
  prepare_cmd->callback([pargs, size, &comm] {
    comm::agree_on_command(comm, "prepare");
    if (comm.size() > 1)
      throw CollectiveError("manet prepare runs as one process: start it without mpirun", ErrorKind::usage,
                            comm.rank() == 0);
    if (!size->empty()) {
      char x = 0;
      std::sscanf(size->c_str(), "%d%c%d", &pargs->height, &x, &pargs->width);
    }
    prepare::run_prepare(*pargs);
  });
}

}  // namespace manet
