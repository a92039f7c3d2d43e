#pragma once
// Shim socket addresses, by containerd's formula: <state_dir>/<hex sha256 of
// "<containerd address>/<namespace>/<id>">, and the same with "-fccontrol".
#include <string>

namespace ember::shimproc {

std::string shim_socket_path(const std::string& state_dir, const std::string& containerd_address,
                             const std::string& ns, const std::string& id);
inline std::string fccontrol_socket_path(const std::string& shim_socket_path) {
  return shim_socket_path + "-fccontrol";
}
// "unix://" + path, as written to the address file.
inline std::string unix_address(const std::string& path) {
  return "unix://" + path;
}

}  // namespace ember::shimproc
