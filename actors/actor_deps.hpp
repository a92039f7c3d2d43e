#pragma once
// What emberd's actors use from outside the actor system. Both objects outlive
// the actor system (main constructs them first).
namespace ember::io {
class EventLoop;
}
namespace ember::config {
struct Config;
}

namespace ember::actors {

struct ActorDeps {
  io::EventLoop* loop = nullptr;        // the I/O thread: shim connections, pidfds
  const config::Config* cfg = nullptr;  // daemon settings
};

}  // namespace ember::actors
