#pragma once
// The non-empty pieces of a text between separators: "model.blocks[0]" with ".[]" gives
// {"model", "blocks", "0"}; "/model//w" with "/" gives {"model", "w"}.
#include <string>
#include <string_view>
#include <vector>

namespace manet {

inline std::vector<std::string> split_nonempty(std::string_view text, std::string_view separators) {
  std::vector<std::string> parts;
  std::string part;
  for (char c : text) {
    if (separators.find(c) == std::string_view::npos) {
      part += c;
    } else if (!part.empty()) {
      parts.push_back(part);
      part.clear();
    }
  }
  if (!part.empty()) parts.push_back(part);
  return parts;
}

}  // namespace manet
