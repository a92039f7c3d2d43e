#pragma once
// The shim's Firecracker child: a shimproc::ChildProcess named "firecracker"
// with fd 0 = /dev/null, fds 1 and 2 = ours and no other fd, default signal
// dispositions, an empty signal mask, our environment and our process group
// (so a kill of the shim's group takes it along). It dies with the thread
// that spawned it (PR_SET_PDEATHSIG(SIGKILL)): spawn from the loop thread,
// which lives as long as the shim.
#include <string>
#include <vector>

#include "base/status.hpp"
#include "shim/vmm/vmm_jail.hpp"
#include "shimproc/child_process.hpp"

namespace ember::shim::firecracker {

struct FirecrackerCommand {
  std::string binary;             // absolute path
  std::vector<std::string> args;  // argv[1..]
  std::string cwd;                // "" keeps ours
  std::string netns = "";         // a network namespace path it runs in; "" keeps ours
  const VmmJail* jail = nullptr;  // cgroups, CPUs, memory nodes, ids (JailerConfig); may be null
};

// Answers once exec succeeded. A failed exec is "spawn <binary>: ..." with
// its errno's code: NOT_FOUND (ENOENT), PERMISSION_DENIED (EACCES), ...;
// nothing is left behind then. A netns that cannot be entered fails as
// spawn_in_netns says.
Status spawn_firecracker(const FirecrackerCommand& cmd, shimproc::ChildProcess* out);

}  // namespace ember::shim::firecracker
