#include "cmd/emberctl/path_arguments.hpp"

#include <filesystem>
#include <system_error>

namespace ember::ctl {

std::string absolute_path(const std::string& path) {
  if (path.empty()) return path;
  std::error_code ec;
  std::filesystem::path abs = std::filesystem::absolute(path, ec);
  if (ec) return path;  // no working directory: the server will name the path
  return abs.lexically_normal().string();
}

Status parse_drive_argument(const std::string& text, size_t index, DriveArgument* out) {
  DriveArgument d;
  std::string rest = text;
  const std::string where = "\"" + text + "\"";
  auto ends_with = [&](const char* suffix) {
    const std::string s(suffix);
    return rest.size() >= s.size() && rest.compare(rest.size() - s.size(), s.size(), s) == 0;
  };
  if (ends_with(":rw") || ends_with(":ro")) {
    d.writable = ends_with(":rw");
    rest.resize(rest.size() - 3);
  }
  // A guest path is the part after the last ':' when it is absolute.
  size_t colon = rest.rfind(':');
  if (colon != std::string::npos && colon + 1 == rest.size())
    return Status::InvalidArgument(where + ": nothing after the last ':'");
  if (colon != std::string::npos && colon + 1 < rest.size() && rest[colon + 1] == '/') {
    d.vm_path = rest.substr(colon + 1);
    rest.resize(colon);
  } else if (colon != std::string::npos && colon + 1 < rest.size()) {
    return Status::InvalidArgument(where + ": \"" + rest.substr(colon + 1) +
                                   "\" is neither rw, ro nor an absolute guest path");
  }
  if (rest.empty()) return Status::InvalidArgument(where + ": the host path is empty");
  d.host_path = absolute_path(rest);
  if (d.vm_path.empty()) d.vm_path = "/mnt/drive" + std::to_string(index);
  *out = std::move(d);
  return Status::Ok();
}

}  // namespace ember::ctl
