#include "prepare/digits_prepare.hpp"

#include "core/error.hpp"

namespace manet::prepare {

void prepare_digits(const PrepareOptions&) { throw Error("digits: not yet"); }

}  // namespace manet::prepare
