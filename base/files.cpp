#include "base/files.hpp"

#include <dirent.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>

#include "base/errno_status.hpp"
#include "base/unique_fd.hpp"

namespace ember {

Status read_file(const std::string& path, std::string* out) {
  out->clear();
  // O_NONBLOCK: opening a FIFO would otherwise wait for a writer; for a
  // regular file it changes nothing.
  UniqueFd fd(::open(path.c_str(), O_RDONLY | O_CLOEXEC | O_NONBLOCK));
  if (!fd) return errno_status(path, errno);
  struct stat st {};
  if (::fstat(fd.get(), &st) != 0) return errno_status(path, errno);
  if (!S_ISREG(st.st_mode)) return Status::InvalidArgument(path + ": not a regular file");
  char buf[16 * 1024];
  for (;;) {
    const ssize_t n = ::read(fd.get(), buf, sizeof(buf));
    if (n == 0) return Status::Ok();
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) {
      const int err = errno;
      out->clear();
      return errno_status(path, err);
    }
    out->append(buf, static_cast<size_t>(n));
  }
}

std::optional<std::string> read_file(const std::string& path) {
  std::string text;
  if (!read_file(path, &text).ok()) return std::nullopt;
  return text;
}

std::vector<std::string> list_dir(const std::string& path) {
  std::vector<std::string> out;
  DIR* d = ::opendir(path.c_str());
  if (d == nullptr) return out;
  while (dirent* e = ::readdir(d)) {
    std::string n = e->d_name;
    if (n != "." && n != "..") out.push_back(std::move(n));
  }
  ::closedir(d);
  return out;
}

}  // namespace ember
