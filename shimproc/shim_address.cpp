#include "shimproc/shim_address.hpp"

#include "base/sha256.hpp"

namespace ember::shimproc {

// containerd 1.6/1.7 shim.SocketAddress: sha256 of the containerd address,
// namespace and id joined with "/", in hex, under the state directory.
std::string shim_socket_path(const std::string& state_dir, const std::string& containerd_address,
                             const std::string& ns, const std::string& id) {
  return state_dir + "/" + sha256_hex(containerd_address + "/" + ns + "/" + id);
}

}  // namespace ember::shimproc
