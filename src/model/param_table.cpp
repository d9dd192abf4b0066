#include "model/param_table.hpp"

#include "core/error.hpp"

namespace manet {

void ParamTable::add(const ParamSpec& spec) {
  entries_.push_back({spec, total_});
  total_ += spec.count();
}

const ParamEntry& ParamTable::find(const std::string& name) const {
  for (const ParamEntry& e : entries_)
    if (e.spec.name == name) return e;
  throw Error("the model has no parameter named '" + name + "'");
}

}  // namespace manet
