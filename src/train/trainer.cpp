#include "train/trainer.hpp"

#include <chrono>
#include <cstdio>
#include <filesystem>

#include "comm/agree.hpp"
#include "core/blas_core.hpp"
#include "checkpoint/run_directory.hpp"
#include "core/error.hpp"
#include "core/float_env.hpp"
#include "core/isa.hpp"
#include "data/sampler.hpp"
#include "train/evaluate.hpp"
#include "train/progress.hpp"
#include "train/run_evaluation.hpp"
#include "train/run_times.hpp"
#include "train/setup.hpp"
#include "train/step.hpp"
#include "train/step_observers.hpp"
#include "train/stop_signals.hpp"
#include "train/timeline.hpp"
#include "train/training_model.hpp"

namespace manet {

namespace {

using Clock = std::chrono::steady_clock;

double seconds_since(Clock::time_point t) { return std::chrono::duration<double>(Clock::now() - t).count(); }

}  // namespace

void train(Config config, comm::Comm& comm) {
  const int rank = comm.rank(), world = comm.size();
  const bool lead = rank == 0;
  comm.set_timeout(config.dist.timeout_s);
  const FaultPlan faults = FaultPlan::from_env();
  bool live_bar = false;  // MANET_PROGRESS is checked before anything else, like the config
  comm::agree(comm, [&] { live_bar = progress_bar_wanted(comm::launched_by_mpi()); });
  const long global_batch = config.train.batch_size * world;
  // From here on a stop signal only sets a flag: caught during set-up, it stops the run
  // after its first step.
  StopSignals stop_signals(config.checkpoint.stop_signals, lead);
  const DeviceKind device = choose_device(comm, config);

  Training t = set_up_training(std::move(config), comm, global_batch);
  const Config& cfg = t.config;
  Model<float>& model = *t.model;
  Optimizer& optimizer = *t.optimizer;
  RunPosition& at = t.position;
  if (lead)
    std::printf("manet %s | cpu %s | BLAS %s | kernels %s, subnormals %s\nconfig %s (resolved):\n%s", MANET_VERSION,
                this_cpu().describe().c_str(), blas_description().c_str(), isa_name(active_isa()),
                subnormals_flushed() ? "flushed (FTZ/DAZ)" : "kept", cfg.source.c_str(), to_yaml(cfg).c_str());
  if (lead && !t.started_from.empty()) std::printf("%s\n", t.started_from.c_str());

  // The step's compute, on the CPU or the GPU; `model` and `optimizer` on the host hold
  // the state for checkpoints once trained->sync_to_host() has run.
  const std::unique_ptr<TrainingModel> trained =
      make_training_model(device, model, optimizer, DeviceOptions{.tf32 = cfg.train.tf32});
  if (lead && cfg.train.tf32 && device == DeviceKind::cpu)
    std::fprintf(stderr, "manet: note: train.tf32 is for the GPU; training on the CPU ignores it (FP32 throughout)\n");
  ShardSampler& sampler = *t.sampler;
  const long total_steps =
      cfg.train.max_steps > 0 ? cfg.train.max_steps : cfg.train.epochs * sampler.steps_per_epoch();
  if (at.step >= total_steps || at.stopped_early) {
    if (lead)
      std::printf("the run is already finished (step %ld of %ld%s): nothing to do\n", long(at.step), total_steps,
                  at.stopped_early ? ", stopped early by train.early_stop" : "");
    return;
  }
  TrainingStep step(comm, *trained, t.train_data, sampler, cfg, total_steps);
  const int hosts = world > 1 ? comm::count_hosts(comm) : 1;
  if (lead)
    std::printf("model %ld parameters | %ld training samples, %ld steps/epoch of %ld (%d rank%s x %ld) | %ld steps"
                "%s\n", model.num_params(), t.train_data.size(), sampler.steps_per_epoch(), global_batch, world,
                world > 1 ? "s" : "", cfg.train.batch_size, total_steps,
                world > 1 ? (" | " + std::to_string(hosts) + " host(s), " + std::to_string(step.buckets()) +
                             " gradient bucket(s) over " + (device == DeviceKind::cuda ? "NCCL" : comm.backend()))
                                .c_str()
                          : "");
  if (lead && !trained->where().empty()) std::printf("%s\n", trained->where().c_str());
  if (lead && cfg.data.has_val())
    std::printf("validation: %ld samples of %s, evaluated after every epoch%s%s\n", t.val_data.size(),
                t.val_data.name.c_str(),
                cfg.checkpoint.keep_best.empty() ? "" : ("; best.h5 keeps the best by " + cfg.checkpoint.keep_best).c_str(),
                cfg.train.early_stop.metric.empty() ? "" : ("; early stop on " + cfg.train.early_stop.metric).c_str());
  if (lead && cfg.train.augment.any()) std::printf("augmentation: %s\n", cfg.train.augment.describe().c_str());
  if (lead && cfg.train.eval_hflip)
    std::printf("evaluation: each image and its mirror image, their class probabilities averaged (train.eval_hflip)\n");

  // What watches the step: timing (after a short warm-up), the timeline, injected faults.
  StepTimer timer(at.step + std::min(5L, (total_steps - at.step) / 4));
  Timeline timeline(cfg.train.timeline, cfg.train.timeline_steps, comm);
  timeline.set_first_step(at.step);
  TimelineRecorder recorder(timeline, model);
  FaultInjector injector(faults, rank);
  step.watch(timer), step.watch(recorder), step.watch(injector);

  std::unique_ptr<Progress> progress_owner;
  comm::agree(comm, [&] {
    progress_owner = std::make_unique<Progress>(cfg.checkpoint.dir + "/metrics.jsonl", at.run_id, total_steps,
                                                global_batch, lead, live_bar);
  });
  Progress& progress = *progress_owner;
  progress.run_started({at.step, at.epoch, total_steps, sampler.steps_per_epoch(), global_batch, model.num_params(),
                        world, hosts, device == DeviceKind::cuda ? "cuda" : "cpu", cfg.source, to_yaml(cfg)});
  if (const std::string requeue = slurm_requeue_note(); !requeue.empty())
    progress.note_event("requeued", at.step, requeue);
  if (t.resumed) progress.note_event("resumed", at.step, t.started_from);
  auto last_save = Clock::now();
  // Rank 0 writes (every rank holds the same state); all ranks learn whether it worked.
  auto save = [&] {
    const std::string path = cfg.checkpoint.dir + "/" + checkpoint_file_name(at.step);
    trained->sync_to_host();
    comm::agree(comm, [&] {
      if (!lead) return;
      save_checkpoint(path, make_checkpoint(cfg, at, model, optimizer, t.train_data.preprocess), model.params());
      // Older checkpoints of this run go once the new one is durable; never another run's.
      prune_checkpoints(cfg.checkpoint.dir, at.run_id, cfg.checkpoint.keep_last, path);
    });
    last_save = Clock::now();
    return path;
  };
  // best.h5 (checkpoint.keep_best) is written the same way, atomically, never pruned.
  auto save_as = [&](const std::string& path) {
    trained->sync_to_host();
    comm::agree(comm, [&] {
      if (lead) save_checkpoint(path, make_checkpoint(cfg, at, model, optimizer, t.train_data.preprocess), model.params());
    });
  };
  RunEvaluation evaluation(comm, t, *trained, progress, save, save_as);
  // Returns true when early stopping ends the run after this epoch.
  auto end_epoch = [&] {
    const bool stop = evaluation.end_of_epoch(at);
    ++at.epoch, at.epoch_offset = 0, at.epoch_loss_sum = 0, at.epoch_steps = 0;
    return stop;
  };

  progress.start(at.step);
  while (at.step < total_steps) {
    if (!sampler.has_batch_at(at.epoch_offset) && end_epoch()) break;  // resumed with a larger global batch
    comm.set_context("during step", at.step + 1);
    const bool minutes_due = lead && cfg.checkpoint.every_minutes > 0 &&
                             seconds_since(last_save) >= 60 * cfg.checkpoint.every_minutes;
    const StepResult r = step.run(at, [&] { return stop_signals.received() != 0; }, minutes_due);
    ++at.step, at.samples_seen += global_batch, at.epoch_offset += global_batch;
    at.epoch_loss_sum += r.loss, ++at.epoch_steps;

    progress.step_done(at.step, at.epoch, r.loss, r.lr, cfg.train.log_every_steps);
    timeline.maybe_write(at.step);
    if (world > 1 && cfg.dist.check_replicas_every > 0 && at.step % cfg.dist.check_replicas_every == 0) {
      trained->sync_to_host();
      check_replicas(comm, model, optimizer, at.step);
    }
    if (r.stop) {  // a stop signal reached some rank: checkpoint and leave
      comm.set_context("while stopping");
      timeline.maybe_write(at.step, true);
      const std::string path = save();
      const std::string by =
          stop_signals.received() ? signal_name(stop_signals.received()) : "a signal on another rank";
      char seconds[32];
      std::snprintf(seconds, sizeof seconds, "%.2f", stop_signals.seconds_since_signal());
      progress.note("stopped by " + by + " after step " + std::to_string(at.step) + " of " +
                    std::to_string(total_steps) + ": checkpoint " + path + " durable " + seconds +
                    " s after the signal; run the same command to resume");
      progress.note_event("stopped", at.step, by);
      return;
    }
    if (!sampler.has_batch_at(at.epoch_offset) && end_epoch()) break;
    const bool steps_due = cfg.checkpoint.every_steps > 0 && at.step % cfg.checkpoint.every_steps == 0;
    if ((steps_due || r.minutes_due) && at.step < total_steps) save();
  }
  comm.set_context("after the last step");
  timeline.maybe_write(at.step, true);
  if (at.epoch_steps > 0) evaluation.end_of_epoch(at);  // a run that ends mid-epoch still reports on it
  evaluation.end_of_run(at);
  const std::string final_path = save();

  // Where the time went, on every rank.
  const RunTimes times = gather_run_times(comm, timer, trained->peak_device_mb());
  progress.summary(times.overall, times.ranks, world);
  progress.note("done: " + std::to_string(at.step) + " steps in " + format_duration(progress.elapsed_seconds()) +
                "; final checkpoint " + final_path);
}

}  // namespace manet
