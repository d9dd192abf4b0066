#include "train/trainer.hpp"

#include <cmath>
#include <cstdio>
#include <filesystem>

#include "core/error.hpp"
#include "data/sampler.hpp"
#include "layers/cross_entropy.hpp"
#include "train/batch.hpp"
#include "train/evaluate.hpp"
#include "train/progress.hpp"
#include "train/run_state.hpp"

namespace manet {

namespace {

void warn(const std::string& line) { std::fprintf(stderr, "manet: warning: %s\n", line.c_str()); }

// Scales gradients so their global L2 norm is at most max_norm (torch's clip_grad_norm_).
void clip_gradients(float* grads, long n, double max_norm) {
  double sq = 0;
  for (long i = 0; i < n; ++i) sq += double(grads[i]) * grads[i];
  const double coef = max_norm / (std::sqrt(sq) + 1e-6);
  if (coef >= 1.0) return;
  for (long i = 0; i < n; ++i) grads[i] = float(grads[i] * coef);
}

}  // namespace

void train(Config config) {
  const int rank = 0, world = 1;  // the MPI data-parallel path arrives with [3/9]
  const long B = config.train.batch_size, global_batch = B * world;

  // Data first: it fixes the model's input size and is checked against the model.
  const Dataset train_data = load_dataset(config.data.train, config.data.normalize);
  check_data_against_model(config, train_data);
  Dataset test_data;
  if (config.data.test.defined()) {
    test_data = load_dataset(config.data.test, config.data.normalize);
    Config copy = config;
    check_data_against_model(copy, test_data);
  }
  std::printf("manet %s | config %s (resolved):\n%s", MANET_VERSION, config.source.c_str(), to_yaml(config).c_str());

  Model<float> model(config.model);
  model.init(config.seed);
  auto optimizer = Optimizer::create(config.optimizer, model.num_params());
  CrossEntropy<float> loss(config.model.num_classes);
  ShardSampler sampler(train_data.size(), global_batch, config.seed, config.train.shuffle);
  const long total_steps =
      config.train.max_steps > 0 ? config.train.max_steps : config.train.epochs * sampler.steps_per_epoch();
  std::filesystem::create_directories(config.checkpoint.dir);

  // Where to start: an earlier checkpoint of this run, else train.init_from, else fresh.
  RunState state;
  CheckpointContents ckpt;
  std::string resumed;
  if (config.checkpoint.resume == "auto")
    resumed = find_resumable(config.checkpoint.dir, model.params(), ckpt, warn);
  else if (config.checkpoint.resume != "never")
    resumed = config.checkpoint.resume, ckpt = load_checkpoint(resumed, model.params());
  if (!resumed.empty()) {
    resume_from(ckpt, config, global_batch, state, model, *optimizer);
    std::printf("resuming from %s at step %ld (epoch %ld)\n", resumed.c_str(), state.step, state.epoch + 1);
    if (state.step >= total_steps) {
      std::printf("the run is already finished (step %ld of %ld): nothing to do\n", state.step, total_steps);
      return;
    }
  } else if (!config.train.init_from.empty()) {
    const std::string what = init_from(load_checkpoint(config.train.init_from, model.params()), model, *optimizer);
    std::printf("initialised from %s: %s\n", config.train.init_from.c_str(), what.c_str());
  }
  std::printf("model %ld parameters | %ld training samples, %ld steps/epoch of %ld | %ld steps\n", model.num_params(),
              train_data.size(), sampler.steps_per_epoch(), global_batch, total_steps);

  Progress progress(config.checkpoint.dir + "/metrics.jsonl", total_steps, global_batch, rank == 0);
  auto save = [&] {
    const std::string path = config.checkpoint.dir + "/" + checkpoint_file_name(state.step);
    save_checkpoint(path, make_checkpoint(config, state, model, *optimizer, global_batch, world), model.params());
    const auto old = list_checkpoints(config.checkpoint.dir);
    for (std::size_t i = std::size_t(config.checkpoint.keep_last); config.checkpoint.keep_last > 0 && i < old.size(); ++i)
      std::filesystem::remove(old[i]);
    return path;
  };
  auto run_eval = [&](double train_loss) {
    if (!config.data.test.defined()) return;
    const auto t0 = std::chrono::steady_clock::now();
    const EvalResult r = evaluate(model, test_data, config.train.eval_batch_size);
    progress.eval_done(state.step, state.epoch + 1, r.loss(), r.accuracy(), r.samples,
                       std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count());
    state.history.push_back({state.epoch + 1, state.step, train_loss, r.loss(), r.accuracy()});
  };

  // One step: shard -> forward -> loss -> backward -> (all-reduce) -> step.
  BatchBuffer batch;
  std::vector<long> indices;
  double epoch_loss = 0;
  long epoch_steps = 0;
  progress.start(state.step);
  while (state.step < total_steps) {
    sampler.shard(state.epoch, state.batch_in_epoch, rank * B, B, indices);
    batch.gather(train_data, indices);
    const StepContext ctx{true, config.seed, state.step, rank * B};
    const float* logits = model.forward(batch.input(), ctx);
    const double batch_loss = loss.forward(logits, batch.labels(), int(B), float(config.train.label_smoothing)) / B;
    if (!std::isfinite(batch_loss))
      throw Error("the loss is " + std::to_string(batch_loss) + " at step " + std::to_string(state.step + 1) +
                  " (rank " + std::to_string(rank) + "); no checkpoint was written for it. Lower optimizer.lr or "
                  "set train.grad_clip");
    model.zero_grad();
    model.backward(loss.backward(1.0f / float(global_batch)));
    if (config.train.grad_clip > 0) clip_gradients(model.grads(), model.num_params(), config.train.grad_clip);
    const double lr = learning_rate(config.schedule, config.optimizer.lr, state.step, total_steps);
    optimizer->step(model.values(), model.grads(), lr);

    ++state.step, ++state.batch_in_epoch, state.samples_seen += global_batch;
    epoch_loss += batch_loss, ++epoch_steps;
    progress.step_done(state.step, state.epoch, batch_loss, lr, config.train.log_every_steps);
    if (state.batch_in_epoch == sampler.steps_per_epoch()) {  // end of an epoch
      run_eval(epoch_loss / epoch_steps);
      ++state.epoch, state.batch_in_epoch = 0, epoch_loss = 0, epoch_steps = 0;
    }
    if (config.checkpoint.every_steps > 0 && state.step % config.checkpoint.every_steps == 0 && state.step < total_steps)
      save();
  }
  if (epoch_steps > 0) run_eval(epoch_loss / epoch_steps);  // a run that stopped mid-epoch
  const std::string final_path = save();
  progress.note("done: " + std::to_string(state.step) + " steps in " + format_duration(progress.elapsed_seconds()) +
                "; final checkpoint " + final_path);
}

}  // namespace manet
