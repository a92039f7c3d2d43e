#pragma once
// Fleet: the VMs one bench creates, by index (id = <prefix><index>). Knows
// which are alive, creates and stops them one call at a time, and on
// destruction stops every VM that is or may be alive, so a failed or
// interrupted bench leaves nothing behind.
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "bench/lib/runner.hpp"
#include "bench/lib/stats.hpp"
#include "fccontrol.pb.h"

namespace ember::bench {

class Target;
class Progress;

// What every VM a bench creates looks like; unset parts are left to the
// server's defaults (its `vm:` config section).
struct VmTemplate {
  uint32_t vcpus = 0;    // 0: unset
  uint32_t mem_mib = 0;  // 0: unset
  std::string kernel;
  std::string kernel_args;
  std::string root_drive;
  uint32_t create_timeout_seconds = 0;  // CreateVMRequest.TimeoutSeconds
};

class Fleet {
 public:
  // capacity: the most VMs this fleet will ever create.
  Fleet(Target& target, std::string id_prefix, const VmTemplate& vm, size_t capacity);
  ~Fleet();  // stop_all(), reporting VMs it could not stop on stderr
  Fleet(const Fleet&) = delete;
  Fleet& operator=(const Fleet&) = delete;

  std::string id(size_t index) const { return prefix_ + std::to_string(index); }
  size_t capacity() const { return state_.size(); }

  // status and the time from sending the call to its reply. Loop thread.
  using Done = std::function<void(const Status&, std::chrono::nanoseconds)>;
  // CreateVM of VM index (from the template); loop thread.
  void create(size_t index, Done done);
  // StopVM of VM index; NOT_FOUND counts as gone. Loop thread.
  void stop(size_t index, Done done);

  // Between phases (not while one runs): VMs alive, or maybe alive (a create
  // that timed out may still complete on the server).
  std::vector<size_t> live() const;

  // Stops every live VM with `concurrency` StopVM calls in flight, ignoring
  // cancellation. latency (may be null) gets each call's time.
  RunStats stop_all(size_t concurrency, Progress* progress, Samples* latency);

 private:
  enum class VmState : uint8_t { none, alive, maybe };

  Target& target_;
  std::string prefix_;
  CreateVMRequest proto_;
  std::chrono::nanoseconds create_timeout_;
  std::chrono::nanoseconds stop_timeout_;
  std::vector<VmState> state_;  // loop thread while a phase runs
};

}  // namespace ember::bench
