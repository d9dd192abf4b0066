#include "prepare/prepared_file.hpp"

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

void write_prepared(const std::string& path, const Dataset& data, const std::string& recipe,
                    const NamedStrings& strings) {
  const std::string partial = path + ".partial";
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
