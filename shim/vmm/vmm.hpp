#pragma once
// Vmm: what the shim needs from a virtual machine monitor, whatever drives it
// (hollow: nothing; qemu: QMP over a unix socket; firecracker: REST over a
// unix socket). Every operation is asynchronous: it returns at once and its
// completion runs later on the shim's event loop thread, never inside the call.
//
// Backends that start a VMM child must give it a clean slate: default signal
// dispositions (the shim ignores SIGPIPE) and an empty signal mask.
#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "base/status.hpp"

namespace ember::io {
class EventLoop;
}
namespace ember::config {
struct Config;
}

namespace ember::shim {

// The fccontrol FirecrackerBalloonDevice, validated.
struct BalloonDevice {
  int64_t amount_mib = 0;
  bool deflate_on_oom = false;
  int64_t stats_polling_interval_s = 0;
};

// The fccontrol GetBalloonStatsResponse: memory figures in bytes, the rest
// in MiB, pages or counts as named.
struct BalloonStats {
  int64_t actual_mib = 0;
  int64_t actual_pages = 0;
  int64_t available_memory = 0;
  int64_t disk_caches = 0;
  int64_t free_memory = 0;
  int64_t hugetlb_allocations = 0;
  int64_t hugetlb_failures = 0;
  int64_t major_faults = 0;
  int64_t minor_faults = 0;
  int64_t swap_in = 0;
  int64_t swap_out = 0;
  int64_t target_mib = 0;
  int64_t target_pages = 0;
  int64_t total_memory = 0;
};

// A Firecracker token bucket (the fccontrol FirecrackerTokenBucket).
struct TokenBucket {
  int64_t size = 0;  // Capacity
  int64_t one_time_burst = 0;
  int64_t refill_time_ms = 0;
};

// A Firecracker rate limiter; a bucket that is not set limits nothing.
struct RateLimiter {
  std::optional<TokenBucket> bandwidth;
  std::optional<TokenBucket> ops;
};

// How the VMM does a drive's I/O (Firecracker's cache_type and rate_limiter).
struct DriveIo {
  std::string cache_type;  // "" (the VMM's default), "Unsafe" or "Writeback"
  std::optional<RateLimiter> rate_limiter;
};

// A CreateVM DriveMount: a block device after the root drive, in request
// order. The VMM attaches it; the guest init mounts it at vm_path, told so by
// an ember.mount= kernel argument (shim/drive_request.hpp).
struct DriveSpec {
  std::string host_path;
  bool writable = false;
  // Initialised, so that {host_path, writable} stays a complete initialiser.
  DriveIo io = {};
  std::string vm_path = {};
  std::string filesystem_type = {};  // "" lets the guest's mount detect it
  std::vector<std::string> options = {};
};

// A CreateVM NetworkInterfaces entry with a StaticConfig: the VMM attaches
// the host's tap HostDevName, in request order. Its IPConfig is not here:
// it reaches the guest as the kernel's ip= argument (in VmSpec::kernel_args).
struct NetworkInterfaceSpec {
  std::string host_dev_name;
  std::string mac_address;  // "" lets the VMM choose
  bool allow_mmds = false;
  std::optional<RateLimiter> in_rate_limiter;   // guest-bound traffic (rx)
  std::optional<RateLimiter> out_rate_limiter;  // traffic from the guest (tx)
};

// The rest of a CreateVM JailerConfig, validated (shim/jailer_request.hpp);
// the backends apply it through VmmJail (shim/vmm/vmm_jail.hpp).
struct JailSpec {
  std::optional<uint32_t> uid;  // UID and GID: both or neither
  std::optional<uint32_t> gid;
  std::vector<int> cpus;    // CPUs: the VMM's CPU affinity; empty: ours
  std::vector<int> mems;    // Mems: its memory policy binds to these nodes; empty: ours
  std::string cgroup_path;  // CgroupPath: the VMM runs in <CgroupPath>/<VM id>; "": ours
};

// A validated CreateVM request with the config's defaults filled in.
struct VmSpec {
  std::string vm_id;
  uint32_t vcpus = 1;
  uint32_t memory_mib = 128;
  bool ht_enabled = false;
  std::string cpu_template;
  std::string kernel_image;
  std::string kernel_args;
  std::string root_drive;  // host path, "" for none
  bool root_drive_writable = false;
  DriveIo root_drive_io;
  std::string root_drive_partuuid;  // "" for none
  std::vector<DriveSpec> drive_mounts;
  std::optional<BalloonDevice> balloon;
  std::vector<NetworkInterfaceSpec> network_interfaces;
  std::string netns;  // JailerConfig.NetNS: the VMM runs in this network namespace
  std::chrono::seconds create_timeout{60};
  // LogFifoPath / MetricsFifoPath (absolute; "" for the backend's own):
  // FIFOs the VMM's log and metrics go to (docs/emberd.md).
  std::string log_fifo;
  std::string metrics_fifo;
  JailSpec jail;
};

// What a backend knows of its guest and its VMM process, for emberd's
// inventory (the shim's status stream, messages/ember_inventory.proto).
struct GuestReport {
  enum class State { booting, ready, boot_failed };
  State state = State::booting;
  std::string reason;  // boot_failed: why
  int32_t vmm_pid = 0;
  std::string accel;         // "kvm", "tcg"; "" without a VMM
  std::string accel_reason;  // tcg: why not kvm
};

class Vmm {
 public:
  using Done = std::function<void(Status)>;
  using StatsDone = std::function<void(Status, BalloonStats)>;

  virtual ~Vmm() = default;

  // Boots the VM. Called at most once per Vmm.
  virtual void create(const VmSpec& spec, Done done) = 0;
  virtual void pause(Done done) = 0;
  virtual void resume(Done done) = 0;
  // Shuts the VM down, gracefully within `timeout`, else by force. Completes
  // only once the VMM no longer exists: OK for a clean shutdown, INTERNAL
  // "forcefully terminated VM <id>" when it had to be killed.
  virtual void stop(std::chrono::seconds timeout, Done done) = 0;
  virtual void update_balloon(int64_t amount_mib, Done done) = 0;
  virtual void balloon_stats(StatsDone done) = 0;
  virtual void update_balloon_stats_interval(int64_t seconds, Done done) = 0;

  // Metadata a VMM serves to its guest itself (Firecracker's MMDS). The
  // shim's MetadataStore has validated json before this is called. A backend
  // keeping such a copy returns true and completes later: set replaces the
  // document with json, update applies json as an RFC 7396 merge patch, get
  // reads the VMM's document (json is "", done gets the text). The default
  // keeps none: it returns false, never calls done, and the shim's store
  // alone answers.
  enum class MetadataOp { set, update, get };
  using MetadataDone = std::function<void(Status, std::string)>;
  virtual bool metadata(MetadataOp /*op*/, const std::string& /*json*/, MetadataDone /*done*/) {
    return false;
  }

  // Runs when the VMM ends without a stop() (guest poweroff: OK; crash: the
  // reason). Set before create().
  void on_exit(Done handler) { on_exit_ = std::move(handler); }
  // Runs on every change of the guest's state (GuestReport). Set before
  // create(). Only backends whose reports_guest() is true call it; for the
  // others the guest counts as ready once create() succeeded.
  using GuestFn = std::function<void(const GuestReport&)>;
  void on_guest(GuestFn handler) { on_guest_ = std::move(handler); }
  virtual bool reports_guest() const { return false; }
  // Whether the backend makes the VM dir's log and metrics FIFOs when CreateVM
  // names none (Firecracker, as firecracker-containerd does). The others make
  // only the FIFOs a CreateVM names, so only those paths are reported.
  virtual bool makes_default_fifos() const { return false; }

 protected:
  void notify_exit(Status why) {
    if (on_exit_) on_exit_(std::move(why));
  }
  void notify_guest(const GuestReport& r) {
    if (on_guest_) on_guest_(r);
  }

 private:
  Done on_exit_;
  GuestFn on_guest_;
};

// What a backend may use: the loop its completions run on, the shim's config
// and its VM.
struct VmmContext {
  io::EventLoop& loop;
  const config::Config& config;
  std::string vm_id;
  std::string vm_dir;  // absolute; the shim's working directory
};

// Makes the backend for one VM, or says why it cannot (the CreateVM answer).
using VmmFactory = std::function<Status(const VmmContext&, std::unique_ptr<Vmm>*)>;

// Chooses by config.vmm.backend: hollow; qemu (QemuVmm, docs/qemu-backend.md).
// Not firecracker: that backend runs in ember-shim-firecracker, whose factory
// is firecracker::make_firecracker_vmm (shim/backend_program.hpp).
VmmFactory default_factory();

}  // namespace ember::shim
