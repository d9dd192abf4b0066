#include "config/yaml_reader.hpp"

// Where a config's YAML comes from and what is checked before it is read as a config: the
// file (size, nesting, duplicate keys), --set overrides (key paths, values), and where a
// key came from for error messages. ConfigNode (yaml_reader.cpp) reads the result.
#include <cctype>
#include <cerrno>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <map>
#include <sstream>

#include "core/split.hpp"

namespace manet {

namespace {

// Splits "model.blocks[0].conv" / "model.blocks.0.conv" into its components.
std::vector<std::string> split_path(const std::string& path) { return split_nonempty(path, ".[]"); }

bool is_index(const std::string& s) { return !s.empty() && s.find_first_not_of("0123456789") == std::string::npos; }

std::string canonical_path(const std::vector<std::string>& parts) {
  std::string out;
  for (const std::string& p : parts) out += is_index(p) ? "[" + p + "]" : (out.empty() ? p : "." + p);
  return out;
}

}  // namespace

std::string locate_key(const ConfigSource& source, const std::string& path) {
  const std::vector<std::string> parts = split_path(path);
  const std::string key = canonical_path(parts);
  // Set on the command line: the key itself, a map above it, or a key below it.
  for (const std::string& o : source.overridden) {
    const bool above = key.rfind(o, 0) == 0 && (key.size() == o.size() || key[o.size()] == '.' || key[o.size()] == '[');
    const bool below = o.rfind(key, 0) == 0 && o.size() > key.size() && (o[key.size()] == '.' || o[key.size()] == '[');
    if (above || below) return source.file + ": (--set " + o + ") ";
  }
  // Walk down as far as the document goes; report the deepest line found.
  YAML::Node node = source.root;
  int line = -1;
  for (const std::string& p : parts) {
    YAML::Node next;
    const YAML::Node& cnode = node;
    if (cnode.IsMap() && cnode[p]) {
      // The key's own line is where the reader looks; a value's mark is on the same line.
      for (const auto& kv : node)
        if (kv.first.IsScalar() && kv.first.Scalar() == p) line = kv.first.Mark().line;
      next = cnode[p];
    } else if (cnode.IsSequence() && is_index(p) && std::stoul(p) < cnode.size()) {
      next = cnode[std::stoul(p)];
      if (next.Mark().line >= 0) line = next.Mark().line;
    } else {
      break;
    }
    node = next;
  }
  return source.file + (line >= 0 ? ":" + std::to_string(line + 1) : "") + ": ";
}

namespace {

// A key path is names (letters, digits, '_', '-') joined by '.', with optional [index]es:
// "train.batch_size", "model.blocks[1].conv.channels". Checked before the document is
// touched: an empty or odd component ("." or "a..b") has no place to go.
void check_key_path(const std::string& assignment, const std::string& key) {
  auto refuse = [&](const std::string& why) {
    throw Error("--set " + assignment + ": '" + key + "' " + why +
                    " (expected names joined by dots, e.g. --set train.batch_size=32)",
                ErrorKind::usage);
  };
  if (key.empty()) refuse("is not a key path: the key is empty");
  std::string part;
  bool after_index = false;
  for (std::size_t i = 0; i <= key.size(); ++i) {
    const char c = i < key.size() ? key[i] : '.';
    if (c == '.' || c == '[') {
      if (part.empty() && !(c == '.' && after_index && i > 0)) refuse("is not a key path: it has an empty name");
      if (c == '[') {
        const auto close = key.find(']', i);
        if (close == std::string::npos || close == i + 1 || !is_index(key.substr(i + 1, close - i - 1)))
          refuse("is not a key path: '[' must enclose a list index, e.g. blocks[1]");
        i = close;
        after_index = true;
      } else {
        after_index = false;
      }
      part.clear();
    } else if (std::isalnum(static_cast<unsigned char>(c)) || c == '_' || c == '-') {
      if (after_index) refuse("is not a key path: expected '.' after ']'");
      part += c;
    } else {
      refuse("is not a key path: '" + std::string(1, c) + "' cannot be part of a key");
    }
  }
}

void apply_override(ConfigSource& source, const std::string& assignment) {
  const auto eq = assignment.find('=');
  if (eq == std::string::npos || eq == 0)
    throw Error("--set " + assignment + ": expected key.path=value, e.g. --set train.batch_size=32", ErrorKind::usage);
  const std::string key = assignment.substr(0, eq), text = assignment.substr(eq + 1);
  check_key_path(assignment, key);
  const std::vector<std::string> parts = split_path(key);
  // An empty value would silently mean "the default" (an unset shell variable in
  // --set checkpoint.dir=$DIR would train into ./checkpoints/run): say null to mean it.
  if (text.find_first_not_of(" \t") == std::string::npos)
    throw Error("--set " + assignment + ": the value is empty; write --set " + key + "=null to unset the key",
                ErrorKind::usage);
  YAML::Node value;
  try {
    value = YAML::Load(text);
  } catch (const YAML::Exception& e) {
    throw Error("--set " + assignment + ": the value is not valid YAML: " + e.msg, ErrorKind::usage);
  }
  // Walk (and create) the path; yaml-cpp nodes are references, so assigning in place
  // edits the document.
  std::vector<YAML::Node> chain{source.root};
  for (std::size_t i = 0; i + 1 < parts.size(); ++i) {
    YAML::Node cur = chain.back();
    const std::string& p = parts[i];
    if (cur.IsSequence() && is_index(p) && std::stoul(p) < cur.size()) {
      chain.push_back(cur[std::stoul(p)]);
    } else if (cur.IsSequence() && is_index(p)) {
      throw Error("--set " + assignment + ": " + canonical_path({parts.begin(), parts.begin() + i}) + " has " +
                      std::to_string(cur.size()) + " entries: there is no [" + p + "]",
                  ErrorKind::usage);
    } else {
      if (!cur.IsMap() && cur.IsDefined() && !cur.IsNull())
        throw Error("--set " + assignment + ": " + canonical_path({parts.begin(), parts.begin() + i}) + " is " +
                        (cur.IsSequence() ? "a list" : "a value") + ", not a section: it has no key '" + p + "'",
                    ErrorKind::usage);
      chain.push_back(cur[p]);
    }
  }
  YAML::Node parent = chain.back();
  const std::string& last = parts.back();
  if (parent.IsSequence() && is_index(last) && std::stoul(last) < parent.size()) {
    parent[std::stoul(last)] = value;
  } else {
    if (parent.IsDefined() && !parent.IsNull() && !parent.IsMap())
      throw Error("--set " + assignment + ": " + canonical_path({parts.begin(), parts.end() - 1}) + " is " +
                      (parent.IsSequence() ? "a list" : "a value") + ", not a section: it has no key '" + last + "'",
                  ErrorKind::usage);
    parent[last] = value;
  }
  source.overridden.insert(canonical_path(parts));
}

ConfigNode finish(std::shared_ptr<ConfigSource> source, const std::vector<std::string>& overrides) {
  if (!source->root.IsDefined() || source->root.IsNull()) source->root = YAML::Node(YAML::NodeType::Map);
  if (!source->root.IsMap()) throw Error(source->file + ": expected a YAML map of sections at the top", ErrorKind::usage);
  for (const std::string& o : overrides) apply_override(*source, o);
  return {source->root, "", source};
}

// The parser (yaml-cpp) recurses once per level and reports a document nested too deep as
// "bad file" or a missing end of a flow map; a config is a handful of levels deep, so a
// deep document is refused first, by its brackets and its indentation, with the line.
constexpr int kMaxNesting = 64;

void check_nesting(const std::string& text, const std::string& name) {
  int flow = 0, line = 1;
  std::vector<std::size_t> indents;  // open block levels
  bool line_start = true, in_single = false, in_double = false, comment = false;
  std::size_t indent = 0;
  auto too_deep = [&](const char* kind) {
    throw Error(name + ":" + std::to_string(line) + ": the YAML nests " + kind + " deeper than " +
                    std::to_string(kMaxNesting) + " levels; a config needs a handful (sections, then keys)",
                ErrorKind::usage);
  };
  for (char c : text) {
    if (c == '\n') {
      ++line, line_start = true, indent = 0, comment = false;
      continue;
    }
    if (line_start) {
      if (c == ' ' || c == '-') {
        ++indent;  // "- " opens a level like an indent does
        continue;
      }
      line_start = false;
      if (c != '#') {
        while (!indents.empty() && indents.back() >= indent) indents.pop_back();
        indents.push_back(indent);
        if (int(indents.size()) > kMaxNesting) too_deep("its blocks");
      }
    }
    if (comment) continue;
    if (c == '\'' && !in_double) in_single = !in_single;
    else if (c == '"' && !in_single) in_double = !in_double;
    else if (in_single || in_double) continue;
    else if (c == '#') comment = true;
    else if (c == '[' || c == '{') {
      if (++flow > kMaxNesting) too_deep("its [ ] and { } brackets");
    } else if ((c == ']' || c == '}') && flow > 0) {
      --flow;
    }
  }
}

// yaml-cpp keeps both of two equal keys of a map and answers lookups with the first, so an
// override appended at the end of a file would be silently ignored: refuse, naming both.
void check_duplicate_keys(const YAML::Node& node, const std::string& name, const std::string& path) {
  if (node.IsMap()) {
    std::map<std::string, int> seen;  // key -> line
    for (const auto& kv : node) {
      if (!kv.first.IsScalar()) continue;  // refused with a clear message by the reader
      const std::string key = kv.first.Scalar();
      const int line = kv.first.Mark().line + 1;
      const std::string where = path.empty() ? key : path + "." + key;
      if (const auto it = seen.find(key); it != seen.end())
        throw Error(name + ":" + std::to_string(line) + ": " + where + ": duplicate key (also on line " +
                        std::to_string(it->second) + "); YAML would use the first and ignore this one: keep one",
                    ErrorKind::usage);
      seen.emplace(key, line);
      check_duplicate_keys(kv.second, name, where);
    }
  } else if (node.IsSequence()) {
    for (std::size_t i = 0; i < node.size(); ++i)
      check_duplicate_keys(node[i], name, path + "[" + std::to_string(i) + "]");
  }
}

}  // namespace

ConfigNode parse_yaml_config(const std::string& text, const std::string& name,
                             const std::vector<std::string>& overrides) {
  auto source = std::make_shared<ConfigSource>();
  source->file = name;
  check_nesting(text, name);
  try {
    source->root = YAML::Load(text);
  } catch (const YAML::ParserException& e) {
    throw Error(name + ":" + std::to_string(e.mark.line + 1) + ": malformed YAML: " + e.msg, ErrorKind::usage);
  }
  check_duplicate_keys(source->root, name, "");
  return finish(source, overrides);
}

std::string read_config_file(const std::string& file) {
  std::error_code ec;
  if (std::filesystem::is_directory(file, ec))
    throw Error(file + ": is a directory, not a config file (e.g. configs/fmnist.yaml)", ErrorKind::usage);
  // A config is a few KB; megabytes of YAML are a generated file gone wrong, refused
  // before the parser spends minutes on them.
  constexpr std::uintmax_t kMaxBytes = 1 << 20;
  if (const auto bytes = std::filesystem::file_size(file, ec); !ec && bytes > kMaxBytes)
    throw Error(file + ": the config file has " + std::to_string(bytes) + " bytes; a config is a few KB (at most " +
                    std::to_string(kMaxBytes) + " bytes are read)",
                ErrorKind::usage);
  std::ifstream in(file);
  if (!in) throw Error(file + ": cannot open the config file (" + std::strerror(errno) + ")", ErrorKind::usage);
  std::stringstream text;
  text << in.rdbuf();
  return text.str();
}

ConfigNode load_yaml_config(const std::string& file, const std::vector<std::string>& overrides) {
  return parse_yaml_config(read_config_file(file), file, overrides);
}

}  // namespace manet
