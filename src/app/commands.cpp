#include "app/commands.hpp"
#include "app/predict_command.hpp"
#include "app/prepare_command.hpp"
#include "app/report_command.hpp"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "checkpoint/checkpoint.hpp"
#include "config/config.hpp"
#include "core/error.hpp"
#include "data/preprocess.hpp"
#include "data/val_split.hpp"
#include "comm/agree.hpp"
#include "io/hdf5_file.hpp"
#include "train/evaluate.hpp"
#include "train/model_data.hpp"
#include "train/trainer.hpp"

namespace manet {

namespace {

struct TrainArgs {
  std::string config;
  std::vector<std::string> overrides;
};

struct EvalArgs {
  std::string checkpoint, data, logits;
  bool json = false;
  bool hflip = false;
  long batch = 500;
};

struct InspectArgs {
  std::string checkpoint;
  bool verify = false;
};

// What `manet eval --data` names: a data set file (or fashion_mnist:SPLIT), or `val`: the
// validation set of the checkpoint's own run - its data.val file, or its share of
// data.train carved as the run carved it (same seed, same fraction).
Dataset load_eval_data(const std::string& arg, const Config& config, const std::string& checkpoint) {
  if (arg != "val") return load_dataset(parse_dataset_argument(arg), config.data.normalize);
  check(config.data.has_val(), "manet eval --data val: the run of " + checkpoint + " had no validation set (data.val)",
        ErrorKind::usage);
  if (config.data.val.defined()) return load_dataset(config.data.val, config.data.normalize);
  const Dataset train = load_dataset(config.data.train, config.data.normalize);
  const double fraction = config.data.val_fraction;
  return validation_share(train, split_off_validation(train.labels, fraction, config.seed), fraction);
}

// Under mpirun every rank evaluates its part of the data; rank 0 prints.
void run_eval(const EvalArgs& a, comm::Comm& comm) {
  Dataset data;
  std::unique_ptr<Model<float>> model;
  CheckpointContents c;
  std::optional<h5::File> logits_file;
  comm::agree(comm, [&] {
    as_usage_errors([&] {
      Config config = parse_config(read_checkpoint_config(a.checkpoint), a.checkpoint + ":/config");
      data = load_eval_data(a.data, config, a.checkpoint);
      fit_model_to_data(config.model, data, config.source);
      check(!a.hflip || config.model.input == InputKind::image,
            "manet eval --hflip mirrors images; the model of " + a.checkpoint + " reads tokens", ErrorKind::usage);
      model = std::make_unique<Model<float>>(config.model);
      c = load_checkpoint(a.checkpoint, model->params());
      std::copy(c.params.begin(), c.params.end(), model->values());
      // Outputs are checked before the work, not after it.
      if (!a.logits.empty() && comm.rank() == 0) logits_file.emplace(h5::File::create(a.logits));
    });
  });
  if (const std::string note = unchecked_note(a.checkpoint, c); comm.rank() == 0 && !note.empty())
    std::fprintf(stderr, "manet: note: %s\n", note.c_str());
  std::vector<float> logits;
  BatchLogits forward = host_forward(*model);
  if (a.hflip) forward = mirror_averaged(std::move(forward), model->spec().num_classes, model->block_shapes().front());
  const EvalResult r = evaluate_sharded(comm, forward, model->spec().num_classes, data, a.batch,
                                        a.logits.empty() ? nullptr : &logits);
  if (comm.rank() != 0) return;
  if (logits_file) {  // (N, classes) and the labels, in data-set order
    logits_file->write("/logits", logits.data(), {hsize_t(data.size()), hsize_t(r.classes)}, false);
    logits_file->write("/y", data.labels.data(), {hsize_t(data.size())}, false);
    logits_file->flush();
  }
  const int K = r.classes;
  if (a.json) {  // one object on the last line; strings escaped by the JSON library
    nlohmann::ordered_json per_class = nlohmann::ordered_json::array();
    for (int k = 0; k < K; ++k) {
      long total = 0;
      for (int j = 0; j < K; ++j) total += r.confusion[k * K + j];
      per_class.push_back(total ? double(r.confusion[k * K + k]) / double(total) : 0.0);
    }
    const nlohmann::ordered_json out = {{"loss", r.loss()},          {"accuracy", r.accuracy()},
                                {"samples", r.samples},       {"macro_f1", r.macro_f1()},
                                {"checkpoint", a.checkpoint}, {"step", c.position.step},
                                {"per_class_accuracy", per_class}};
    std::printf("%s\n", out.dump().c_str());
    return;
  }
  std::printf("checkpoint %s (step %lld) on %s\n", a.checkpoint.c_str(), static_cast<long long>(c.position.step), data.name.c_str());
  std::printf("loss %.6f | accuracy %.4f | macro-F1 %.4f | samples %ld\n\n", r.loss(), r.accuracy(), r.macro_f1(),
              r.samples);
  std::printf("per class (rows: true label, columns: predicted)\n class  accuracy   count |");
  for (int j = 0; j < K; ++j) std::printf("%6d", j);
  std::printf("\n");
  for (int k = 0; k < K; ++k) {
    long total = 0;
    for (int j = 0; j < K; ++j) total += r.confusion[k * K + j];
    std::printf("%6d %9.4f %7ld |", k, total ? double(r.confusion[k * K + k]) / total : 0.0, total);
    for (int j = 0; j < K; ++j) std::printf("%6ld", r.confusion[k * K + j]);
    std::printf("\n");
  }
}

// Prints everything a checkpoint holds; reading every dataset verifies its checksum.
// Returns the number of datasets that failed to verify.
int run_inspect(const InspectArgs& a) {
  const std::string config = as_usage_errors([&] { return read_checkpoint_config(a.checkpoint); });
  const h5::File f = h5::File::open_read(a.checkpoint);
  // Attributes as text, "-" when absent (files written by other tools may lack some).
  auto attr = [&](const std::string& object, const std::string& name) -> std::string {
    if (!f.has_attr(object, name)) return "-";
    try {
      return f.attr_string(object, name);
    } catch (const Error&) {
    }
    try {
      const double v = f.attr_double(object, name);
      char buf[40];
      std::snprintf(buf, sizeof buf, "%.17g", v);
      return buf;
    } catch (const Error&) {
      return "?";
    }
  };
  std::printf("file            %s\nformat          %s, version %s\n", a.checkpoint.c_str(), attr("/", "format").c_str(),
              attr("/", "format_version").c_str());
  std::printf("meta            step %s | epoch %s | samples_seen %s | world_size %s | seed %s\n",
              attr("/meta", "step").c_str(), attr("/meta", "epoch").c_str(), attr("/meta", "samples_seen").c_str(),
              attr("/meta", "world_size").c_str(), attr("/meta", "seed").c_str());
  std::printf("                created %s by manet %s\n", attr("/meta", "created_utc").c_str(),
              attr("/meta", "manet_version").c_str());
  std::printf("data cursor     epoch %s, offset %s samples, shuffle_seed %s\n", attr("/data", "epoch").c_str(),
              attr("/data", "offset").c_str(), attr("/data", "shuffle_seed").c_str());
  if (f.exists("/state") && f.has_attr("/state", "global_batch")) {
    const long steps = f.has_attr("/state", "epoch_steps") ? long(f.attr_int("/state", "epoch_steps")) : 0;
    std::printf("run state       global batch %s | this epoch so far: %ld steps, mean loss %.6g\n"
                "                rng: %s\n",
                attr("/state", "global_batch").c_str(), steps,
                steps > 0 ? f.attr_double("/state", "epoch_loss_sum") / double(steps) : 0.0, attr("/state", "rng").c_str());
  }
  if (f.exists(kPreprocessGroup)) {  // what `manet predict` reads (docs/checkpoint.md)
    try {
      const Preprocess p = read_preprocess(f, kPreprocessGroup);
      std::printf("preprocess      %s (from %s)\n", p.describe().c_str(), p.source.c_str());
    } catch (const Error& e) {
      std::printf("preprocess      UNREADABLE: %s\n", e.what());
    }
  }
  std::vector<std::string> slots;
  if (f.exists("/optimizer")) {
    std::printf("optimizer       %s, step %s |", attr("/optimizer", "type").c_str(), attr("/optimizer", "step").c_str());
    for (const std::string& n : f.attr_names("/optimizer"))
      if (n != "type" && n != "step") std::printf(" %s %s", n.c_str(), attr("/optimizer", n).c_str());
    slots = f.members("/optimizer");
    std::printf("\n                slots:");
    for (const std::string& s : slots) std::printf(" %s", s.c_str());
    std::printf("%s\n", slots.empty() ? " (none yet)" : "");
  } else {
    std::printf("optimizer       (none stored)\n");
  }
  int bad = 0;
  long total = 0, verified = 0;
  std::vector<std::string> unchecked;  // datasets without a checksum: read, not verified
  // Reads one dataset (HDF5 verifies its Fletcher-32 when it has one); false when it is bad.
  auto read_dataset = [&](const std::string& object, std::vector<float>& values) {
    try {
      const std::string type = f.type_name(object);
      if (type != "float32") {
        ++bad;
        std::printf("%-50s %s, expected float32 (convert it with .astype(numpy.float32))\n", object.c_str(),
                    type.c_str());
        return false;
      }
      values = f.read_float(object);
      if (f.checksummed(object))
        ++verified;
      else
        unchecked.push_back(object);
      return true;
    } catch (const Error& e) {
      ++bad;
      std::printf("%-50s CORRUPT: %s\n", object.c_str(), e.what());
      return false;
    }
  };
  std::printf("\n%-32s %-18s %10s %12s\n", "parameter", "shape", "count", "L2 norm");
  // Canonical order (docs/model.md) when the stored config builds the model, else HDF5's.
  std::vector<std::string> names = f.members("/model");
  try {
    const Model<float> model(parse_config(config, a.checkpoint + ":/config").model);
    std::vector<std::string> canonical;
    for (const ParamEntry& e : model.params().entries())
      if (std::find(names.begin(), names.end(), e.name()) != names.end()) canonical.push_back(e.name());
    if (canonical.size() == names.size()) names = canonical;
  } catch (const Error&) {
  }
  std::vector<float> values;
  for (const std::string& name : names) {
    const auto dims = f.shape("/model/" + name);
    std::string shape = "[";
    long count = 1;
    for (std::size_t i = 0; i < dims.size(); ++i) shape += (i ? ", " : "") + std::to_string(dims[i]), count *= long(dims[i]);
    shape += "]";
    total += count;
    if (!read_dataset("/model/" + name, values)) continue;
    double sq = 0;
    for (float v : values) sq += double(v) * v;
    std::printf("%-32s %-18s %10ld %12.5g\n", name.c_str(), shape.c_str(), count, std::sqrt(sq));
  }
  for (const std::string& slot : slots)
    for (const std::string& name : f.members("/optimizer/" + slot)) read_dataset("/optimizer/" + slot + "/" + name, values);
  if (f.exists("/metrics")) read_dataset("/metrics", values);
  std::printf("%-32s %-18s %10ld\n\n", "total", "", total);
  const bool config_crc = f.has_attr("/config", "crc32");
  std::printf("checksums       %ld dataset%s verified (Fletcher-32), /config %s%s\n", verified, verified == 1 ? "" : "s",
              config_crc ? "CRC-32 ok" : "has no crc32 attribute (not verified)",
              bad ? (", " + std::to_string(bad) + " BAD").c_str() : "");
  if (!unchecked.empty()) {
    std::printf("                %zu dataset%s carr%s no checksum and could not be verified:", unchecked.size(),
                unchecked.size() == 1 ? "" : "s", unchecked.size() == 1 ? "ies" : "y");
    for (std::size_t i = 0; i < unchecked.size() && i < 8; ++i) std::printf(" %s", unchecked[i].c_str());
    std::printf("%s\n", unchecked.size() > 8 ? " ..." : "");
  }
  if (a.verify && (!unchecked.empty() || !config_crc))
    bad += int(unchecked.size()) + (config_crc ? 0 : 1);  // --verify: what cannot be verified is not verified
  if (!a.verify) std::printf("\nconfig:\n%s", config.c_str());
  return bad;
}

}  // namespace

void add_commands(CLI::App& app, comm::Comm& comm) {
  auto targs = std::make_shared<TrainArgs>();
  auto* train_cmd = app.add_subcommand("train", "Train a model as a YAML config describes (one process per rank).");
  train_cmd->add_option("--config", targs->config, "the run's YAML config (see configs/)")->required()->check(CLI::ExistingFile);
  train_cmd->add_option("--set", targs->overrides, "override a config key, typed like YAML: --set train.batch_size=32 (repeatable)")
      ->take_all();
  train_cmd->footer("Checkpoints and metrics.jsonl go to checkpoint.dir; an interrupted run resumes from there "
                    "(checkpoint.resume: auto).");
  train_cmd->callback([targs, &comm] {
    comm::agree_on_command(comm, "train");
    Config config;
    comm::agree(comm, [&] { config = load_config(targs->config, targs->overrides); });
    train(std::move(config), comm);
  });

  auto eargs = std::make_shared<EvalArgs>();
  auto* eval_cmd = app.add_subcommand("eval", "Loss and accuracy of a checkpoint on a data set.");
  eval_cmd->add_option("--checkpoint", eargs->checkpoint, "checkpoint file (.h5)")->required();
  eval_cmd->add_option("--data", eargs->data, "an HDF5 data set file, fashion_mnist:test / fashion_mnist:train, or val (the validation set of the "
                       "checkpoint's own run: its data.val file, or the share of data.train it held out)")->required();
  eval_cmd->add_flag("--json", eargs->json, "print one JSON object {\"loss\", \"accuracy\", \"samples\", ...} as the last line");
  eval_cmd->add_option("--logits", eargs->logits, "also write every sample's logits to this HDF5 file "
                       "(/logits float32 [N, classes], /y int64 [N], in data-set order)");
  eval_cmd->add_flag("--hflip", eargs->hflip,
                     "average the probabilities of each image and its mirror image, as train.eval_hflip does in "
                     "training (the --logits written are then log-probabilities)");
  eval_cmd->add_option("--batch", eargs->batch, "samples per forward pass")->capture_default_str()->check(CLI::Range(1L, 1L << 20));
  eval_cmd->callback([eargs, &comm] {
    comm::agree_on_command(comm, "eval");
    run_eval(*eargs, comm);
  });

  add_prepare_command(app, comm);
  add_predict_command(app, comm);
  add_report_command(app, comm);

  auto iargs = std::make_shared<InspectArgs>();
  auto* inspect_cmd = app.add_subcommand("inspect", "Show what a checkpoint holds (verifies every checksum).");
  inspect_cmd->add_option("checkpoint", iargs->checkpoint, "checkpoint file (.h5)")->required();
  inspect_cmd->add_flag("--verify", iargs->verify, "only verify: exit 1 if any checksum fails");
  inspect_cmd->callback([iargs, &comm] {
    comm::agree_on_command(comm, "inspect");
    if (run_inspect(*iargs) > 0)
      throw Error(iargs->checkpoint + (iargs->verify ? ": not verified: corrupt, unreadable or unchecksummed datasets (see above)"
                                                     : ": corrupt or unreadable datasets (see above)"));
  });
}

}  // namespace manet
