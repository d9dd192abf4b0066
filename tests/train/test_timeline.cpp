// train.timeline: the Chrome-trace JSON a 2-rank run writes loads as JSON, has one
// process per rank, and for every recorded step (and no other) the five phases once each,
// in order, not overlapping; every layer of the spec example (the list written out below,
// from docs/model.md) once in forward and once in backward, in graph order and its
// reverse, each inside its phase, not overlapping the next, their durations summing to no
// more than the phase's. The spans are measured time points, so all of this can fail.
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <algorithm>
#include <fstream>
#include <map>
#include <set>

#include "app/cli_harness.hpp"

namespace manet::testing {
namespace {

struct Span {
  std::string name;
  double begin, end;
};

// ts and dur are written with 0.1 µs resolution: a derived end is off by at most 0.1 µs.
constexpr double kRounding = 0.2;

TEST(Timeline, TwoRanksWriteOneChromeTrace) {
  const std::string dir = fresh_dir("timeline"), path = dir + "/timeline.json";
  const CommandResult run = run_command(
      launch_prefix(2) + manet_binary() + " train --config " MANET_SOURCE_DIR "/configs/spec_example.yaml" +
      " --set 'data={train: {format: fashion_mnist, split: train}}' --set train.batch_size=4 --set train.max_steps=6" +
      " --set train.timeline=" + path + " --set train.timeline_steps=3 --set checkpoint.dir=" + dir + "/ckpt");
  ASSERT_EQ(run.exit_code, 0) << run.output;
  EXPECT_NE(run.output.find("timeline of steps 1-3 written to " + path), std::string::npos) << run.output;

  const nlohmann::json trace = nlohmann::json::parse(std::ifstream(path));
  std::map<std::pair<int, long>, std::vector<Span>> phases, layers;  // (rank, step): in file order
  for (const auto& e : trace.at("traceEvents")) {
    if (e.at("ph") != "X") continue;
    const double ts = e.at("ts"), dur = e.at("dur");
    ASSERT_GE(dur, 0.0);
    const std::pair<int, long> key{e.at("pid"), e.at("args").at("step")};
    (e.at("tid") == 0 ? phases : layers)[key].push_back({e.at("name"), ts, ts + dur});
  }
  std::set<std::pair<int, long>> expected_keys;
  for (int rank : {0, 1})
    for (long step : {1, 2, 3}) expected_keys.insert({rank, step});
  std::set<std::pair<int, long>> phase_keys, layer_keys;
  for (const auto& [key, _] : phases) phase_keys.insert(key);
  for (const auto& [key, _] : layers) layer_keys.insert(key);
  EXPECT_EQ(phase_keys, expected_keys) << "phases of ranks 0-1, steps 1-3 and nothing else";
  EXPECT_EQ(layer_keys, expected_keys) << "layers of ranks 0-1, steps 1-3 and nothing else";

  const std::vector<std::string> phase_names = {"data", "forward", "backward", "gradient all-reduce wait", "optimizer"};
  const std::vector<std::string> model_layers = {
      "blocks.0.conv", "blocks.1.pool", "blocks.1.attn", "blocks.2.conv", "blocks.2.attn", "blocks.3.pool",
      "blocks.3.attn", "pool.score",    "head.0",        "head.0.activation", "head.0.dropout", "classifier"};
  for (const auto& [key, p] : phases) {
    SCOPED_TRACE("rank " + std::to_string(key.first) + " step " + std::to_string(key.second));
    ASSERT_EQ(p.size(), phase_names.size());
    std::map<std::string, Span> phase;
    for (std::size_t i = 0; i < p.size(); ++i) {
      EXPECT_EQ(p[i].name, phase_names[i]) << "phases in order, once each";
      if (i > 0) {
        EXPECT_GE(p[i].begin, p[i - 1].end - kRounding) << p[i].name << " overlaps " << p[i - 1].name;
      }
      phase[p[i].name] = p[i];
    }
    // Forward layers in graph order inside forward, backward layers in reverse inside backward.
    std::vector<Span> forward, backward;
    for (const Span& s : layers[key]) (s.name.rfind("forward ", 0) == 0 ? forward : backward).push_back(s);
    for (const auto& [direction, spans] : {std::pair{"forward", &forward}, std::pair{"backward", &backward}}) {
      const Span& within = phase.at(direction);
      std::vector<std::string> names;
      double sum = 0;
      for (std::size_t i = 0; i < spans->size(); ++i) {
        const Span& s = (*spans)[i];
        names.push_back(s.name.substr(s.name.find(' ') + 1));
        EXPECT_GE(s.begin, within.begin - kRounding) << s.name << " starts before its phase";
        EXPECT_LE(s.end, within.end + kRounding) << s.name << " ends after its phase";
        if (i > 0) {
          EXPECT_GE(s.begin, (*spans)[i - 1].end - kRounding) << s.name << " overlaps the previous layer";
        }
        sum += s.end - s.begin;
      }
      std::vector<std::string> expected = model_layers;
      if (std::string(direction) == "backward") std::reverse(expected.begin(), expected.end());
      EXPECT_EQ(names, expected) << direction;
      EXPECT_LE(sum, within.end - within.begin + kRounding * double(spans->size())) << direction;
    }
  }
}

}  // namespace
}  // namespace manet::testing
