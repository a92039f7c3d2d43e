#pragma once
// Config: emberd's and ember-shim's settings. Every key is optional with an
// embedded default; see docs/config.md for the keys.
#include <sys/types.h>

#include <cstdint>
#include <string>
#include <vector>

#include "base/status.hpp"

namespace ember::config {

enum class Backend { qemu, firecracker, hollow };
enum class LogFormat { text, json };

const char* to_string(Backend b);
const char* to_string(LogFormat f);

struct VmDefaults {
  // The guest built by deploy/guest/build-guest.sh (guest_image_dir()); the
  // qemu backend takes initrd.gz from the same directory.
  std::string kernel_image;
  std::string kernel_args = "console=ttyS0 panic=-1 quiet";
  std::string root_drive;  // "": none
  uint32_t vcpus = 1;
  uint32_t memory_mib = 128;
  // Boot watchdog (qemu): a guest that has not printed its ready line this
  // long after QEMU started is boot-failed and its QEMU killed; 0: off.
  uint32_t boot_timeout_seconds = 120;
};

struct VmmSettings {
  Backend backend = Backend::qemu;
  std::string qemu_binary = "qemu-system-x86_64";
  std::string firecracker_binary = "firecracker";
};

// What one client connection to emberd's socket may make emberd hold. Tighter
// than ttrpc::ConnectionLimits' defaults (which a shim keeps for its one,
// trusted, peer): bench flood measured other clients' p50 under a fast flood
// at 4x unloaded with 64 in flight, 3x with 16 (docs/reliability.md).
struct ConnectionLimits {
  uint32_t max_in_flight = 16;                          // requests not answered yet
  uint64_t max_queued_reply_bytes = uint64_t{1} << 20;  // replies the client has not read
  uint32_t max_request_bytes = 4u << 20;                // largest request (the frame limit)
  uint32_t requests_per_turn = 4;                       // fairness between connections
  bool share_in_flight = true;  // max_in_flight split between busy connections
};

struct Limits {
  uint32_t max_vms = 4096;
  uint32_t max_concurrent_creates = 64;
  ConnectionLimits connection;
  // Request frames being received by all connections together.
  uint64_t max_buffered_request_bytes = uint64_t{64} << 20;
};

struct Timeouts {
  uint32_t create_vm_seconds = 60;  // reference default
  uint32_t stop_vm_seconds = 5;     // reference default
  uint32_t call_wait_seconds = 5;   // other calls waiting for a creating VM
  uint32_t call_seconds = 30;       // any other call sent without a deadline
};

struct LogSettings {
  std::string level = "info";  // trace debug info warn error critical off
  LogFormat format = LogFormat::text;
};

// emberd's journal (docs/replay.md): off unless a path is set.
struct JournalSettings {
  std::string path;                         // "": no journal
  uint64_t max_bytes = uint64_t{64} << 20;  // per file
  uint32_t max_files = 4;                   // path, path.1, ... path.<max_files-1>
};

// emberd's Prometheus endpoint (docs/operations.md#metrics): off unless set.
struct MetricsSettings {
  std::string listen;  // "", a unix socket path, 127.0.0.1:PORT or [::1]:PORT
};

// Post-mortem records of VMs that ended (docs/operations.md#consoles-logs-and-post-mortems).
struct TombstoneSettings {
  std::string dir;                          // "": <parent of state_dir>/tombstones
  uint32_t max_per_namespace = 32;          // 0: keep none
  uint64_t max_bytes = uint64_t{16} << 20;  // all namespaces together
  uint32_t console_tail_bytes = 16 << 10;   // the console's last bytes kept in each
};

// The fleet (docs/fleet.md): none (one host, the default), a member that
// publishes its VMs to a front, or the front that places and routes them.
enum class FleetRole { none, member, front };
const char* to_string(FleetRole r);

struct FleetMemberEntry {
  std::string name;     // [a-z0-9-]{1,63}
  std::string address;  // host:port, as the member's fleet.listen
};

// PEM files; the front and every member present a certificate signed by the
// fleet CA, and accept only peers whose certificate it signed.
struct FleetTls {
  std::string ca;
  std::string cert;
  std::string key;
};

struct FleetSettings {
  FleetRole role = FleetRole::none;
  std::string name;                       // member: its name in the fleet
  std::string listen;                     // member: host:port it is published on
  std::vector<FleetMemberEntry> members;  // front: the members it links to
  FleetTls tls;                           // member and front: required
  uint32_t report_interval_ms = 1000;     // front: how often it asks each member
  uint32_t member_timeout_ms = 3000;      // front: no report this long: member lost
};

// "host:port" (host a name, an IPv4 address or [IPv6]; port 1-65535) split;
// INVALID_ARGUMENT saying what is expected otherwise.
Status split_host_port(const std::string& text, std::string* host, uint16_t* port);

struct Config {
  std::string source;         // file loaded, "" for embedded defaults
  std::string socket;         // emberd's fccontrol socket
  std::string state_dir;      // shim sockets (containerd's /run/containerd/s)
  std::string shim_base_dir;  // VM directories
  std::string containerd_address = "/run/containerd/containerd.sock";
  std::string shim_binary;        // "": ember-shim beside the running binary
  bool stop_vms_on_exit = false;  // emberd stops every VM before exiting
  VmmSettings vmm;
  VmDefaults vm;
  Limits limits;
  Timeouts timeouts;
  LogSettings log;
  JournalSettings journal;
  MetricsSettings metrics;
  TombstoneSettings tombstones;
  FleetSettings fleet;
};

// Where tombstones are kept: tombstones.dir, else beside state_dir.
std::string tombstone_dir(const Config& c);

// Every setting (not `source`) as "dotted.key=value" lines in a fixed order:
// equal configs give equal text, whatever file or defaults they came from.
// The journal's header carries its SHA-256.
std::string canonical_dump(const Config& c);

// Where deploy/guest/build-guest.sh puts the guest image: /var/cache/ember/guest
// for root, else $XDG_CACHE_HOME/ember/guest (default ~/.cache/ember/guest).
std::string guest_image_dir(uid_t uid, const char* xdg_cache_home, const char* home);

// Embedded defaults for a user: root gets /run/ember and /var/lib/ember; others
// $XDG_RUNTIME_DIR/ember (or /tmp/ember-<uid> when it is unset, empty or
// relative, which the XDG spec says to ignore).
Config defaults_for(uid_t uid, const char* xdg_runtime_dir);

// Reads a YAML file over *inout (usually the defaults) and sets source. Unknown
// keys, wrong types and bad values give INVALID_ARGUMENT with
// "<file>:<line>: <dotted.key>: <problem>" (line 1-based); a missing file
// NOT_FOUND, an unreadable one PERMISSION_DENIED, a syntax error
// INVALID_ARGUMENT "<file>:<line>: YAML syntax error: ...". On error *inout is
// unchanged. An empty file leaves everything but source as it was.
Status load_file(const std::string& path, Config* inout);

// The config a program runs with: --config (if non-empty), else $EMBER_CONFIG
// (if set and non-empty), else the embedded defaults for the current user.
// Fills shim_binary from self_exe's directory when unset; self_exe must be
// absolute, "" meaning /proc/self/exe.
Status resolve(const std::string& cli_path, const std::string& self_exe, Config* out);

}  // namespace ember::config
