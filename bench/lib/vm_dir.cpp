#include "bench/lib/vm_dir.hpp"

#include "fccontrol.pb.h"

namespace ember::bench {

Status vm_dir_from_info(const std::string& id, const std::string& payload, std::string* out) {
  GetVMInfoResponse info;
  if (!info.ParseFromString(payload)) {
    return Status::Internal("GetVMInfo of VM " + id + ": the reply is not a GetVMInfoResponse");
  }
  const std::string& sock = info.socketpath();
  const size_t slash = sock.rfind('/');
  if (sock.empty() || sock.front() != '/' || slash == 0 || slash + 1 >= sock.size()) {
    return Status::FailedPrecondition("VM " + id +
                                      " reports no VM directory (GetVMInfo SocketPath \"" + sock +
                                      "\"; want <VM dir>/firecracker.sock)");
  }
  *out = sock.substr(0, slash);
  return Status::Ok();
}

}  // namespace ember::bench
