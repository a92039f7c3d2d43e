#pragma once
// Network namespaces for the fleet's tests: every host of a fleet gets its
// own namespace, so all traffic stays between namespaces the test made
// itself, and a test can cut one host's link. Everything is removed on
// destruction (also after a failed assertion). Names carry the test
// process's pid, so parallel runs do not collide, and a run that was killed
// leaves namespaces that the next run removes (their pid is gone).
#include <chrono>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "base/unique_fd.hpp"

namespace ember::e2e {

struct CommandResult {
  int status = -1;     // exit code; 128+signal when killed; -1 when it could not start
  std::string output;  // stdout and stderr together
};

// Runs argv (PATH searched), bounded by timeout (then SIGKILLed).
CommandResult run_command(const std::vector<std::string>& argv,
                          std::chrono::milliseconds timeout = std::chrono::seconds(20));

// Whether this process may make namespaces (`ip netns add` and del of a
// probe); why not in *why.
bool netns_supported(std::string* why);

// One network namespace (`ip netns add`), its loopback up.
class NetNs {
 public:
  explicit NetNs(std::string name);
  ~NetNs();  // `ip netns del`: its interfaces (veth ends) go with it
  NetNs(const NetNs&) = delete;
  NetNs& operator=(const NetNs&) = delete;

  const std::string& name() const { return name_; }
  // The command prefix that runs a program inside: ip netns exec NAME.
  std::vector<std::string> exec_prefix() const;
  // Runs `ip -n NAME args...`; throws with its output when it fails.
  std::string ip(const std::vector<std::string>& args) const;
  // A socket (CLOEXEC) made inside the namespace: it stays bound to it.
  UniqueFd socket(int domain, int type) const;

 private:
  std::string name_;
};

// A star: one center namespace (the fleet's front) and `leaves` namespaces
// (its members), leaf n (1-based) joined to the center by a veth pair on
// 10.77.n.0/24: the center is 10.77.n.1 (interface vethN), the leaf
// 10.77.n.2 (interface eth0). Cutting leaf n sets its eth0 down: the center
// sees no carrier and packets are dropped silently, as in a partition.
class StarNet {
 public:
  explicit StarNet(int leaves);
  ~StarNet();
  StarNet(const StarNet&) = delete;
  StarNet& operator=(const StarNet&) = delete;

  const NetNs& center() const { return *center_; }
  const NetNs& leaf(int n) const { return *leaves_.at(static_cast<size_t>(n - 1)); }
  int leaves() const { return static_cast<int>(leaves_.size()); }
  static std::string center_address(int n) { return "10.77." + std::to_string(n) + ".1"; }
  static std::string leaf_address(int n) { return "10.77." + std::to_string(n) + ".2"; }

  void cut(int n);   // leaf n's eth0 down
  void heal(int n);  // and up again
  // Whether the center's end of leaf n's link has a carrier (the kernel's
  // view of the cut: a positive signal to wait on).
  bool carrier(int n) const;

 private:
  std::unique_ptr<NetNs> center_;
  std::vector<std::unique_ptr<NetNs>> leaves_;
};

// Whether a TCP connection from namespace `from` to host:port is accepted
// within timeout; the error otherwise in *error.
bool tcp_connects(const NetNs& from, const std::string& host, uint16_t port,
                  std::chrono::milliseconds timeout, std::string* error = nullptr);

}  // namespace ember::e2e
