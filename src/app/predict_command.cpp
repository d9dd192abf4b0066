#include "app/predict_command.hpp"

#include <algorithm>
#include <cctype>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <memory>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "checkpoint/checkpoint.hpp"
#include "config/config.hpp"
#include "comm/agree.hpp"
#include "core/error.hpp"
#include "inputs/input_reader.hpp"
#include "io/hdf5_file.hpp"
#include "train/model_data.hpp"
#include "train/predict.hpp"

namespace manet {

namespace {

namespace fs = std::filesystem;

struct PredictArgs {
  std::string checkpoint;
  std::vector<std::string> inputs, texts;
  int top = 1;
  bool json = false;
  bool hflip = false;
  long batch = 256;
};

// One thing to predict: a file (path) or a text; `where` names it in messages.
struct Input {
  std::string name;   // the "input" of the output: the path, or the text itself
  std::string where;  // for errors: the path, "--text", "stdin:12", "FILE:3"
  std::string text;
  bool is_text = false;
  std::string error;  // set: nothing to predict, report this
};

// The checkpoint's preprocess record, or a usage Error saying what is missing.
Preprocess checkpoint_preprocess(const std::string& path) {
  const h5::File f = h5::File::open_read(path);
  if (!f.exists(kPreprocessGroup))
    throw Error(path + " has no /preprocess: it was written by an older manet, which did not store the class names "
                       "and how inputs become the model's (image size, channels and normalisation; audio features; "
                       "vocabulary and seq_len). manet eval and resuming still work; to predict, train a checkpoint "
                       "with this manet (docs/checkpoint.md, /preprocess)",
                ErrorKind::usage);
  Preprocess p = read_preprocess(f, kPreprocessGroup);
  if (p.input.empty())
    throw Error(path + ": /preprocess lacks " + p.missing() + ": its training data (" + p.source +
                    ") did not say. Make the data with manet prepare images|audio|text, or add /preprocess to "
                    "the data file (docs/data.md), and train again",
                ErrorKind::usage);
  return p;
}

// Batches inputs through the model and prints one line per input, in input order.
class Predictor {
 public:
  Predictor(const PredictArgs& args, BatchLogits forward, const InputReader& reader, std::vector<std::string> labels)
      : args_(args), forward_(std::move(forward)), reader_(reader), labels_(std::move(labels)) {
    const long n = args.batch, w = reader.sample_values();
    if (reader.takes_text())
      ids_.resize(std::size_t(n * w));
    else
      images_.resize(std::size_t(n * w));
    for (const std::string& l : labels_) label_width_ = std::max(label_width_, int(l.size()));
  }

  void add(Input in) {
    pending_.push_back(std::move(in));
    if (long(pending_.size()) == args_.batch) flush();
  }

  // Reads the pending inputs into the batch, runs the model once, prints every line.
  void flush() {
    if (pending_.empty()) return;
    const long w = reader_.sample_values();
    std::vector<int> slot(pending_.size(), -1);
    int n = 0;
    for (std::size_t i = 0; i < pending_.size(); ++i) {
      Input& in = pending_[i];
      if (!in.error.empty()) continue;
      try {
        if (in.is_text)
          reader_.encode_text(in.text, ids_.data() + n * w);
        else
          reader_.read_file(in.name, images_.data() + n * w);
        slot[i] = n++;
      } catch (const Error& e) {
        in.error = in.is_text ? in.where + ": " + e.what() : e.what();
      }
    }
    std::vector<TopClasses> top;
    if (n > 0) {
      const ModelInput<float> input{n, reader_.takes_text() ? nullptr : images_.data(),
                                    reader_.takes_text() ? ids_.data() : nullptr};
      top = predict_batch(forward_, int(labels_.size()), input, args_.top);
    }
    for (std::size_t i = 0; i < pending_.size(); ++i) {
      if (slot[i] < 0)
        report_failure(pending_[i]);
      else
        print(pending_[i], top[std::size_t(slot[i])]);
    }
    done_ += long(pending_.size());
    pending_.clear();
    std::fflush(stdout);
  }

  long done() const { return done_; }
  long failed() const { return failed_; }

 private:
  void report_failure(const Input& in) {
    ++failed_;
    std::fprintf(stderr, "manet: cannot predict %s\n", in.error.c_str());
    if (args_.json) {
      nlohmann::ordered_json j;
      j["input"] = in.name;
      j["error"] = in.error;
      std::printf("%s\n", j.dump(-1, ' ', false, nlohmann::ordered_json::error_handler_t::replace).c_str());
    }
  }

  void print(const Input& in, const TopClasses& t) {
    if (args_.json) {
      nlohmann::ordered_json j;
      j["input"] = in.name;
      j["label"] = labels_[std::size_t(t.classes[0])];
      j["probability"] = t.probabilities[0];
      j["top"] = nlohmann::ordered_json::array();
      for (std::size_t k = 0; k < t.classes.size(); ++k)
        j["top"].push_back({{"label", labels_[std::size_t(t.classes[k])]}, {"probability", t.probabilities[k]}});
      std::printf("%s\n", j.dump(-1, ' ', false, nlohmann::ordered_json::error_handler_t::replace).c_str());
      return;
    }
    if (!header_done_) {
      for (std::size_t k = 0; k < t.classes.size(); ++k) std::printf("%-*s %-11s ", label_width_, "label", "probability");
      std::printf("input\n");
      header_done_ = true;
    }
    for (std::size_t k = 0; k < t.classes.size(); ++k)
      std::printf("%-*s %-11.4f ", label_width_, labels_[std::size_t(t.classes[k])].c_str(), t.probabilities[k]);
    std::printf("%s\n", in.name.c_str());
  }

  const PredictArgs& args_;
  BatchLogits forward_;
  const InputReader& reader_;
  std::vector<std::string> labels_;
  int label_width_ = 5;
  std::vector<float> images_;
  std::vector<int64_t> ids_;
  std::vector<Input> pending_;
  long done_ = 0, failed_ = 0;
  bool header_done_ = false;
};

std::string strip_cr(std::string line) {
  if (!line.empty() && line.back() == '\r') line.pop_back();
  return line;
}

// Every input the arguments name, in order, handed to `add`: files (a folder: the files of
// the model's kind in it, recursively, sorted), text files and standard input line by line
// for a text model, --text as given.
template <class Add>
void for_each_input(const PredictArgs& a, const InputReader& reader, Add add) {
  auto text_line = [&](const std::string& line, const std::string& where) {
    add(Input{line, where, line, true, ""});
  };
  for (const std::string& arg : a.inputs) {
    if (arg == "-") {
      std::string line;
      for (long n = 1; std::getline(std::cin, line); ++n) {
        line = strip_cr(line);
        if (reader.takes_text())
          text_line(line, "stdin:" + std::to_string(n));
        else if (!line.empty())
          add(Input{line, line, "", false, ""});
      }
      continue;
    }
    std::error_code ec;
    if (fs::is_directory(arg, ec)) {
      if (reader.takes_text()) {
        add(Input{arg, arg, "", false, arg + ": a folder: give text files (one text per line), --text or -"});
        continue;
      }
      std::vector<std::string> files;
      for (auto it = fs::recursive_directory_iterator(arg, fs::directory_options::follow_directory_symlink, ec);
           !ec && it != fs::recursive_directory_iterator(); it.increment(ec)) {
        std::string ext = it->path().extension().string();
        for (char& c : ext) c = char(std::tolower(static_cast<unsigned char>(c)));
        const auto& wanted = reader.file_extensions();
        if (!it->is_directory() && std::find(wanted.begin(), wanted.end(), ext) != wanted.end())
          files.push_back(it->path().string());
      }
      std::sort(files.begin(), files.end());
      if (files.empty()) add(Input{arg, arg, "", false, arg + ": a folder without " + reader.preprocess().input + " files"});
      for (const std::string& f : files) add(Input{f, f, "", false, ""});
      continue;
    }
    if (!reader.takes_text()) {
      add(Input{arg, arg, "", false, fs::exists(arg, ec) ? "" : arg + ": no such file"});
      continue;
    }
    std::ifstream in(arg);
    if (!in) {
      add(Input{arg, arg, "", false, arg + ": cannot open"});
      continue;
    }
    std::string line;
    for (long n = 1; std::getline(in, line); ++n) text_line(strip_cr(line), arg + ":" + std::to_string(n));
  }
  for (const std::string& t : a.texts) {
    if (reader.takes_text())
      text_line(t, "--text");
    else
      add(Input{t, "--text", "", false,
                "--text \"" + t + "\": this model reads " + reader.preprocess().input + " files, not text"});
  }
}

void run_predict(const PredictArgs& a) {
  Config config = parse_config(read_checkpoint_config(a.checkpoint), a.checkpoint + ":/config");
  const Preprocess p = checkpoint_preprocess(a.checkpoint);
  const InputReader reader(p);
  // The model's input size from the preprocessing, checked as `eval` checks a data set.
  Dataset shape_only;
  shape_only.name = a.checkpoint + ":/preprocess";
  shape_only.tokens = reader.takes_text();
  shape_only.sample_shape = reader.sample_shape();
  shape_only.num_classes = int(p.classes.size());
  fit_model_to_data(config.model, shape_only, a.checkpoint + ":/config");
  const int K = config.model.num_classes;
  std::vector<std::string> labels = p.classes;
  if (labels.empty()) {
    std::fprintf(stderr, "manet: note: %s names no classes (its training data did not): labels are class numbers\n",
                 a.checkpoint.c_str());
    for (int k = 0; k < K; ++k) labels.push_back(std::to_string(k));
  }
  check(int(labels.size()) == K,
        a.checkpoint + ": /preprocess names " + std::to_string(labels.size()) + " classes but the model has " +
            std::to_string(K) + " outputs",
        ErrorKind::usage);
  if (reader.takes_text()) {
    const long vocab = long(split_lines(p.text.vocab).size());
    check(vocab <= config.model.vocab_size,
          a.checkpoint + ": the vocabulary has " + std::to_string(vocab) + " ids but model.vocab_size is " +
              std::to_string(config.model.vocab_size),
          ErrorKind::usage);
  }
  Model<float> model(config.model);
  const CheckpointContents c = load_checkpoint(a.checkpoint, model.params());
  std::copy(c.params.begin(), c.params.end(), model.values());
  if (const std::string note = unchecked_note(a.checkpoint, c); !note.empty())
    std::fprintf(stderr, "manet: note: %s\n", note.c_str());
  if (!a.json)
    std::fprintf(stderr, "manet: predict with %s (step %lld): %s\n", a.checkpoint.c_str(),
                 static_cast<long long>(c.position.step), p.describe().c_str());

  BatchLogits forward = host_forward(model);
  if (a.hflip) {
    check(config.model.input == InputKind::image,
          "manet predict --hflip mirrors images; the model of " + a.checkpoint + " reads tokens", ErrorKind::usage);
    forward = mirror_averaged(std::move(forward), K, model.block_shapes().front());
  }
  Predictor predictor(a, std::move(forward), reader, labels);
  for_each_input(a, reader, [&](Input in) { predictor.add(std::move(in)); });
  predictor.flush();
  check(predictor.done() > 0, "manet predict: no inputs: give files, folders, --text \"...\" or - (standard input)",
        ErrorKind::usage);
  if (predictor.failed() > 0)
    throw Error(std::to_string(predictor.failed()) + " of " + std::to_string(predictor.done()) +
                    " inputs could not be predicted (each is named above); the others were",
                ErrorKind::usage);
}

}  // namespace

void add_predict_command(CLI::App& app, comm::Comm& comm) {
  auto args = std::make_shared<PredictArgs>();
  auto* cmd = app.add_subcommand("predict", "Classify image files, sound files or texts with a checkpoint (one process).");
  cmd->add_option("--checkpoint", args->checkpoint, "checkpoint file (.h5); it says how inputs are read")->required();
  cmd->add_option("inputs", args->inputs,
                  "image or sound files, folders of them, text files (one text per line), or - (lines on standard "
                  "input: texts, or file paths)");
  cmd->add_option("--text", args->texts, "a text to classify (repeatable: --text A --text B)")->allow_extra_args(false);
  cmd->add_option("--top", args->top, "how many of the most probable labels to show")
      ->capture_default_str()
      ->check(CLI::Range(1, 1 << 20));
  cmd->add_flag("--json", args->json,
                "one JSON object per input and line: {\"input\", \"label\", \"probability\", \"top\": [{\"label\", "
                "\"probability\"}, ...]}, or {\"input\", \"error\"}");
  cmd->add_flag("--hflip", args->hflip,
                "images: average the probabilities of each image and its mirror image (as train.eval_hflip does)");
  cmd->add_option("--batch", args->batch, "inputs per forward pass")->capture_default_str()->check(CLI::Range(1L, 1L << 16));
  cmd->footer("  manet predict --checkpoint ck/step-00001000.h5 --top 3 photos/*.jpg\n"
              "  manet predict --checkpoint ck/step-00001000.h5 --json --text \"a small domesticated feline\"\n"
              "  cut -f2 texts.tsv | manet predict --checkpoint ck/step-00001000.h5 -\n"
              "An input that cannot be read is named on standard error and the others are still predicted; the exit "
              "code is then 2.");
  cmd->callback([args, &comm] {
    comm::agree_on_command(comm, "predict");
    if (comm.size() > 1)
      throw CollectiveError("manet predict runs as one process: start it without mpirun", ErrorKind::usage,
                            comm.rank() == 0);
    run_predict(*args);
  });
}

}  // namespace manet
