#include "tests/support/fd_census.hpp"

#include <dirent.h>
#include <limits.h>
#include <unistd.h>

#include <cstdlib>

namespace ember::testsupport {

std::map<int, std::string> open_fds(pid_t pid) {
  std::map<int, std::string> fds;
  const std::string dir = "/proc/" + std::to_string(pid) + "/fd";
  DIR* d = ::opendir(dir.c_str());
  if (d == nullptr) return fds;
  const int own = pid == ::getpid() ? ::dirfd(d) : -1;
  while (const dirent* e = ::readdir(d)) {
    if (e->d_name[0] == '.') continue;
    const int fd = std::atoi(e->d_name);
    if (fd == own) continue;
    char target[PATH_MAX];
    const ssize_t n = ::readlink((dir + "/" + e->d_name).c_str(), target, sizeof(target));
    fds[fd] = n > 0 ? std::string(target, static_cast<size_t>(n)) : "?";
  }
  ::closedir(d);
  return fds;
}

std::vector<int> fd_numbers(pid_t pid) {
  std::vector<int> out;
  for (const auto& [fd, target] : open_fds(pid))
    out.push_back(fd);
  return out;
}

size_t fd_count(pid_t pid) {
  return open_fds(pid).size();
}

std::string describe_fds(const std::map<int, std::string>& fds) {
  std::string out;
  for (const auto& [fd, target] : fds)
    out += "  " + std::to_string(fd) + " -> " + target + "\n";
  return out;
}

}  // namespace ember::testsupport
