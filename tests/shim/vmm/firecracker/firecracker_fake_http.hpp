#pragma once
// FakeHttpServer: the HTTP/1.1 server of fake Firecracker on a unix socket,
// as Firecracker's micro_http serves it: keep-alive connections, bodies
// framed by Content-Length, payloads over the limit refused with 400 and
// the connection closed. One thread (the caller of serve()) answers every
// request in arrival order; poll() waits, nothing sleeps.
#include <cstddef>
#include <functional>
#include <string>

#include "base/status.hpp"
#include "base/unique_fd.hpp"
#include "tests/shim/vmm/firecracker/firecracker_fake_api.hpp"

namespace ember::fakefc {

class FakeHttpServer {
 public:
  using Handler = std::function<HttpResponse(const HttpRequest&)>;

  FakeHttpServer() = default;
  // Unlinks the socket file.
  ~FakeHttpServer();
  FakeHttpServer(const FakeHttpServer&) = delete;
  FakeHttpServer& operator=(const FakeHttpServer&) = delete;

  // Binds and listens on path. An existing path is refused (ALREADY_EXISTS),
  // as Firecracker refuses to start on one.
  Status listen(const std::string& path, std::size_t max_payload = 51200);
  // Serves on the calling thread until stop(), or until finished() returns
  // true after an answer was written.
  void serve(const Handler& handler, const std::function<bool()>& finished = nullptr);
  // Any thread: makes serve() return.
  void stop();
  // Leaves the socket file behind on destruction, as a killed VMM does.
  void keep_socket_file() { path_.clear(); }

 private:
  UniqueFd listen_fd_;
  UniqueFd wake_read_;
  UniqueFd wake_write_;
  std::string path_;
  std::size_t max_payload_ = 51200;
};

}  // namespace ember::fakefc
