#include "train/step.hpp"

#include <cmath>

#include "core/error.hpp"
#include "optim/clip.hpp"
#include "optim/schedule.hpp"

namespace manet {

namespace {

using Clock = StepObserver::Clock;

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

TrainingStep::TrainingStep(comm::Comm& comm, TrainingModel& model, const Dataset& data, ShardSampler& sampler,
                           const Config& config, long total_steps)
    : comm_(comm),
      model_(model),
      data_(data),
      sampler_(sampler),
      config_(config),
      total_steps_(total_steps),
      batch_(config.train.batch_size),
      global_batch_(config.train.batch_size * comm.size()),
      augmenter_(config.train.augment, data) {
  const Model<float>& host = model.host();
  // A token embedding's gradient lives in the rows the step's tokens used: summed as those
  // rows (the union over ranks), not as the whole table, which would be most of the bytes.
  if (comm.size() > 1 && model.embedding_grad_rows())
    embed_sum_.emplace(comm, host.spec().vocab_size, host.spec().embed_dim);
  const long dense_begin = embed_sum_ ? long(host.spec().vocab_size) * host.spec().embed_dim : 0;
  std::vector<comm::Bucket> plan = comm::plan_buckets(host.num_params(), host.param_offsets(),
                                                      comm::bucket_floats(config.dist.bucket_mb), dense_begin);
  auto transport = model.bucket_transport(comm, int(plan.size()));
  buckets_ = std::make_unique<comm::GradientBuckets>(std::move(transport), model.grads(), std::move(plan));
}

StepResult TrainingStep::run(const RunPosition& at, const std::function<bool()>& stop_here, bool minutes_due) {
  const long step = at.step + 1, rank = comm_.rank();
  tell([&](StepObserver& o) { o.step_begins(step); });
  auto begin = Clock::now();
  auto phase_done = [&](StepPhase phase) {
    model_.mark(phase);
    const auto end = Clock::now();
    tell([&](StepObserver& o) { o.phase_done(phase, begin, end, step); });
    begin = end;
  };

  // shard: this rank's part of the step's global batch (the order is a function of the
  // seed and the epoch; augmentation, token dropout and dropout are keyed by the sample's
  // position in the global batch)
  sampler_.shard(at.epoch, at.epoch_offset + rank * batch_, batch_, indices_);
  batch_buffer_.gather(data_, indices_);
  batch_buffer_.augment(augmenter_, config_.seed, at.step, rank * batch_);
  batch_buffer_.drop_tokens(config_.train.token_dropout, data_.unseen_ids, config_.seed, at.step, rank * batch_);
  phase_done(StepPhase::data);

  // forward and the loss
  const StepContext ctx{true, config_.seed, at.step, rank * batch_};
  model_.forward_loss(batch_buffer_, ctx, float(config_.train.label_smoothing));
  phase_done(StepPhase::forward);

  // backward, each gradient bucket summed over the ranks as soon as it is final
  model_.zero_grad();
  float scale = 1.0f / float(global_batch_);
  tell([&](StepObserver& o) { o.alter_gradient_scale(step, scale); });
  model_.backward(scale, [&](long offset) { buckets_->ready_from(offset); });
  phase_done(StepPhase::backward);

  // the loss, with what the ranks must agree on at a step boundary
  double local_loss = model_.local_loss();
  tell([&](StepObserver& o) { o.alter_loss(step, local_loss); });
  double agreed[3] = {local_loss, stop_here() ? 1.0 : 0.0, minutes_due ? 1.0 : 0.0};
  const int ticket =
      comm_.start_all_reduce(agreed, 3, comm::DType::f64, comm::ReduceOp::sum, "all-reduce of the loss");
  comm_.wait(ticket);
  buckets_->finish();
  if (embed_sum_) embed_sum_->sum(model_.grads(), *model_.embedding_grad_rows());
  phase_done(StepPhase::comm);  // the gradients are now the global mean on every rank

  // checks: the same on every rank, so all stop together
  const double loss = agreed[0] / double(global_batch_);
  if (!std::isfinite(loss))
    stop_on_non_finite(comm_, "loss is " + std::to_string(loss), !std::isfinite(local_loss), step,
                       "not finite on rank(s)");

  // clipping and the optimizer step, identical on every rank; skipped by the model when a
  // summed gradient is not finite
  double lr = learning_rate(config_.schedule, config_.optimizer.lr, at.step, total_steps_);
  tell([&](StepObserver& o) { o.alter_learning_rate(step, lr); });
  // One clipping factor for every replica, whatever order a backend summed in.
  auto agree_sum_of_squares = [&](double sum_sq) {
    tell([&](StepObserver& o) { o.alter_sum_of_squares(step, sum_sq); });
    return comm_.size() > 1 ? comm_.all_reduce_one(sum_sq, comm::ReduceOp::max, "all-reduce of the gradient norm")
                            : sum_sq;
  };
  model_.update(lr, config_.train.grad_clip, agree_sum_of_squares);
  if (!model_.grads_were_finite())
    stop_on_non_finite(comm_, "gradients are not finite",
                       !buckets_->local_gradients_finite() || (embed_sum_ && !embed_sum_->local_finite()), step,
                       "from rank(s)");
  phase_done(StepPhase::optimizer);
  if (const auto device = model_.device_phase_times())
    tell([&](StepObserver& o) { o.device_phases_done(*device, step); });
  return {loss, lr, agreed[1] > 0, agreed[2] > 0};
}

}  // namespace manet
