#pragma once
// Reading the report page back, as a browser's DOM dump or as written: the series paths,
// the markers and the confusion matrices, by their tags and attributes (any order).
#include <map>
#include <regex>
#include <string>
#include <utility>
#include <vector>

namespace manet::testing {

// The attribute `name` of one start tag ("" when absent).
inline std::string attribute(const std::string& tag, const std::string& name) {
  std::smatch m;
  if (std::regex_search(tag, m, std::regex("\\s" + name + "=\"([^\"]*)\""))) return m[1];
  return "";
}

// Every start tag <NAME ...> in `html`, in order.
inline std::vector<std::string> start_tags(const std::string& html, const std::string& name) {
  std::vector<std::string> out;
  const std::regex tag("<" + name + "\\b[^>]*>");
  for (auto it = std::sregex_iterator(html.begin(), html.end(), tag); it != std::sregex_iterator(); ++it)
    out.push_back(it->str());
  return out;
}

// The points of a path "M x,y L x,y ...": one pair per M or L.
inline std::vector<std::pair<double, double>> path_points(const std::string& d) {
  std::vector<std::pair<double, double>> out;
  const std::regex pair("[ML]\\s*(-?[0-9.]+)[ ,]\\s*(-?[0-9.]+)");
  for (auto it = std::sregex_iterator(d.begin(), d.end(), pair); it != std::sregex_iterator(); ++it)
    out.push_back({std::stod((*it)[1]), std::stod((*it)[2])});
  return out;
}

// data-series -> the `d` of each <path class="series"> drawing it.
inline std::map<std::string, std::vector<std::string>> series_paths(const std::string& html) {
  std::map<std::string, std::vector<std::string>> out;
  for (const std::string& tag : start_tags(html, "path"))
    if (attribute(tag, "class") == "series") out[attribute(tag, "data-series")].push_back(attribute(tag, "d"));
  return out;
}

// The part of `html` from <svg ... id="ID" to its </svg>.
inline std::string chart(const std::string& html, const std::string& id) {
  const auto start = html.find("id=\"" + id + "\"");
  if (start == std::string::npos) return "";
  const auto begin = html.rfind("<svg", start);
  return html.substr(begin, html.find("</svg>", start) - begin);
}

struct MarkerSeen {
  std::string kind;
  long step = 0;
  double line_x = 0;  // where its line is drawn
};

inline std::vector<MarkerSeen> markers(const std::string& svg) {
  std::vector<MarkerSeen> out;
  const std::regex group("<g\\b[^>]*class=\"marker\"[^>]*>[\\s\\S]*?</g>");
  for (auto it = std::sregex_iterator(svg.begin(), svg.end(), group); it != std::sregex_iterator(); ++it) {
    const std::string g = it->str();
    const std::string open = g.substr(0, g.find('>') + 1);
    const std::vector<std::string> lines = start_tags(g, "line");
    out.push_back({attribute(open, "data-kind"), std::stol(attribute(open, "data-step")),
                   lines.empty() ? -1.0 : std::stod(attribute(lines[0], "x1"))});
  }
  return out;
}

// The counts of the confusion matrix of `split`, row by row.
inline std::vector<long> confusion_cells(const std::string& html, const std::string& split) {
  std::vector<long> out;
  const auto start = html.find("<table class=\"confusion\" data-split=\"" + split + "\"");
  if (start == std::string::npos) return out;
  const std::string table = html.substr(start, html.find("</table>", start) - start);
  const std::regex cell("<td\\b[^>]*class=\"cm\"[^>]*>([0-9]+)</td>");
  for (auto it = std::sregex_iterator(table.begin(), table.end(), cell); it != std::sregex_iterator(); ++it)
    out.push_back(std::stol((*it)[1]));
  return out;
}

}  // namespace manet::testing
