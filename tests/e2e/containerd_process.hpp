#pragma once
// Debian's real containerd for end-to-end tests, started by the test itself:
// its own root, state and sockets in a private directory (a config file
// passed with --config), no systemd. And `ctr events` as the subscriber that
// checks what containerd received.
#include <sys/types.h>

#include <chrono>
#include <string>
#include <vector>

#include "base/unique_fd.hpp"

namespace ember::e2e {

// True when both `containerd` and `ctr` are in PATH.
bool containerd_installed();

class Containerd {
 public:
  // dir: an existing private directory (short: socket paths must fit).
  explicit Containerd(const std::string& dir);
  ~Containerd();  // stops containerd if it runs
  Containerd(const Containerd&) = delete;
  Containerd& operator=(const Containerd&) = delete;

  // The gRPC socket (emberd's containerd_address); the ttrpc events service
  // listens at address() + ".ttrpc".
  const std::string& address() const { return address_; }
  // Starts containerd and waits until its gRPC socket accepts connections;
  // throws with its log when it does not.
  void start();
  // SIGTERM, and waits until it exited.
  void stop();
  std::string log() const;

 private:
  std::string dir_, address_, config_path_, log_path_;
  pid_t pid_ = -1;
};

// `ctr --address A events FILTERS...` running in the background; its stdout
// and stderr come through one pipe. ctr prints the events it can decode and,
// for the VM events (whose types it has no registration for), a warning
// naming the type URL: "type with url VMStart: not found". Its filters run in
// containerd, so a line seen here passed them.
class CtrEvents {
 public:
  // Subscribes with `filters` plus one for /namespaces/create, and returns
  // once the subscription is live: namespaces are created until ctr shows
  // one (a subscription's start is not otherwise visible).
  CtrEvents(const std::string& address, std::vector<std::string> filters);
  ~CtrEvents();  // kills ctr
  CtrEvents(const CtrEvents&) = delete;
  CtrEvents& operator=(const CtrEvents&) = delete;

  // Waits for a line holding `text`; false at the deadline.
  bool wait_for_line(const std::string& text, std::chrono::milliseconds deadline);
  // Everything ctr printed so far.
  const std::string& output() const { return output_; }

 private:
  void subscribe(const std::string& address);

  pid_t pid_ = -1;
  UniqueFd out_;
  std::string output_;
  std::size_t scanned_ = 0;  // lines before this offset were already matched
};

}  // namespace ember::e2e
