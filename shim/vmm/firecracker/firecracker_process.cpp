#include "shim/vmm/firecracker/firecracker_process.hpp"

#include <signal.h>
#include <unistd.h>

#include "shim/vmm/netns.hpp"

namespace ember::shim::firecracker {

Status spawn_firecracker(const FirecrackerCommand& cmd, shimproc::ChildProcess* out) {
  shimproc::ChildSpec spec;
  spec.name = "firecracker";
  spec.binary = cmd.binary;
  spec.args = cmd.args;
  spec.cwd = cmd.cwd;
  spec.fds = {{STDOUT_FILENO, STDOUT_FILENO}, {STDERR_FILENO, STDERR_FILENO}};
  spec.parent_death_signal = SIGKILL;
  if (cmd.jail != nullptr) cmd.jail->confine(&spec);
  return spawn_in_netns(cmd.netns, [&] { return shimproc::ChildProcess::spawn(spec, out); });
}

}  // namespace ember::shim::firecracker
