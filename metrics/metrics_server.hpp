#pragma once
// MetricsServer: serves GET /metrics (the Prometheus text format) over HTTP on
// a unix socket or a loopback TCP port, on a thread of its own. A scrape
// renders a snapshot of atomic counters (metrics/ember_metrics.hpp): it never
// waits for emberd's I/O thread or its actors. CAF-free.
#include <functional>
#include <memory>
#include <string>
#include <thread>

#include "base/status.hpp"
#include "config/listen_address.hpp"

namespace httplib {
class Server;
}

namespace ember::metrics {

class MetricsServer {
 public:
  // Binds (a stale unix socket file is replaced, a live one refused) and
  // starts serving; render produces each response body, on the server thread.
  static Status start(const config::ListenAddress& where, std::function<std::string()> render,
                      std::unique_ptr<MetricsServer>* out);
  // Stops accepting, finishes the scrape under way, joins the thread and
  // removes the unix socket file.
  ~MetricsServer();
  MetricsServer(const MetricsServer&) = delete;
  MetricsServer& operator=(const MetricsServer&) = delete;

  // "unix:/path" or "127.0.0.1:9100": for the log.
  const std::string& describe() const { return described_; }

 private:
  MetricsServer() = default;

  std::unique_ptr<httplib::Server> http_;
  std::thread thread_;
  std::string socket_path_;  // unix socket file to remove; "" for TCP
  std::string described_;
};

}  // namespace ember::metrics
