#include "prepare/speech/flite_clips.hpp"

#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <iterator>

#include "core/error.hpp"

namespace manet::prepare {

namespace {

const char* const kDigits[] = {"zero", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine"};

std::string shell_quote(const std::string& s) {
  std::string q = "'";
  for (const char c : s) q += c == '\'' ? std::string("'\\''") : std::string(1, c);
  return q + "'";
}

void require_tool(const char* tool, const char* package) {
  if (std::system((std::string("command -v ") + tool + " >/dev/null 2>&1").c_str()) != 0)
    throw Error(std::string(tool) + " not found: install it with `apt-get install " + package + "`", ErrorKind::usage);
}

// The command's output on one line (for recipes: which tool versions made a file).
std::string output_of(const std::string& command) {
  FILE* p = popen((command + " 2>&1").c_str(), "r");
  if (!p) return "?";
  std::string s;
  char buf[256];
  while (std::fgets(buf, sizeof buf, p)) s += buf;
  pclose(p);
  std::string line;
  for (const char c : s)
    if (c == '\n' || c == '\r' || c == ' ' || c == '\t') {
      if (!line.empty() && line.back() != ' ') line += ' ';
    } else {
      line += c;
    }
  while (!line.empty() && line.back() == ' ') line.pop_back();
  return line;
}

uint32_t le32(const unsigned char* p) { return p[0] | p[1] << 8 | p[2] << 16 | uint32_t(p[3]) << 24; }
uint16_t le16(const unsigned char* p) { return uint16_t(p[0] | p[1] << 8); }

}  // namespace

std::vector<FliteClip> flite_test_clips(const std::string& cache_dir) {
  const struct { const char* name; int base_f0; } voices[] = {{"kal16", 105}, {"awb", 110}, {"rms", 100}, {"slt", 170}};
  std::vector<FliteClip> clips;
  for (const auto& v : voices)
    for (int digit = 0; digit < 10; ++digit)
      for (const double stretch : {0.8, 0.9, 1.0, 1.1, 1.25})
        for (const int offset : {-20, 0, 25}) {
          FliteClip c{v.name, digit, stretch, v.base_f0 + offset, ""};
          char name[96];
          std::snprintf(name, sizeof name, "%s_%s_d%.2f_f%d.wav", v.name, kDigits[digit], stretch, c.f0);
          c.file = cache_dir + "/" + name;
          clips.push_back(c);
        }
  return clips;
}

int make_flite_clips(const std::vector<FliteClip>& clips) {
  int made = 0;
  for (const FliteClip& c : clips) {
    if (std::filesystem::exists(c.file)) continue;
    if (made == 0) {
      require_tool("flite", "flite");
      require_tool("sox", "sox");
      std::filesystem::create_directories(std::filesystem::path(c.file).parent_path());
    }
    const std::string raw = c.file + ".flite.wav", partial = c.file + ".partial.wav";
    char settings[96];
    std::snprintf(settings, sizeof settings, "--setf duration_stretch=%.2f --setf int_f0_target_mean=%d", c.stretch, c.f0);
    const std::string flite = "flite -voice " + c.voice + " " + settings + " -t " + kDigits[c.digit] + " -o " +
                              shell_quote(raw) + " >/dev/null 2>&1";
    // Trim leading and trailing silence (the reverse trick), resample to 16 kHz mono 16-bit.
    const std::string sox = "sox " + shell_quote(raw) + " -r 16000 -b 16 -c 1 " + shell_quote(partial) +
                            " silence 1 0.01 0.3% reverse silence 1 0.01 0.3% reverse >/dev/null 2>&1";
    if (std::system(flite.c_str()) != 0) throw Error("flite failed: " + flite);
    if (std::system(sox.c_str()) != 0) throw Error("sox failed: " + sox);
    std::filesystem::remove(raw);
    std::filesystem::rename(partial, c.file);
    ++made;
  }
  return made;
}

Audio read_wav_pcm16(const std::string& path, int expected_rate) {
  std::ifstream in(path, std::ios::binary);
  const std::vector<unsigned char> b((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  auto bad = [&](const std::string& why) { return Error(path + ": not a mono 16-bit PCM WAV at " +
                                                        std::to_string(expected_rate) + " Hz: " + why, ErrorKind::usage); };
  if (b.size() < 12 || std::memcmp(b.data(), "RIFF", 4) != 0 || std::memcmp(b.data() + 8, "WAVE", 4) != 0)
    throw bad("no RIFF/WAVE header");
  bool format_ok = false;
  for (std::size_t pos = 12; pos + 8 <= b.size();) {
    const uint32_t size = le32(b.data() + pos + 4);
    const unsigned char* body = b.data() + pos + 8;
    if (pos + 8 + size > b.size()) throw bad("truncated chunk");
    if (std::memcmp(b.data() + pos, "fmt ", 4) == 0) {
      if (size < 16) throw bad("short fmt chunk");
      const uint16_t format = le16(body), channels = le16(body + 2), bits = le16(body + 14);
      if ((format != 1 && format != 0xFFFE) || channels != 1 || bits != 16 || int(le32(body + 4)) != expected_rate)
        throw bad("format " + std::to_string(format) + ", " + std::to_string(channels) + " channel(s), " +
                  std::to_string(bits) + " bits, " + std::to_string(le32(body + 4)) + " Hz");
      format_ok = true;
    } else if (std::memcmp(b.data() + pos, "data", 4) == 0) {
      if (!format_ok) throw bad("data before fmt");
      Audio out(size / 2);
      for (std::size_t i = 0; i < out.size(); ++i) out[i] = float(int16_t(le16(body + 2 * i))) / 32768.0f;
      return out;
    }
    pos += 8 + size + (size & 1);
  }
  throw bad("no data chunk");
}

std::string flite_tool_versions() {
  return output_of("flite --version") + " | " + output_of("sox --version");
}

}  // namespace manet::prepare
