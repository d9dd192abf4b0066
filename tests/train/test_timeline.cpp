// train.timeline: the Chrome-trace JSON a 2-rank run writes loads as JSON, has one
// process per rank, the five phases of every recorded step laid end to end, every
// layer's forward and backward inside the step's forward and backward phases, and
// nothing for steps after train.timeline_steps.
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <fstream>
#include <map>
#include <set>

#include "app/cli_harness.hpp"

namespace manet::testing {
namespace {

TEST(Timeline, TwoRanksWriteOneChromeTrace) {
  const std::string dir = fresh_dir("timeline"), path = dir + "/timeline.json";
  const CommandResult run = run_command(
      launch_prefix(2) + manet_binary() + " train --config " MANET_SOURCE_DIR "/configs/spec_example.yaml" +
      " --set 'data={train: {format: fashion_mnist, split: train}}' --set train.batch_size=4 --set train.max_steps=6" +
      " --set train.timeline=" + path + " --set train.timeline_steps=3 --set checkpoint.dir=" + dir + "/ckpt");
  ASSERT_EQ(run.exit_code, 0) << run.output;
  EXPECT_NE(run.output.find("timeline of steps 1-3 written to " + path), std::string::npos) << run.output;

  const nlohmann::json trace = nlohmann::json::parse(std::ifstream(path));
  std::map<std::pair<int, long>, std::map<std::string, std::pair<double, double>>> phases;  // (rank, step)
  std::map<std::pair<int, long>, std::set<std::string>> layers;
  std::map<std::pair<int, long>, std::vector<std::pair<std::string, std::pair<double, double>>>> layer_spans;
  std::set<long> steps;
  std::set<int> ranks;
  for (const auto& e : trace.at("traceEvents")) {
    if (e.at("ph") != "X") continue;
    const int rank = e.at("pid");
    const long step = e.at("args").at("step");
    const double ts = e.at("ts"), dur = e.at("dur");
    ASSERT_GE(dur, 0.0);
    ranks.insert(rank), steps.insert(step);
    if (e.at("tid") == 0) phases[{rank, step}][e.at("name")] = {ts, ts + dur};
    else layers[{rank, step}].insert(e.at("name")), layer_spans[{rank, step}].push_back({e.at("name"), {ts, ts + dur}});
  }
  EXPECT_EQ(ranks, (std::set<int>{0, 1}));
  EXPECT_EQ(steps, (std::set<long>{1, 2, 3}));
  for (const auto& [key, p] : phases) {
    ASSERT_EQ(p.size(), 5u) << "rank " << key.first << " step " << key.second;
    EXPECT_NEAR(p.at("data").second, p.at("forward").first, 1.0);
    EXPECT_NEAR(p.at("forward").second, p.at("backward").first, 1.0);
    EXPECT_NEAR(p.at("backward").second, p.at("gradient all-reduce wait").first, 1.0);
    EXPECT_NEAR(p.at("gradient all-reduce wait").second, p.at("optimizer").first, 1.0);
    const auto& names = layers.at(key);
    EXPECT_TRUE(names.count("forward blocks.2.attn") && names.count("backward blocks.2.attn"));
    EXPECT_TRUE(names.count("forward classifier") && names.count("backward blocks.0.conv"));
    for (const auto& [name, span] : layer_spans.at(key)) {  // inside its phase (1 µs for rounding)
      const auto& phase = p.at(name.rfind("forward", 0) == 0 ? "forward" : "backward");
      EXPECT_GE(span.first, phase.first - 1.0) << name;
      EXPECT_LE(span.second, phase.second + 1.0) << name;
    }
  }
}

}  // namespace
}  // namespace manet::testing
