// `manet report` seen in a real browser (label browser): a real short run on 2 ranks (4
// epochs of a tiny model, stopped by SIGTERM at step 13 and resumed as Slurm would after a
// requeue), its page rendered by headless Chromium (Debian's chromium: a test dependency,
// missing = failed). The screenshot must show something; the DOM Chromium built must hold
// one SVG path per series with a point per metrics.jsonl record, a confusion matrix that
// sums to the test set's size, and the resume marker at the step the run resumed. The
// hand-written metrics.jsonl with validation records (report/files/) goes through too.
#include <gtest/gtest.h>
#include <png.h>

#include <filesystem>
#include <fstream>
#include <map>
#include <numeric>

#include <nlohmann/json.hpp>

#include "comm/run_harness.hpp"
#include "report/page_parse.hpp"
#include "report/page_snapshot.hpp"

namespace manet::testing {
namespace {

constexpr long kTrainSamples = 256, kTestSamples = 100, kGlobalBatch = 32, kEpochs = 4;
constexpr long kSteps = kEpochs * kTrainSamples / kGlobalBatch;  // 32, all logged
constexpr long kStopStep = 13;                                   // mid-way through epoch 2
const std::vector<std::string> kClasses = {"circle", "square & box", "<triangle>"};

// The test set names its classes, as a `manet prepare`d file does.
void write_named_test_set(const std::string& path) {
  const RandomStream s(9, RandomPurpose::data, 7);
  Dataset d;
  d.sample_shape = MapShape{1, 8, 8};
  for (long i = 0; i < kTestSamples; ++i) {
    d.labels.push_back(int64_t(s.bits(i, 0) % 3));
    for (long k = 0; k < 64; ++k) d.images.push_back(float(2 * s.uniform(i * 64 + k, 1) - 1));
  }
  d.preprocess.input = "image";
  d.preprocess.classes = kClasses;
  d.preprocess.image = {8, 8, 1, {0.5}, {0.5}};
  save_hdf5_dataset(path, d);
}

std::vector<nlohmann::json> read_records(const std::string& path) {
  std::vector<nlohmann::json> out;
  std::ifstream in(path);
  for (std::string line; std::getline(in, line);)
    if (!line.empty()) out.push_back(nlohmann::json::parse(line));
  return out;
}

// Chromium's DOM of a page, after parsing (no script runs: the page has none).
std::string browser_dom(const std::string& html_path, const std::string& scratch) {
  const std::string browser = report::find_chromium();
  if (browser.empty()) return "";
  const std::string dom = scratch + "/dom.html";
  const CommandResult r = run_command(browser + " --headless --disable-gpu --no-first-run --disable-extensions" +
                                      (::geteuid() == 0 ? " --no-sandbox" : "") + " --user-data-dir=" + scratch +
                                      "/profile --dump-dom '" + report::file_url(html_path) + "' > " + dom +
                                      " 2> " + scratch + "/browser.log");
  EXPECT_EQ(r.exit_code, 0) << read_text(scratch + "/browser.log");
  return read_text(dom);
}

// The share of a PNG's pixels that differ from its most common colour (the background).
double share_not_background(const std::string& png_path, int* width, int* height) {
  png_image image{};
  image.version = PNG_IMAGE_VERSION;
  if (!png_image_begin_read_from_file(&image, png_path.c_str())) return -1;
  image.format = PNG_FORMAT_RGB;
  std::vector<uint8_t> pixels(PNG_IMAGE_SIZE(image));
  if (!png_image_finish_read(&image, nullptr, pixels.data(), 0, nullptr)) return -1;
  *width = int(image.width), *height = int(image.height);
  std::map<uint32_t, long> counts;
  for (std::size_t i = 0; i + 2 < pixels.size(); i += 3)
    ++counts[uint32_t(pixels[i]) << 16 | uint32_t(pixels[i + 1]) << 8 | pixels[i + 2]];
  long background = 0;
  for (const auto& [colour, n] : counts) background = std::max(background, n);
  const long total = long(image.width) * long(image.height);
  return double(total - background) / double(total);
}

void require_chromium() {
  ASSERT_FALSE(report::find_chromium().empty())
      << "no headless Chromium (chromium, chromium-browser, google-chrome on PATH): apt-get install chromium, "
         "or run launch/install-deps.sh; this test does not skip";
}

struct RealRun {
  std::string dir, stopped_output, resumed_output, report_output;
  int stopped_exit = -1, resumed_exit = -1, report_exit = -1;
};

// Trained once per binary: stop at step 13, resume (a Slurm restart), report with a PNG.
const RealRun& real_run() {
  static const RealRun run = [] {
    RealRun r;
    r.dir = fresh_dir("report_browser");
    write_random_dataset(r.dir + "/train.h5", kTrainSamples, false, 11);
    write_named_test_set(r.dir + "/test.h5");
    write_file(r.dir + "/run.yaml",
               "seed: 5\n" + image_model_yaml() + "data:\n  train: {format: hdf5, path: " + r.dir +
                   "/train.h5}\n  test: {format: hdf5, path: " + r.dir + "/test.h5}\n"
                   "train: {epochs: " + std::to_string(kEpochs) + ", shuffle: true, log_every_steps: 1, "
                   "eval_batch_size: 25, test_every_epoch: true}\noptimizer: {type: adamw, lr: 0.01}\n"
                   "schedule: {type: cosine, warmup_steps: 4}\n"
                   "checkpoint: {dir: " + r.dir + "/ckpt, every_steps: 8}\ndist: {timeout_s: 60}\n");
    const TimedResult stopped =
        train_run(r.dir, 2, kGlobalBatch / 2, "", fault("sigterm", 0, kStopStep));
    r.stopped_exit = stopped.exit_code, r.stopped_output = stopped.output;
    const TimedResult resumed = train_run(r.dir, 2, kGlobalBatch / 2, "", "SLURM_RESTART_COUNT=1 ");
    r.resumed_exit = resumed.exit_code, r.resumed_output = resumed.output;
    const CommandResult report = run_command(manet_binary() + " report " + r.dir + "/ckpt --out " + r.dir +
                                             "/report.html --png " + r.dir + "/report.png");
    r.report_exit = report.exit_code, r.report_output = report.output;
    return r;
  }();
  return run;
}

TEST(ReportInBrowser, ARealRunStoppedAndResumed) {
  require_chromium();
  const RealRun& run = real_run();
  ASSERT_EQ(run.stopped_exit, 0) << run.stopped_output;
  ASSERT_NE(run.stopped_output.find("stopped by SIGTERM after step 13"), std::string::npos) << run.stopped_output;
  ASSERT_EQ(run.resumed_exit, 0) << run.resumed_output;
  ASSERT_EQ(run.report_exit, 0) << run.report_output;

  // The screenshot shows something: at least 5 % of it is not background.
  int width = 0, height = 0;
  const double drawn = share_not_background(run.dir + "/report.png", &width, &height);
  std::printf("screenshot %dx%d: %.1f %% of the pixels differ from the background\n", width, height, 100 * drawn);
  EXPECT_EQ(width, 1280);
  EXPECT_GT(height, 1000);
  EXPECT_GE(drawn, 0.05);

  // What metrics.jsonl holds, read here on its own.
  long train = 0;
  std::map<std::string, long> evals;
  long last_test_samples = -1, resumed_at = -1, stopped_at = -1;
  double resumed_elapsed = -1;
  for (const nlohmann::json& r : read_records(run.dir + "/ckpt/metrics.jsonl")) {
    const std::string event = r.at("event");
    EXPECT_EQ(r.at("schema"), 1) << r.dump();
    if (event == "resumed") resumed_elapsed = r.at("elapsed_s");
    // Seconds since this start of the process: the evaluations after the resume are later.
    if (event == "eval" && resumed_elapsed >= 0) {
      EXPECT_LE(resumed_elapsed, r.at("elapsed_s").get<double>());
    }
    if (event == "train") ++train;
    if (event == "eval") ++evals[r.at("split")], last_test_samples = r.at("samples");
    if (event == "resumed") resumed_at = r.at("step");
    if (event == "stopped") stopped_at = r.at("step");
  }
  EXPECT_EQ(train, kSteps) << "every step logged once, across the stop";
  EXPECT_EQ(evals, (std::map<std::string, long>{{"test", kEpochs}}));
  EXPECT_EQ(stopped_at, kStopStep);
  EXPECT_EQ(resumed_at, kStopStep);

  const std::string dom = browser_dom(run.dir + "/report.html", run.dir);
  ASSERT_NE(dom.find("<svg"), std::string::npos) << dom.substr(0, 2000);
  // One path per series, a point per record.
  const auto paths = series_paths(dom);
  const std::map<std::string, long> expected = {
      {"train_loss", train}, {"lr", train}, {"samples_per_s", train}, {"test_loss", evals["test"]},
      {"test_accuracy", evals["test"]}};
  EXPECT_EQ(paths.size(), expected.size());
  for (const auto& [id, points] : expected) {
    ASSERT_EQ(paths.count(id), 1u) << id;
    ASSERT_EQ(paths.at(id).size(), 1u) << id << ": one path";
    EXPECT_EQ(long(path_points(paths.at(id)[0]).size()), points) << id;
  }
  // The confusion matrix counts every test sample once, under the test set's class names.
  const std::vector<long> cells = confusion_cells(dom, "test");
  EXPECT_EQ(cells.size(), 9u);
  EXPECT_EQ(std::accumulate(cells.begin(), cells.end(), 0L), kTestSamples);
  EXPECT_EQ(last_test_samples, kTestSamples);
  for (const char* name : {"circle", "square &amp; box", "&lt;triangle&gt;"})
    EXPECT_NE(dom.find("<th class=\"pred\">" + std::string(name) + "</th>"), std::string::npos) << name;
  // The resume marker stands on the point of the step the run resumed at, on every chart
  // with steps; the stop and the requeue beside it.
  for (const auto& [id, series] : std::map<std::string, std::string>{
           {"chart-loss", "train_loss"}, {"chart-lr", "lr"}, {"chart-throughput", "samples_per_s"}}) {
    const std::string svg = chart(dom, id);
    const auto points = path_points(series_paths(svg).at(series).at(0));
    ASSERT_EQ(long(points.size()), kSteps) << id;
    std::map<std::string, MarkerSeen> seen;
    for (const MarkerSeen& m : markers(svg)) seen[m.kind] = m;
    ASSERT_EQ(seen.count("resumed"), 1u) << id;
    EXPECT_EQ(seen["resumed"].step, kStopStep) << id;
    EXPECT_NEAR(seen["resumed"].line_x, points[kStopStep - 1].first, 0.01) << id << ": at the point of step 13";
    EXPECT_LT(seen["resumed"].line_x, points[kStopStep].first) << id;
    EXPECT_EQ(seen["stopped"].step, kStopStep) << id;
    EXPECT_EQ(seen["requeued"].step, kStopStep) << id;
  }
  EXPECT_NE(dom.find("stopped (SIGTERM)"), std::string::npos);
  EXPECT_NE(dom.find("Slurm job restarted (restart 1)"), std::string::npos);
}

// The summary has each rank's phases (rank 0's are the overall figures: its own wait).
TEST(ReportInBrowser, TheSummaryHoldsEveryRanksPhases) {
  const RealRun& run = real_run();
  ASSERT_EQ(run.resumed_exit, 0) << run.resumed_output;
  nlohmann::json summary;
  for (const nlohmann::json& r : read_records(run.dir + "/ckpt/metrics.jsonl"))
    if (r.at("event") == "summary") summary = r;
  ASSERT_FALSE(summary.is_null());
  ASSERT_EQ(summary.at("ranks").size(), 2u);
  for (int rank : {0, 1}) {
    const nlohmann::json& r = summary.at("ranks")[rank];
    EXPECT_EQ(r.at("rank"), rank);
    EXPECT_FALSE(r.at("host").get<std::string>().empty());
    double sum = 0;
    for (const char* phase : {"data_ms", "forward_ms", "backward_ms", "comm_exposed_ms", "wait_ms", "optimizer_ms"}) {
      EXPECT_GE(r.at(phase).get<double>(), 0.0) << phase;
      sum += r.at(phase).get<double>();
    }
    // Each figure is rounded to 1e-4 ms: seven of them are off by 3.5e-4 at most.
    EXPECT_NEAR(sum, r.at("step_ms").get<double>(), 4e-4) << "rank " << rank << ": the phases make the step";
    EXPECT_GT(r.at("peak_rss_mb").get<double>(), 1.0);
  }
  const nlohmann::json& rank0 = summary.at("ranks")[0];
  EXPECT_NEAR(rank0.at("forward_ms").get<double>(), summary.at("forward_ms").get<double>(), 1e-4);
  EXPECT_NEAR(rank0.at("comm_exposed_ms").get<double>() + rank0.at("wait_ms").get<double>(),
              summary.at("comm_ms").get<double>(), 2e-4);
  EXPECT_EQ(summary.at("peak_rss_mb").get<double>(),
            std::max(summary.at("ranks")[0].at("peak_rss_mb").get<double>(),
                     summary.at("ranks")[1].at("peak_rss_mb").get<double>()));
}

// The hand-written file with validation records: Chromium sees val curves beside the test ones.
TEST(ReportInBrowser, ValidationCurvesFromAHandWrittenFile) {
  require_chromium();
  const std::string dir = fresh_dir("report_browser_val");
  std::filesystem::copy_file(MANET_SOURCE_DIR "/tests/report/files/metrics_with_val.jsonl", dir + "/metrics.jsonl");
  const CommandResult r = run_command(manet_binary() + " report " + dir);
  ASSERT_EQ(r.exit_code, 0) << r.output;
  EXPECT_NE(r.output.find("report: " + dir + "/report.html (6 training records, 6 evaluations, 5 events, the "
                          "run's summary)"),
            std::string::npos)
      << r.output;
  const std::string dom = browser_dom(dir + "/report.html", dir);
  const auto paths = series_paths(dom);
  for (const auto& [id, points] : std::map<std::string, std::size_t>{
           {"train_loss", 6}, {"val_loss", 3}, {"test_loss", 3}, {"val_accuracy", 3}, {"test_accuracy", 3}}) {
    ASSERT_EQ(paths.count(id), 1u) << id;
    EXPECT_EQ(path_points(paths.at(id)[0]).size(), points) << id;
  }
  const std::vector<long> val = confusion_cells(dom, "val");
  EXPECT_EQ(std::accumulate(val.begin(), val.end(), 0L), 30);
}

TEST(ReportCommand, BadRunsAndAMissingBrowserAreUsageErrors) {
  const CommandResult missing = run_command(manet_binary() + " report /nonexistent/run");
  EXPECT_EQ(missing.exit_code, 2) << missing.output;
  EXPECT_NE(missing.output.find("manet: error: /nonexistent/run: no such file or directory"), std::string::npos)
      << missing.output;
  const std::string dir = fresh_dir("report_no_browser");
  std::filesystem::copy_file(MANET_SOURCE_DIR "/tests/report/files/metrics_with_val.jsonl", dir + "/metrics.jsonl");
  const CommandResult no_browser =
      run_command("MANET_CHROMIUM=/nonexistent/chromium " + manet_binary() + " report " + dir + " --png " + dir +
                  "/page.png");
  EXPECT_EQ(no_browser.exit_code, 2) << no_browser.output;
  EXPECT_NE(no_browser.output.find("MANET_CHROMIUM=/nonexistent/chromium is not an executable"), std::string::npos)
      << no_browser.output;
  EXPECT_TRUE(std::filesystem::exists(dir + "/report.html")) << "the page is written before the picture is tried";
}

}  // namespace
}  // namespace manet::testing
