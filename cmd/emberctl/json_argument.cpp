#include "cmd/emberctl/json_argument.hpp"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "base/unique_fd.hpp"

namespace ember::ctl {
namespace {

// Reads fd to its end, failing once more than kMaxJsonArgumentBytes arrive.
Status read_all(int fd, const std::string& source, std::string* out) {
  std::string data;
  char buf[64 * 1024];
  for (;;) {
    ssize_t n = ::read(fd, buf, sizeof(buf));
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) {
      return Status::InvalidArgument("cannot read " + source + ": " + std::strerror(errno));
    }
    if (n == 0) break;
    if (data.size() + static_cast<size_t>(n) > kMaxJsonArgumentBytes) {
      return Status::InvalidArgument(source + " is larger than " +
                                     std::to_string(kMaxJsonArgumentBytes) + " bytes");
    }
    data.append(buf, static_cast<size_t>(n));
  }
  *out = std::move(data);
  return Status::Ok();
}

}  // namespace

Status read_json_argument(const std::string& arg, int stdin_fd, std::string* out) {
  if (arg.empty() || arg[0] != '@') {
    *out = arg;
    return Status::Ok();
  }
  const std::string path = arg.substr(1);
  if (path == "-") return read_all(stdin_fd, "standard input", out);
  if (path.empty()) return Status::InvalidArgument("'@' must be followed by a file name or '-'");
  UniqueFd fd(::open(path.c_str(), O_RDONLY | O_CLOEXEC));
  if (!fd) {
    return Status::InvalidArgument("cannot open " + path + ": " + std::strerror(errno));
  }
  return read_all(fd.get(), path, out);
}

}  // namespace ember::ctl
