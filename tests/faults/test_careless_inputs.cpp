// What a careless user types and hands over, through the real binary (one process):
// odd --set paths and values, duplicate keys, deep YAML, directories and files written by
// other tools where checkpoints and data sets belong, and the exit codes of it all. Test
// names carry the case number (C04, C05, C08..C20) of docs/faults.md.
#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>

#include <nlohmann/json.hpp>

#include "comm/run_harness.hpp"

namespace manet::testing {

namespace {

namespace fs = std::filesystem;

// A finished run (2 steps) and its final checkpoint, once per test binary.
const std::string& trained_dir() {
  static const std::string dir = [] {
    const std::string d = prepare_run("careless_trained", false, 2);
    EXPECT_EQ(train_run(d, 1, 16).exit_code, 0);
    return d;
  }();
  return dir;
}
std::string trained_checkpoint() { return trained_dir() + "/ckpt/step-00000002.h5"; }

CommandResult manet(const std::string& args) { return run_command(manet_binary() + " " + args); }

// The first line of `output` that starts with "manet: error: ", or "".
std::string error_line(const std::string& output) {
  const auto at = output.find("manet: error: ");
  return at == std::string::npos ? "" : output.substr(at, output.find('\n', at) - at);
}

bool python_has_h5py() { return run_command("/usr/bin/python3 -c 'import h5py'").exit_code == 0; }

}  // namespace

// C04: inspect --verify counted datasets without checksums as verified.
TEST(Careless, C04_VerifyNamesWhatCarriesNoChecksumAndFails) {
  const std::string dir = fresh_dir("c04_nofletcher");
  const std::string plain = dir + "/plain.h5";
  ASSERT_EQ(run_command("h5repack -f NONE " + trained_checkpoint() + " " + plain).exit_code, 0);
  const CommandResult r = manet("inspect --verify " + plain);
  EXPECT_EQ(r.exit_code, 1) << r.output;
  EXPECT_NE(r.output.find("0 datasets verified (Fletcher-32)"), std::string::npos) << r.output;
  EXPECT_NE(r.output.find("carry no checksum and could not be verified: /model/blocks.0.conv.weight"),
            std::string::npos)
      << r.output;
  EXPECT_NE(r.output.find("not verified: corrupt, unreadable or unchecksummed datasets"), std::string::npos) << r.output;
  const CommandResult e = manet("eval --checkpoint " + plain + " --data " + trained_dir() + "/data.h5");
  EXPECT_EQ(e.exit_code, 0) << e.output;
  EXPECT_NE(e.output.find("manet: note: " + plain + " carries no checksums"), std::string::npos) << e.output;
}

// C05: --set '.=3' crashed inside yaml-cpp.
TEST(Careless, C05_AnEmptyKeyPathIsRefusedNotACrash) {
  const std::string cfg = trained_dir() + "/run.yaml";
  for (const std::string key : {".", "..", "train..batch_size", "train."}) {
    SCOPED_TRACE(key);
    const CommandResult r = manet("train --config " + cfg + " --set '" + key + "=3'");
    EXPECT_EQ(r.exit_code, 2) << r.output;
    EXPECT_EQ(error_line(r.output), "manet: error: --set " + key + "=3: '" + key +
                                        "' is not a key path: it has an empty name (expected names joined by dots, "
                                        "e.g. --set train.batch_size=32)");
  }
  const CommandResult ranks = run_command(launch_prefix(2) + manet_binary() + " train --config " + cfg + " --set '.=3'");
  EXPECT_EQ(ranks.exit_code, 2) << ranks.output;
  EXPECT_NE(ranks.output.find("'.' is not a key path"), std::string::npos) << ranks.output;
}

// C08: an HDF5 crash on a data file gave advice meant for checkpoints.
TEST(Careless, C08_AnHdf5CrashOnADataFileIsWordedForADataFile) {
  const std::string dir = fresh_dir("c08_crash");
  fs::copy_file(MANET_SOURCE_DIR "/tests/data/files/hdf5-1.10-segv.h5", dir + "/data.h5");
  const CommandResult r = manet("eval --checkpoint " + trained_checkpoint() + " --data " + dir + "/data.h5");
  ASSERT_NE(r.exit_code, 0) << r.output;
  if (r.exit_code != 128 + SIGSEGV) {  // this HDF5 refuses the file instead of crashing: a clear error then
    EXPECT_EQ(r.exit_code, 2) << r.output;
    return;
  }
  EXPECT_NE(r.output.find(dir + "/data.h5: HDF5 crashed reading this file"), std::string::npos) << r.output;
  EXPECT_NE(r.output.find("this data set file must be written again"), std::string::npos) << r.output;
  EXPECT_EQ(r.output.find("older checkpoint"), std::string::npos) << r.output;
}

// C09: the first of two equal keys won silently.
TEST(Careless, C09_DuplicateKeysAreRefusedNamingBothLines) {
  const std::string dir = fresh_dir("c09_duplicates");
  const std::string base = read_text(trained_dir() + "/run.yaml");
  const std::pair<std::string, std::string> cases[] = {
      {base + "train: {max_steps: 1}\n", ": train: duplicate key (also on line "},
      {"train:\n  max_steps: 3\n  max_steps: 5\n" + base, ":3: train.max_steps: duplicate key (also on line 2)"},
      {"model: {channels: 4, channels: 6}\n", ":1: model.channels: duplicate key (also on line 1)"}};
  for (const auto& [text, message] : cases) {
    SCOPED_TRACE(message);
    write_file(dir + "/dup.yaml", text);
    const CommandResult r = manet("train --config " + dir + "/dup.yaml");
    EXPECT_EQ(r.exit_code, 2) << r.output;
    EXPECT_NE(r.output.find("manet: error: " + dir + "/dup.yaml:"), std::string::npos) << r.output;
    EXPECT_NE(r.output.find(message), std::string::npos) << r.output;
    EXPECT_NE(r.output.find("keep one"), std::string::npos) << r.output;
  }
}

// C10: an empty --set value silently restored the default (./checkpoints/run).
TEST(Careless, C10_AnEmptySetValueIsRefused) {
  const std::string dir = fresh_dir("c10_empty");
  for (const std::string key : {"train.batch_size", "train", "checkpoint.dir"}) {
    SCOPED_TRACE(key);
    const CommandResult r = run_command("cd " + dir + " && " + manet_binary() + " train --config " + trained_dir() +
                                        "/run.yaml --set " + key + "=");
    EXPECT_EQ(r.exit_code, 2) << r.output;
    EXPECT_EQ(error_line(r.output), "manet: error: --set " + key + "=: the value is empty; write --set " + key +
                                        "=null to unset the key");
  }
  EXPECT_FALSE(fs::exists(dir + "/checkpoints")) << "nothing written to the default directory";
}

// C11: eval --json did not escape the checkpoint path.
TEST(Careless, C11_EvalJsonIsValidWhateverThePath) {
  const std::string dir = fresh_dir("c11_json");
  const std::string odd = dir + "/a \"quoted\" back\\slash\tand tab.h5";
  fs::copy_file(trained_checkpoint(), odd);
  const std::string quoted = "'" + odd + "'";
  const CommandResult r = manet("eval --json --checkpoint " + quoted + " --data " + trained_dir() + "/data.h5");
  ASSERT_EQ(r.exit_code, 0) << r.output;
  const std::string last = r.output.substr(r.output.find_last_of('\n', r.output.size() - 2) + 1);
  const nlohmann::json j = nlohmann::json::parse(last);
  EXPECT_EQ(j["checkpoint"].get<std::string>(), odd);
  EXPECT_EQ(j["samples"].get<long>(), 64);
}

// C12: "expected an integer" for an integer out of range.
TEST(Careless, C12_AnIntegerOutOfRangeSaysSoAndGivesTheRange) {
  const std::string cfg = trained_dir() + "/run.yaml";
  const CommandResult big = manet("train --config " + cfg + " --set train.batch_size=99999999999999999999999");
  EXPECT_EQ(big.exit_code, 2) << big.output;
  EXPECT_NE(big.output.find("train.batch_size: must be in [1, 1048576], got 99999999999999999999999 (out of range)"),
            std::string::npos)
      << big.output;
  const CommandResult seed = manet("train --config " + cfg + " --set seed=18446744073709551615");
  EXPECT_EQ(seed.exit_code, 2) << seed.output;
  EXPECT_NE(seed.output.find("seed: must be in [0, 4611686018427387904], got 18446744073709551615 (out of range)"),
            std::string::npos)
      << seed.output;
}

// C13: "operator[] call on a scalar" for a key below a value.
TEST(Careless, C13_AKeyBelowAValueSaysTheValueIsNotASection) {
  const CommandResult r = manet("train --config " + trained_dir() + "/run.yaml --set train.batch_size.x=1");
  EXPECT_EQ(r.exit_code, 2) << r.output;
  EXPECT_EQ(error_line(r.output),
            "manet: error: --set train.batch_size.x=1: train.batch_size is a value, not a section: it has no key 'x'");
  // Its neighbours: an index past the end of a list, a key below a list.
  const CommandResult past = manet("train --config " + trained_dir() + "/run.yaml --set model.blocks[9].conv.channels=3");
  EXPECT_EQ(past.exit_code, 2) << past.output;
  EXPECT_EQ(error_line(past.output),
            "manet: error: --set model.blocks[9].conv.channels=3: model.blocks has 3 entries: there is no [9]");
  const CommandResult list = manet("train --config " + trained_dir() + "/run.yaml --set model.blocks.kind=conv");
  EXPECT_EQ(list.exit_code, 2) << list.output;
  EXPECT_EQ(error_line(list.output),
            "manet: error: --set model.blocks.kind=conv: model.blocks is a list, not a section: it has no key 'kind'");
}

// C14: deeply nested YAML was "malformed YAML: bad file".
TEST(Careless, C14_DeepNestingSaysItIsTooDeep) {
  const std::string dir = fresh_dir("c14_deep");
  write_file(dir + "/flow.yaml", "a: " + std::string(100000, '{') + std::string(100000, '}') + "\n");
  auto nested_blocks = [](int levels) {
    std::string text;
    for (int i = 0; i < levels; ++i) text += std::string(std::size_t(i), ' ') + "k" + std::to_string(i) + ":\n";
    return text;
  };
  write_file(dir + "/blocks.yaml", nested_blocks(200));
  write_file(dir + "/huge_blocks.yaml", nested_blocks(2000));  // the case as found: 2 MB of indentation
  const CommandResult flow = manet("train --config " + dir + "/flow.yaml");
  EXPECT_EQ(flow.exit_code, 2) << flow.output;
  EXPECT_NE(flow.output.find(dir + "/flow.yaml:1: the YAML nests its [ ] and { } brackets deeper than 64 levels"),
            std::string::npos)
      << flow.output;
  const CommandResult block = manet("train --config " + dir + "/blocks.yaml");
  EXPECT_EQ(block.exit_code, 2) << block.output;
  EXPECT_NE(block.output.find(dir + "/blocks.yaml:65: the YAML nests its blocks deeper than 64 levels"),
            std::string::npos)
      << block.output;
  const CommandResult huge = manet("train --config " + dir + "/huge_blocks.yaml");
  EXPECT_EQ(huge.exit_code, 2) << huge.output;
  EXPECT_NE(huge.output.find("a config is a few KB"), std::string::npos) << huge.output;
}

// C15: a directory as a checkpoint gave a raw HDF5 dump.
TEST(Careless, C15_ADirectoryGivenAsACheckpointIsNamedAsOne) {
  const std::string dir = trained_dir() + "/ckpt";
  const std::string line = dir + ": is a directory, not an HDF5 file";
  for (const std::string& args : {"eval --checkpoint " + dir + " --data " + trained_dir() + "/data.h5",
                                  "inspect " + dir, "inspect --verify " + dir}) {
    SCOPED_TRACE(args);
    const CommandResult r = manet(args);
    EXPECT_EQ(r.exit_code, 2) << r.output;
    EXPECT_NE(r.output.find(line), std::string::npos) << r.output;
    EXPECT_EQ(r.output.find("bytes actually read"), std::string::npos) << r.output;
  }
  const std::string run = prepare_run("c15_resume", false, 2);
  const TimedResult r = train_run(run, 1, 16, "--set checkpoint.resume=" + dir);
  EXPECT_EQ(r.exit_code, 2) << r.output;
  EXPECT_NE(r.output.find("checkpoint.resume: " + line), std::string::npos) << r.output;
}

// C16: inspect called float64 weights CORRUPT while eval said float64.
TEST(Careless, C16_Float64WeightsGetOneMessageEverywhere) {
  ASSERT_TRUE(python_has_h5py()) << "python3-h5py is a test dependency (launch/install-deps.sh)";
  const std::string dir = fresh_dir("c16_float64");
  const std::string file = dir + "/f64.h5";
  fs::copy_file(trained_checkpoint(), file);
  ASSERT_EQ(run_command("/usr/bin/python3 -c \"import h5py, numpy; f = h5py.File('" + file +
                        "', 'a'); w = f['model/classifier.weight'][()]; del f['model/classifier.weight']; "
                        "f['model/classifier.weight'] = w.astype(numpy.float64)\"")
                .exit_code,
            0);
  const std::string message = "/model/classifier.weight is float64, expected float32";
  const CommandResult e = manet("eval --checkpoint " + file + " --data " + trained_dir() + "/data.h5");
  EXPECT_EQ(e.exit_code, 2) << e.output;
  EXPECT_NE(e.output.find(message), std::string::npos) << e.output;
  const CommandResult i = manet("inspect " + file);
  EXPECT_EQ(i.exit_code, 1) << i.output;
  const auto row = i.output.find("/model/classifier.weight ");
  ASSERT_NE(row, std::string::npos) << i.output;
  // The dataset's row of the table says why, in its own words: no CORRUPT.
  EXPECT_NE(i.output.substr(row, i.output.find('\n', row) - row).find("float64, expected float32"), std::string::npos)
      << i.output;
  EXPECT_EQ(i.output.find("CORRUPT"), std::string::npos) << i.output;
}

// C17: an lzf-compressed h5py file was "corrupt or truncated".
TEST(Careless, C17_AnUnsupportedFilterIsNamedNotCalledCorrupt) {
  ASSERT_TRUE(python_has_h5py()) << "python3-h5py is a test dependency (launch/install-deps.sh)";
  const std::string dir = fresh_dir("c17_lzf");
  ASSERT_EQ(run_command("/usr/bin/python3 -c \"import h5py, numpy; f = h5py.File('" + dir +
                        "/lzf.h5', 'w'); f.create_dataset('x', data=numpy.zeros((64, 1, 8, 8), 'f4'), "
                        "compression='lzf'); f['y'] = numpy.arange(64) % 3\"")
                .exit_code,
            0);
  const CommandResult r = manet("eval --checkpoint " + trained_checkpoint() + " --data " + dir + "/lzf.h5");
  EXPECT_EQ(r.exit_code, 2) << r.output;
  EXPECT_NE(r.output.find(dir + "/lzf.h5: /x is compressed with the filter 'lzf'"), std::string::npos) << r.output;
  EXPECT_NE(r.output.find("it reads gzip (deflate), szip, shuffle and fletcher32"), std::string::npos) << r.output;
  EXPECT_EQ(r.output.find("corrupt"), std::string::npos) << r.output;
}

// C18: prepare found an unwritable --out only after the work, and left a .partial behind.
TEST(Careless, C18_PrepareChecksItsOutputFirstAndLeavesNothingHalfWritten) {
  if (!fs::exists("/usr/share/games/fortunes/computers")) FAIL() << "apt-get install fortunes (launch/install-deps.sh)";
  const std::string dir = fresh_dir("c18_prepare");
  fs::create_directories(dir + "/readonly");
  fs::permissions(dir + "/readonly", fs::perms::owner_read | fs::perms::owner_exec | fs::perms::group_read |
                                         fs::perms::group_exec | fs::perms::others_read | fs::perms::others_exec);
  fs::permissions(dir, fs::perms::all);
  // As root every directory is writable: run as nobody then.
  const std::string as_user = ::geteuid() == 0 ? "setpriv --reuid=nobody --regid=nogroup --clear-groups " : "";
  const auto t0 = std::chrono::steady_clock::now();
  const CommandResult ro = run_command(as_user + manet_binary() + " prepare fort14 --out " + dir + "/readonly/out");
  EXPECT_EQ(ro.exit_code, 2) << ro.output;
  EXPECT_EQ(error_line(ro.output), "manet: error: --out " + dir + "/readonly/out: cannot write in " + dir +
                                       "/readonly (Permission denied)");
  EXPECT_LT(std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count(), 5) << "before the work";
  fs::create_directories(dir + "/out/train.h5");
  const CommandResult taken = manet("prepare fort14 --out " + dir + "/out");
  EXPECT_EQ(taken.exit_code, 2) << taken.output;
  EXPECT_NE(taken.output.find(dir + "/out/train.h5 is a directory, where the data set file goes"), std::string::npos)
      << taken.output;
  for (const auto& e : fs::directory_iterator(dir + "/out"))
    EXPECT_EQ(e.path().extension(), ".h5") << e.path() << ": nothing half-written left";
}

// C19: eval --batch 0 printed a range with a 300-digit number.
TEST(Careless, C19_ABadBatchGivesARangeAPersonCanRead) {
  const CommandResult r = manet("eval --checkpoint x.h5 --data y.h5 --batch 0");
  EXPECT_EQ(r.exit_code, 2) << r.output;
  EXPECT_EQ(error_line(r.output), "manet: error: --batch: Value 0 not in range 1 to 1048576");
}

// C20: exit codes were 104-109, 2 and 1 by accident. One scheme: 0 done, 2 anything to fix
// before running (command line, config, data, a file named on the command line), 1 a
// failure during a run (and inspect's verdict on a corrupt file).
TEST(Careless, C20_ExitCodesFollowOneScheme) {
  const std::string cfg = trained_dir() + "/run.yaml", data = trained_dir() + "/data.h5";
  const std::pair<std::string, int> cases[] = {
      {"--help", 0},
      {"--version", 0},
      {"train --help", 0},
      {"", 2},                                                         // no subcommand
      {"bogus", 2},                                                    // unknown subcommand
      {"train", 2},                                                    // --config missing
      {"train --config " + cfg + " --frobnicate", 2},                  // unknown option
      {"train --config /no/such.yaml", 2},                             // config missing
      {"train --config " + trained_dir(), 2},                          // config is a directory
      {"train --config " + cfg + " --set train.batch_sise=3", 2},      // unknown key
      {"eval --checkpoint /no/such.h5 --data " + data, 2},             // checkpoint missing
      {"eval --checkpoint " + data + " --data " + data, 2},            // not a checkpoint
      {"eval --checkpoint " + trained_checkpoint() + " --data /no/such.h5", 2},
      {"inspect /no/such.h5", 2},
      {"eval --checkpoint " + trained_checkpoint() + " --data " + data, 0},
  };
  for (const auto& [args, code] : cases) {
    SCOPED_TRACE(args);
    const CommandResult r = manet(args);
    EXPECT_EQ(r.exit_code, code) << r.output;
    if (code == 2) {
      EXPECT_NE(r.output.find("manet: error: "), std::string::npos) << r.output;
    }
  }
  // A failure during a run: the loss turns NaN at step 2.
  const std::string dir = prepare_run("c20_nan", false, 3);
  const TimedResult nan = train_run(dir, 1, 16, "", fault("nan", 0, 2));
  EXPECT_EQ(nan.exit_code, 1) << nan.output;
  // The same error on every rank of a job gives every rank the same code.
  const CommandResult ranks =
      run_command(launch_prefix(2) + manet_binary() + " train --config " + cfg + " --set train.batch_sise=3");
  EXPECT_EQ(ranks.exit_code, 2) << ranks.output;
}

}  // namespace manet::testing
