#include "train/progress.hpp"

#include <cerrno>
#include <cmath>
#include <cstdarg>
#include <cstring>

#include "core/error.hpp"

namespace manet {

std::string format_duration(double s) {
  char buf[32];
  if (!std::isfinite(s) || s < 0) return "?";
  const long t = long(s + 0.5);
  if (t >= 3600) std::snprintf(buf, sizeof buf, "%ldh%02ldm", t / 3600, (t / 60) % 60);
  else if (t >= 60) std::snprintf(buf, sizeof buf, "%ldm%02lds", t / 60, t % 60);
  else std::snprintf(buf, sizeof buf, "%lds", t);
  return buf;
}

Progress::Progress(const std::string& metrics_path, const std::string& run_id, long total_steps, long global_batch,
                   bool enabled)
    : run_id_(run_id), total_steps_(total_steps), global_batch_(global_batch), enabled_(enabled) {
  if (enabled_ && !metrics_path.empty()) {
    jsonl_ = std::fopen(metrics_path.c_str(), "a");
    if (!jsonl_) throw Error("cannot write " + metrics_path + ": " + std::strerror(errno), ErrorKind::usage);
  }
}

Progress::~Progress() {
  if (jsonl_) std::fclose(jsonl_);
}

void Progress::start(long step) {
  start_ = window_start_ = std::chrono::steady_clock::now();
  start_step_ = step;
}

double Progress::elapsed_seconds() const {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - start_).count();
}

void Progress::step_done(long step, long epoch, double loss, double lr, long log_every) {
  window_loss_ += loss;
  ++window_steps_;
  if (!enabled_ || (step % log_every != 0 && step != total_steps_)) return;
  const auto now = std::chrono::steady_clock::now();
  const double window = std::chrono::duration<double>(now - window_start_).count();
  const double rate = window_steps_ * global_batch_ / std::max(window, 1e-9);
  const double per_step = elapsed_seconds() / double(step - start_step_);
  const double mean_loss = window_loss_ / window_steps_;
  std::printf("step %*ld/%ld | epoch %ld | loss %.4f | lr %.3e | %.0f samples/s | ETA %s\n",
              int(std::to_string(total_steps_).size()), step, total_steps_, epoch + 1, mean_loss, lr, rate,
              format_duration(per_step * double(total_steps_ - step)).c_str());
  std::fflush(stdout);
  if (jsonl_) {
    record("{\"event\":\"train\",\"step\":%ld,\"epoch\":%ld,\"loss\":%.6g,\"lr\":%.6g,\"samples_per_s\":%.1f", step,
           epoch + 1, mean_loss, lr, rate);
  }
  window_start_ = now;
  window_steps_ = 0;
  window_loss_ = 0;
}

void Progress::eval_done(const std::string& split, long step, long epoch, const EvalResult& r, double seconds,
                         const std::string& model) {
  if (!enabled_) return;
  const char* name = split.c_str();
  std::printf("eval  step %ld | epoch %ld | %s loss %.4f | %s accuracy %.4f | macro-F1 %.4f (%ld samples, %.1fs)%s | "
              "elapsed %s\n",
              step, epoch, name, r.loss(), name, r.accuracy(), r.macro_f1(), r.samples, seconds,
              model.empty() ? "" : (" | " + model + " model").c_str(), format_duration(elapsed_seconds()).c_str());
  std::fflush(stdout);
  if (jsonl_) {
    record("{\"event\":\"eval\",\"split\":\"%s\",%s\"step\":%ld,\"epoch\":%ld,\"loss\":%.6g,\"accuracy\":%.6g,"
           "\"samples\":%ld,\"macro_f1\":%.6g,\"elapsed_s\":%.1f",
           name, model.empty() ? "" : ("\"model\":\"" + model + "\",").c_str(), step, epoch, r.loss(), r.accuracy(),
           r.samples, r.macro_f1(), elapsed_seconds());
  }
}

// One line of metrics.jsonl: `format` opens the object and lists this record's fields;
// every record ends with the run's id.
void Progress::record(const char* format, ...) {
  if (!jsonl_) return;
  va_list args;
  va_start(args, format);
  std::vfprintf(jsonl_, format, args);
  va_end(args);
  std::fprintf(jsonl_, ",\"run\":\"%s\"}\n", run_id_.c_str());
  std::fflush(jsonl_);
}

void Progress::note(const std::string& line) {
  if (!enabled_) return;
  std::printf("%s\n", line.c_str());
  std::fflush(stdout);
}

void Progress::note_event(const char* name, long step) {
  record("{\"event\":\"%s\",\"step\":%ld,\"elapsed_s\":%.1f", name, step, elapsed_seconds());
}

void Progress::summary(const StepTimes& t, int world_size) {
  if (!enabled_ || t.steps == 0) return;
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
  if (jsonl_) {
    char device[256] = "";
    if (t.device_steps > 0)
      std::snprintf(device, sizeof device,
                    ",\"gpu_forward_ms\":%.4f,\"gpu_backward_ms\":%.4f,\"gpu_comm_ms\":%.4f,\"gpu_optimizer_ms\":%.4f,"
                    "\"peak_gpu_mb\":%.1f",
                    device_ms(d.forward), device_ms(d.backward), device_ms(d.comm), device_ms(d.optimizer),
                    t.peak_gpu_mb);
    record("{\"event\":\"summary\",\"samples_per_s\":%.2f,\"steps\":%ld,\"world_size\":%d,\"step_ms\":%.4f,"
                 "\"data_ms\":%.4f,\"forward_ms\":%.4f,\"backward_ms\":%.4f,\"comm_ms\":%.4f,\"comm_floor_ms\":%.4f,\"optimizer_ms\":%.4f,"
                 "\"peak_rss_mb\":%.1f,\"subnormals_flushed\":%s%s",
                 double(global_batch_) / step, t.steps, world_size, 1e3 * step, ms(t.data), ms(t.forward),
                 ms(t.backward), ms(t.comm), ms(t.comm_floor), ms(t.optimizer), t.peak_rss_mb,
                 t.subnormals_flushed ? "true" : "false", device);
  }
}

}  // namespace manet
