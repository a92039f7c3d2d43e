#pragma once
// FileWaiter: tells, on the event loop, when a named file appears in a
// directory, or when a line of text appears in such a file (inotify on the
// directory, read on the loop): a guest's ready marker in its VM directory,
// as a file of its own or as a line on a console log.
#include <functional>
#include <memory>
#include <string>

#include "base/status.hpp"

namespace ember::io {
class EventLoop;
}

namespace ember::bench {

class FileWaiter {
 public:
  // OK when the file exists (and holds the marker), UNAVAILABLE when the
  // directory went away first.
  using Done = std::function<void(const Status&)>;

  explicit FileWaiter(io::EventLoop& loop);
  Status start();
  // Loop thread. Waits for dir/name to exist and, when marker is not empty,
  // to contain it (the file is read as it grows). done runs once, on the loop
  // thread, never inside wait(); cancel() before that drops it.
  Status wait(const std::string& dir, const std::string& name, const std::string& marker, Done done,
              int* key);
  // Loop thread. Forgets a wait that has not completed.
  void cancel(int key);

  struct State;

 private:
  io::EventLoop& loop_;
  std::shared_ptr<State> state_;  // shared with the loop's watch callback
};

}  // namespace ember::bench
