#include "shim/launch.hpp"

#include <fcntl.h>
#include <linux/close_range.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/un.h>
#include <unistd.h>

#include <cerrno>
#include <climits>
#include <cstddef>
#include <cstdlib>
#include <cstring>

#include "base/ids.hpp"
#include "shimproc/launch_contract.hpp"

namespace ember::shim {
namespace {

std::string fd_name(int fd, const std::string& role) {
  return "fd " + std::to_string(fd) + " (" + role + ")";
}

int int_sockopt(int fd, int option, int* out) {
  socklen_t len = sizeof(*out);
  return ::getsockopt(fd, SOL_SOCKET, option, out, &len);
}

using shimproc::kFccontrolSocketFd;
using shimproc::kShimSocketFd;

// The VM id, as the seed gives it: FIRECRACKER_VM_ID; -id, an ember extra,
// must agree with it.
Status vm_id_of(const ShimArgs& args, std::string* id) {
  const std::string id_env = shimproc::kVmIdEnv;
  const char* env_id = std::getenv(id_env.c_str());
  if (env_id == nullptr) {
    return Status::InvalidArgument(id_env + " is not set" +
                                   (args.id.empty() ? "" : " (expected \"" + args.id + "\")"));
  }
  if (!args.id.empty() && args.id != env_id) {
    return Status::InvalidArgument(id_env + " \"" + std::string(env_id) + "\" does not match -" +
                                   shimproc::kIdFlag + " \"" + args.id + "\"");
  }
  *id = env_id;
  return Status::Ok();
}

// The fccontrol socket's fd: FCCONTROL_SOCKET_FD (the seed sets 4), else 4.
Status fccontrol_fd_of(int* fd) {
  const std::string fd_env = shimproc::kFccontrolSocketFdEnv;
  const char* text = std::getenv(fd_env.c_str());
  *fd = kFccontrolSocketFd;
  if (text == nullptr) return Status::Ok();
  char* end = nullptr;
  errno = 0;
  const long n = std::strtol(text, &end, 10);
  if (errno != 0 || end == text || *end != '\0' || n <= kShimSocketFd || n > INT_MAX) {
    return Status::InvalidArgument(fd_env + " is \"" + std::string(text) +
                                   "\": not a file descriptor number above " +
                                   std::to_string(kShimSocketFd));
  }
  *fd = static_cast<int>(n);
  return Status::Ok();
}

Status working_directory(const std::string& ns, const std::string& id, std::string* out) {
  char buf[PATH_MAX];
  if (::getcwd(buf, sizeof(buf)) == nullptr) return Status::FromErrno("getcwd", errno);
  std::string cwd = buf;
  const std::string expected = shimproc::vm_dir_name(ns, id);
  const auto slash = cwd.rfind('/');
  if (cwd.substr(slash + 1) != expected) {
    return Status::InvalidArgument("working directory " + cwd + " is not a VM directory named " +
                                   expected);
  }
  *out = std::move(cwd);
  return Status::Ok();
}

Status take_fd(int fd, UniqueFd* out) {
  const int flags = ::fcntl(fd, F_GETFD);
  if (flags < 0 || ::fcntl(fd, F_SETFD, flags | FD_CLOEXEC) < 0) {
    return Status::FromErrno("fcntl(" + std::to_string(fd) + ", FD_CLOEXEC)", errno);
  }
  out->reset(fd);
  return Status::Ok();
}

}  // namespace

Status check_listening_unix_socket(int fd, const std::string& role) {
  struct stat st;
  if (::fstat(fd, &st) < 0) {
    if (errno == EBADF) return Status::FailedPrecondition(fd_name(fd, role) + " is not open");
    return Status::FromErrno("fstat " + fd_name(fd, role), errno);
  }
  if (!S_ISSOCK(st.st_mode)) {
    return Status::FailedPrecondition(fd_name(fd, role) + " is not a socket");
  }
  int domain = 0, type = 0, listening = 0;
  if (int_sockopt(fd, SO_DOMAIN, &domain) < 0 || int_sockopt(fd, SO_TYPE, &type) < 0 ||
      int_sockopt(fd, SO_ACCEPTCONN, &listening) < 0) {
    return Status::FromErrno("getsockopt " + fd_name(fd, role), errno);
  }
  if (domain != AF_UNIX || type != SOCK_STREAM) {
    return Status::FailedPrecondition(fd_name(fd, role) + " is not a unix stream socket");
  }
  if (!listening) return Status::FailedPrecondition(fd_name(fd, role) + " is not listening");
  return Status::Ok();
}

std::string bound_path(int fd) {
  sockaddr_un addr{};
  socklen_t len = sizeof(addr);
  if (::getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len) < 0) return "";
  if (len <= offsetof(sockaddr_un, sun_path) || addr.sun_path[0] == '\0') return "";
  return std::string(addr.sun_path, strnlen(addr.sun_path, len - offsetof(sockaddr_un, sun_path)));
}

Status take_launch(const ShimArgs& args, Launch* out) {
  Launch launch;
  int fccontrol_fd = kFccontrolSocketFd;
  Status s = validate_identifier(args.ns, "namespace");
  if (s.ok()) s = vm_id_of(args, &launch.vm_id);
  if (s.ok()) s = validate_identifier(launch.vm_id, "VM id");
  if (s.ok()) s = fccontrol_fd_of(&fccontrol_fd);
  if (s.ok()) s = check_listening_unix_socket(kShimSocketFd, "containerd task socket");
  if (s.ok()) s = check_listening_unix_socket(fccontrol_fd, "fccontrol socket");
  if (s.ok()) s = working_directory(args.ns, launch.vm_id, &launch.vm_dir);
  if (!s.ok()) return s;
  launch.shim_socket_path = bound_path(kShimSocketFd);
  launch.fccontrol_socket_path = bound_path(fccontrol_fd);
  s = take_fd(kShimSocketFd, &launch.shim_socket);
  if (!s.ok()) return s;
  s = take_fd(fccontrol_fd, &launch.fccontrol_socket);
  if (!s.ok()) return s;
  // Anything a careless launcher leaked stays open but never reaches a VMM.
  if (::syscall(SYS_close_range, kShimSocketFd + 1, ~0U, CLOSE_RANGE_CLOEXEC) < 0) {
    return Status::FromErrno("close_range(CLOSE_RANGE_CLOEXEC)", errno);
  }
  *out = std::move(launch);
  return Status::Ok();
}

}  // namespace ember::shim
