#include "prepare/prepare.hpp"

#include "core/error.hpp"
#include "prepare/from_files/prepare_from_files.hpp"
#include "prepare/text_prepare.hpp"
#ifdef MANET_WITH_SPEECH
#include "prepare/digits_prepare.hpp"
#endif

namespace manet::prepare {

void run_prepare(const PrepareOptions& options) {
  check(!options.out_dir.empty(), "manet prepare needs --out DIR", ErrorKind::usage);
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
