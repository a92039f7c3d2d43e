#pragma once
// Walking the config file's mappings key by key. Internal to config/: every
// unknown key, duplicate, wrong type and bad value is reported by line.
#include <yaml-cpp/yaml.h>

#include <functional>
#include <string>
#include <vector>

#include "base/status.hpp"
#include "config/yaml_values.hpp"

namespace ember::config {
struct Config;
}

namespace ember::config::detail {

// Reads one key's value into the config.
using Handler = std::function<Status(const Entry&, Config*)>;
struct Field {
  const char* name;
  Handler handle;
};

// Walks one mapping: each key must be a string, named in `fields`, and given once.
Status walk_map(const std::string& file, const YAML::Node& map, const std::string& prefix,
                const std::vector<Field>& fields, Config* c);

// A key whose value is a mapping of `fields`.
Handler section(std::vector<Field> fields);

}  // namespace ember::config::detail
