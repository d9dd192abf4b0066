#include <gtest/gtest.h>

#include <filesystem>
#include <cstring>
#include <fstream>
#include <unistd.h>

#include "checkpoint/checkpoint.hpp"
#include "core/error.hpp"
#include "model/manet_model.hpp"
#include "model/tiny_models.hpp"

namespace manet {

namespace {

std::string temp_dir() {
  const auto dir = std::filesystem::temp_directory_path() / ("manet_ckpt_" + std::to_string(::getpid()));
  std::filesystem::create_directories(dir);
  return dir.string();
}

CheckpointContents sample_contents(const Model<float>& model) {
  CheckpointContents c;
  c.position.step = 42, c.position.epoch = 1, c.position.samples_seen = 42 * 16, c.position.world_size = 2, c.position.seed = 7;
  c.position.epoch = 1, c.position.epoch_offset = 160;
  c.config_yaml = "seed: 7\nmodel: {}\n";
  c.params.assign(model.values(), model.values() + model.num_params());
  c.optimizer_type = "adamw";
  c.position.optimizer_step = 42;
  c.optimizer_hyper = {{"lr", 1e-3}, {"beta1", 0.9}};
  std::vector<float> m(model.num_params()), v(model.num_params());
  for (long i = 0; i < model.num_params(); ++i) m[i] = 1e-3f * float(i), v[i] = 1e-6f * float(i % 13);
  c.slots = {{"exp_avg", m}, {"exp_avg_sq", v}};
  c.position.history = {{1, 30, 0.9, 0.5, 0.75, 0.8, 0.7}};  // epoch, step, train loss, val loss/acc, test loss/acc
  return c;
}

std::string error_of(const std::string& path, const ParamTable& table) {
  try {
    load_checkpoint(path, table);
  } catch (const Error& e) {
    return e.what();
  }
  return "(accepted)";
}

}  // namespace

TEST(Checkpoint, RoundTripIsBitwise) {
  Model<float> model(testing::tiny_image_spec());
  model.init(3);
  const CheckpointContents c = sample_contents(model);
  const std::string path = temp_dir() + "/" + checkpoint_file_name(42);
  save_checkpoint(path, c, model.params());
  EXPECT_EQ(checkpoint_file_name(42), "step-00000042.h5");
  EXPECT_FALSE(std::filesystem::exists(temp_dir() + "/.step-00000042.h5.tmp")) << "no temporary file left";
  const CheckpointContents back = load_checkpoint(path, model.params());
  EXPECT_EQ(0, std::memcmp(back.params.data(), c.params.data(), c.params.size() * sizeof(float)));
  ASSERT_EQ(back.slots.size(), 2u);
  for (int s = 0; s < 2; ++s) {
    EXPECT_EQ(back.slots[s].first, c.slots[s].first);
    EXPECT_EQ(back.slots[s].second, c.slots[s].second);
  }
  EXPECT_EQ(back.position.step, 42);
  EXPECT_EQ(back.position.samples_seen, 42 * 16);
  EXPECT_EQ(back.position.world_size, 2);
  EXPECT_EQ(back.position.seed, 7u);
  EXPECT_EQ(back.position.epoch_offset, 160);
  EXPECT_EQ(back.optimizer_type, "adamw");
  EXPECT_EQ(back.position.optimizer_step, 42);
  EXPECT_EQ(back.config_yaml, c.config_yaml);
  ASSERT_EQ(back.position.history.size(), 1u);
  EXPECT_FLOAT_EQ(float(back.position.history[0].val_loss), 0.5f);
  EXPECT_FLOAT_EQ(float(back.position.history[0].val_accuracy), 0.75f);
  EXPECT_FLOAT_EQ(float(back.position.history[0].test_loss), 0.8f);
  EXPECT_FLOAT_EQ(float(back.position.history[0].test_accuracy), 0.7f);
}

TEST(Checkpoint, CorruptionIsRefusedNamingTheFile) {
  Model<float> model(testing::tiny_image_spec());
  model.init(3);
  const std::string path = temp_dir() + "/flip.h5";
  save_checkpoint(path, sample_contents(model), model.params());
  // Flip one byte inside the stored exp_avg values (find it by its bytes).
  std::string bytes;
  {
    std::ifstream in(path, std::ios::binary);
    bytes.assign(std::istreambuf_iterator<char>(in), {});
  }
  const CheckpointContents c = sample_contents(model);
  const std::string needle(reinterpret_cast<const char*>(c.slots[0].second.data() + 100), 16);
  const auto at = bytes.find(needle);
  ASSERT_NE(at, std::string::npos);
  bytes[at + 5] ^= 0x10;
  std::ofstream(path, std::ios::binary | std::ios::trunc) << bytes;
  const std::string message = error_of(path, model.params());
  EXPECT_NE(message.find(path), std::string::npos) << message;
  EXPECT_NE(message.find("corrupt"), std::string::npos) << message;

  const std::string truncated = temp_dir() + "/truncated.h5";
  save_checkpoint(truncated, sample_contents(model), model.params());
  std::filesystem::resize_file(truncated, std::filesystem::file_size(truncated) / 2);
  EXPECT_NE(error_of(truncated, model.params()).find(truncated), std::string::npos);
}

TEST(Checkpoint, WrongShapesNameTheParameterAndBothShapes) {
  Model<float> model(testing::tiny_image_spec());
  model.init(3);
  const std::string path = temp_dir() + "/other.h5";
  save_checkpoint(path, sample_contents(model), model.params());
  ModelSpec wider = testing::tiny_image_spec();
  wider.blocks[0].channels = 6;
  Model<float> other(wider);
  const std::string message = error_of(path, other.params());
  EXPECT_NE(message.find("blocks.0.conv.weight has shape [4, 2, 3, 1] in the checkpoint but [6, 2, 3, 1] in the configured model"),
            std::string::npos)
      << message;
}

TEST(Checkpoint, UnwritableDirectoryFailsCleanly) {
  Model<float> model(testing::tiny_image_spec());
  try {
    save_checkpoint("/proc/manet/step-00000001.h5", sample_contents(model), model.params());
    FAIL();
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("could not write checkpoint /proc/manet/step-00000001.h5"), std::string::npos)
        << e.what();
  }
}

}  // namespace manet
