#pragma once
// Debian's Prometheus tools for end-to-end tests: `promtool check metrics` on
// a scraped text, and a real `prometheus` server started by the test on
// loopback, with its own config and storage in a private directory (the
// package's own service is not used).
#include <sys/types.h>

#include <chrono>
#include <cstdint>
#include <string>

namespace ember::e2e {

// True when `prometheus` and `promtool` are in PATH.
bool prometheus_installed();
// A loopback TCP port nobody listened on a moment ago (the kernel's choice).
uint16_t free_loopback_port();
// HTTP GET of http://127.0.0.1:port<path> (or of path on the unix socket
// unix_path when set); the body, and *status the HTTP status (0: no answer).
std::string http_get(uint16_t port, const std::string& path, int* status,
                     const std::string& unix_path = "");
// Runs `promtool check metrics` on text; its exit code, its output in *out.
int promtool_check_metrics(const std::string& dir, const std::string& text, std::string* out);

class Prometheus {
 public:
  // Scrapes 127.0.0.1:target_port every second; serves its API on a free
  // loopback port. dir: an existing private directory.
  Prometheus(const std::string& dir, uint16_t target_port);
  ~Prometheus();  // SIGTERM, bounded wait, then SIGKILL
  Prometheus(const Prometheus&) = delete;
  Prometheus& operator=(const Prometheus&) = delete;

  // The health ("up", "down", "unknown") of the one target once it is no
  // longer "unknown", or at the deadline; "" when the API never answered.
  std::string wait_target_health(std::chrono::milliseconds deadline);
  std::string log() const;

 private:
  std::string dir_, log_path_;
  uint16_t api_port_ = 0;
  pid_t pid_ = -1;
};

}  // namespace ember::e2e
