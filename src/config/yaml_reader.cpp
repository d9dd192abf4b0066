#include "config/yaml_reader.hpp"

#include <cerrno>
#include <cmath>
#include <cstdlib>
#include <sstream>

namespace manet {

ConfigNode::ConfigNode(YAML::Node node, std::string path, std::shared_ptr<const ConfigSource> source)
    : node_(std::move(node)), path_(std::move(path)), source_(std::move(source)) {}

bool ConfigNode::has(const std::string& key) const {
  if (!node_.IsDefined() || !node_.IsMap()) return false;
  const YAML::Node c = std::as_const(node_)[key];
  return c.IsDefined() && !c.IsNull();
}

// yaml-cpp hands back an *invalid* node for a missing key, and asking an invalid node
// its type throws; absent keys become plain undefined nodes here instead.
ConfigNode ConfigNode::child(const std::string& key) const {
  const std::string path = path_.empty() ? key : path_ + "." + key;
  if (!node_.IsDefined() || !node_.IsMap()) return {YAML::Node(YAML::NodeType::Undefined), path, source_};
  const YAML::Node c = std::as_const(node_)[key];
  return {c.IsDefined() ? c : YAML::Node(YAML::NodeType::Undefined), path, source_};
}

ConfigNode ConfigNode::at(std::size_t index) const {
  const std::string path = path_ + "[" + std::to_string(index) + "]";
  if (!node_.IsDefined() || !node_.IsSequence() || index >= node_.size())
    return {YAML::Node(YAML::NodeType::Undefined), path, source_};
  return {std::as_const(node_)[index], path, source_};
}

// The text of a map key; keys that are not plain words (a list, a map, null) are
// refused like any other bad key, naming where they are.
std::string ConfigNode::key_text(const YAML::Node& key) const {
  if (!key.IsScalar()) fail("every key must be a plain name (found a " +
                            std::string(key.IsMap() ? "map" : key.IsSequence() ? "list" : "null") + " as a key)");
  return key.Scalar();
}

std::vector<std::string> ConfigNode::keys() const {
  std::vector<std::string> out;
  if (node_.IsMap())
    for (const auto& kv : node_) out.push_back(key_text(kv.first));
  return out;
}

void ConfigNode::allow_only(std::initializer_list<const char*> known) const {
  if (!defined()) return;
  if (!node_.IsMap()) fail("expected a map of keys");
  for (const auto& kv : node_) {
    const std::string key = key_text(kv.first);
    bool ok = false;
    std::string names;
    for (const char* k : known) {
      ok |= key == k;
      names += std::string(names.empty() ? "" : ", ") + k;
    }
    if (!ok) child(key).fail("unknown key (known keys here: " + names + ")");
  }
}

const ConfigNode& ConfigNode::required() const {
  if (!defined()) fail("missing: this key is required");
  return *this;
}

std::string ConfigNode::scalar_text() const {
  required();
  if (!node_.IsScalar()) fail("expected a single value, got a " + std::string(node_.IsMap() ? "map" : "list"));
  return node_.Scalar();
}

long ConfigNode::to_int(long min, long max) const {
  const std::string text = scalar_text();
  errno = 0;
  char* end = nullptr;
  const long value = std::strtol(text.c_str(), &end, 10);
  const std::string range = "[" + std::to_string(min) + ", " + std::to_string(max) + "]";
  if (text.empty() || *end != '\0') fail("expected an integer, got '" + text + "'");
  if (errno == ERANGE || value < min || value > max) fail("must be in " + range + ", got " + text + " (out of range)");
  return value;
}

double ConfigNode::to_double(double min, double max) const {
  const std::string text = scalar_text();
  char* end = nullptr;
  const double value = std::strtod(text.c_str(), &end);
  if (text.empty() || *end != '\0' || !std::isfinite(value)) fail("expected a number, got '" + text + "'");
  if (value < min || value > max) {
    std::ostringstream range;
    range << "must be in [" << min << ", " << max << "], got " << text;
    fail(range.str());
  }
  return value;
}

bool ConfigNode::to_bool() const {
  const std::string text = scalar_text();
  if (text == "true" || text == "yes" || text == "on") return true;
  if (text == "false" || text == "no" || text == "off") return false;
  fail("expected true or false, got '" + text + "'");
}

std::string ConfigNode::to_string() const { return scalar_text(); }

std::pair<int, int> ConfigNode::to_int_pair(long min, long max) const {
  required();
  if (node_.IsScalar()) {
    const int k = int(to_int(min, max));
    return {k, k};
  }
  if (!node_.IsSequence() || node_.size() != 2) fail("expected an integer k or a pair [h, w]");
  return {int(at(0).to_int(min, max)), int(at(1).to_int(min, max))};
}

std::vector<long> ConfigNode::to_int_list(long min, long max) const {
  required();
  if (!node_.IsSequence()) fail("expected a list of integers, e.g. [128, 64]");
  std::vector<long> out;
  for (std::size_t i = 0; i < node_.size(); ++i) out.push_back(at(i).to_int(min, max));
  return out;
}

long ConfigNode::int_or(const std::string& key, long fallback, long min, long max) const {
  return has(key) ? child(key).to_int(min, max) : fallback;
}
double ConfigNode::double_or(const std::string& key, double fallback, double min, double max) const {
  return has(key) ? child(key).to_double(min, max) : fallback;
}
bool ConfigNode::bool_or(const std::string& key, bool fallback) const {
  return has(key) ? child(key).to_bool() : fallback;
}
std::string ConfigNode::string_or(const std::string& key, const std::string& fallback) const {
  return has(key) ? child(key).to_string() : fallback;
}

void ConfigNode::fail(const std::string& message) const {
  throw Error(locate_key(*source_, path_) + (path_.empty() ? "(top level)" : path_) + ": " + message,
              ErrorKind::usage);
}

}  // namespace manet
