#pragma once
// FileWaiter: tells, on the event loop, when a named file appears in a
// directory (inotify on the loop), e.g. a guest's ready marker in its VM
// directory.
#include <functional>
#include <memory>
#include <string>

#include "io/status.hpp"

namespace ember::io {
class EventLoop;
}

namespace ember::bench {

class FileWaiter {
 public:
  // OK when the file exists, UNAVAILABLE when the directory went away first.
  using Done = std::function<void(const Status&)>;

  explicit FileWaiter(io::EventLoop& loop);
  Status start();
  // Loop thread. done runs once, on the loop thread, never inside wait();
  // cancel() before that drops it. Returns a key for cancel().
  Status wait(const std::string& dir, const std::string& name, Done done, int* key);
  // Loop thread. Forgets a wait that has not completed.
  void cancel(int key);

  struct State;

 private:
  io::EventLoop& loop_;
  std::shared_ptr<State> state_;  // shared with the loop's watch callback
};

}  // namespace ember::bench
