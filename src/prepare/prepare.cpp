#include "prepare/prepare.hpp"

#include "core/error.hpp"
#include "prepare/from_files/prepare_from_files.hpp"
#include "prepare/prepared_file.hpp"
#include "prepare/text_prepare.hpp"
#ifdef MANET_WITH_SPEECH
#include "prepare/digits_prepare.hpp"
#endif

namespace manet::prepare {

void run_prepare(const PrepareOptions& options) {
  check(!options.out_dir.empty(), "manet prepare needs --out DIR", ErrorKind::usage);
  // Where the files go is checked before the work, not after it.
  std::vector<std::string> outputs;
  for (const char* name : {"train.h5", "val.h5", "test.h5", "test_espeak_heldout.h5", "test_espeak_heldout_snr10.h5",
                           "test_flite.h5"})
    outputs.push_back(options.out_dir + "/" + name);
  check_output_directory(options.out_dir, outputs);
  if (options.dataset == "images") return prepare_images(options);
  if (options.dataset == "audio") return prepare_audio(options);
  if (options.dataset == "text") return prepare_labelled_text(options);
  check(options.from.empty() && options.like.empty(),
        "--from and --like are for your own data: manet prepare images|audio|text --from PATH", ErrorKind::usage);
  if (options.dataset == "wn26" || options.dataset == "fort14") return prepare_text(options);
  if (options.dataset == "digits") {
#ifdef MANET_WITH_SPEECH
    return prepare_digits(options);
#else
    throw Error("manet prepare digits synthesises speech with libespeak-ng, which this manet was built without: "
                "rebuild with cmake -DMANET_SPEECH=ON (apt-get install libespeak-ng-dev)",
                ErrorKind::usage);
#endif
  }
  throw Error("unknown data set '" + options.dataset + "' for manet prepare (known: " + kPreparableDatasets + ")",
              ErrorKind::usage);
}

}  // namespace manet::prepare
