#include "shim/vmm/qemu/qemu_process.hpp"

#include <signal.h>

#include "shim/vmm/netns.hpp"

namespace ember::shim::qemu {

Status spawn_qemu(const QemuLaunch& launch, shimproc::ChildProcess* out) {
  shimproc::ChildSpec spec;
  spec.name = "qemu";
  spec.binary = launch.binary;
  spec.args = launch.args;
  spec.cwd = launch.cwd;
  if (launch.output_fd >= 0) spec.fds = {{1, launch.output_fd}, {2, launch.output_fd}};
  for (size_t i = 0; i < launch.fds.size(); ++i) {
    spec.fds.push_back({3 + static_cast<int>(i), launch.fds[i]});
  }
  spec.parent_death_signal = SIGKILL;
  if (launch.jail != nullptr) launch.jail->confine(&spec);
  return spawn_in_netns(launch.netns, [&] { return shimproc::ChildProcess::spawn(spec, out); });
}

}  // namespace ember::shim::qemu
