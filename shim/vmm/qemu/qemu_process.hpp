#pragma once
// The shim's QEMU child: a shimproc::ChildProcess named "qemu" with fd 0 =
// /dev/null, fds 1 and 2 = the output fd, fds 3.. = the given fds in order
// and nothing else; default signal dispositions (the shim ignores SIGPIPE),
// an empty signal mask and PR_SET_PDEATHSIG(SIGKILL). The death signal
// follows the thread that spawned it: spawn from the loop thread, which lives
// as long as the shim. The child stays in the shim's process group, so
// emberd's kill of the shim's group reaches it too.
#include <string>
#include <vector>

#include "base/status.hpp"
#include "shim/vmm/vmm_jail.hpp"
#include "shimproc/child_process.hpp"

namespace ember::shim::qemu {

struct QemuLaunch {
  std::string binary;             // absolute path
  std::vector<std::string> args;  // argv[1..]; argv[0] is binary
  std::string cwd;                // "" keeps the shim's
  int output_fd = -1;             // becomes fds 1 and 2; -1 means /dev/null
  std::vector<int> fds;           // fds[i] becomes fd 3 + i; all must be open
  std::string netns;              // a network namespace path QEMU runs in; "" keeps the shim's
  const VmmJail* jail = nullptr;  // cgroups, CPUs, memory nodes, ids (JailerConfig); may be null
};

// Errors as shimproc::ChildProcess::spawn: "spawn <binary>: ...",
// "chdir <cwd>: ..." (codes by errno), spawn_in_netns's for the namespace;
// nothing is left on failure.
Status spawn_qemu(const QemuLaunch& launch, shimproc::ChildProcess* out);

}  // namespace ember::shim::qemu
