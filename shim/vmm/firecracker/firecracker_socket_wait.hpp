#pragma once
// SocketWait: reports once a unix socket path accepts connections (the VMM's
// API socket after its start), without polling the file system: inotify tells
// when an entry appears in the socket's directory. bind() creates the file
// before listen(), so a connect refused right after the event is retried on
// a short timer of the loop until it succeeds; the caller bounds the whole
// wait with its own deadline.
#include <functional>
#include <string>

#include "base/status.hpp"
#include "base/unique_fd.hpp"
#include "io/event_loop.hpp"

namespace ember::shim::firecracker {

class SocketWait {
 public:
  explicit SocketWait(io::EventLoop& loop) : loop_(loop) {}
  // Loop thread: cancels the wait; on_ready will not run.
  ~SocketWait() { cancel(); }
  SocketWait(const SocketWait&) = delete;
  SocketWait& operator=(const SocketWait&) = delete;

  // Loop thread. Start before the process that binds the socket, so its
  // creation cannot be missed. dir is the socket's directory; address is
  // what connect() gets (absolute, or relative to our working directory).
  // on_ready runs once, on the loop thread, never inside start().
  Status start(const std::string& dir, const std::string& file_name, std::string address,
               std::function<void()> on_ready);
  void cancel();

 private:
  void on_events();
  void try_connect();
  void arm();

  io::EventLoop& loop_;
  UniqueFd inotify_;
  std::string file_name_;
  std::string address_;
  std::function<void()> on_ready_;
  io::EventLoop::WatchId watch_ = 0;  // 0: none
  io::EventLoop::WatchId retry_ = 0;  // 0: none
  long retry_ms_ = 1;
};

}  // namespace ember::shim::firecracker
