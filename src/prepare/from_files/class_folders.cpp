#include "prepare/from_files/class_folders.hpp"

#include <algorithm>
#include <cstdio>
#include <filesystem>

#include "core/error.hpp"
#include "prepare/fnv1a.hpp"

namespace manet::prepare {

namespace fs = std::filesystem;

namespace {

std::string lower(std::string s) {
  for (char& c : s) c = char(std::tolower(static_cast<unsigned char>(c)));
  return s;
}

bool hidden(const fs::path& p) { return p.filename().string().rfind('.', 0) == 0; }

uint32_t fnv1a32_continue(uint32_t h, const std::string& bytes) {
  for (const char c : bytes) h = (h ^ uint8_t(c)) * 0x01000193u;
  return h;
}

}  // namespace

ClassFolders list_class_folders(const std::string& dir, const std::vector<std::string>& extensions,
                                const std::string& what) {
  std::error_code ec;
  if (!fs::is_directory(dir, ec))
    throw Error("--from " + dir + ": not a folder (expected one sub-folder of " + what + " per class)",
                ErrorKind::usage);
  ClassFolders out;
  auto ignore = [&](const fs::path& p) {
    if (out.ignored++ == 0) out.first_ignored = p.string();
  };
  for (const auto& entry : fs::directory_iterator(dir, fs::directory_options::follow_directory_symlink, ec)) {
    if (hidden(entry.path())) continue;
    if (entry.is_directory(ec))
      out.classes.push_back(entry.path().filename().string());
    else
      ignore(entry.path());
  }
  if (ec) throw Error("--from " + dir + ": cannot list: " + ec.message(), ErrorKind::usage);
  std::sort(out.classes.begin(), out.classes.end());
  for (const std::string& c : out.classes)
    check(c.find('\n') == std::string::npos, "a class folder's name holds a line break: rename it", ErrorKind::usage);
  if (out.classes.empty())
    throw Error("--from " + dir + " holds no class folders: put the " + what +
                    " of each class in a sub-folder named after it (" + dir + "/cat/1.png, " + dir + "/dog/2.png)",
                ErrorKind::usage);
  uint32_t hash = fnv1a32("");
  for (int label = 0; label < int(out.classes.size()); ++label) {
    const fs::path folder = fs::path(dir) / out.classes[std::size_t(label)];
    std::vector<std::string> files;
    for (auto it = fs::recursive_directory_iterator(folder, fs::directory_options::follow_directory_symlink, ec);
         !ec && it != fs::recursive_directory_iterator(); it.increment(ec)) {
      if (hidden(it->path())) {
        if (it->is_directory()) it.disable_recursion_pending();
        continue;
      }
      if (it->is_directory(ec)) continue;
      const std::string ext = lower(it->path().extension().string());
      if (std::find(extensions.begin(), extensions.end(), ext) == extensions.end()) {
        ignore(it->path());
        continue;
      }
      files.push_back(it->path().string());
    }
    if (ec) throw Error(folder.string() + ": cannot list: " + ec.message(), ErrorKind::usage);
    std::sort(files.begin(), files.end());
    if (files.empty()) {
      std::string list;
      for (const std::string& e : extensions) list += (list.empty() ? "" : " ") + e;
      throw Error("class '" + out.classes[std::size_t(label)] + "' (" + folder.string() + ") holds no " + what +
                      " files (" + list + "): add some or remove the folder",
                  ErrorKind::usage);
    }
    for (std::string& f : files) {
      const auto size = fs::file_size(f, ec);
      const auto mtime = fs::last_write_time(f, ec).time_since_epoch().count();
      hash = fnv1a32_continue(hash, fs::relative(f, dir, ec).string() + "\t" + std::to_string(size) + "\t" +
                                        std::to_string(mtime) + "\n");
      out.files.push_back({std::move(f), label});
    }
  }
  out.listing_hash = hash;
  return out;
}

void BadFiles::add(const std::string& name, const std::string& why) {
  names_.push_back(name);
  std::fprintf(stderr, "manet: %s %s\n", strict_ ? "cannot use" : "skipping", why.c_str());
}

void BadFiles::finish() const {
  if (strict_ && !names_.empty())
    throw Error(std::to_string(names_.size()) + " file(s) could not be read (named above; the first: " + names_[0] +
                    "): fix or remove them, or leave out --strict to skip them",
                ErrorKind::usage);
}

std::vector<int> labels_in(const std::vector<std::string>& classes, const std::vector<std::string>& like_classes,
                           const std::string& like_path) {
  std::vector<int> labels;
  for (const std::string& c : classes) {
    const auto it = std::find(like_classes.begin(), like_classes.end(), c);
    if (it == like_classes.end()) {
      std::string known;
      for (std::size_t i = 0; i < like_classes.size() && i < 12; ++i) known += (i ? ", " : "") + like_classes[i];
      throw Error("class '" + c + "' is not one of the " + std::to_string(like_classes.size()) + " classes of " +
                      like_path + " (" + known + (like_classes.size() > 12 ? ", ..." : "") + ")",
                  ErrorKind::usage);
    }
    labels.push_back(int(it - like_classes.begin()));
  }
  return labels;
}

void require_every_class_read(const ClassFolders& folders, const std::vector<long>& read_per_class,
                              const std::string& what) {
  for (std::size_t k = 0; k < read_per_class.size(); ++k)
    check(read_per_class[k] > 0,
          "class '" + folders.classes[k] + "' has no readable " + what + " (every file was skipped: see above)",
          ErrorKind::usage);
}

}  // namespace manet::prepare
