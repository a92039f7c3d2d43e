#pragma once
// What a bench reads about other processes: memory and fds from /proc, the
// peer of a socket, and pidfds.
#include <sys/types.h>

#include <string>

#include "base/status.hpp"
#include "base/unique_fd.hpp"

namespace ember::bench {

// VmRSS of /proc/<pid>/status in KiB; -1 when unreadable.
long rss_kib(pid_t pid);
// Entries of /proc/<pid>/fd; -1 when unreadable.
long fd_count(pid_t pid);
// CPU time of the process so far, user + system (utime + stime of
// /proc/<pid>/stat), in seconds; -1 when unreadable.
double cpu_seconds(pid_t pid);
// The first three fields of /proc/loadavg ("0.52 0.61 0.70"); "" when
// unreadable.
std::string load_average();

// The process on the other end of a connected unix socket (SO_PEERCRED);
// 0 when the kernel cannot tell.
pid_t peer_pid(int socket_fd);

// pidfd_open(2), O_CLOEXEC by nature. NOT_FOUND when the process is gone.
Status open_pidfd(pid_t pid, UniqueFd* out);

// Whole file; NOT_FOUND / INTERNAL with the path and strerror.
Status read_text_file(const std::string& path, std::string* out);

}  // namespace ember::bench
