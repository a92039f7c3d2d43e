#pragma once
// Typed readers for one YAML value of the config file. Internal to config/:
// each failure is INVALID_ARGUMENT "<file>:<line>: <dotted.key>: <problem>".
#include <yaml-cpp/yaml.h>

#include <cstdint>
#include <string>
#include <vector>

#include "base/status.hpp"

namespace ember::config::detail {

// One key's value and where it stands in the file.
struct Entry {
  const std::string* file;  // the config file's path, as given
  std::string key;          // dotted: "vm.vcpus"
  YAML::Mark mark;          // the value's position (the key's when the value is empty)
  YAML::Node value;
};

// The error for `problem` at `mark` (0-based line; shown 1-based).
Status invalid(const std::string& file, const YAML::Mark& mark, const std::string& key,
               const std::string& problem);
// "a mapping", "a sequence", "null" or the quoted scalar text.
std::string describe(const YAML::Node& node);

Status read_string(const Entry& e, std::string* out);
// An absolute path; "" is accepted only when allow_empty.
Status read_path(const Entry& e, bool allow_empty, std::string* out);
// A plain decimal integer in [min, max].
Status read_uint(const Entry& e, uint32_t min, uint32_t max, uint32_t* out);
Status read_uint64(const Entry& e, uint64_t min, uint64_t max, uint64_t* out);
// true/false (also True/TRUE/False/FALSE, YAML 1.2's core schema).
Status read_bool(const Entry& e, bool* out);
// One of `choices`; *out is its index.
Status read_choice(const Entry& e, const std::vector<const char*>& choices, size_t* out);

}  // namespace ember::config::detail
