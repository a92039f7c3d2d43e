#pragma once
// FirecrackerApiClient: HTTP/1.1 to Firecracker's API socket (libcurl with
// CURLOPT_UNIX_SOCKET_PATH). Requests run one at a time, in the order sent,
// on a worker thread owned by this object; each completion is posted back to
// the event loop. So the loop never waits for Firecracker, and calls keep the
// order the VM's configuration needs.
#include <chrono>
#include <functional>
#include <memory>
#include <string>

#include "base/status.hpp"
#include "shim/vmm/firecracker/firecracker_api.hpp"

namespace ember::io {
class EventLoop;
}

namespace ember::shim::firecracker {

class FirecrackerApiClient {
 public:
  struct Response {
    long http_status = 0;
    std::string body;
  };
  // Transport status (OK once an HTTP answer arrived, whatever its status).
  using SendDone = std::function<void(Status, Response)>;
  // OK and the body for a 2xx answer, else status_of() or the transport error.
  using CallDone = std::function<void(Status, std::string body)>;

  // socket_path: absolute, or relative to the process's working directory.
  // Each request must be answered within `timeout`.
  FirecrackerApiClient(io::EventLoop& loop, std::string socket_path,
                       std::chrono::milliseconds timeout = std::chrono::seconds(10));
  // Loop thread, or while the loop is not running. Drops requests not yet
  // started, waits for the one in flight (bounded by the timeout), and no
  // completion runs after it returns.
  ~FirecrackerApiClient();
  FirecrackerApiClient(const FirecrackerApiClient&) = delete;
  FirecrackerApiClient& operator=(const FirecrackerApiClient&) = delete;

  // Any thread; done runs on the loop thread. A missing answer is UNAVAILABLE
  // (nobody listens, connection lost) or DEADLINE_EXCEEDED (timeout), with a
  // message naming the call.
  void send(ApiCall call, SendDone done);
  void call(ApiCall call, CallDone done);

  struct Worker;

 private:
  io::EventLoop& loop_;
  std::shared_ptr<char> alive_;     // posted completions hold a weak_ptr to it
  std::unique_ptr<Worker> worker_;  // the thread and its queue
};

}  // namespace ember::shim::firecracker
