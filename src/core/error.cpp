#include "core/error.hpp"

#include <string_view>

namespace manet {

namespace {
std::string short_path(std::string_view file) {
  // Keep the path from "src/" (or "tests/") on: the build directory is noise.
  for (std::string_view root : {"/src/", "/tests/", "/bench/"}) {
    if (auto at = file.rfind(root); at != std::string_view::npos) return std::string(file.substr(at + 1));
  }
  return std::string(file);
}
}  // namespace

Error::Error(const std::string& message, ErrorKind kind, SourceLocation where)
    : std::runtime_error(message),
      kind_(kind),
      thrown_at_(short_path(where.file_name()) + ":" + std::to_string(where.line())) {}

KeyError::KeyError(std::string key, const std::string& message, SourceLocation where)
    : Error(key + ": " + message, ErrorKind::usage, where), key_(std::move(key)), detail_(message) {}

}  // namespace manet

