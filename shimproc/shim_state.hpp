#pragma once
// shim-state.json (kStateFile): what a restarted emberd needs to find and trust a running
// shim (pid + start time against pid reuse, its ids and sockets).
#include <sys/types.h>

#include <string>

#include "base/status.hpp"

namespace ember::shimproc {

struct ShimState {
  pid_t pid = 0;
  unsigned long long start_time = 0;  // /proc/<pid>/stat field 22
  std::string ns;
  std::string id;
  std::string address;      // containerd address
  std::string shim_socket;  // containerd's task API socket (fd 3 of the shim)
  std::string fccontrol_socket;
  std::string backend;  // config::to_string(Backend)
};

std::string to_json(const ShimState& state);
// INVALID_ARGUMENT naming the problem when text is not a complete state.
// Files written before the rename carry "task_socket" for "shim_socket"
// (a shim outlives emberd's upgrade): both are read.
Status from_json(const std::string& text, ShimState* out);

// The state file at `path`, written atomically (temporary file in the same
// directory, then rename) and removed by the destructor.
class ShimStateFile {
 public:
  ShimStateFile() = default;
  ShimStateFile(const ShimStateFile&) = delete;
  ShimStateFile& operator=(const ShimStateFile&) = delete;
  ~ShimStateFile();

  // Errors name the path; no temporary file is left behind.
  Status write(const std::string& path, const ShimState& state);

 private:
  std::string path_;  // "" until written
};

}  // namespace ember::shimproc
