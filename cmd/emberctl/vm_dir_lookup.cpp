#include "cmd/emberctl/vm_dir_lookup.hpp"

#include "fccontrol.pb.h"

namespace ember::ctl {

Status vm_dir_of(Invocation& inv, const std::string& id, std::string* dir) {
  GetVMInfoRequest req;
  req.set_vmid(id);
  GetVMInfoResponse info;
  if (Status s = inv.call("GetVMInfo", req, &info, kDefaultCallTimeout); !s.ok()) return s;
  const std::string& sock = info.socketpath();
  const auto slash = sock.rfind('/');
  if (slash == std::string::npos || slash == 0)
    return Status::FailedPrecondition("VM " + id + " reports no VM directory (SocketPath \"" +
                                      sock + "\")");
  *dir = sock.substr(0, slash);
  return Status::Ok();
}

}  // namespace ember::ctl
