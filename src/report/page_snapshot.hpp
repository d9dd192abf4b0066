#pragma once
// A picture of the report page: headless Chromium renders the HTML file to a PNG, for a
// terminal-only cluster login where a picture is easier to copy than a page to open.
#include <string>

namespace manet::report {

// A Chromium to run: MANET_CHROMIUM when set (and "" when that is not an executable),
// else the first of chromium, chromium-browser, google-chrome, google-chrome-stable on
// PATH; "" when there is none.
std::string find_chromium();

// Renders `html_path` into `png_path`, `width` x `height` CSS pixels, with headless
// Chromium (no network, a throw-away profile). No browser: a usage Error saying what to
// install. A browser that fails or takes over `timeout_s`: an Error with the end of its output.
void render_png(const std::string& html_path, const std::string& png_path, int width, int height,
                double timeout_s = 120);

// `path` as a file:// URL (absolute, percent-encoded).
std::string file_url(const std::string& path);

}  // namespace manet::report
