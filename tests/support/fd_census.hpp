#pragma once
// The fd census: which file descriptors a process holds, read from
// /proc/<pid>/fd. Tests use it to prove that nothing leaked or was inherited.
#include <sys/types.h>

#include <cstddef>
#include <map>
#include <string>
#include <vector>

namespace ember::testsupport {

// fd number -> what it refers to (the readlink of /proc/<pid>/fd/<n>, "?" if
// it closed meanwhile). Empty if there is no such process. For our own pid the
// census leaves out the directory fd it reads /proc/self/fd through.
std::map<int, std::string> open_fds(pid_t pid);

// The fd numbers alone, ascending.
std::vector<int> fd_numbers(pid_t pid);

// How many fds the process holds.
size_t fd_count(pid_t pid);

// One "  <fd> -> <target>" line per fd, for failure messages.
std::string describe_fds(const std::map<int, std::string>& fds);

}  // namespace ember::testsupport
