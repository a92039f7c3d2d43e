#pragma once
// Shim socket addresses, by containerd's formula: <state_dir>/<hex sha256 of
// "<containerd address>/<namespace>/<id>">, and the same with "-fccontrol".
#include <string>

#include "base/status.hpp"

namespace ember::shimproc {

std::string shim_socket_path(const std::string& state_dir, const std::string& containerd_address,
                             const std::string& ns, const std::string& id);
inline std::string fccontrol_socket_path(const std::string& shim_socket_path) {
  return shim_socket_path + "-fccontrol";
}
// Every VM's socket paths under state_dir are equally long (the name is a
// hash): INVALID_ARGUMENT with the limit if the longer one (the fccontrol
// socket) does not fit a unix socket address (sun_path: 107 bytes and a NUL).
// emberd checks this at start-up, so that a CreateVM never fails for it.
Status check_socket_path_room(const std::string& state_dir, const std::string& containerd_address);
// "unix://" + path, as written to the address file.
inline std::string unix_address(const std::string& path) {
  return "unix://" + path;
}

}  // namespace ember::shimproc
