#include "config/yaml_fields.hpp"

#include <map>

namespace ember::config::detail {

Status walk_map(const std::string& file, const YAML::Node& map, const std::string& prefix,
                const std::vector<Field>& fields, Config* c) {
  std::map<std::string, int> seen;  // key -> 0-based line of its first use
  for (const auto& kv : map) {
    const YAML::Node& key = kv.first;
    if (!key.IsScalar()) {
      return invalid(file, key.Mark(), prefix.empty() ? "top level" : prefix,
                     "keys must be strings, got " + describe(key));
    }
    std::string dotted = prefix.empty() ? key.Scalar() : prefix + "." + key.Scalar();
    auto [first, inserted] = seen.emplace(key.Scalar(), key.Mark().line);
    if (!inserted) {
      return invalid(file, key.Mark(), dotted,
                     "duplicate key (first set at line " + std::to_string(first->second + 1) + ")");
    }
    const Field* field = nullptr;
    std::string known;
    for (const Field& f : fields) {
      if (key.Scalar() == f.name) field = &f;
      known += (known.empty() ? "" : ", ") + std::string(f.name);
    }
    if (field == nullptr)
      return invalid(file, key.Mark(), dotted, "unknown key (known: " + known + ")");
    // yaml-cpp marks an empty value at the next token: point at the key instead.
    const YAML::Node& value = kv.second;
    Entry e{&file, dotted, value.IsNull() ? key.Mark() : value.Mark(), value};
    Status s = field->handle(e, c);
    if (!s.ok()) return s;
  }
  return Status::Ok();
}

Handler section(std::vector<Field> fields) {
  return [fields = std::move(fields)](const Entry& e, Config* c) {
    if (!e.value.IsMap())
      return invalid(*e.file, e.mark, e.key, "expected a mapping, got " + describe(e.value));
    return walk_map(*e.file, e.value, e.key, fields, c);
  };
}

}  // namespace ember::config::detail
