#include "shimproc/recovery_scan.hpp"

#include <spdlog/spdlog.h>
#include <sys/stat.h>
#include <unistd.h>

#include <chrono>
#include <set>

#include "base/files.hpp"
#include "base/ids.hpp"
#include "config/config.hpp"
#include "shimproc/recovery_gate.hpp"
#include "shimproc/shim_address.hpp"
#include "shimproc/shim_process.hpp"
#include "shimproc/tombstone_record.hpp"
#include "shimproc/tombstone_store.hpp"
#include "shimproc/vm_creation.hpp"
#include "shimproc/vm_dir.hpp"

namespace ember::shimproc {
namespace {

// <64 hex digits> or <64 hex digits>-fccontrol: containerd's formula.
bool is_shim_socket_name(const std::string& name) {
  std::string hex = name.substr(0, 64);
  if (hex.size() != 64 || hex.find_first_not_of("0123456789abcdef") != std::string::npos)
    return false;
  return name.size() == 64 || name.substr(64) == "-fccontrol";
}

bool is_socket(const std::string& path) {
  struct stat st {};
  return ::lstat(path.c_str(), &st) == 0 && S_ISSOCK(st.st_mode);
}

// The shim of (ns, id) as recorded, if it is still the same running process.
bool live_shim(const VmDir& dir, ShimState* state) {
  std::string text;
  if (!read_file(dir.state_path(), &text).ok()) return false;
  if (!from_json(text, state).ok()) return false;
  return state->pid > 0 && state->start_time != 0 &&
         process_start_time(state->pid) == state->start_time;
}

// Kills the shim of a VM whose CreateVM never completed (and with it its
// process group, its VMM included) and waits for it to exit.
void kill_unfinished(const std::string& name, const ShimState& state) {
  spdlog::warn(
      "recovery: VM {} was never created (its CreateVM did not complete); killing shim "
      "pid {}",
      name, state.pid);
  ShimProcess shim;
  Status s = ShimProcess::adopt(state.pid, state.start_time, &shim);
  if (!s.ok()) spdlog::info("recovery: {}", s.message());
  // ~ShimProcess kills the group and waits for the exit.
}

// The post-mortem of a created VM whose shim ended while no emberd ran: when
// exactly is unknown, so its exit time is the time it was found gone.
void keep_tombstone_of_lost(const config::Config& cfg, const VmDir& dir, const std::string& ns,
                            const std::string& id) {
  TombstoneFacts facts;
  facts.key = {ns, id};
  facts.backend = config::to_string(cfg.vmm.backend);
  facts.end.cause = "lost-while-emberd-down";
  facts.end.detail = "its shim was found gone when emberd started; it ended while no emberd ran";
  facts.exited_ms = std::chrono::duration_cast<std::chrono::milliseconds>(
                        std::chrono::system_clock::now().time_since_epoch())
                        .count();
  std::string text, path;
  if (!make_tombstone(dir.path(), facts, cfg.tombstones.console_tail_bytes, &text)) return;
  TombstoneStore store(config::tombstone_dir(cfg),
                       {cfg.tombstones.max_per_namespace, cfg.tombstones.max_bytes});
  if (Status s = store.keep(ns, id, facts.exited_ms, text, &path); !s.ok())
    spdlog::warn("recovery: cannot keep the tombstone of VM {}/{}: {}", ns, id, s.message());
}

// One VM directory: adopted (true) or cleared. A shim that wrote its state
// file is adopted when the VM was created (or the directory predates the
// creation markers); a shim of a VM still marked creating is killed. No shim
// that has not written its state can be running: it dies with the emberd
// that spawned it (shim_launch.hpp), so none can write it after this look.
bool recover_dir(const config::Config& cfg, VmDir& dir, const std::string& ns,
                 const std::string& id, RecoveryScan* scan) {
  const std::string name = ns + "/" + id;
  ShimState state;
  const bool live = live_shim(dir, &state);
  if (live && creation_of(dir.path()) != VmCreation::creating) {
    dir.release();
    scan->live.push_back(FoundShim{ns, id, std::move(state)});
    return true;
  }
  if (live) {
    kill_unfinished(name, state);
    ++scan->killed_shims;
  } else {
    spdlog::info("recovery: shim of VM {} is gone", name);
    if (creation_of(dir.path()) == VmCreation::created) keep_tombstone_of_lost(cfg, dir, ns, id);
  }
  pass_recovery_gate(dir.path());
  spdlog::info("recovery: removing {}", dir.path());
  if (Status s = dir.remove(); !s.ok()) spdlog::warn("recovery: {}", s.message());
  ++scan->removed_dirs;
  return false;
}

}  // namespace

RecoveryScan scan_for_shims(const config::Config& cfg) {
  RecoveryScan scan;
  std::set<std::string> live_sockets;
  for (const auto& name : list_dir(cfg.shim_base_dir)) {
    auto hash = name.find('#');
    if (hash == std::string::npos) continue;
    std::string ns = name.substr(0, hash), id = name.substr(hash + 1);
    if (!validate_identifier(ns, "namespace").ok() || !validate_identifier(id, "VM id").ok())
      continue;
    VmDir dir;
    if (!VmDir::adopt(cfg.shim_base_dir, ns, id, &dir).ok()) continue;
    if (recover_dir(cfg, dir, ns, id, &scan)) {
      live_sockets.insert(scan.live.back().state.shim_socket);
      live_sockets.insert(scan.live.back().state.fccontrol_socket);
    }
  }
  // Socket files of shims that are gone (the VM dir may already be gone too).
  for (const auto& name : list_dir(cfg.state_dir)) {
    std::string path = cfg.state_dir + "/" + name;
    if (!is_shim_socket_name(name) || live_sockets.count(path) || !is_socket(path)) continue;
    if (::unlink(path.c_str()) == 0) ++scan.removed_sockets;
  }
  return scan;
}

}  // namespace ember::shimproc
