#include "checkpoint/checkpoint.hpp"

#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cstdlib>
#include <cstring>
#include <ctime>
#include <filesystem>
#include <thread>
#include <type_traits>

#include "core/crc32.hpp"
#include "core/error.hpp"
#include "core/utc_time.hpp"
#include "io/crash_note.hpp"
#include "io/hdf5_file.hpp"

namespace fs = std::filesystem;

namespace manet {

std::string checkpoint_file_name(int64_t step) {
  char buf[40];
  std::snprintf(buf, sizeof buf, "step-%08lld.h5", static_cast<long long>(step));
  return buf;
}

std::vector<std::string> list_checkpoints(const std::string& dir) {
  std::vector<std::string> out;
  std::error_code ec;
  if (!fs::is_directory(dir, ec)) return out;
  for (const auto& entry : fs::directory_iterator(dir, ec)) {
    const std::string name = entry.path().filename().string();
    if (name.rfind("step-", 0) == 0 && name.size() > 8 && name.substr(name.size() - 3) == ".h5")
      out.push_back(entry.path().string());
  }
  std::sort(out.rbegin(), out.rend());
  return out;
}

namespace {

constexpr const char* kMetricsColumns = "epoch, step, train_loss, val_loss, val_accuracy, test_loss, test_accuracy";

std::vector<hsize_t> dims_of(const std::vector<int>& shape) { return {shape.begin(), shape.end()}; }

std::string dims_str(const std::vector<hsize_t>& d) {
  std::string s = "[";
  for (std::size_t i = 0; i < d.size(); ++i) s += (i ? ", " : "") + std::to_string(d[i]);
  return s + "]";
}

void fsync_path(const std::string& path, bool directory) {
  const int fd = ::open(path.c_str(), directory ? O_RDONLY | O_DIRECTORY : O_RDONLY);
  if (fd < 0) throw Error(path + ": cannot open to fsync: " + std::strerror(errno));
  const int rc = ::fsync(fd);
  const int err = errno;
  ::close(fd);
  if (rc != 0) throw Error(path + ": fsync failed: " + std::strerror(err));
}

// Test-only: MANET_TEST_SAVE_PAUSE_MS stretches a save (three pauses: halfway through
// writing the file, before the rename, after it) so that tests can kill a job mid-save.
void test_pause() {
  static const long ms = [] {
    const char* v = std::getenv("MANET_TEST_SAVE_PAUSE_MS");
    return v ? std::atol(v) : 0L;
  }();
  if (ms > 0) std::this_thread::sleep_for(std::chrono::milliseconds(ms / 3));
}

void write_contents(h5::File& f, const CheckpointContents& c, const ParamTable& table) {
  f.set_attr("/", "format", std::string("manet-checkpoint"));
  f.set_attr("/", "format_version", int64_t(1));

  f.create_group("/meta");
  f.set_attr("/meta", "created_utc", c.created_utc.empty() ? utc_now() : c.created_utc);
  f.set_attr("/meta", "manet_version", c.manet_version.empty() ? std::string(MANET_VERSION) : c.manet_version);

  f.write_string("/config", c.config_yaml);
  f.set_attr("/config", "crc32", int64_t(crc32_of(c.config_yaml)));

  f.create_group("/model");
  for (const ParamEntry& e : table.entries())
    f.write("/model/" + e.name(), c.params.data() + e.offset, dims_of(e.spec.shape));

  if (!c.optimizer_type.empty()) {
    f.create_group("/optimizer");
    f.set_attr("/optimizer", "type", c.optimizer_type);
    for (const auto& [name, value] : c.optimizer_hyper) f.set_attr("/optimizer", name, value);
    for (const auto& [slot, values] : c.slots) {
      f.create_group("/optimizer/" + slot);
      for (const ParamEntry& e : table.entries())
        f.write("/optimizer/" + slot + "/" + e.name(), values.data() + e.offset, dims_of(e.spec.shape));
    }
  }

  f.create_group("/data");
  // Random streams are counter-based (Philox keyed by seed and purpose) and the
  // schedule is a function of the step: nothing else is needed to continue bit-for-bit.
  f.create_group("/state");
  f.set_attr("/state", "rng", std::string("philox4x32-10, counter-based: streams are keyed by (seed, purpose, "
                                          "step, global sample index); no generator state to save"));
  RunPosition::fields(c.position, [&](const std::string& group, const char* name, const auto& value) {
    if (!group.empty() && f.exists(group)) f.set_attr(group, name, value);
  });

  if (!c.preprocess.empty()) write_preprocess(f, kPreprocessGroup, c.preprocess);

  const std::vector<EpochRecord>& history = c.position.history;
  if (!history.empty()) {
    std::vector<float> rows;
    for (const EpochRecord& r : history)
      rows.insert(rows.end(), {float(r.epoch), float(r.step), float(r.train_loss), float(r.val_loss),
                               float(r.val_accuracy), float(r.test_loss), float(r.test_accuracy)});
    f.write("/metrics", rows.data(), {hsize_t(history.size()), 7});
    f.set_attr("/metrics", "columns", std::string(kMetricsColumns));
  }
}

}  // namespace

// The checkpoint is built in memory (HDF5's core driver), then written with plain POSIX
// calls: a full disk or an I/O error is then an errno on our file descriptor, never a
// half-flushed HDF5 file left open in the library, and the size needed is exact.
void save_checkpoint(const std::string& path, const CheckpointContents& c, const ParamTable& table) {
  const fs::path final_path(path);
  const fs::path dir = final_path.has_parent_path() ? final_path.parent_path() : fs::path(".");
  const fs::path tmp = dir / ("." + final_path.filename().string() + ".tmp");
  std::vector<char> image;
  {
    h5::File f = h5::File::create_in_memory(path);
    write_contents(f, c, table);
    image = f.image();
  }
  int fd = -1;
  try {
    std::error_code ec;
    fs::create_directories(dir, ec);
    fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
    if (fd < 0) throw Error(tmp.string() + ": cannot create: " + std::strerror(errno));
    for (std::size_t at = 0; at < image.size();) {
      const ssize_t n = ::write(fd, image.data() + at, std::min<std::size_t>(image.size() - at, 1 << 24));
      if (n < 0 && errno == EINTR) continue;
      if (n < 0) throw Error(tmp.string() + ": write failed: " + std::strerror(errno));
      at += std::size_t(n);
      if (at >= image.size() / 2 && at - std::size_t(n) < image.size() / 2) test_pause();
    }
    if (::fsync(fd) != 0) throw Error(tmp.string() + ": fsync failed: " + std::strerror(errno));
    if (::close(fd) != 0) {
      fd = -1;
      throw Error(tmp.string() + ": close failed: " + std::strerror(errno));
    }
    fd = -1;
    test_pause();
    if (std::rename(tmp.c_str(), final_path.c_str()) != 0)
      throw Error("cannot rename " + tmp.string() + " to " + path + ": " + std::strerror(errno));
    test_pause();
    fsync_path(dir.string(), true);
  } catch (const Error& e) {
    if (fd >= 0) ::close(fd);
    std::error_code ec;
    fs::remove(tmp, ec);
    const auto space = fs::space(dir, ec);
    std::string disk;
    if (!ec)
      disk = "; the checkpoint needs " + std::to_string((image.size() + 1023) >> 10) + " KiB, " +
             std::to_string(space.available >> 10) + " KiB are free there";
    throw Error("could not write checkpoint " + path + ": " + e.what() + disk +
                ". The previous checkpoint, if any, is untouched.");
  }
}

std::string read_checkpoint_config(const std::string& path) {
  const h5::File f = h5::File::open_read(path);
  if (!f.has_attr("/", "format") || f.attr_string("/", "format") != "manet-checkpoint")
    throw Error(path + ": not a manet checkpoint (the root attribute format is not \"manet-checkpoint\")");
  const std::string config = f.read_string("/config");
  if (f.has_attr("/config", "crc32") && int64_t(crc32_of(config)) != f.attr_int("/config", "crc32"))
    throw Error(path + ": /config is corrupt (its CRC-32 does not match the crc32 attribute)");
  return config;
}

std::string unchecked_note(const std::string& path, const CheckpointContents& c) {
  if (c.unchecked.empty()) return "";
  const std::size_t n = c.unchecked.size();
  std::string which = c.unchecked[0];
  for (std::size_t i = 1; i < n && i < 3; ++i) which += ", " + c.unchecked[i];
  if (n > 3) which += ", ...";
  return path + " carries no checksums on " + std::to_string(n) + " of its " + std::to_string(c.datasets + 1) +
         " datasets (" + which + "): their values cannot be verified (a file written without Fletcher-32, e.g. by "
         "h5py)";
}

CheckpointContents load_checkpoint(const std::string& path, const ParamTable& table) {
  const h5::CrashNote note(path, h5::CrashNote::FileKind::checkpoint);
  CheckpointContents c;
  c.config_yaml = read_checkpoint_config(path);
  const h5::File f = h5::File::open_read(path);
  if (!f.has_attr("/config", "crc32")) c.unchecked.push_back("/config");
  const int64_t version = f.attr_int("/", "format_version");
  if (version != 1) throw Error(path + ": format_version " + std::to_string(version) + " is not supported (1 is)");

  // Where the run stands: needed to resume, not to use the weights. /state and
  // /optimizer@step may be absent (older files, files written by other tools).
  RunPosition::fields(c.position, [&](const std::string& group, const char* name, auto& value) {
    if (group.empty()) return;
    if (!f.has_attr(group, name)) {
      // run_id: files written before runs had ids, or by other tools (a run of their own).
      if ((group == "/meta" || group == "/data") && std::string(name) != "run_id")
        c.missing_position.push_back(group + "@" + name);
      return;
    }
    using V = std::remove_reference_t<decltype(value)>;
    if constexpr (std::is_same_v<V, std::string>)
      value = f.attr_string(group, name);
    else if constexpr (std::is_same_v<V, uint64_t>)
      value = f.attr_uint(group, name);
    else if constexpr (std::is_same_v<V, double>)
      value = f.attr_double(group, name);
    else
      value = f.attr_int(group, name);
  });
  if (f.has_attr("/meta", "created_utc")) c.created_utc = f.attr_string("/meta", "created_utc");
  if (f.has_attr("/meta", "manet_version")) c.manet_version = f.attr_string("/meta", "manet_version");

  // Names and shapes before any value is used.
  for (const std::string& name : f.members("/model")) {
    bool known = false;
    for (const ParamEntry& e : table.entries()) known |= e.name() == name;
    if (!known)
      throw Error(path + ": /model/" + name + " is not a parameter of the configured model", ErrorKind::usage);
  }
  auto read_param = [&](const std::string& object, const ParamEntry& e, float* out) {
    if (!f.exists(object))
      throw Error(path + ": " + object + " is missing (the configured model has " + e.name() + " " +
                      shape_str(e.spec.shape) + ")",
                  ErrorKind::usage);
    const auto dims = f.shape(object);
    if (dims != dims_of(e.spec.shape))
      throw Error(path + ": " + e.name() + " has shape " + dims_str(dims) + " in the checkpoint but " +
                      shape_str(e.spec.shape) + " in the configured model",
                  ErrorKind::usage);
    const std::vector<float> v = f.read_float(object);  // Fletcher-32 verified here, when present
    std::copy(v.begin(), v.end(), out);
    ++c.datasets;
    if (!f.checksummed(object)) c.unchecked.push_back(object);
  };
  c.params.resize(table.total());
  for (const ParamEntry& e : table.entries()) read_param("/model/" + e.name(), e, c.params.data() + e.offset);

  if (f.exists("/optimizer")) {
    c.optimizer_type = f.attr_string("/optimizer", "type");
    // The hyper-parameters are for reading only (the config's are used); a value that is not
    // a number (h5py writes a Python bool as an enum) is left out.
    for (const std::string& name : f.attr_names("/optimizer")) try {
        if (name != "type" && name != "step") c.optimizer_hyper.emplace_back(name, f.attr_double("/optimizer", name));
      } catch (const Error&) {
      }
    for (const std::string& slot : f.members("/optimizer")) {
      std::vector<float> values(table.total());
      for (const ParamEntry& e : table.entries())
        read_param("/optimizer/" + slot + "/" + e.name(), e, values.data() + e.offset);
      c.slots.emplace_back(slot, std::move(values));
    }
  }
  c.position.optimizer_has_state = !c.slots.empty();
  if (f.exists(kPreprocessGroup)) c.preprocess = read_preprocess(f, kPreprocessGroup);
  if (f.exists("/metrics")) {
    const std::vector<float> rows = f.read_float("/metrics");
    ++c.datasets;
    if (!f.checksummed("/metrics")) c.unchecked.push_back("/metrics");
    // Files from before validation sets have 5 columns: epoch, step, train_loss, test_loss,
    // test_accuracy.
    const bool with_val = f.has_attr("/metrics", "columns") && f.attr_string("/metrics", "columns") == kMetricsColumns;
    const std::size_t width = with_val ? 7 : 5;
    for (std::size_t i = 0; i + width <= rows.size(); i += width) {
      EpochRecord r{int64_t(rows[i]), int64_t(rows[i + 1]), rows[i + 2]};
      if (with_val) r.val_loss = rows[i + 3], r.val_accuracy = rows[i + 4];
      r.test_loss = rows[i + width - 2], r.test_accuracy = rows[i + width - 1];
      c.position.history.push_back(r);
    }
  }
  return c;
}

}  // namespace manet
