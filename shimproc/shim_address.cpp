#include "shimproc/shim_address.hpp"

#include <sys/un.h>

#include "base/sha256.hpp"

namespace ember::shimproc {

// containerd 1.6/1.7 shim.SocketAddress: sha256 of the containerd address,
// namespace and id joined with "/", in hex, under the state directory.
std::string shim_socket_path(const std::string& state_dir, const std::string& containerd_address,
                             const std::string& ns, const std::string& id) {
  return state_dir + "/" + sha256_hex(containerd_address + "/" + ns + "/" + id);
}

Status check_socket_path_room(const std::string& state_dir, const std::string& containerd_address) {
  constexpr size_t kMax = sizeof(sockaddr_un::sun_path) - 1;
  const std::string longest =
      fccontrol_socket_path(shim_socket_path(state_dir, containerd_address, "ns", "id"));
  if (longest.size() <= kMax) return Status::Ok();
  const size_t room = kMax - (longest.size() - state_dir.size());
  return Status::InvalidArgument(
      "state_dir " + state_dir + " is too long for the shim sockets it holds: their paths (" +
      std::to_string(longest.size()) + " bytes, e.g. " + longest +
      ") exceed the unix socket limit of " + std::to_string(kMax) +
      " bytes; state_dir may have at most " + std::to_string(room) + " bytes");
}

}  // namespace ember::shimproc
