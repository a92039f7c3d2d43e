#include "tests/shim/vmm/qemu/qemu_guest.hpp"

#include <dirent.h>
#include <poll.h>
#include <signal.h>
#include <sys/inotify.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <fstream>
#include <mutex>
#include <sstream>

#include "base/files.hpp"
#include "io/unix_socket.hpp"
#include "shim/vmm/qemu/qemu_command.hpp"
#include "tests/support/shim_harness.hpp"

namespace ember::shimtest {
namespace {

std::string guest_dir() {
  const char* env = std::getenv("EMBER_GUEST_DIR");
  if (env != nullptr && *env != '\0') return env;
  if (::geteuid() == 0) return "/var/cache/ember/guest";
  const char* xdg = std::getenv("XDG_CACHE_HOME");
  const char* home = std::getenv("HOME");
  const std::string cache = xdg != nullptr && *xdg == '/'
                                ? xdg
                                : std::string(home != nullptr ? home : "/tmp") + "/.cache";
  return cache + "/ember/guest";
}

Status build_guest(std::string* kernel) {
  const std::string dir = guest_dir();
  const std::string log = "/tmp/ember-build-guest-" + std::to_string(::getpid()) + ".log";
  const std::string cmd = std::string("'") + EMBER_SOURCE_DIR +
                          "/deploy/guest/build-guest.sh' --out '" + dir + "' >'" + log + "' 2>&1";
  const int rc = std::system(cmd.c_str());
  const std::string output = read_file(log).value_or("");
  ::unlink(log.c_str());
  if (rc != 0) {
    return Status::FailedPrecondition("build-guest.sh failed (" + std::to_string(rc) +
                                      "): " + output);
  }
  *kernel = dir + "/vmlinux";
  return Status::Ok();
}

}  // namespace

bool qemu_installed() {
  std::string path;
  return shim::qemu::resolve_qemu_binary("qemu-system-x86_64", &path).ok();
}

Status guest_kernel(std::string* kernel) {
  static std::once_flag once;
  static Status status;
  static std::string path;
  std::call_once(once, [] { status = build_guest(&path); });
  *kernel = path;
  return status;
}

std::string qemu_config_yaml(const std::string& kernel, uint32_t memory_mib) {
  return "vmm:\n  backend: qemu\nvm:\n  kernel_image: " + kernel +
         "\n  memory_mib: " + std::to_string(memory_mib) + "\n";
}

std::vector<pid_t> child_pids(pid_t parent) {
  std::vector<pid_t> out;
  DIR* d = ::opendir("/proc");
  if (d == nullptr) return out;
  while (dirent* e = ::readdir(d)) {
    const pid_t pid = static_cast<pid_t>(std::atoi(e->d_name));
    if (pid <= 0) continue;
    std::ifstream in("/proc/" + std::to_string(pid) + "/stat");
    std::string stat;
    std::getline(in, stat);
    // "pid (comm) state ppid ...": comm may hold spaces and parentheses.
    const auto close = stat.rfind(')');
    if (close == std::string::npos) continue;
    std::istringstream rest(stat.substr(close + 1));
    std::string state;
    pid_t ppid = 0;
    rest >> state >> ppid;
    if (ppid == parent) out.push_back(pid);
  }
  ::closedir(d);
  return out;
}

std::set<std::string> dir_entries(const std::string& dir) {
  std::set<std::string> out;
  DIR* d = ::opendir(dir.c_str());
  if (d == nullptr) return out;
  while (dirent* e = ::readdir(d)) {
    const std::string name = e->d_name;
    if (name != "." && name != "..") out.insert(name);
  }
  ::closedir(d);
  return out;
}

bool wait_for_file(const std::string& path, std::chrono::milliseconds deadline) {
  const std::string dir = path.substr(0, path.rfind('/'));
  UniqueFd in(::inotify_init1(IN_CLOEXEC | IN_NONBLOCK));
  if (!in.valid() || ::inotify_add_watch(in.get(), dir.c_str(), IN_CREATE | IN_MOVED_TO) < 0) {
    return false;
  }
  const auto end = std::chrono::steady_clock::now() + deadline;
  struct stat st;
  // Checked after the watch exists, so a creation in between is not missed.
  while (::stat(path.c_str(), &st) != 0) {
    const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
        end - std::chrono::steady_clock::now());
    if (left.count() <= 0 || !wait_readable(in.get(), left)) return false;
    char buf[4096];
    while (::read(in.get(), buf, sizeof(buf)) > 0) {
    }
  }
  return true;
}

bool wait_gone(pid_t pid, std::chrono::milliseconds deadline) {
  UniqueFd pidfd(static_cast<int>(::syscall(SYS_pidfd_open, pid, 0)));
  if (!pidfd.valid()) return errno == ESRCH;
  return wait_readable(pidfd.get(), deadline);
}

Status GuestAgent::connect(const std::string& socket_path) {
  return io::connect_unix(socket_path, &fd_);
}

Status GuestAgent::send(const std::string& command) {
  const std::string line = command + "\n";
  if (::send(fd_.get(), line.data(), line.size(), MSG_NOSIGNAL) !=
      static_cast<ssize_t>(line.size())) {
    return Status::FromErrno("agent send", errno);
  }
  return Status::Ok();
}

Status GuestAgent::read_reply(std::chrono::milliseconds deadline, std::string* output) {
  const auto end = std::chrono::steady_clock::now() + deadline;
  for (;;) {
    const auto rc = buffered_.find("__RC=");
    const auto eol = rc == std::string::npos ? rc : buffered_.find('\n', rc);
    if (eol != std::string::npos) {
      *output = buffered_.substr(0, rc);
      const std::string code = buffered_.substr(rc + 5, eol - rc - 5);
      buffered_.erase(0, eol + 1);
      return code == "0" ? Status::Ok() : Status::Unknown("guest command failed: " + code);
    }
    const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
        end - std::chrono::steady_clock::now());
    if (left.count() <= 0 || !wait_readable(fd_.get(), left)) {
      return Status::DeadlineExceeded("no agent reply; got so far: " + buffered_);
    }
    char buf[4096];
    const ssize_t n = ::read(fd_.get(), buf, sizeof(buf));
    if (n <= 0) return Status::Unavailable("agent connection closed");
    buffered_.append(buf, static_cast<size_t>(n));
  }
}

Status GuestAgent::run(const std::string& command, std::string* output,
                       std::chrono::milliseconds deadline) {
  Status s = send(command);
  return s.ok() ? read_reply(deadline, output) : s;
}

}  // namespace ember::shimtest
