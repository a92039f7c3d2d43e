#pragma once
// FcControlService: the fccontrol `Firecracker` ttrpc service for the one VM
// of this shim. Runs entirely on the loop thread.
//
// Life of the VM: empty -> creating -> running -> stopping -> (process exit).
// - Every request's VMID must be this shim's VM id, else NOT_FOUND; a request
//   carrying a containerd namespace must carry this shim's, else NOT_FOUND.
// - CreateVM is accepted once (ALREADY_EXISTS afterwards); a failed create
//   returns to empty, so a corrected request may follow.
// - Any other call before CreateVM: NOT_FOUND "VM <id> is not created".
//   While creating or stopping: FAILED_PRECONDITION.
// - StopVM replies with the backend's stop status (OK, or INTERNAL "forcefully
//   terminated VM <id>") and then, once the reply is written, asks the
//   process to exit with code 0. A VMM that ends by itself ends the shim too
//   (code 0 for a clean guest shutdown, 1 otherwise).
// - on_event (optional) hears VmEvent::started when CreateVM succeeded, and
//   VmEvent::stopped when a running VM stopped (StopVM, or its VMM ended),
//   each before the reply or the exit request; the shim publishes them to
//   containerd (shim/vm_events.hpp).
#include <functional>
#include <memory>
#include <optional>
#include <string>

#include "base/status.hpp"
#include "io/ttrpc/ttrpc.hpp"
#include "messages/fccontrol_methods.hpp"
#include "shim/metadata_store.hpp"
#include "shim/vm_events.hpp"
#include "shim/vm_status_service.hpp"
#include "shim/vmm/vmm.hpp"

class CreateVMRequest;
class PauseVMRequest;
class ResumeVMRequest;
class StopVMRequest;
class GetVMInfoRequest;
class SetVMMetadataRequest;
class UpdateVMMetadataRequest;
class GetVMMetadataRequest;
class GetBalloonConfigRequest;
class UpdateBalloonRequest;
class GetBalloonStatsRequest;
class UpdateBalloonStatsRequest;

namespace ember::shim {

// Who this shim is and where its VM's files are (VmDir names, absolute).
struct VmIdentity {
  std::string ns;
  std::string id;
  std::string dir;
  std::string vmm_socket_path;
  std::string vmm_log_fifo_path;
  std::string metrics_fifo_path;
};

class FcControlService {
 public:
  // exit(code) asks the program to end; it may be called more than once.
  FcControlService(io::EventLoop& loop, const config::Config& config, VmIdentity vm,
                   VmmFactory factory, std::function<void(int)> exit,
                   std::function<void(VmEvent)> on_event = nullptr);
  ~FcControlService();
  FcControlService(const FcControlService&) = delete;
  FcControlService& operator=(const FcControlService&) = delete;

  // Adds the 12 methods; call before the server adopts its socket.
  void register_methods(ttrpc::Server& server);
  // Where the VM's state goes for emberd's inventory (optional; before CreateVM).
  void report_status_to(VmStatusService* status) { status_ = status; }

 private:
  enum class Phase { empty, creating, running, stopping };

  template <class Req>
  void add(ttrpc::Server& server, msg::Method method,
           void (FcControlService::*handler)(const Req&, const ttrpc::Responder&));
  // OK if a call for vm_id in namespace ns may proceed in the current phase.
  Status admit(const std::string& ns, const std::string& vm_id, bool is_create) const;
  Status need_balloon() const;
  std::string vm_name() const { return "VM " + vm_.id; }

  void create_vm(const CreateVMRequest& req, const ttrpc::Responder& resp);
  void pause_vm(const PauseVMRequest& req, const ttrpc::Responder& resp);
  void resume_vm(const ResumeVMRequest& req, const ttrpc::Responder& resp);
  void stop_vm(const StopVMRequest& req, const ttrpc::Responder& resp);
  void get_vm_info(const GetVMInfoRequest& req, const ttrpc::Responder& resp);
  void set_vm_metadata(const SetVMMetadataRequest& req, const ttrpc::Responder& resp);
  void update_vm_metadata(const UpdateVMMetadataRequest& req, const ttrpc::Responder& resp);
  void get_vm_metadata(const GetVMMetadataRequest& req, const ttrpc::Responder& resp);
  void get_balloon_config(const GetBalloonConfigRequest& req, const ttrpc::Responder& resp);
  void update_balloon(const UpdateBalloonRequest& req, const ttrpc::Responder& resp);
  void get_balloon_stats(const GetBalloonStatsRequest& req, const ttrpc::Responder& resp);
  void update_balloon_stats(const UpdateBalloonStatsRequest& req, const ttrpc::Responder& resp);

  void on_vmm_exit(const Status& why);
  void notify(VmEvent e) {
    if (on_event_) on_event_(e);
  }
  // Destroys the backend outside of its own callbacks.
  void drop_vmm();

  io::EventLoop& loop_;
  const config::Config& config_;
  const VmIdentity vm_;
  VmmFactory factory_;
  std::function<void(int)> exit_;
  std::function<void(VmEvent)> on_event_;

  Phase phase_ = Phase::empty;
  std::unique_ptr<Vmm> vmm_;              // set from CreateVM until exit
  uint32_t memory_mib_ = 0;               // of the created VM
  std::optional<BalloonDevice> balloon_;  // as the VMM last accepted it
  MetadataStore metadata_;
  // What CreateVM and GetVMInfo report: LogFifoPath / MetricsFifoPath as
  // asked, else the VM dir's; "<CgroupPath>/<VM id>" when one was asked.
  std::string log_fifo_path_;
  std::string metrics_fifo_path_;
  std::string cgroup_path_;
  VmStatusService* status_ = nullptr;
};

}  // namespace ember::shim
