#include "prepare/prepared_file.hpp"

#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <filesystem>

#include "core/error.hpp"
#include "data/hdf5_dataset.hpp"
#include "io/hdf5_file.hpp"

namespace manet::prepare {

namespace fs = std::filesystem;

std::string source_identity(const std::string& path, const std::string& apt_package) {
  std::error_code ec;
  const auto size = fs::file_size(path, ec);
  if (ec)
    throw Error("cannot read " + path + ": install it with `apt-get install " + apt_package + "`", ErrorKind::usage);
  return path + " (" + std::to_string(size) + " bytes)";
}

bool up_to_date(const std::vector<std::string>& paths, const std::string& recipe) {
  for (const std::string& p : paths) {
    if (!fs::exists(p)) return false;
    try {
      const h5::File f = h5::File::open_read(p);
      if (!f.has_attr("/", "recipe") || f.attr_string("/", "recipe") != recipe) return false;
    } catch (const Error&) {
      return false;
    }
  }
  return true;
}

void check_output_directory(const std::string& out_dir, const std::vector<std::string>& outputs) {
  std::error_code ec;
  fs::path existing = fs::absolute(out_dir, ec);
  while (!existing.empty() && !fs::exists(existing, ec)) existing = existing.parent_path();
  if (!fs::is_directory(existing, ec))
    throw Error("--out " + out_dir + ": " + existing.string() + " is a file, not a directory", ErrorKind::usage);
  if (::access(existing.c_str(), W_OK | X_OK) != 0)
    throw Error("--out " + out_dir + ": cannot write in " + existing.string() + " (" + std::strerror(errno) + ")",
                ErrorKind::usage);
  for (const std::string& path : outputs)
    if (fs::is_directory(path, ec))
      throw Error("--out " + out_dir + ": " + path + " is a directory, where the data set file goes: move it away",
                  ErrorKind::usage);
}

void write_prepared(const std::string& path, const Dataset& data, const std::string& recipe,
                    const NamedStrings& strings) {
  const std::string partial = path + ".partial";
  try {
    {
      h5::File file = h5::File::create(partial);
      write_hdf5_dataset(file, data);
      for (const auto& [name, text] : strings) file.write_string("/" + name, text);
      file.set_attr("/", "recipe", recipe);
      file.flush();
    }
    std::error_code ec;
    fs::rename(partial, path, ec);
    if (ec) throw Error("cannot rename " + partial + " to " + path + ": " + ec.message());
  } catch (const Error&) {
    std::error_code ec;
    fs::remove(partial, ec);  // nothing half-written stays behind
    throw;
  }
}

std::string read_prepared_string(const std::string& path, const std::string& name) {
  const h5::File f = h5::File::open_read(path);
  return f.exists("/" + name) ? f.read_string("/" + name) : std::string();
}

std::vector<long> count_labels(const std::vector<int64_t>& labels, int classes) {
  std::vector<long> counts(std::size_t(classes), 0);
  for (const int64_t y : labels)
    if (y >= 0 && y < classes) ++counts[std::size_t(y)];
  return counts;
}

}  // namespace manet::prepare
