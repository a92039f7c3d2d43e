#include "bench/lib/proc.hpp"

#include <dirent.h>
#include <fcntl.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <sstream>

namespace ember::bench {

Status read_text_file(const std::string& path, std::string* out) {
  UniqueFd fd(::open(path.c_str(), O_RDONLY | O_CLOEXEC));
  if (!fd) {
    const int err = errno;
    std::string what = "cannot open " + path + ": " + std::strerror(err);
    return err == ENOENT ? Status::NotFound(what) : Status::Internal(what);
  }
  out->clear();
  char buf[8192];
  for (;;) {
    const ssize_t n = ::read(fd.get(), buf, sizeof buf);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) return Status::Internal("cannot read " + path + ": " + std::strerror(errno));
    if (n == 0) return Status::Ok();
    out->append(buf, static_cast<size_t>(n));
  }
}

long rss_kib(pid_t pid) {
  std::string text;
  if (!read_text_file("/proc/" + std::to_string(pid) + "/status", &text).ok()) return -1;
  const size_t at = text.find("\nVmRSS:");
  if (at == std::string::npos) return -1;
  return std::strtol(text.c_str() + at + 7, nullptr, 10);
}

long fd_count(pid_t pid) {
  const std::string dir = "/proc/" + std::to_string(pid) + "/fd";
  DIR* d = ::opendir(dir.c_str());
  if (d == nullptr) return -1;
  long n = 0;
  while (const dirent* e = ::readdir(d)) {
    if (e->d_name[0] != '.') ++n;
  }
  ::closedir(d);
  return n;
}

double cpu_seconds(pid_t pid) {
  std::string text;
  if (!read_text_file("/proc/" + std::to_string(pid) + "/stat", &text).ok()) return -1;
  // comm (field 2) may hold spaces and parentheses; the fields after the
  // last ')' start with state (field 3), so utime and stime (14, 15) are the
  // 12th and 13th after it.
  const size_t close = text.rfind(')');
  if (close == std::string::npos) return -1;
  std::istringstream rest(text.substr(close + 1));
  std::string field;
  for (int i = 0; i < 11; ++i)
    rest >> field;
  unsigned long long utime = 0, stime = 0;
  if (!(rest >> utime >> stime)) return -1;
  return static_cast<double>(utime + stime) / static_cast<double>(::sysconf(_SC_CLK_TCK));
}

std::string load_average() {
  std::string text;
  if (!read_text_file("/proc/loadavg", &text).ok()) return "";
  std::istringstream in(text);
  std::string a, b, c;
  if (!(in >> a >> b >> c)) return "";
  return a + " " + b + " " + c;
}

pid_t peer_pid(int socket_fd) {
  ucred cred{};
  socklen_t len = sizeof cred;
  if (::getsockopt(socket_fd, SOL_SOCKET, SO_PEERCRED, &cred, &len) != 0) return 0;
  return cred.pid;
}

Status open_pidfd(pid_t pid, UniqueFd* out) {
  const int fd = static_cast<int>(::syscall(SYS_pidfd_open, pid, 0));
  if (fd < 0) {
    const int err = errno;
    std::string what = "pidfd_open " + std::to_string(pid) + ": " + std::strerror(err);
    return err == ESRCH ? Status::NotFound(what) : Status::Internal(what);
  }
  out->reset(fd);
  return Status::Ok();
}

}  // namespace ember::bench
