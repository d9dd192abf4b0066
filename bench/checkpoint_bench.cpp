// Save and load times of a checkpoint: the model of a config with AdamW state (two
// slots, the largest case), written atomically (in-memory image, write, fsync, rename,
// directory fsync) and read back with every checksum verified.
//
//   build/manet_bench_checkpoint [--config configs/spec_example.yaml] [--dir /tmp/x] [--repeat 20]
#include <CLI/CLI.hpp>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <filesystem>

#include "checkpoint/checkpoint.hpp"
#include "config/model_config.hpp"
#include "config/yaml_reader.hpp"
#include "model/manet_model.hpp"

namespace {

using Clock = std::chrono::steady_clock;
double seconds_since(Clock::time_point t) { return std::chrono::duration<double>(Clock::now() - t).count(); }

double median(std::vector<double> v) {
  std::sort(v.begin(), v.end());
  return v[v.size() / 2];
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"Time saving and loading a checkpoint (AdamW state) of a config's model."};
  std::string config = "configs/spec_example.yaml", dir = "checkpoints/bench";
  int repeat = 20;
  app.add_option("--config", config, "YAML config whose model is saved")->capture_default_str();
  app.add_option("--dir", dir, "where to write (the file system matters)")->capture_default_str();
  app.add_option("--repeat", repeat, "saves and loads to time (median reported)")->capture_default_str();
  CLI11_PARSE(app, argc, argv);

  const manet::ConfigNode root = manet::load_yaml_config(config);
  manet::ModelSpec spec = manet::parse_model_section(root.child("model"), {28, 28});
  manet::Model<float> model(spec);
  model.init(1);
  manet::CheckpointContents c;
  c.config_yaml = manet::read_config_file(config);
  c.params.assign(model.values(), model.values() + model.num_params());
  c.optimizer_type = "adamw";
  c.position.optimizer_step = 1000, c.position.optimizer_has_state = 1;
  c.slots = {{"exp_avg", c.params}, {"exp_avg_sq", c.params}};
  std::filesystem::create_directories(dir);
  const std::string path = dir + "/step-00001000.h5";
  std::vector<double> save, load;
  for (int i = 0; i < repeat; ++i) {
    auto t0 = Clock::now();
    manet::save_checkpoint(path, c, model.params());
    save.push_back(seconds_since(t0));
    t0 = Clock::now();
    const manet::CheckpointContents back = manet::load_checkpoint(path, model.params());
    load.push_back(seconds_since(t0));
    if (back.params != c.params) return 1;
  }
  const double mb = double(std::filesystem::file_size(path)) / 1e6;
  std::printf("checkpoint of %s: %ld parameters + 2 AdamW slots, %.2f MB on disk (%s)\n", config.c_str(),
              model.num_params(), mb, dir.c_str());
  std::printf("save (atomic, fsynced) median %.2f ms (%.0f MB/s) | load (verified) median %.2f ms (%.0f MB/s) | %d runs\n",
              1e3 * median(save), mb / median(save), 1e3 * median(load), mb / median(load), repeat);
  std::filesystem::remove(path);
  return 0;
}
