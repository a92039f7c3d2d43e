#include "base/ids.hpp"

#include <cstdio>
#include <string>

namespace ember {
namespace {

constexpr size_t kMaxLength = 76;  // containerd's identifiers.maxLength

bool is_alnum(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9');
}
bool is_separator(char c) {
  return c == '.' || c == '_' || c == '-';
}

// The id in quotes, bytes outside printable ASCII as \xNN.
std::string quoted(std::string_view id) {
  std::string out = "\"";
  for (char c : id) {
    auto u = static_cast<unsigned char>(c);
    if (u < 0x20 || u >= 0x7f || c == '"' || c == '\\') {
      char buf[5];
      std::snprintf(buf, sizeof(buf), "\\x%02x", u);
      out += buf;
    } else {
      out += c;
    }
  }
  return out + "\"";
}

}  // namespace

Status validate_identifier(std::string_view id, std::string_view what) {
  std::string name(what);
  if (id.empty()) return Status::InvalidArgument(name + " must not be empty");
  if (id.size() > kMaxLength) {
    return Status::InvalidArgument(name + " " + quoted(id) + " is " + std::to_string(id.size()) +
                                   " characters long, the limit is " + std::to_string(kMaxLength));
  }
  for (size_t i = 0; i < id.size(); ++i) {
    char c = id[i];
    if (is_alnum(c)) continue;
    std::string at = name + " " + quoted(id) + ": ";
    if (!is_separator(c)) {
      return Status::InvalidArgument(at + "character " + quoted(id.substr(i, 1)) + " at offset " +
                                     std::to_string(i) +
                                     " is not allowed (only letters, digits, '.', '_' and '-')");
    }
    if (i == 0) return Status::InvalidArgument(at + "must start with a letter or digit");
    if (i + 1 == id.size()) return Status::InvalidArgument(at + "must end with a letter or digit");
    if (is_separator(id[i - 1])) {
      return Status::InvalidArgument(at + "'" + std::string(1, c) + "' at offset " +
                                     std::to_string(i) + " follows another separator");
    }
  }
  return Status::Ok();
}

}  // namespace ember
