#pragma once
// What a run evaluates, and what it does with the results: after each epoch the validation
// set (model selection: best.h5, early stopping) and, when asked, the test set; at the end
// the test set on the last model and, with checkpoint.keep_best, on the best one. Every
// result goes to the terminal, metrics.jsonl (with its split) and the epoch history.
// Nothing is selected on the test set.
#include <functional>
#include <string>
#include <vector>

#include "comm/comm.hpp"
#include "train/progress.hpp"
#include "train/setup.hpp"
#include "train/training_model.hpp"

namespace manet {

class RunEvaluation {
 public:
  // `save` writes the checkpoint of the step reached and returns its path; `save_as`
  // writes it to a given path (best.h5). Both are collective.
  RunEvaluation(comm::Comm& comm, Training& t, TrainingModel& trained, Progress& progress,
                std::function<std::string()> save, std::function<void(const std::string&)> save_as);

  // At the end of an epoch (or of a run's last, partial one). Returns true when early
  // stopping ends the run here.
  bool end_of_epoch(RunPosition& at);
  // After the last step: the test set, on the last model and on best.h5's (the history's
  // last row gets the last model's test result).
  void end_of_run(RunPosition& at);

  std::string best_path() const { return t_.config.checkpoint.dir + "/best.h5"; }
  // Class names for the evaluation records (label k -> name), when the data names them.
  const std::vector<std::string>& class_names() const {
    return t_.test_data.preprocess.classes.empty() ? t_.train_data.preprocess.classes
                                                   : t_.test_data.preprocess.classes;
  }

 private:
  // The model's logits as the config evaluates them: plain, or mirror-averaged (train.eval_hflip).
  BatchLogits as_configured(BatchLogits forward) const;
  // The model's result on `data`; an error writes the checkpoint of the step reached first.
  EvalResult evaluate_or_save(const Dataset& data, const RunPosition& at);

  comm::Comm& comm_;
  Training& t_;
  TrainingModel& trained_;
  Progress& progress_;
  std::function<std::string()> save_;
  std::function<void(const std::string&)> save_as_;
};

}  // namespace manet
