#include "config/yaml_values.hpp"

#include <cerrno>
#include <cstdlib>

namespace ember::config::detail {
namespace {

// Plain scalars carry the non-specific tag "?"; quoted ones "!" (or an
// explicit tag such as !!str), which a number or a boolean must not have.
bool is_plain(const YAML::Node& n) {
  return n.Tag() == "?";
}

Status expect_scalar(const Entry& e, const char* what) {
  if (e.value.IsScalar()) return Status::Ok();
  return invalid(*e.file, e.mark, e.key,
                 std::string("expected ") + what + ", got " + describe(e.value));
}

}  // namespace

Status invalid(const std::string& file, const YAML::Mark& mark, const std::string& key,
               const std::string& problem) {
  std::string where = file;
  if (mark.line >= 0) where += ":" + std::to_string(mark.line + 1);
  return Status::InvalidArgument(where + ": " + key + ": " + problem);
}

std::string describe(const YAML::Node& node) {
  switch (node.Type()) {
    case YAML::NodeType::Map:
      return "a mapping";
    case YAML::NodeType::Sequence:
      return "a sequence";
    case YAML::NodeType::Scalar:
      return "\"" + node.Scalar() + "\"";
    default:
      return "null";
  }
}

Status read_string(const Entry& e, std::string* out) {
  Status s = expect_scalar(e, "a string");
  if (!s.ok()) return s;
  *out = e.value.Scalar();
  return Status::Ok();
}

Status read_path(const Entry& e, bool allow_empty, std::string* out) {
  std::string text;
  Status s = read_string(e, &text);
  if (!s.ok()) return s;
  if (text.empty() && allow_empty) {
    out->clear();
    return Status::Ok();
  }
  if (text.empty() || text[0] != '/') {
    return invalid(*e.file, e.mark, e.key, "must be an absolute path, got \"" + text + "\"");
  }
  *out = std::move(text);
  return Status::Ok();
}

Status read_uint64(const Entry& e, uint64_t min, uint64_t max, uint64_t* out) {
  Status s = expect_scalar(e, "an integer");
  if (!s.ok()) return s;
  const std::string& text = e.value.Scalar();
  std::string range = "between " + std::to_string(min) + " and " + std::to_string(max);
  if (!is_plain(e.value)) {
    return invalid(*e.file, e.mark, e.key,
                   "expected an integer, got the string \"" + text + "\" (remove the quotes)");
  }
  size_t digits_from = (!text.empty() && text[0] == '-') ? 1 : 0;
  bool all_digits = text.size() > digits_from;
  for (size_t i = digits_from; i < text.size(); ++i) {
    if (text[i] < '0' || text[i] > '9') all_digits = false;
  }
  if (!all_digits) {
    return invalid(*e.file, e.mark, e.key,
                   "expected an integer " + range + ", got \"" + text + "\"");
  }
  errno = 0;
  long long v = std::strtoll(text.c_str(), nullptr, 10);
  if (errno == ERANGE || v < 0 || static_cast<unsigned long long>(v) < min ||
      static_cast<unsigned long long>(v) > max) {
    return invalid(*e.file, e.mark, e.key, "must be " + range + ", got " + text);
  }
  *out = static_cast<uint64_t>(v);
  return Status::Ok();
}

Status read_uint(const Entry& e, uint32_t min, uint32_t max, uint32_t* out) {
  uint64_t v = 0;
  Status s = read_uint64(e, min, max, &v);
  if (s.ok()) *out = static_cast<uint32_t>(v);
  return s;
}

Status read_bool(const Entry& e, bool* out) {
  Status s = expect_scalar(e, "true or false");
  if (!s.ok()) return s;
  const std::string& t = e.value.Scalar();
  if (is_plain(e.value) && (t == "true" || t == "True" || t == "TRUE")) {
    *out = true;
  } else if (is_plain(e.value) && (t == "false" || t == "False" || t == "FALSE")) {
    *out = false;
  } else {
    return invalid(*e.file, e.mark, e.key, "expected true or false, got " + describe(e.value));
  }
  return Status::Ok();
}

Status read_choice(const Entry& e, const std::vector<const char*>& choices, size_t* out) {
  std::string text;
  Status s = read_string(e, &text);
  if (!s.ok()) return s;
  std::string list;
  for (size_t i = 0; i < choices.size(); ++i) {
    if (text == choices[i]) {
      *out = i;
      return Status::Ok();
    }
    list += (i == 0 ? "" : ", ") + std::string(choices[i]);
  }
  return invalid(*e.file, e.mark, e.key, "\"" + text + "\" is not one of " + list);
}

}  // namespace ember::config::detail
