#pragma once
// What `emberctl bench` reads about other processes: emberd's memory and fds
// from /proc, the shim of a VM from its VM directory, and pidfds.
#include <sys/types.h>

#include <string>

#include "base/status.hpp"
#include "base/unique_fd.hpp"

namespace ember::bench {

// VmRSS of /proc/<pid>/status in KiB; -1 when unreadable.
long rss_kib(pid_t pid);
// Entries of /proc/<pid>/fd; -1 when unreadable.
long fd_count(pid_t pid);

// The process on the other end of a connected unix socket (SO_PEERCRED);
// 0 when the kernel cannot tell.
pid_t peer_pid(int socket_fd);

// pidfd_open(2), O_CLOEXEC by nature. NOT_FOUND when the process is gone.
Status open_pidfd(pid_t pid, UniqueFd* out);

// What a VM directory says about its shim (shim-state.json, written by the
// shim before it serves).
struct ShimInfo {
  pid_t pid = 0;
  std::string fccontrol_socket;  // absolute path
};
// Reads <vm_dir>/shim-state.json: keys "pid" and "fccontrol_socket"; when the
// latter is missing, the address file's path + "-fccontrol". NOT_FOUND if
// the file is missing, INVALID_ARGUMENT naming the file if it does not hold
// both.
Status read_shim_info(const std::string& vm_dir, ShimInfo* out);

// Whole file; NOT_FOUND / INTERNAL with the path and strerror.
Status read_text_file(const std::string& path, std::string* out);

}  // namespace ember::bench
