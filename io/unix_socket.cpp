#include "io/unix_socket.hpp"

#include <fcntl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "base/errno_status.hpp"

namespace ember::io {
namespace {

constexpr size_t kMaxPath = sizeof(sockaddr_un::sun_path) - 1;  // 107

Status make_addr(const std::string& path, sockaddr_un* addr) {
  if (path.empty()) return Status::InvalidArgument("empty unix socket path");
  if (path.size() > kMaxPath) {
    return Status::InvalidArgument("unix socket path too long (" + std::to_string(path.size()) +
                                   " > " + std::to_string(kMaxPath) + " bytes): " + path);
  }
  if (path.find('\0') != std::string::npos) {
    return Status::InvalidArgument("unix socket path contains a NUL byte");
  }
  std::memset(addr, 0, sizeof(*addr));
  addr->sun_family = AF_UNIX;
  std::memcpy(addr->sun_path, path.data(), path.size());
  return Status::Ok();
}

// Creates every missing directory of dir with mode 0700 (mkdir -p).
Status make_dirs(const std::string& dir) {
  if (dir.empty()) return Status::Ok();
  struct stat st;
  if (::stat(dir.c_str(), &st) == 0) {
    if (!S_ISDIR(st.st_mode)) return Status::FailedPrecondition(dir + " is not a directory");
    return Status::Ok();
  }
  if (errno != ENOENT) return Status::FromErrno("stat " + dir, errno);
  auto slash = dir.find_last_of('/');
  if (slash != std::string::npos && slash > 0) {
    Status s = make_dirs(dir.substr(0, slash));
    if (!s.ok()) return s;
  }
  if (::mkdir(dir.c_str(), 0700) != 0) {
    if (errno == EEXIST) return Status::Ok();  // lost a race: fine
    return Status::FromErrno("mkdir " + dir, errno);
  }
  // mkdir's mode is filtered by the umask; 0700 is what we promised.
  if (::chmod(dir.c_str(), 0700) != 0) return Status::FromErrno("chmod " + dir, errno);
  return Status::Ok();
}

UniqueFd new_socket() {
  return UniqueFd(::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0));
}

int connect_retry(int fd, const sockaddr_un& addr) {
  int rc;
  do {
    rc = ::connect(fd, reinterpret_cast<const sockaddr*>(&addr), sizeof(addr));
  } while (rc != 0 && errno == EINTR);
  return rc;
}

}  // namespace

BoundSocket::BoundSocket(BoundSocket&& o) noexcept
    : fd_(std::move(o.fd_)), path_(std::exchange(o.path_, std::string())) {}

BoundSocket& BoundSocket::operator=(BoundSocket&& o) noexcept {
  if (this != &o) {
    reset();
    fd_ = std::move(o.fd_);
    path_ = std::exchange(o.path_, std::string());
  }
  return *this;
}

BoundSocket::~BoundSocket() {
  reset();
}

void BoundSocket::reset() {
  fd_.reset();
  if (!path_.empty()) {
    ::unlink(path_.c_str());
    path_.clear();
  }
}

Status bind_listener(const std::string& path, BoundSocket* out, int backlog) {
  sockaddr_un addr;
  Status s = make_addr(path, &addr);
  if (!s.ok()) return s;

  auto slash = path.find_last_of('/');
  if (slash != std::string::npos && slash > 0) {
    s = make_dirs(path.substr(0, slash));
    if (!s.ok()) return s;
  }

  struct stat st;
  if (::lstat(path.c_str(), &st) == 0) {
    if (!S_ISSOCK(st.st_mode)) {
      return Status::FailedPrecondition(path + " exists and is not a socket");
    }
    UniqueFd probe = new_socket();
    if (!probe.valid()) return Status::FromErrno("socket", errno);
    if (connect_retry(probe.get(), addr) == 0) {
      return Status::AlreadyExists("a server is already listening on " + path);
    }
    if (errno != ECONNREFUSED) return Status::FromErrno("connect " + path, errno);
    // Stale: nobody listens there any more.
    if (::unlink(path.c_str()) != 0 && errno != ENOENT) {
      return Status::FromErrno("unlink stale socket " + path, errno);
    }
  } else if (errno != ENOENT) {
    return Status::FromErrno("lstat " + path, errno);
  }

  UniqueFd fd = new_socket();
  if (!fd.valid()) return Status::FromErrno("socket", errno);
  if (::bind(fd.get(), reinterpret_cast<const sockaddr*>(&addr), sizeof(addr)) != 0) {
    if (errno == EADDRINUSE) {
      return Status::AlreadyExists(path + " was created by someone else meanwhile");
    }
    return Status::FromErrno("bind " + path, errno);
  }
  // Until listen() every connect is refused, so tightening the mode here
  // leaves no window in which others could connect.
  BoundSocket bound(std::move(fd), path);
  if (::chmod(path.c_str(), 0600) != 0) return Status::FromErrno("chmod " + path, errno);
  if (::listen(bound.fd(), backlog) != 0) return Status::FromErrno("listen " + path, errno);
  *out = std::move(bound);
  return Status::Ok();
}

Status connect_unix(const std::string& path, UniqueFd* out, bool nonblocking) {
  sockaddr_un addr;
  Status s = make_addr(path, &addr);
  if (!s.ok()) return s;
  UniqueFd fd(::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC | (nonblocking ? SOCK_NONBLOCK : 0), 0));
  if (!fd.valid()) return Status::FromErrno("socket", errno);
  if (connect_retry(fd.get(), addr) != 0) {
    int err = errno;
    // Nobody serving yet, or not now: UNAVAILABLE, which callers retry. The
    // rest (NOT_FOUND for no socket, ...) maps as any failed syscall does.
    std::string what = "connect " + path;
    if (err == ECONNREFUSED) return Status::Unavailable(what + ": " + std::strerror(err));
    if (err == EAGAIN) {
      return Status::Unavailable(what + ": " + std::strerror(err) + " (accept backlog full)");
    }
    return errno_status(what, err);
  }
  *out = std::move(fd);
  return Status::Ok();
}

}  // namespace ember::io
