#pragma once
// The shape of your own data for `manet prepare images|audio|text --from DIR`: one
// sub-folder per class, the class name is the folder's name, classes in sorted (byte)
// order as Keras' *_dataset_from_directory and torchvision's ImageFolder take them.
// Files are found recursively inside each class folder and sorted by path.
#include <cstdint>
#include <string>
#include <vector>

namespace manet::prepare {

struct LabelledFile {
  std::string path;
  int label = 0;
};

struct ClassFolders {
  std::vector<std::string> classes;   // sorted
  std::vector<LabelledFile> files;    // by class, then by path
  long ignored = 0;                   // files of other extensions, and files outside class folders
  std::string first_ignored;
  // FNV-1a over every listed file's relative path, size and modification time: the
  // recipe changes when any file does, so `prepare` knows when its output is stale.
  uint32_t listing_hash = 0;
};

// Files whose extension (case-insensitive, with the dot: ".png") is one of `extensions`.
// Hidden entries (".name") are skipped. Throws a usage Error when `dir` is not a folder,
// holds no class folders, or a class folder holds no such file (naming it).
ClassFolders list_class_folders(const std::string& dir, const std::vector<std::string>& extensions,
                                const std::string& what);

// A file that cannot be read: named on stderr and skipped, or, with `strict`, collected
// and refused at the end (finish()).
class BadFiles {
 public:
  explicit BadFiles(bool strict) : strict_(strict) {}
  void add(const std::string& name, const std::string& why);
  long count() const { return long(names_.size()); }
  // With --strict and any bad file: a usage Error counting them (each was named above).
  void finish() const;

 private:
  bool strict_;
  std::vector<std::string> names_;
};

// After the files are read: a class none of whose files could be read (`read_per_class[k]`
// is 0) is a usage Error naming it; `what` names the files ("image", "sound file").
void require_every_class_read(const ClassFolders& folders, const std::vector<long>& read_per_class,
                              const std::string& what);

// Labels in the class list of an existing model or data set (--like): the index of each
// of `classes` in `like_classes`; a class it does not know is a usage Error naming it.
std::vector<int> labels_in(const std::vector<std::string>& classes, const std::vector<std::string>& like_classes,
                           const std::string& like_path);

}  // namespace manet::prepare
