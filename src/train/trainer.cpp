#include "train/trainer.hpp"

#include <chrono>
#include <cmath>
#include <cstdio>
#include <filesystem>

#include "core/error.hpp"
#include "data/sampler.hpp"
#include "dist/gradient_buckets.hpp"
#include "layers/cross_entropy.hpp"
#include "train/batch.hpp"
#include "train/evaluate.hpp"
#include "train/fault_injection.hpp"
#include "train/progress.hpp"
#include "train/setup.hpp"

namespace manet {

namespace {

using Clock = std::chrono::steady_clock;

double seconds_since(Clock::time_point& t) {
  const auto now = Clock::now();
  const double s = std::chrono::duration<double>(now - t).count();
  t = now;
  return s;
}

// Scales gradients so their global L2 norm is at most max_norm (torch's clip_grad_norm_).
void clip_gradients(float* grads, long n, double max_norm) {
  double sq = 0;
  for (long i = 0; i < n; ++i) sq += double(grads[i]) * grads[i];
  const double coef = max_norm / (std::sqrt(sq) + 1e-6);
  if (coef >= 1.0) return;
  for (long i = 0; i < n; ++i) grads[i] = float(grads[i] * coef);
}

// Every rank sees the same non-finite global loss and stops together; rank 0 names the
// ranks whose own loss was not finite.
[[noreturn]] void stop_on_non_finite_loss(dist::Comm& comm, double loss, double local_loss, long step) {
  const auto bad = comm.all_gather_one<uint8_t>(!std::isfinite(local_loss), "all-gather of non-finite loss flags");
  std::string ranks;
  for (std::size_t r = 0; r < bad.size(); ++r)
    if (bad[r]) ranks += (ranks.empty() ? "" : ", ") + std::to_string(r);
  throw CollectiveError("the loss is " + std::to_string(loss) + " at step " + std::to_string(step) +
                            (comm.size() > 1 ? " (not finite on rank(s) " + ranks + ")" : "") +
                            "; no step was taken and no checkpoint written for it. Lower optimizer.lr or set "
                            "train.grad_clip",
                        ErrorKind::runtime, comm.rank() == 0);
}

}  // namespace

void train(Config config, dist::Comm& comm) {
  const int rank = comm.rank(), world = comm.size();
  const bool lead = rank == 0;
  comm.set_timeout(config.dist.timeout_s);
  const FaultPlan faults = FaultPlan::from_env();
  const long B = config.train.batch_size, global_batch = B * world;

  Training t = set_up_training(std::move(config), comm, global_batch);
  const Config& cfg = t.config;
  Model<float>& model = *t.model;
  Optimizer& optimizer = *t.optimizer;
  RunState& state = t.state;
  if (lead)
    std::printf("manet %s | config %s (resolved):\n%s", MANET_VERSION, cfg.source.c_str(), to_yaml(cfg).c_str());
  if (lead && !t.started_from.empty()) std::printf("%s\n", t.started_from.c_str());

  CrossEntropy<float> loss(cfg.model.num_classes);
  ShardSampler sampler(t.train_data.size(), global_batch, cfg.seed, cfg.train.shuffle);
  if (sampler.steps_per_epoch() == 0)  // the same on every rank: leave together
    throw CollectiveError("the training set has " + std::to_string(t.train_data.size()) +
                              " samples, fewer than one global batch of " + std::to_string(global_batch) + " (" +
                              std::to_string(world) + " ranks x train.batch_size " + std::to_string(B) + ")",
                          ErrorKind::usage, lead);
  const long total_steps =
      cfg.train.max_steps > 0 ? cfg.train.max_steps : cfg.train.epochs * sampler.steps_per_epoch();
  if (state.step >= total_steps) {
    if (lead) std::printf("the run is already finished (step %ld of %ld): nothing to do\n", state.step, total_steps);
    return;
  }
  dist::GradientBuckets buckets(comm, model.grads(), model.num_params(), model.param_offsets(), cfg.dist.bucket_mb);
  if (lead)
    std::printf("model %ld parameters | %ld training samples, %ld steps/epoch of %ld (%d rank%s x %ld) | %ld steps"
                "%s\n", model.num_params(), t.train_data.size(), sampler.steps_per_epoch(), global_batch, world,
                world > 1 ? "s" : "", B, total_steps,
                world > 1 ? (" | " + std::to_string(buckets.buckets().size()) + " gradient bucket(s) over " +
                             comm.backend()).c_str() : "");

  Progress progress(cfg.checkpoint.dir + "/metrics.jsonl", total_steps, global_batch, lead);
  auto save = [&] {
    const std::string path = cfg.checkpoint.dir + "/" + checkpoint_file_name(state.step);
    if (!lead) return path;  // every rank holds the same state; rank 0 writes it
    save_checkpoint(path, make_checkpoint(cfg, state, model, optimizer, global_batch, world), model.params());
    const auto old = list_checkpoints(cfg.checkpoint.dir);
    for (std::size_t i = std::size_t(cfg.checkpoint.keep_last); cfg.checkpoint.keep_last > 0 && i < old.size(); ++i)
      std::filesystem::remove(old[i]);
    return path;
  };
  auto run_eval = [&](double train_loss) {
    if (!cfg.data.test.defined()) return;
    auto t0 = Clock::now();
    const EvalResult r = evaluate_sharded(comm, model, t.test_data, cfg.train.eval_batch_size);
    progress.eval_done(state.step, state.epoch + 1, r.loss(), r.accuracy(), r.samples, seconds_since(t0));
    state.history.push_back({state.epoch + 1, state.step, train_loss, r.loss(), r.accuracy()});
  };

  // One step: shard -> forward -> loss -> backward (+ bucketed all-reduce) -> step.
  BatchBuffer batch;
  std::vector<long> indices;
  double epoch_loss = 0;
  long epoch_steps = 0;
  StepTimes times;
  std::vector<double> comm_waits;  // per steady step, for the floor over ranks
  const long warmup_steps = state.step + std::min(5L, (total_steps - state.step) / 4);
  progress.start(state.step);
  while (state.step < total_steps) {
    comm.set_context("during step " + std::to_string(state.step + 1));
    faults.at_step_start(rank, state.step + 1);
    StepTimes s;
    auto t0 = Clock::now();
    sampler.shard(state.epoch, state.batch_in_epoch, rank * B, B, indices);
    batch.gather(t.train_data, indices);
    s.data = seconds_since(t0);

    const StepContext ctx{true, cfg.seed, state.step, rank * B};  // dropout keyed by global sample index
    const float* logits = model.forward(batch.input(), ctx);
    double local_loss = loss.forward(logits, batch.labels(), int(B), float(cfg.train.label_smoothing));
    if (faults.due(FaultKind::nan_loss, rank, state.step + 1)) local_loss = std::nan("");
    double loss_sum = local_loss;
    const int loss_ticket = comm.start_all_reduce(&loss_sum, 1, dist::DType::f64, dist::ReduceOp::sum,
                                                  "all-reduce of the loss");
    s.forward = seconds_since(t0);

    model.zero_grad();
    model.backward(loss.backward(1.0f / float(global_batch)), false, [&](long offset) { buckets.ready_from(offset); });
    s.backward = seconds_since(t0);
    comm.wait(loss_ticket);
    buckets.finish();  // gradients are now the global mean on every rank
    s.comm = seconds_since(t0);

    const double batch_loss = loss_sum / double(global_batch);
    if (!std::isfinite(batch_loss)) stop_on_non_finite_loss(comm, batch_loss, local_loss, state.step + 1);
    if (cfg.train.grad_clip > 0) clip_gradients(model.grads(), model.num_params(), cfg.train.grad_clip);
    const double lr = learning_rate(cfg.schedule, cfg.optimizer.lr, state.step, total_steps);
    optimizer.step(model.values(), model.grads(), lr);
    if (faults.due(FaultKind::diverge, rank, state.step + 1)) model.values()[0] += 1e-3f;
    s.optimizer = seconds_since(t0);
    if (state.step >= warmup_steps) {
      times.data += s.data, times.forward += s.forward, times.backward += s.backward;
      times.comm += s.comm, times.optimizer += s.optimizer, ++times.steps;
      comm_waits.push_back(s.comm);
    }

    ++state.step, ++state.batch_in_epoch, state.samples_seen += global_batch;
    epoch_loss += batch_loss, ++epoch_steps;
    progress.step_done(state.step, state.epoch, batch_loss, lr, cfg.train.log_every_steps);
    if (world > 1 && cfg.dist.check_replicas_every > 0 && state.step % cfg.dist.check_replicas_every == 0)
      check_replicas(comm, model, optimizer, state.step);
    if (state.batch_in_epoch == sampler.steps_per_epoch()) {  // end of an epoch
      run_eval(epoch_loss / epoch_steps);
      ++state.epoch, state.batch_in_epoch = 0, epoch_loss = 0, epoch_steps = 0;
    }
    if (cfg.checkpoint.every_steps > 0 && state.step % cfg.checkpoint.every_steps == 0 && state.step < total_steps)
      save();
  }
  comm.set_context("after the last step");
  if (epoch_steps > 0) run_eval(epoch_loss / epoch_steps);  // a run that stopped mid-epoch
  const std::string final_path = save();
  comm.all_reduce(comm_waits.data(), long(comm_waits.size()), dist::ReduceOp::min, "all-reduce of step timings");
  for (double w : comm_waits) times.comm_floor += w;
  progress.summary(times, world);
  progress.note("done: " + std::to_string(state.step) + " steps in " + format_duration(progress.elapsed_seconds()) +
                "; final checkpoint " + final_path);
  comm.barrier("final barrier");  // nobody leaves before rank 0's checkpoint is durable
}

}  // namespace manet
