#pragma once
// The shim launch contract (shimproc/launch_contract.hpp), checked and taken
// over: fd 3 (containerd task API) and the fd FCCONTROL_SOCKET_FD names
// (default 4: fccontrol) are listening unix stream sockets, the VM id is
// FIRECRACKER_VM_ID (equal to -id when that is given), both ids are valid
// identifiers and the working directory is the VM directory "<ns>#<id>".
#include <string>

#include "base/status.hpp"
#include "base/unique_fd.hpp"
#include "shim/shim_args.hpp"

namespace ember::shim {

struct Launch {
  UniqueFd shim_socket;               // fd 3, now O_CLOEXEC
  UniqueFd fccontrol_socket;          // FCCONTROL_SOCKET_FD's fd, now O_CLOEXEC
  std::string vm_id;                  // FIRECRACKER_VM_ID
  std::string shim_socket_path;       // as bound by the launcher (getsockname)
  std::string fccontrol_socket_path;  // idem
  std::string vm_dir;                 // absolute working directory
};

// INVALID_ARGUMENT (bad ids, environment or directory) or FAILED_PRECONDITION
// (fds 3/4 missing or not listening unix sockets), naming what is wrong. Takes
// the fds only when everything holds; every other inherited fd above 3 is
// marked close-on-exec so no VMM child can inherit it.
Status take_launch(const ShimArgs& args, Launch* out);

// OK if fd is an open, listening unix stream socket; `role` names it in errors.
Status check_listening_unix_socket(int fd, const std::string& role);

// The path a unix socket is bound to; "" when unnamed.
std::string bound_path(int fd);

}  // namespace ember::shim
