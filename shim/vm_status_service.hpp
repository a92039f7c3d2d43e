#pragma once
// VmStatusService: the shim's status stream, `ember.v1.VmStatus/Watch` on
// its fccontrol socket (messages/ember_inventory.proto). emberd follows it
// to learn what only the shim knows: the guest's state (booting, ready,
// boot-failed), the VMM's pid and accelerator, the VM's shape. A watcher
// gets the current status at once (once CreateVM succeeded), then every
// change. Loop thread only.
#include <memory>
#include <vector>

#include "io/ttrpc/ttrpc.hpp"
#include "shim/vmm/vmm.hpp"

namespace ember::v1 {
class GuestStatus;
}

namespace ember::shim {

class VmStatusService {
 public:
  VmStatusService();
  ~VmStatusService();
  VmStatusService(const VmStatusService&) = delete;
  VmStatusService& operator=(const VmStatusService&) = delete;

  void register_methods(ttrpc::Server& server);
  // CreateVM succeeded. A backend that does not report its guest counts as ready.
  void created(const VmSpec& spec, const std::string& backend, bool reports_guest);
  // The backend's report (Vmm::on_guest); held until created() when earlier.
  void guest(const GuestReport& report);

 private:
  void publish();

  std::unique_ptr<v1::GuestStatus> status_;
  bool created_ = false;
  std::vector<ttrpc::Responder> watchers_;
};

}  // namespace ember::shim
