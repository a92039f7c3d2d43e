#pragma once
// Running a VMM inside a network namespace (JailerConfig.NetNS), as the
// reference's jailer does: the thread that spawns the VMM enters the
// namespace, the child inherits it at fork, and the thread goes back to the
// shim's own namespace right after. Only that thread moves, and only for the
// spawn: the shim's sockets stay where they were.
#include <functional>
#include <string>

#include "base/status.hpp"

namespace ember::shim {

// Runs spawn with the calling thread in the network namespace at
// netns_path ("" runs it where we are). Errors name the path:
// NOT_FOUND / PERMISSION_DENIED when it cannot be opened, INVALID_ARGUMENT
// when it is not a network namespace; spawn is not run then. The thread
// is always back in its own namespace when this returns.
Status spawn_in_netns(const std::string& netns_path, const std::function<Status()>& spawn);

}  // namespace ember::shim
