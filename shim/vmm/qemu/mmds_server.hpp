#pragma once
// MmdsServer: the MMDS HTTP API (mmds_http.hpp) on a unix socket in the VM
// dir. QEMU's restricted user-mode network forwards the guest's connections
// to 169.254.169.254:80 there (docs/qemu-backend.md), one at a time; each
// gets one answer and is closed. It runs on its own thread so a slow guest
// client never holds up the shim's loop; the document is swapped in under a
// mutex that is never held while waiting.
#include <memory>
#include <mutex>
#include <string>
#include <thread>

#include "base/status.hpp"
#include "base/unique_fd.hpp"
#include "io/unix_socket.hpp"
#include "shim/vmm/qemu/mmds_http.hpp"

namespace ember::shim::qemu {

class MmdsServer {
 public:
  // Binds path (as io::bind_listener) and starts serving "{}".
  static Status start(const std::string& path, std::unique_ptr<MmdsServer>* out);
  // Stops the thread; the socket file is removed.
  ~MmdsServer();
  MmdsServer(const MmdsServer&) = delete;
  MmdsServer& operator=(const MmdsServer&) = delete;

  // The document (a JSON object's text) later requests are answered from.
  void set_document(std::string json);

 private:
  MmdsServer() = default;
  void serve();
  void answer(int connection);
  std::string document();

  io::BoundSocket socket_;
  UniqueFd stop_;  // an eventfd: readable once the destructor wants the thread gone
  std::thread thread_;
  std::mutex mu_;
  std::string document_ = "{}";  // guarded by mu_
  MmdsTokens tokens_;            // serve() thread only
};

}  // namespace ember::shim::qemu
