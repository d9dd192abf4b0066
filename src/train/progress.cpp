#include "train/progress.hpp"

#include <sys/ioctl.h>
#include <unistd.h>

#include <cerrno>
#include <cmath>
#include <cstdlib>
#include <cstring>

#include <nlohmann/json.hpp>

#include "core/blas_core.hpp"
#include "core/cpu.hpp"
#include "core/error.hpp"
#include "core/float_env.hpp"
#include "core/isa.hpp"
#include "core/utc_time.hpp"
#include "train/evaluate.hpp"

namespace manet {

namespace {

using Clock = std::chrono::steady_clock;
using Json = nlohmann::ordered_json;

double seconds_between(Clock::time_point a, Clock::time_point b) {
  return std::chrono::duration<double>(b - a).count();
}

// Six significant digits, as the terminal shows them: the file stays readable and small.
double rounded(double value, const char* format = "%.6g") {
  if (!std::isfinite(value)) return value;  // written as null
  char buf[40];
  std::snprintf(buf, sizeof buf, format, value);
  return std::strtod(buf, nullptr);
}

// Columns of the terminal on standard output; 0 when unknown.
int terminal_columns() {
  winsize size{};
  if (::ioctl(STDOUT_FILENO, TIOCGWINSZ, &size) == 0 && size.ws_col > 0) return size.ws_col;
  if (const char* columns = std::getenv("COLUMNS")) return std::atoi(columns);
  return 0;
}

}  // namespace

std::string format_duration(double s) {
  char buf[32];
  if (!std::isfinite(s) || s < 0) return "?";
  const long t = long(s + 0.5);
  if (t >= 3600) std::snprintf(buf, sizeof buf, "%ldh%02ldm", t / 3600, (t / 60) % 60);
  else if (t >= 60) std::snprintf(buf, sizeof buf, "%ldm%02lds", t / 60, t % 60);
  else std::snprintf(buf, sizeof buf, "%lds", t);
  return buf;
}

bool progress_bar_wanted(bool started_by_launcher) {
  const char* set = std::getenv("MANET_PROGRESS");
  const std::string mode = set ? set : "auto";
  if (mode == "bar") return true;
  if (mode == "lines") return false;
  if (mode != "auto")
    throw Error("MANET_PROGRESS is '" + mode + "': set it to bar, lines or auto (or unset it)", ErrorKind::usage);
  const char* term = std::getenv("TERM");
  return !started_by_launcher && ::isatty(STDOUT_FILENO) && !(term && std::strcmp(term, "dumb") == 0);
}

Progress::Progress(const std::string& metrics_path, const std::string& run_id, long total_steps, long global_batch,
                   bool enabled, bool live_bar)
    : run_id_(run_id), total_steps_(total_steps), global_batch_(global_batch), enabled_(enabled),
      live_bar_(enabled && live_bar), start_(Clock::now()), window_start_(start_), bar_start_(start_) {
  if (enabled_ && !metrics_path.empty()) {
    jsonl_ = std::fopen(metrics_path.c_str(), "a");
    if (!jsonl_) throw Error("cannot write " + metrics_path + ": " + std::strerror(errno), ErrorKind::usage);
  }
}

Progress::~Progress() {
  clear_bar();  // an error printed next starts on a clean line
  if (jsonl_) std::fclose(jsonl_);
}

// elapsed_seconds() counts from the construction (the records before the first step have
// their times too); the rates count from here.
void Progress::start(long step) {
  window_start_ = bar_start_ = Clock::now();
  start_step_ = step;
}

double Progress::elapsed_seconds() const { return seconds_between(start_, Clock::now()); }

void Progress::run_started(const RunStart& run) {
  Json r = {{"event", "start"},
            {"step", run.step},
            {"epoch", run.epoch + 1},
            {"total_steps", run.total_steps},
            {"steps_per_epoch", run.steps_per_epoch},
            {"global_batch", run.global_batch},
            {"parameters", run.parameters},
            {"world_size", run.world_size},
            {"hosts", run.hosts},
            {"device", run.device},
            {"version", MANET_VERSION},
            {"cpu", this_cpu().describe()},
            {"blas", blas_description()},
            {"isa", isa_name(active_isa())},
            {"subnormals_flushed", subnormals_flushed()},
            {"time", utc_now()},
            {"config_source", run.config_source},
            {"config", run.config_yaml}};
  record(r);
}

void Progress::step_done(long step, long epoch, double loss, double lr, long log_every) {
  window_loss_ += loss, ++window_steps_;
  bar_loss_ += loss, ++bar_steps_;
  if (!enabled_) return;
  const auto now = Clock::now();
  // The bar is redrawn a few times a second at most (and at the last step): a terminal
  // that redraws thousands of times a second slows the run it shows.
  if (live_bar_ && (seconds_between(bar_start_, now) >= 0.2 || step == total_steps_)) {
    const double rate = bar_steps_ * global_batch_ / std::max(seconds_between(bar_start_, now), 1e-9);
    draw_bar(step, epoch, bar_loss_ / bar_steps_, rate);
    bar_start_ = now, bar_steps_ = 0, bar_loss_ = 0;
    if (step == total_steps_) {  // the finished bar stays, what follows goes below it
      std::printf("\n");
      bar_shown_ = false;
    }
  }
  if (step % log_every != 0 && step != total_steps_) return;
  const double rate = window_steps_ * global_batch_ / std::max(seconds_between(window_start_, now), 1e-9);
  const double mean_loss = window_loss_ / window_steps_;
  if (!live_bar_) {
    const double per_step = elapsed_seconds() / double(step - start_step_);
    std::printf("step %*ld/%ld | epoch %ld | loss %.4f | lr %.3e | %.0f samples/s | ETA %s\n",
                int(std::to_string(total_steps_).size()), step, total_steps_, epoch + 1, mean_loss, lr, rate,
                format_duration(per_step * double(total_steps_ - step)).c_str());
    std::fflush(stdout);
  }
  Json r = {{"event", "train"},  {"step", step},
            {"epoch", epoch + 1}, {"loss", rounded(mean_loss)},
            {"lr", rounded(lr)},  {"samples_per_s", rounded(rate, "%.1f")}};
  record(r);
  window_start_ = now;
  window_steps_ = 0;
  window_loss_ = 0;
}

// "step 120/5622 [====>        ] 2% | epoch 1 | loss 0.4321 | 1130 samples/s | ETA 4m52s",
// cut to the terminal's width (a line that wraps could not be redrawn in place).
void Progress::draw_bar(long step, long epoch, double loss, double rate) {
  const double per_step = elapsed_seconds() / double(std::max(1L, step - start_step_));
  const double done = double(step) / double(std::max(1L, total_steps_));
  char tail[160];
  std::snprintf(tail, sizeof tail, " %3.0f%% | epoch %ld | loss %.4f | %.0f samples/s | ETA %s", 100 * done,
                epoch + 1, loss, rate, format_duration(per_step * double(total_steps_ - step)).c_str());
  const std::string head = "step " + std::to_string(step) + "/" + std::to_string(total_steps_) + " ";
  const int columns = terminal_columns() > 0 ? terminal_columns() : 100;
  const int room = columns - 1 - int(head.size() + std::strlen(tail));
  const int width = std::min(30, room - 2);
  std::string bar;
  if (width >= 5) {
    const int filled = int(done * width);
    bar = "[" + std::string(std::size_t(filled), '=') + (filled < width ? ">" : "") +
          std::string(std::size_t(std::max(0, width - filled - 1)), ' ') + "]";
  }
  std::string line = head + bar + tail;
  if (int(line.size()) > columns - 1) line.resize(std::size_t(std::max(0, columns - 1)));
  std::printf("\r\033[K%s", line.c_str());  // back to the line's start, erase it, draw
  std::fflush(stdout);
  bar_shown_ = true;
}

void Progress::clear_bar() {
  if (!bar_shown_) return;
  std::printf("\r\033[K");
  std::fflush(stdout);
  bar_shown_ = false;
}

void Progress::eval_done(const std::string& split, long step, long epoch, const EvalResult& e,
                         const std::vector<std::string>& classes, double seconds, const std::string& model) {
  if (!enabled_) return;
  clear_bar();
  std::printf("eval  step %ld | epoch %ld | %s loss %.4f | %s accuracy %.4f | macro-F1 %.4f (%ld samples, %.1fs)%s | "
              "elapsed %s\n",
              step, epoch, split.c_str(), e.loss(), split.c_str(), e.accuracy(), e.macro_f1(), e.samples, seconds,
              model.empty() ? "" : (" | " + model + " model").c_str(), format_duration(elapsed_seconds()).c_str());
  std::fflush(stdout);
  Json confusion = Json::array();  // (classes, classes): row = true label, column = prediction
  for (int k = 0; k < e.classes; ++k)
    confusion.push_back(std::vector<long>(e.confusion.begin() + long(k) * e.classes,
                                          e.confusion.begin() + long(k + 1) * e.classes));
  Json r = {{"event", "eval"},
            {"step", step},
            {"epoch", epoch},
            {"split", split},
            {"model", model},
            {"loss", rounded(e.loss())},
            {"accuracy", rounded(e.accuracy())},
            {"samples", e.samples},
            {"macro_f1", rounded(e.macro_f1())},
            {"seconds", rounded(seconds, "%.2f")},
            {"elapsed_s", rounded(elapsed_seconds(), "%.1f")},
            {"time", utc_now()}};
  if (model.empty()) r.erase("model");  // after an epoch; "last" | "best" at the end of a run
  if (!classes.empty()) r["classes"] = classes;
  r["confusion"] = std::move(confusion);
  record(r);
}

void Progress::record(Json& fields) {
  if (!jsonl_) return;
  fields["schema"] = kMetricsSchema;
  fields["run"] = run_id_;
  const std::string line = fields.dump(-1, ' ', false, Json::error_handler_t::replace) + "\n";
  std::fwrite(line.data(), 1, line.size(), jsonl_);
  std::fflush(jsonl_);
}

void Progress::note(const std::string& line) {
  if (!enabled_) return;
  clear_bar();
  std::printf("%s\n", line.c_str());
  std::fflush(stdout);
}

void Progress::note_event(const char* name, long step, const std::string& reason) {
  Json r = {{"event", name}, {"step", step}};
  if (!reason.empty()) r["reason"] = reason;
  r["elapsed_s"] = rounded(elapsed_seconds(), "%.1f");
  r["time"] = utc_now();
  record(r);
}

void Progress::summary(const StepTimes& t, const std::vector<RankTimes>& ranks, int world_size) {
  if (!enabled_ || t.steps == 0) return;
  clear_bar();
  const double step = t.total() / double(t.steps);
  auto ms = [&](double s) { return 1e3 * s / double(t.steps); };
  std::printf("throughput %.1f samples/s over %ld steady steps (%.1f per rank) | per step %.1f ms: data %.2f, "
              "forward %.1f, backward %.1f, exposed communication %.2f (%.1f %%), optimizer %.2f\n",
              double(global_batch_) / step, t.steps, double(global_batch_) / step / world_size, 1e3 * step,
              ms(t.data), ms(t.forward), ms(t.backward), ms(t.comm), 100.0 * t.comm / t.total(), ms(t.optimizer));
  std::printf("memory: peak resident set %.1f MB per rank (largest over %d rank%s)\n", t.peak_rss_mb, world_size,
              world_size > 1 ? "s" : "");
  if (world_size > 1)
    std::printf("communication: %.2f ms/step (%.2f %%) left exposed for the last rank to arrive; rank 0 waited "
                "%.2f ms more for slower ranks\n",
                ms(t.comm_floor), 100.0 * t.comm_floor / t.total(), ms(t.comm - t.comm_floor));
  // On a GPU the host's phases above are mostly queuing; the device's own clock splits the step.
  const DevicePhaseTimes& d = t.device;
  auto device_ms = [&](double s) { return 1e3 * s / double(t.device_steps); };
  if (t.device_steps > 0)
    std::printf("GPU time per step (CUDA events): forward %.2f ms, backward %.2f, waiting for NCCL %.2f, update %.2f "
                "(%.1f %% of the step busy) | peak GPU memory %.1f MB (manet's buffers)\n",
                device_ms(d.forward), device_ms(d.backward), device_ms(d.comm), device_ms(d.optimizer),
                100.0 * device_ms(d.total()) / (1e3 * step), t.peak_gpu_mb);
  std::fflush(stdout);
  auto ms4 = [&](double s) { return rounded(ms(s), "%.4f"); };
  // Per rank: its exposed communication is the floor every rank waits for; the rest of its
  // wait is for slower ranks.
  Json per_rank = Json::array();
  for (const RankTimes& r : ranks) {
    const StepTimes& own = r.times;
    per_rank.push_back({{"rank", r.rank},
                        {"host", r.host},
                        {"step_ms", ms4(own.total())},
                        {"data_ms", ms4(own.data)},
                        {"forward_ms", ms4(own.forward)},
                        {"backward_ms", ms4(own.backward)},
                        {"comm_exposed_ms", ms4(t.comm_floor)},
                        {"wait_ms", ms4(std::max(0.0, own.comm - t.comm_floor))},
                        {"optimizer_ms", ms4(own.optimizer)},
                        {"peak_rss_mb", rounded(own.peak_rss_mb, "%.1f")}});
  }
  Json r = {{"event", "summary"},
            {"samples_per_s", rounded(double(global_batch_) / step, "%.2f")},
            {"steps", t.steps},
            {"world_size", world_size},
            {"step_ms", ms4(t.total())},
            {"data_ms", ms4(t.data)},
            {"forward_ms", ms4(t.forward)},
            {"backward_ms", ms4(t.backward)},
            {"comm_ms", ms4(t.comm)},
            {"comm_floor_ms", ms4(t.comm_floor)},
            {"optimizer_ms", ms4(t.optimizer)},
            {"peak_rss_mb", rounded(t.peak_rss_mb, "%.1f")},
            {"subnormals_flushed", t.subnormals_flushed},
            {"ranks", std::move(per_rank)},
            {"time", utc_now()}};
  if (t.device_steps > 0) {
    r["gpu_forward_ms"] = rounded(device_ms(d.forward), "%.4f");
    r["gpu_backward_ms"] = rounded(device_ms(d.backward), "%.4f");
    r["gpu_comm_ms"] = rounded(device_ms(d.comm), "%.4f");
    r["gpu_optimizer_ms"] = rounded(device_ms(d.optimizer), "%.4f");
    r["peak_gpu_mb"] = rounded(t.peak_gpu_mb, "%.1f");
  }
  record(r);
}

}  // namespace manet
