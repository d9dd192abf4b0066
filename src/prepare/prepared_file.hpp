#pragma once
// Writing the files `manet prepare` makes, and knowing when they are up to date.
// Every file carries the full recipe it was made from (a readable string attribute on
// "/": source files with their sizes, every option, the code version); a second run with
// the same recipe finds all outputs carrying it and does nothing.
#include <string>
#include <utility>
#include <vector>

#include "data/dataset.hpp"

namespace manet::prepare {

// Extra scalar string datasets stored beside /x and /y ("/vocab", "/classes").
using NamedStrings = std::vector<std::pair<std::string, std::string>>;

// A file's identity for a recipe: "PATH (N bytes)". Throws naming `apt_package` when absent.
std::string source_identity(const std::string& path, const std::string& apt_package);

// True when every path exists and its "recipe" attribute equals `recipe`.
bool up_to_date(const std::vector<std::string>& paths, const std::string& recipe);

// Before any work: --out must be a directory that can be written or created (nothing is
// created here), and none of the `outputs` may be a directory. Usage Errors naming them.
void check_output_directory(const std::string& out_dir, const std::vector<std::string>& outputs);

// Writes PATH.partial and renames it over PATH, so an interrupted run never leaves a
// file that looks finished; a failed write removes the partial file.
void write_prepared(const std::string& path, const Dataset& data, const std::string& recipe,
                    const NamedStrings& strings = {});

// Reads one of the extra strings back ("" when the file has none of that name).
std::string read_prepared_string(const std::string& path, const std::string& name);

// How many samples of each class (labels outside [0, classes) are not counted).
std::vector<long> count_labels(const std::vector<int64_t>& labels, int classes);

}  // namespace manet::prepare
