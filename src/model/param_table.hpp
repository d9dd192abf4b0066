#pragma once
// Where each named parameter lives in the flat buffer, in canonical order (docs/model.md):
// checkpoints, gradient buckets and printing all walk this table.
#include <string>
#include <vector>

#include "layers/layer.hpp"

namespace manet {

struct ParamEntry {
  ParamSpec spec;
  long offset = 0;  // first element in the flat buffer
  long count() const { return spec.count(); }
  const std::string& name() const { return spec.name; }
};

class ParamTable {
 public:
  void add(const ParamSpec& spec);
  const std::vector<ParamEntry>& entries() const { return entries_; }
  long total() const { return total_; }
  // Throws Error when no parameter has that name.
  const ParamEntry& find(const std::string& name) const;

 private:
  std::vector<ParamEntry> entries_;
  long total_ = 0;
};

}  // namespace manet
