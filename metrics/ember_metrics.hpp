#pragma once
// Metrics: emberd's counters, updated where the events happen (the call edge,
// the supervisors, the shim launches, the recovery) and read by the scrape
// thread as a snapshot rendered in the Prometheus text format. Every update is
// a relaxed atomic add: no lock, no syscall, nothing that can block an actor.
// CAF-free. docs/operations-metrics.md lists the metrics.
#include <array>
#include <atomic>
#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "metrics/histogram.hpp"

namespace ember::metrics {

class TextExposition;

// A VM's state as `emberctl vm ls` shows it (the inventory's,
// messages/vm_inventory.hpp, which feeds this gauge).
enum class VmState { creating, booting, ready, paused, stopping, boot_failed };
inline constexpr int kVmStateCount = 6;
const char* vm_state_name(VmState s);

// Why a VM ended.
enum class ExitCause {
  stopped,        // StopVM, the shim exited by itself
  stop_forced,    // StopVM, the shim was killed at the timeout
  shim_exited,    // the shim exited on its own with a code while running
  shim_signaled,  // the shim died of a signal while running
  create_failed,  // CreateVM failed: the VM never ran
  adopt_failed,   // a shim of a previous emberd could not be adopted
};
inline constexpr int kExitCauseCount = 6;
const char* exit_cause_name(ExitCause c);

class Metrics {
 public:
  // method_names: the fccontrol methods by index (msg::Method); backend: the
  // configured VMM backend, a label of the VM gauges.
  Metrics(std::vector<std::string> method_names, std::string backend);

  // A call answered with code (google.rpc.Code) after `took`.
  void record_call(int method, int code, std::chrono::nanoseconds took);
  void vm_entered(VmState s) { add(vms_[index(s)], 1); }
  void vm_left(VmState s) { add(vms_[index(s)], -1); }
  void vm_exited(ExitCause c) { add(exits_[static_cast<size_t>(c)], 1); }
  // A shim's launch, from the request to its connected socket.
  void shim_spawned(std::chrono::nanoseconds took) { shim_spawn_.observe(took); }
  // The outcome of a start-up recovery (actors::ControlPlane::recover).
  void recovered(int adopted, int failed, int killed_shims);
  // Read at each scrape: the journal's dropped records (no journal: unset).
  void set_journal_drops(std::function<uint64_t()> read) { journal_drops_ = std::move(read); }

  // The exposition text (metrics/exposition.hpp) of everything above.
  std::string render() const;

 private:
  static constexpr int kCodeCount = 17;  // google.rpc.Code 0..16
  template <class T>
  static void add(std::atomic<T>& x, typename std::atomic<T>::value_type by) {
    x.fetch_add(by, std::memory_order_relaxed);
  }
  static size_t index(VmState s) { return static_cast<size_t>(s); }
  void render_calls(TextExposition& out) const;
  void render_vms(TextExposition& out) const;
  void render_lifecycle(TextExposition& out) const;

  const std::vector<std::string> method_names_;
  const std::string backend_;
  const double start_time_seconds_;
  std::array<std::atomic<int64_t>, kVmStateCount> vms_{};
  std::array<std::atomic<uint64_t>, kExitCauseCount> exits_{};
  // [method][code], and a latency histogram per method.
  std::unique_ptr<std::array<std::atomic<uint64_t>, kCodeCount>[]> calls_;
  std::vector<std::unique_ptr<Histogram>> latency_;
  Histogram shim_spawn_;
  std::atomic<uint64_t> adopted_{0}, adopt_failed_{0}, killed_shims_{0};
  std::function<uint64_t()> journal_drops_;  // set before serving, then read-only
};

}  // namespace ember::metrics
