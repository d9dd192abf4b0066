#include "train/trainer.hpp"

#include <sys/resource.h>

#include <chrono>
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <optional>

#include "core/blas_core.hpp"
#include "core/error.hpp"
#include "data/sampler.hpp"
#include "comm/agree.hpp"
#include "comm/gradient_buckets.hpp"
#include "comm/row_sparse_sum.hpp"
#include "train/batch.hpp"
#include "train/evaluate.hpp"
#include "train/fault_injection.hpp"
#include "train/progress.hpp"
#include "train/setup.hpp"
#include "train/stop_signals.hpp"
#include "train/timeline.hpp"
#include "train/training_model.hpp"

namespace manet {

namespace {

using Clock = std::chrono::steady_clock;

double seconds_since_const(Clock::time_point t) {
  return std::chrono::duration<double>(Clock::now() - t).count();
}

// Seconds since `t`, and `t` moves to now (for consecutive phases of a step).
double seconds_since(Clock::time_point& t) {
  const double s = seconds_since_const(t);
  t = Clock::now();
  return s;
}

// This process's peak resident set in MB (Linux reports KiB).
double peak_rss_mb() {
  rusage usage{};
  getrusage(RUSAGE_SELF, &usage);
  return double(usage.ru_maxrss) / 1024.0;
}

// Every rank sees the same non-finite global loss or summed gradient and stops together;
// rank 0 names the ranks whose own contribution was not finite. `what` completes "the
// loss is nan" / "the gradients are not finite"; `suspects` introduces the rank list.
[[noreturn]] void stop_on_non_finite(comm::Comm& comm, const std::string& what, bool locally_bad, long step,
                                     const char* suspects) {
  const auto bad = comm.all_gather_one<uint8_t>(locally_bad, "all-gather of non-finite flags");
  std::string ranks;
  for (std::size_t r = 0; r < bad.size(); ++r)
    if (bad[r]) ranks += (ranks.empty() ? "" : ", ") + std::to_string(r);
  throw CollectiveError("the " + what + " at step " + std::to_string(step) +
                            (comm.size() > 1 ? " (" + std::string(suspects) + " " + (ranks.empty() ? "?" : ranks) + ")"
                                             : "") +
                            "; no step was taken and no checkpoint written for it. Lower optimizer.lr or set "
                            "train.grad_clip",
                        ErrorKind::runtime, comm.rank() == 0);
}

}  // namespace

void train(Config config, comm::Comm& comm) {
  const int rank = comm.rank(), world = comm.size();
  const bool lead = rank == 0;
  comm.set_timeout(config.dist.timeout_s);
  const FaultPlan faults = FaultPlan::from_env();
  const long B = config.train.batch_size, global_batch = B * world;
  // From here on a stop signal only sets a flag: caught during set-up, it stops the run
  // after its first step.
  StopSignals stop_signals(config.checkpoint.stop_signals, lead);
  const DeviceKind device = choose_device(comm, config);

  Training t = set_up_training(std::move(config), comm, global_batch);
  const Config& cfg = t.config;
  Model<float>& model = *t.model;
  Optimizer& optimizer = *t.optimizer;
  RunState& state = t.state;
  if (lead)
    std::printf("manet %s | cpu %s | BLAS %s\nconfig %s (resolved):\n%s", MANET_VERSION,
                this_cpu().describe().c_str(), blas_description().c_str(), cfg.source.c_str(), to_yaml(cfg).c_str());
  if (lead && !t.started_from.empty()) std::printf("%s\n", t.started_from.c_str());

  // The step's compute, on the CPU or the GPU; `model` and `optimizer` on the host hold
  // the state for checkpoints and evaluation once trained->sync_to_host() has run.
  const std::unique_ptr<TrainingModel> trained = make_training_model(device, model, optimizer);
  std::unique_ptr<ShardSampler> sampler_owner;  // refuses a global batch larger than the data, on every rank
  comm::agree(comm, [&] {
    sampler_owner = std::make_unique<ShardSampler>(t.train_data.size(), global_batch, cfg.seed, cfg.train.shuffle);
  });
  ShardSampler& sampler = *sampler_owner;
  const long total_steps =
      cfg.train.max_steps > 0 ? cfg.train.max_steps : cfg.train.epochs * sampler.steps_per_epoch();
  if (state.step >= total_steps) {
    if (lead) std::printf("the run is already finished (step %ld of %ld): nothing to do\n", state.step, total_steps);
    return;
  }
  const long n_params = model.num_params();
  // A token embedding's gradient lives in the rows the step's tokens used: summed as those
  // rows (the union over ranks), not as the whole table, which would be most of the bytes.
  std::optional<comm::RowSparseSum> embed_sum;
  if (world > 1 && trained->embedding_grad_rows())
    embed_sum.emplace(comm, model.spec().vocab_size, model.spec().embed_dim);
  const long dense_begin = embed_sum ? long(model.spec().vocab_size) * model.spec().embed_dim : 0;
  comm::GradientBuckets buckets(
      trained->bucket_transport(comm, comm::count_buckets(n_params, model.param_offsets(), cfg.dist.bucket_mb,
                                                          dense_begin)),
      trained->grads(), n_params, model.param_offsets(), cfg.dist.bucket_mb, dense_begin);
  const int hosts = world > 1 ? comm::count_hosts(comm) : 1;
  if (lead)
    std::printf("model %ld parameters | %ld training samples, %ld steps/epoch of %ld (%d rank%s x %ld) | %ld steps"
                "%s\n", model.num_params(), t.train_data.size(), sampler.steps_per_epoch(), global_batch, world,
                world > 1 ? "s" : "", B, total_steps,
                world > 1 ? (" | " + std::to_string(hosts) + " host(s), " + std::to_string(buckets.buckets().size()) +
                             " gradient bucket(s) over " + (device == DeviceKind::cuda ? "NCCL" : comm.backend()))
                                .c_str()
                          : "");
  if (lead && !trained->where().empty()) std::printf("%s\n", trained->where().c_str());

  Progress progress(cfg.checkpoint.dir + "/metrics.jsonl", total_steps, global_batch, lead);
  auto last_save = Clock::now();
  // Rank 0 writes (every rank holds the same state); all ranks learn whether it worked.
  auto save = [&] {
    const std::string path = cfg.checkpoint.dir + "/" + checkpoint_file_name(state.step);
    trained->sync_to_host();
    comm::agree(comm, [&] {
      if (!lead) return;
      save_checkpoint(path, make_checkpoint(cfg, state, model, optimizer, global_batch, world), model.params());
      const auto old = list_checkpoints(cfg.checkpoint.dir);  // older ones go once the new one is durable
      for (std::size_t i = std::size_t(cfg.checkpoint.keep_last); cfg.checkpoint.keep_last > 0 && i < old.size(); ++i)
        std::filesystem::remove(old[i]);
    });
    last_save = Clock::now();
    return path;
  };
  auto evaluate_epoch = [&] {
    if (!cfg.data.test.defined() || state.epoch_steps == 0) return;
    auto t0 = Clock::now();
    trained->sync_to_host();  // evaluation runs on the host model (on the CPU, either device)
    const EvalResult r = evaluate_sharded(comm, model, t.test_data, cfg.train.eval_batch_size);
    progress.eval_done(state.step, state.epoch + 1, r.loss(), r.accuracy(), r.macro_f1(), r.samples, seconds_since(t0));
    state.history.push_back(
        {state.epoch + 1, state.step, state.epoch_loss_sum / double(state.epoch_steps), r.loss(), r.accuracy()});
  };
  auto end_epoch = [&] {
    evaluate_epoch();
    ++state.epoch, state.epoch_offset = 0, state.epoch_loss_sum = 0, state.epoch_steps = 0;
  };

  // One step: shard -> forward -> loss -> backward (+ bucketed all-reduce) -> step.
  BatchBuffer batch;
  std::vector<long> indices;
  StepTimes times;
  std::vector<double> comm_waits;  // per steady step, for the floor over ranks
  const long warmup_steps = state.step + std::min(5L, (total_steps - state.step) / 4);
  Timeline timeline(cfg.train.timeline, cfg.train.timeline_steps, comm);
  timeline.set_first_step(state.step);
  // Layer spans: names built once; timed only inside a recorded step's forward and
  // backward (evaluation runs the same layers between steps).
  bool layers_timed = false;
  auto layer_start = Clock::now();
  std::vector<std::string> span_names[2];  // [backward][layer]
  if (timeline.enabled()) {
    for (const std::string& name : model.graph().layer_names())
      span_names[0].push_back("forward " + name), span_names[1].push_back("backward " + name);
    model.set_layer_observer([&](std::size_t layer, bool backward) {
      if (!layers_timed) return;
      const auto now = Clock::now();
      timeline.span(span_names[backward][layer], 1, layer_start, now, state.step + 1);
      layer_start = now;
    });
  }
  progress.start(state.step);
  while (state.step < total_steps) {
    if (!sampler.has_batch_at(state.epoch_offset)) end_epoch();  // resumed with a larger global batch
    comm.set_context("during step", state.step + 1);
    faults.at_step_start(rank, state.step + 1);
    StepTimes s;
    auto t0 = Clock::now();
    const auto step_begin = t0;
    sampler.shard(state.epoch, state.epoch_offset + rank * B, B, indices);
    batch.gather(t.train_data, indices);
    batch.drop_tokens(cfg.train.token_dropout, t.train_data.unseen_ids, cfg.seed, state.step, rank * B);
    s.data = seconds_since(t0);
    layers_timed = timeline.recording(state.step + 1), layer_start = t0;

    const StepContext ctx{true, cfg.seed, state.step, rank * B};  // dropout keyed by global sample index
    double local_loss = trained->forward_loss(batch, ctx, float(cfg.train.label_smoothing));
    if (faults.due(FaultKind::nan_loss, rank, state.step + 1)) local_loss = std::nan("");
    // One all-reduce, overlapped with backward, carries the loss and what the ranks must
    // agree on at this step boundary: a stop signal on any rank; rank 0's clock for
    // checkpoint.every_minutes.
    const bool minutes_due = lead && cfg.checkpoint.every_minutes > 0 &&
                             seconds_since_const(last_save) >= 60 * cfg.checkpoint.every_minutes;
    double agreed[3] = {local_loss, stop_signals.received() ? 1.0 : 0.0, minutes_due ? 1.0 : 0.0};
    const int agreed_ticket = comm.start_all_reduce(agreed, 3, comm::DType::f64, comm::ReduceOp::sum,
                                                    "all-reduce of the loss");
    s.forward = seconds_since(t0);

    trained->zero_grad();
    layer_start = Clock::now();
    if (faults.due(FaultKind::nan_gradient, rank, state.step + 1)) trained->inject(FaultKind::nan_gradient);
    trained->backward(1.0f / float(global_batch), [&](long offset) { buckets.ready_from(offset); });
    layers_timed = false;
    s.backward = seconds_since(t0);
    comm.wait(agreed_ticket);
    buckets.finish();
    if (embed_sum) embed_sum->sum(trained->grads(), *trained->embedding_grad_rows());
    // Gradients are now the global mean on every rank.
    s.comm = seconds_since(t0);

    const double batch_loss = agreed[0] / double(global_batch);
    if (!std::isfinite(batch_loss))
      stop_on_non_finite(comm, "loss is " + std::to_string(batch_loss), !std::isfinite(local_loss), state.step + 1,
                         "not finite on rank(s)");
    if (!trained->grads_finite())
      stop_on_non_finite(comm, "gradients are not finite",
                         !buckets.local_gradients_finite() || (embed_sum && !embed_sum->local_finite()), state.step + 1,
                         "from rank(s)");
    if (cfg.train.grad_clip > 0) trained->clip_gradients(cfg.train.grad_clip);
    const double lr = learning_rate(cfg.schedule, cfg.optimizer.lr, state.step, total_steps);
    trained->optimizer_step(lr);
    if (faults.due(FaultKind::diverge, rank, state.step + 1)) trained->inject(FaultKind::diverge);
    s.optimizer = seconds_since(t0);
    if (timeline.recording(state.step + 1)) {  // the phases, end to end, from their measured lengths
      auto at = step_begin;
      const std::pair<const char*, double> phases[] = {{"data", s.data},
                                                       {"forward", s.forward},
                                                       {"backward", s.backward},
                                                       {"gradient all-reduce wait", s.comm},
                                                       {"optimizer", s.optimizer}};
      for (const auto& [name, seconds] : phases) {
        const auto end = at + std::chrono::duration_cast<Clock::duration>(std::chrono::duration<double>(seconds));
        timeline.span(name, 0, at, end, state.step + 1);
        at = end;
      }
    }
    if (state.step >= warmup_steps) {
      times.data += s.data, times.forward += s.forward, times.backward += s.backward;
      times.comm += s.comm, times.optimizer += s.optimizer, ++times.steps;
      comm_waits.push_back(s.comm);
    }

    ++state.step, state.samples_seen += global_batch, state.epoch_offset += global_batch;
    state.epoch_loss_sum += batch_loss, ++state.epoch_steps;
    progress.step_done(state.step, state.epoch, batch_loss, lr, cfg.train.log_every_steps);
    timeline.maybe_write(state.step);
    if (world > 1 && cfg.dist.check_replicas_every > 0 && state.step % cfg.dist.check_replicas_every == 0) {
      trained->sync_to_host();
      check_replicas(comm, model, optimizer, state.step);
    }
    if (agreed[1] > 0) {  // a stop signal reached some rank: checkpoint and leave
      comm.set_context("while stopping");
      timeline.maybe_write(state.step, true);
      const std::string path = save();
      if (lead)
        std::printf("stopped by %s after step %ld of %ld: checkpoint %s durable %.2f s after the signal; run the "
                    "same command to resume\n",
                    stop_signals.received() ? signal_name(stop_signals.received()) : "a signal on another rank",
                    state.step, total_steps, path.c_str(), stop_signals.seconds_since_signal());
      progress.note_event("stopped", state.step);
      return;
    }
    if (!sampler.has_batch_at(state.epoch_offset)) end_epoch();
    const bool steps_due = cfg.checkpoint.every_steps > 0 && state.step % cfg.checkpoint.every_steps == 0;
    if ((steps_due || agreed[2] > 0) && state.step < total_steps) save();
  }
  comm.set_context("after the last step");
  timeline.maybe_write(state.step, true);
  if (state.epoch_steps > 0) evaluate_epoch();  // a run that ends mid-epoch still reports on it
  const std::string final_path = save();
  comm.all_reduce(comm_waits.data(), long(comm_waits.size()), comm::ReduceOp::min, "all-reduce of step timings");
  for (double w : comm_waits) times.comm_floor += w;
  times.peak_rss_mb = peak_rss_mb();
  comm.all_reduce(&times.peak_rss_mb, 1, comm::ReduceOp::max, "all-reduce of peak memory");
  progress.summary(times, world);
  progress.note("done: " + std::to_string(state.step) + " steps in " + format_duration(progress.elapsed_seconds()) +
                "; final checkpoint " + final_path);
}

}  // namespace manet
