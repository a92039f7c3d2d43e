#include "shim/vmm/netns.hpp"

#include <fcntl.h>
#include <sched.h>

#include <cerrno>
#include <cstdlib>

#include <spdlog/spdlog.h>

#include "base/errno_status.hpp"
#include "base/unique_fd.hpp"

namespace ember::shim {

Status spawn_in_netns(const std::string& netns_path, const std::function<Status()>& spawn) {
  if (netns_path.empty()) return spawn();
  const std::string what = "JailerConfig.NetNS " + netns_path;
  UniqueFd target(::open(netns_path.c_str(), O_RDONLY | O_CLOEXEC));
  if (!target) return errno_status(what, errno);
  UniqueFd home(::open("/proc/thread-self/ns/net", O_RDONLY | O_CLOEXEC));
  if (!home) return errno_status("open /proc/thread-self/ns/net", errno);
  if (::setns(target.get(), CLONE_NEWNET) != 0) {
    const int err = errno;
    if (err == EINVAL) return Status::InvalidArgument(what + " is not a network namespace");
    return errno_status("enter " + what, err);
  }
  Status s = spawn();
  if (::setns(home.get(), CLONE_NEWNET) != 0) {
    // A thread stuck in a VM's namespace would open every later socket
    // there: nothing sensible can go on.
    spdlog::critical("cannot return to the shim's network namespace: errno {}", errno);
    std::abort();
  }
  return s;
}

}  // namespace ember::shim
