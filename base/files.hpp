#pragma once
// read_file: a whole file into a string, the one way ember reads one;
// list_dir: the names in a directory.
#include <optional>
#include <string>
#include <vector>

#include "base/status.hpp"

namespace ember {

// The whole of the regular file at `path` into *out (replaced; left empty on
// failure). Errors name the path: "<path>: <strerror>" with errno_status's code,
// or INVALID_ARGUMENT "<path>: not a regular file" (a FIFO would block).
Status read_file(const std::string& path, std::string* out);

// The same, for callers to whom only "could it be read" matters (tests, /proc).
std::optional<std::string> read_file(const std::string& path);

// The names in directory `path` ("." and ".." left out), in readdir order;
// empty when it cannot be opened.
std::vector<std::string> list_dir(const std::string& path);

}  // namespace ember
