#include "metrics/ember_metrics.hpp"

#include "base/status.hpp"
#include "metrics/exposition.hpp"

namespace ember::metrics {
namespace {

double as_double(uint64_t v) {
  return static_cast<double>(v);
}

double unix_now_seconds() {
  using namespace std::chrono;
  return duration_cast<duration<double>>(system_clock::now().time_since_epoch()).count();
}

}  // namespace

const char* vm_state_name(VmState s) {
  static const char* const kNames[kVmStateCount] = {"creating", "booting",  "ready",
                                                    "paused",   "stopping", "boot-failed"};
  return kNames[static_cast<int>(s)];
}

const char* exit_cause_name(ExitCause c) {
  static const char* const kNames[kExitCauseCount] = {
      "stopped", "stop_forced", "shim_exited", "shim_signaled", "create_failed", "adopt_failed"};
  return kNames[static_cast<int>(c)];
}

Metrics::Metrics(std::vector<std::string> method_names, std::string backend)
    : method_names_(std::move(method_names)),
      backend_(std::move(backend)),
      start_time_seconds_(unix_now_seconds()),
      calls_(
          std::make_unique<std::array<std::atomic<uint64_t>, kCodeCount>[]>(method_names_.size())),
      shim_spawn_(shim_spawn_bounds()) {
  for (size_t i = 0; i < method_names_.size(); ++i)
    latency_.push_back(std::make_unique<Histogram>(call_latency_bounds()));
}

void Metrics::record_call(int method, int code, std::chrono::nanoseconds took) {
  if (method < 0 || static_cast<size_t>(method) >= method_names_.size()) return;
  if (code < 0 || code >= kCodeCount) code = static_cast<int>(Code::unknown);
  add(calls_[method][code], uint64_t{1});
  latency_[method]->observe(took);
}

void Metrics::recovered(int adopted, int failed, int killed_shims) {
  add(adopted_, static_cast<uint64_t>(adopted));
  add(adopt_failed_, static_cast<uint64_t>(failed));
  add(killed_shims_, static_cast<uint64_t>(killed_shims));
}

// Only the (method, code) pairs seen, and the latency of methods called: a
// dozen methods times seventeen codes would be mostly zeros.
void Metrics::render_calls(TextExposition& out) const {
  out.family("ember_calls_total", "fccontrol calls answered, by method and status code.",
             "counter");
  for (size_t m = 0; m < method_names_.size(); ++m)
    for (int c = 0; c < kCodeCount; ++c)
      if (uint64_t n = calls_[m][c].load(std::memory_order_relaxed); n != 0)
        out.sample("ember_calls_total",
                   {{"method", method_names_[m]}, {"code", code_name(static_cast<Code>(c))}},
                   as_double(n));
  out.family("ember_call_duration_seconds", "Time from a call's arrival to its answer, by method.",
             "histogram");
  for (size_t m = 0; m < method_names_.size(); ++m) {
    Histogram::Snapshot h = latency_[m]->snapshot();
    if (h.count != 0)
      out.histogram("ember_call_duration_seconds", {{"method", method_names_[m]}}, h);
  }
}

void Metrics::render_vms(TextExposition& out) const {
  out.family("ember_vms", "VMs registered, by state (as emberctl vm ls shows it) and backend.",
             "gauge");
  for (int s = 0; s < kVmStateCount; ++s)
    out.sample("ember_vms",
               {{"state", vm_state_name(static_cast<VmState>(s))}, {"backend", backend_}},
               static_cast<double>(vms_[s].load(std::memory_order_relaxed)));
  out.family("ember_vm_exits_total", "VMs that ended, by cause.", "counter");
  for (int c = 0; c < kExitCauseCount; ++c)
    out.sample("ember_vm_exits_total", {{"cause", exit_cause_name(static_cast<ExitCause>(c))}},
               as_double(exits_[c].load(std::memory_order_relaxed)));
  out.family("ember_shim_spawn_duration_seconds",
             "Time from a VM's launch request to its shim's connected fccontrol socket.",
             "histogram");
  out.histogram("ember_shim_spawn_duration_seconds", {}, shim_spawn_.snapshot());
}

void Metrics::render_lifecycle(TextExposition& out) const {
  out.family("ember_start_time_seconds",
             "When this emberd started, in Unix seconds: changes() of it counts restarts.",
             "gauge");
  out.sample("ember_start_time_seconds", {}, start_time_seconds_);
  out.family("ember_vm_adoptions_total",
             "Shims of a previous emberd taken over at start-up, by result.", "counter");
  out.sample("ember_vm_adoptions_total", {{"result", "adopted"}},
             as_double(adopted_.load(std::memory_order_relaxed)));
  out.sample("ember_vm_adoptions_total", {{"result", "failed"}},
             as_double(adopt_failed_.load(std::memory_order_relaxed)));
  out.family("ember_recovery_killed_shims_total",
             "Shims of VMs whose CreateVM never completed, killed at start-up.", "counter");
  out.sample("ember_recovery_killed_shims_total", {},
             as_double(killed_shims_.load(std::memory_order_relaxed)));
  out.family("ember_journal_dropped_records_total",
             "Journal records dropped (queue full, too large, or a failed write); 0 without a "
             "journal.",
             "counter");
  out.sample("ember_journal_dropped_records_total", {},
             as_double(journal_drops_ ? journal_drops_() : 0));
}

std::string Metrics::render() const {
  TextExposition out;
  render_vms(out);
  render_calls(out);
  render_lifecycle(out);
  return out.text();
}

}  // namespace ember::metrics
