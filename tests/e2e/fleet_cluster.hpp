#pragma once
// A fleet on one machine for the end-to-end tests: a star of network
// namespaces (tests/support/netns.hpp), a member emberd (hollow backend) in
// each leaf at 10.77.N.2:7100, the front in the center, certificates from
// deploy/fleet-certs.sh in the cluster's temp dir. Everything is stopped and
// removed on destruction.
#include <chrono>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "tests/support/emberd_harness.hpp"
#include "tests/support/netns.hpp"

namespace ember::e2e {

// One member of `emberctl --json fleet members`.
struct MemberRow {
  std::string name;
  std::string address;
  std::string state;  // connecting, up, lost, refused
  std::string reason;
  uint32_t placed_vms = 0;
  uint32_t reported_vms = 0;           // what the member last said it holds
  std::vector<std::string> conflicts;  // "ns/id"
};

struct FleetOptions {
  int members = 3;
  // Members whose certificate comes from another CA (1-based).
  std::vector<int> foreign_ca = {};
  uint32_t report_interval_ms = 200;
  uint32_t member_timeout_ms = 1000;
  std::string member_yaml = "";  // appended to each member's config
};

class FleetCluster {
 public:
  explicit FleetCluster(FleetOptions opts = {});
  ~FleetCluster();  // front first, then members, then the namespaces

  Emberd& front() { return *front_; }
  Emberd& member(int n) { return *members_.at(static_cast<size_t>(n - 1)); }
  StarNet& net() { return net_; }
  int members() const { return static_cast<int>(members_.size()); }
  static std::string member_name(int n) { return "m" + std::to_string(n); }
  static std::string member_address(int n) { return StarNet::leaf_address(n) + ":7100"; }

  // `emberctl fleet members --json` on the front; throws when it fails.
  std::vector<MemberRow> member_rows();
  // Waits until pred holds of member_rows(): checked at once, then again on
  // every write to the front's log (the front logs each member's state
  // change), bounded by timeout. False at the timeout.
  bool wait_members(const std::function<bool(const std::vector<MemberRow>&)>& pred,
                    std::chrono::milliseconds timeout);
  // Waits until member n has state.
  bool wait_state(int n, const std::string& state,
                  std::chrono::milliseconds timeout = std::chrono::seconds(30));
  // What the last wait saw, for failure messages.
  const std::string& last_rows() const { return last_rows_; }

 private:
  TempDir certs_;
  StarNet net_;
  std::vector<std::unique_ptr<Emberd>> members_;
  std::unique_ptr<Emberd> front_;
  std::string last_rows_;
};

// Runs emberctl with args (output: stdout and stderr).
CommandResult emberctl(const std::vector<std::string>& args);

}  // namespace ember::e2e
