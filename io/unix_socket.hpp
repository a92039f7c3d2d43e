#pragma once
// Unix stream sockets on paths (never abstract). Every fd is O_CLOEXEC.
#include <string>

#include "base/status.hpp"
#include "base/unique_fd.hpp"

namespace ember::io {

// A listening socket bound to a path: owns the fd and the socket file, which
// is unlinked on destruction unless released.
class BoundSocket {
 public:
  BoundSocket() = default;
  BoundSocket(UniqueFd fd, std::string path) : fd_(std::move(fd)), path_(std::move(path)) {}
  BoundSocket(BoundSocket&& o) noexcept;
  BoundSocket& operator=(BoundSocket&& o) noexcept;
  ~BoundSocket();

  int fd() const { return fd_.get(); }
  const std::string& path() const { return path_; }
  bool valid() const { return fd_.valid(); }
  // Hands the fd over (e.g. to a child process); the file stays and is still
  // unlinked by this object.
  UniqueFd take_fd() { return std::move(fd_); }
  // Closes the fd and unlinks the file now.
  void reset();
  // Closes the fd but leaves the file (its shim lives on past emberd).
  void release() {
    fd_.reset();
    path_.clear();
  }

 private:
  UniqueFd fd_;
  std::string path_;  // "" once released or reset
};

// Binds and listens on path with mode 0600. If the path exists: a live socket
// (connect succeeds) gives ALREADY_EXISTS naming the path; a stale socket file
// (connect refused) is removed and bound again; anything that is not a socket
// gives FAILED_PRECONDITION. Paths over 107 bytes give INVALID_ARGUMENT.
Status bind_listener(const std::string& path, BoundSocket* out, int backlog = 512);

// Connects to a unix socket path. Blocking by default (which waits while the
// server's accept backlog is full); with nonblocking the fd is O_NONBLOCK and
// a full backlog gives UNAVAILABLE at once. Errors: NOT_FOUND (no such path),
// UNAVAILABLE (refused: nobody listens), PERMISSION_DENIED, INVALID_ARGUMENT
// (path too long), INTERNAL (other).
Status connect_unix(const std::string& path, UniqueFd* out, bool nonblocking = false);

}  // namespace ember::io
