// The three applications end to end through the real binary: `manet prepare`, a short
// `manet train` of the shipped config under mpirun -np 2, then `manet eval --json`.
// Prepared data sets are cached in the build tree (prepare is a no-op when up to date).
#include <gtest/gtest.h>
#include <hdf5.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <numeric>
#include <regex>

#include <nlohmann/json.hpp>

#include "app/cli_harness.hpp"

namespace manet::testing {
namespace {

std::string data_dir(const std::string& name) { return std::string(MANET_TEST_DATA_DIR) + "/" + name; }

void prepare(const std::string& name, const std::string& extra = "") {
  const CommandResult r = run_command(manet_binary() + " prepare " + name + " --out " + data_dir(name) + " " + extra);
  ASSERT_EQ(r.exit_code, 0) << r.output;
}

template <class T>
std::vector<T> read_hdf5(const std::string& path, const char* name, hid_t type, std::vector<hsize_t>* dims = nullptr) {
  const hid_t file = H5Fopen(path.c_str(), H5F_ACC_RDONLY, H5P_DEFAULT);
  const hid_t d = file < 0 ? -1 : H5Dopen2(file, name, H5P_DEFAULT);
  std::vector<T> values;
  if (d >= 0) {
    const hid_t space = H5Dget_space(d);
    std::vector<hsize_t> shape(H5Sget_simple_extent_ndims(space));
    H5Sget_simple_extent_dims(space, shape.data(), nullptr);
    values.resize(H5Sget_simple_extent_npoints(space));
    H5Dread(d, type, H5S_ALL, H5S_ALL, H5P_DEFAULT, values.data());
    if (dims) *dims = shape;
    H5Sclose(space);
    H5Dclose(d);
  }
  if (file >= 0) H5Fclose(file);
  EXPECT_FALSE(values.empty()) << path << ":" << name;
  return values;
}

// The training loss of each progress event in metrics.jsonl, in order.
std::vector<double> train_losses(const std::string& metrics) {
  std::vector<double> losses;
  std::ifstream in(metrics);
  std::string line;
  const std::regex loss(R"("event":"train".*"loss":([0-9.eE+-]+))");
  std::smatch m;
  while (std::getline(in, line))
    if (std::regex_search(line, m, loss)) losses.push_back(std::stod(m[1]));
  return losses;
}

// Trains `config` for `steps` steps on 2 ranks with the data in the test cache, then
// evaluates the final checkpoint on `test_file`. What eval reports is checked against what
// the test computes itself from eval's --logits and the test file's own /y: the sample
// count, the accuracy and the macro-F1 (docs/cli.md); and the steps after the first must
// have lowered the loss on the test set (equal, were nothing learnt).
void train_and_eval(const std::string& name, const std::string& test_file, int steps) {
  const std::string dir = fresh_dir("smoke_" + name), data = data_dir(name);
  const std::string config = std::string(MANET_SOURCE_DIR) + "/configs/" + name + ".yaml";
  // Two legs, 1 step then the rest (a resume is exact), so that step 1's checkpoint is kept.
  auto train = [&](int max_steps) {
    return run_command(launch_prefix(2) + manet_binary() + " train --config " + config + " --set data.train.path=" +
                       data + "/train.h5 --set data.test.path=" + data + "/" + test_file +
                       " --set train.max_steps=" + std::to_string(max_steps) +
                       " --set train.log_every_steps=1 --set checkpoint.dir=" + dir + " --set checkpoint.keep_last=0");
  };
  ASSERT_EQ(train(1).exit_code, 0);
  const CommandResult t = train(steps);
  ASSERT_EQ(t.exit_code, 0) << t.output;
  EXPECT_NE(t.output.find("resuming from " + dir + "/step-00000001.h5 at step 1"), std::string::npos) << t.output;
  EXPECT_NE(t.output.find("test accuracy"), std::string::npos) << t.output;
  EXPECT_NE(t.output.find("| macro-F1 "), std::string::npos) << "per-epoch eval lines report macro-F1";
  EXPECT_EQ(train_losses(dir + "/metrics.jsonl").size(), std::size_t(steps)) << t.output;

  // eval --json's last line is one JSON object (docs/cli.md).
  auto last_json = [](const std::string& output) {
    return nlohmann::json::parse(output.substr(output.find_last_of('\n', output.size() - 2) + 1));
  };
  const CommandResult after_one = run_command(manet_binary() + " eval --json --checkpoint " + dir +
                                              "/step-00000001.h5 --data " + data + "/" + test_file);
  ASSERT_EQ(after_one.exit_code, 0) << after_one.output;
  const nlohmann::json first = last_json(after_one.output);
  char ckpt[64];
  std::snprintf(ckpt, sizeof ckpt, "/step-%08d.h5", steps);
  const std::string logits_file = dir + "/logits.h5";
  const CommandResult e = run_command(manet_binary() + " eval --json --checkpoint " + dir + ckpt + " --data " + data +
                                      "/" + test_file + " --logits " + logits_file);
  ASSERT_EQ(e.exit_code, 0) << e.output;
  const nlohmann::json m = last_json(e.output);
  // The steps after the first lowered the loss on the whole test set (equal if nothing was learnt).
  EXPECT_LT(m["loss"].get<double>(), first["loss"].get<double>())
      << name << ": the test loss did not fall from step 1 to " << steps;

  std::vector<hsize_t> dims;
  const std::vector<float> logits = read_hdf5<float>(logits_file, "/logits", H5T_NATIVE_FLOAT, &dims);
  const std::vector<int64_t> y = read_hdf5<int64_t>(data + "/" + test_file, "/y", H5T_NATIVE_INT64);
  ASSERT_EQ(dims.size(), 2u);
  const long n = long(dims[0]), classes = long(dims[1]);
  ASSERT_EQ(std::size_t(n), y.size()) << "one row of logits per sample of the test file";
  EXPECT_EQ(m["samples"].get<long>(), n);
  std::vector<long> tp(classes), fp(classes), fn(classes);
  long correct = 0;
  for (long i = 0; i < n; ++i) {
    const long pred = long(std::max_element(&logits[i * classes], &logits[(i + 1) * classes]) - &logits[i * classes]);
    correct += pred == y[i];
    if (pred == y[i]) {
      ++tp[pred];
    } else {
      ++fp[pred], ++fn[y[i]];
    }
  }
  double f1_sum = 0;
  long present = 0;  // classes that occur as a label or a prediction
  for (long k = 0; k < classes; ++k)
    if (tp[k] + fp[k] + fn[k] > 0) f1_sum += 2.0 * tp[k] / double(2 * tp[k] + fp[k] + fn[k]), ++present;
  EXPECT_NEAR(m["accuracy"].get<double>(), double(correct) / double(n), 1e-7);
  EXPECT_NEAR(m["macro_f1"].get<double>(), f1_sum / double(present), 1e-6);
  std::printf("%s: test loss %.6f after step 1, %.6f after step %d; test accuracy %.4f, macro-F1 %.4f on %ld samples\n",
              name.c_str(), first["loss"].get<double>(), m["loss"].get<double>(), steps, double(correct) / double(n),
              f1_sum / double(present), n);
  std::filesystem::remove_all(dir);
}

TEST(AppSmoke, Fort14) {
  if (!std::filesystem::exists("/usr/share/games/fortunes/computers")) GTEST_SKIP() << "apt-get install fortunes";
  prepare("fort14");
  train_and_eval("fort14", "test.h5", 30);
}

TEST(AppSmoke, Wn26) {
  if (!std::filesystem::exists("/usr/share/wordnet/data.noun")) GTEST_SKIP() << "apt-get install wordnet-base";
  prepare("wn26");
  train_and_eval("wn26", "test.h5", 20);
}

#ifdef MANET_WITH_SPEECH
// A speech build has espeak-ng and flite (its build needs them): no skip, prepare fails
// naming what is missing.
TEST(AppSmoke, Digits) {
  prepare("digits", "--clips-per-class 20");
  for (const char* f : {"train.h5", "test.h5", "test_espeak_heldout.h5", "test_espeak_heldout_snr10.h5", "test_flite.h5"})
    EXPECT_TRUE(std::filesystem::exists(data_dir("digits") + "/" + f)) << f;
  train_and_eval("digits", "test_flite.h5", 12);
}
#endif

TEST(AppSmoke, PrepareRefusesUnknownNamesAndMpi) {
  const CommandResult r = run_command(manet_binary() + " prepare nope --out " + fresh_dir("nope"));
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_NE(r.output.find("known: wn26, fort14, digits"), std::string::npos) << r.output;
  // Under mpirun every rank would write the same files: refused before anything is written.
  const std::string out = fresh_dir("prepare_mpi") + "/fort14";
  const CommandResult mpi = run_command(launch_prefix(2) + manet_binary() + " prepare fort14 --out " + out);
  EXPECT_EQ(mpi.exit_code, 2) << mpi.output;
  EXPECT_NE(mpi.output.find("manet prepare runs as one process: start it without mpirun"), std::string::npos)
      << mpi.output;
  EXPECT_FALSE(std::filesystem::exists(out + "/train.h5")) << "nothing may be written";
}

}  // namespace
}  // namespace manet::testing
