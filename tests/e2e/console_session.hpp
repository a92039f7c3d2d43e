#pragma once
// ConsoleSession: emberctl run interactively (`vm console`) on a pseudo
// terminal (stdin, stdout and stderr), which the test writes and reads while
// it runs.
#include <sys/types.h>

#include <chrono>
#include <string>
#include <vector>

#include "base/unique_fd.hpp"

namespace ember::e2e {

class ConsoleSession {
 public:
  explicit ConsoleSession(const std::vector<std::string>& args);  // EMBERCTL_PATH's
  ~ConsoleSession();                                              // kills emberctl if it still runs
  bool send(const std::string& text);
  // Reads until needle was printed; false at the deadline or its exit.
  bool wait_for_output(const std::string& needle, std::chrono::milliseconds deadline);
  // Waits (bounded) for the exit and reads what is left; its code, or -1.
  int wait_exit(std::chrono::milliseconds deadline = std::chrono::seconds(30));
  const std::string& output() const { return output_; }

 private:
  bool read_some(std::chrono::milliseconds wait);

  pid_t pid_ = -1;
  UniqueFd in_, out_;
  std::string output_;
};

}  // namespace ember::e2e
