#include "prepare/prepare.hpp"

#include "core/error.hpp"
#include "prepare/digits_prepare.hpp"
#include "prepare/text_prepare.hpp"

namespace manet::prepare {

void run_prepare(const PrepareOptions& options) {
  check(!options.out_dir.empty(), "manet prepare needs --out DIR", ErrorKind::usage);
  if (options.dataset == "wn26" || options.dataset == "fort14") return prepare_text(options);
  if (options.dataset == "digits") return prepare_digits(options);
  throw Error("unknown data set '" + options.dataset + "' for manet prepare (known: " + kPreparableDatasets + ")",
              ErrorKind::usage);
}

}  // namespace manet::prepare
