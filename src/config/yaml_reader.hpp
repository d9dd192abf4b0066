#pragma once
// Reading YAML with errors that name the key, the file and the line:
//   configs/fmnist.yaml:12: model.blocks[1].pool_attention.heads: 3 heads do not divide ...
// Parsing a config (this layer) is kept apart from building objects from it.
#include <yaml-cpp/yaml.h>

#include <initializer_list>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include "core/error.hpp"

namespace manet {

struct ConfigSource {
  std::string file;                  // the YAML file, for messages
  YAML::Node root;                   // the whole document, after --set overrides
  std::set<std::string> overridden;  // key paths given with --set
};

// A node of the document together with its key path ("model.blocks[0].conv").
class ConfigNode {
 public:
  ConfigNode(YAML::Node node, std::string path, std::shared_ptr<const ConfigSource> source);

  const std::string& path() const { return path_; }
  const ConfigSource& source() const { return *source_; }
  bool defined() const { return node_.IsDefined() && !node_.IsNull(); }
  bool is_map() const { return node_.IsMap(); }
  bool is_sequence() const { return node_.IsSequence(); }
  bool is_scalar() const { return node_.IsScalar(); }
  std::size_t size() const { return node_.size(); }
  const YAML::Node& yaml() const { return node_; }

  bool has(const std::string& key) const;
  ConfigNode child(const std::string& key) const;  // undefined when absent
  ConfigNode at(std::size_t index) const;
  // The keys of a map, in file order.
  std::vector<std::string> keys() const;

  // Errors unless this is a map (or absent), and every key is one of `known`.
  void allow_only(std::initializer_list<const char*> known) const;
  // The node must be present: an error naming the key otherwise.
  const ConfigNode& required() const;

  long to_int(long min, long max) const;
  double to_double(double min, double max) const;
  bool to_bool() const;
  std::string to_string() const;
  // An integer k (meaning k x k) or a pair [kh, kw].
  std::pair<int, int> to_int_pair(long min, long max) const;
  std::vector<long> to_int_list(long min, long max) const;
  template <class E>
  E to_choice(std::initializer_list<std::pair<const char*, E>> choices) const;

  // Convenience for optional keys.
  long int_or(const std::string& key, long fallback, long min, long max) const;
  double double_or(const std::string& key, double fallback, double min, double max) const;
  bool bool_or(const std::string& key, bool fallback) const;
  std::string string_or(const std::string& key, const std::string& fallback) const;

  // Throws a usage Error "FILE:LINE: PATH: message".
  [[noreturn]] void fail(const std::string& message) const;

 private:
  std::string scalar_text() const;
  std::string key_text(const YAML::Node& key) const;
  YAML::Node node_;
  std::string path_;
  std::shared_ptr<const ConfigSource> source_;
};

// "FILE:LINE: " for a key path of the document ("model.blocks[0].conv.kernel"), using
// the nearest enclosing key that has a line; "(--set PATH) " for overridden keys.
std::string locate_key(const ConfigSource& source, const std::string& path);

// The text of a config file; a usage Error naming it when it cannot be read.
std::string read_config_file(const std::string& file);

// Loads a YAML file and applies `--set key.path=value` overrides (values parsed as YAML).
// Errors (missing file, malformed YAML, malformed override) are usage Errors.
ConfigNode load_yaml_config(const std::string& file, const std::vector<std::string>& overrides = {});
// The same from a string (tests, checkpoints' stored configs); `name` stands for the file.
ConfigNode parse_yaml_config(const std::string& text, const std::string& name,
                             const std::vector<std::string>& overrides = {});

// Runs `build`, turning a KeyError (from validation below the config layer) into a usage
// Error that names the file and line of the key.
template <class F>
auto with_key_locations(const ConfigSource& source, F&& build) -> decltype(build()) {
  try {
    return build();
  } catch (const KeyError& e) {
    throw Error(locate_key(source, e.key()) + e.key() + ": " + e.detail(), ErrorKind::usage);
  }
}

template <class E>
E ConfigNode::to_choice(std::initializer_list<std::pair<const char*, E>> choices) const {
  const std::string text = to_string();
  std::string names;
  for (const auto& [name, value] : choices) {
    if (text == name) return value;
    names += std::string(names.empty() ? "" : ", ") + name;
  }
  fail("expected one of " + names + ", got '" + text + "'");
}

}  // namespace manet
