#include "prepare/prepare.hpp"

#include "core/error.hpp"
#include "prepare/text_prepare.hpp"
#ifdef MANET_WITH_SPEECH
#include "prepare/digits_prepare.hpp"
#endif

namespace manet::prepare {

void run_prepare(const PrepareOptions& options) {
  check(!options.out_dir.empty(), "manet prepare needs --out DIR", ErrorKind::usage);
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
