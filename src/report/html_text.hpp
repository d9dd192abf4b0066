#pragma once
// Text into HTML and SVG: escaping, and numbers written for people.
#include <cmath>
#include <cstdio>
#include <string>

namespace manet::report {

// `text` safe inside an element or a double-quoted attribute.
inline std::string escape(const std::string& text) {
  std::string out;
  out.reserve(text.size());
  for (char c : text) {
    switch (c) {
      case '&': out += "&amp;"; break;
      case '<': out += "&lt;"; break;
      case '>': out += "&gt;"; break;
      case '"': out += "&quot;"; break;
      case '\'': out += "&#39;"; break;
      default: out += c;
    }
  }
  return out;
}

// `value` with `decimals` digits after the point; "-" when not finite.
inline std::string fixed(double value, int decimals) {
  if (!std::isfinite(value)) return "-";
  char buf[64];
  std::snprintf(buf, sizeof buf, "%.*f", decimals, value);
  return buf;
}

}  // namespace manet::report
