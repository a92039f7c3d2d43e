#include "shim/fccontrol_service.hpp"

#include <fcntl.h>
#include <spdlog/spdlog.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "base/unique_fd.hpp"
#include "config/config.hpp"
#include "fccontrol.pb.h"
#include "io/event_loop.hpp"
#include "shim/create_request.hpp"
#include "shim/host_memory.hpp"
#include "shim/unhonoured_fields.hpp"
#include "shim/vmm/balloon.hpp"
#include "shimproc/launch_contract.hpp"

namespace ember::shim {
namespace {

void reply_message(const ttrpc::Responder& resp, const Status& s,
                   const google::protobuf::MessageLite& msg) {
  if (!s.ok()) {
    resp.reply(s);
    return;
  }
  std::string payload;
  if (!msg.SerializeToString(&payload)) {
    resp.reply(Status::Internal("cannot serialize " + msg.GetTypeName()));
    return;
  }
  resp.reply(s, std::move(payload));
}

// Completion that answers with google.protobuf.Empty (an empty payload).
Vmm::Done reply_empty(const ttrpc::Responder& resp) {
  return [resp](Status s) { resp.reply(s); };
}

// How the VMM ended, for the VM's tombstone (shimproc/launch_contract.hpp).
void record_vmm_exit(const std::string& dir, const std::string& account) {
  if (dir.empty()) return;  // no VM dir (a test's service)
  const std::string path = dir + "/" + shimproc::kVmmExitFile;
  UniqueFd fd(::open(path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC | O_NOFOLLOW, 0600));
  const std::string line = account + "\n";
  if (!fd || ::write(fd.get(), line.data(), line.size()) != static_cast<ssize_t>(line.size()))
    spdlog::warn("cannot write {}: {}", path, std::strerror(errno));
}

}  // namespace

FcControlService::FcControlService(io::EventLoop& loop, const config::Config& config, VmIdentity vm,
                                   VmmFactory factory, std::function<void(int)> exit,
                                   std::function<void(VmEvent)> on_event)
    : loop_(loop),
      config_(config),
      vm_(std::move(vm)),
      factory_(std::move(factory)),
      exit_(std::move(exit)),
      on_event_(std::move(on_event)) {}

FcControlService::~FcControlService() = default;

template <class Req>
void FcControlService::add(ttrpc::Server& server, msg::Method m,
                           void (FcControlService::*handler)(const Req&, const ttrpc::Responder&)) {
  const char* method = msg::method_name(m);
  const bool is_create = m == msg::Method::create_vm;
  server.add_method(msg::kFirecrackerService, method,
                    [this, method, is_create, handler](ttrpc::Request r, ttrpc::Responder resp) {
                      Req req;
                      if (!req.ParseFromString(r.payload)) {
                        resp.reply(Status::InvalidArgument("cannot decode " + req.GetTypeName()));
                        return;
                      }
                      // ShortDebugString builds the descriptors (reflection) on first
                      // use: only when the line is written.
                      if (spdlog::should_log(spdlog::level::debug)) {
                        spdlog::debug("{} {}", method, req.ShortDebugString());
                      }
                      Status s =
                          admit(r.metadata_value(ttrpc::kNamespaceKey), req.vmid(), is_create);
                      if (!s.ok()) {
                        resp.reply(s);
                        return;
                      }
                      (this->*handler)(req, resp);
                    });
}

void FcControlService::register_methods(ttrpc::Server& server) {
  using msg::Method;
  add(server, Method::create_vm, &FcControlService::create_vm);
  add(server, Method::pause_vm, &FcControlService::pause_vm);
  add(server, Method::resume_vm, &FcControlService::resume_vm);
  add(server, Method::stop_vm, &FcControlService::stop_vm);
  add(server, Method::get_vm_info, &FcControlService::get_vm_info);
  add(server, Method::set_vm_metadata, &FcControlService::set_vm_metadata);
  add(server, Method::update_vm_metadata, &FcControlService::update_vm_metadata);
  add(server, Method::get_vm_metadata, &FcControlService::get_vm_metadata);
  add(server, Method::get_balloon_config, &FcControlService::get_balloon_config);
  add(server, Method::update_balloon, &FcControlService::update_balloon);
  add(server, Method::get_balloon_stats, &FcControlService::get_balloon_stats);
  add(server, Method::update_balloon_stats, &FcControlService::update_balloon_stats);
}

Status FcControlService::admit(const std::string& ns, const std::string& vm_id,
                               bool is_create) const {
  if (vm_id != vm_.id) return Status::NotFound("VM " + vm_id + " not found");
  if (!ns.empty() && ns != vm_.ns) {
    return Status::NotFound("VM " + vm_id + " not found in namespace " + ns);
  }
  switch (phase_) {
    case Phase::empty:
      if (is_create) return Status::Ok();
      return Status::NotFound(vm_name() + " is not created");
    case Phase::creating:
    case Phase::running:
      if (is_create) return Status::AlreadyExists(vm_name() + " already exists");
      if (phase_ == Phase::creating) {
        return Status::FailedPrecondition(vm_name() + " is still being created");
      }
      return Status::Ok();
    case Phase::stopping:
      break;
  }
  return Status::FailedPrecondition(vm_name() + " is stopping");
}

Status FcControlService::need_balloon() const {
  if (balloon_) return Status::Ok();
  return Status::FailedPrecondition(vm_name() + " has no balloon device");
}

void FcControlService::create_vm(const CreateVMRequest& req, const ttrpc::Responder& resp) {
  VmSpec spec;
  Status s = vm_spec_from_request(req, config_, &spec);
  if (s.ok()) s = refuse_unhonoured_fields(req, config_.vmm.backend);
  // The hollow backend allocates nothing; a real VMM would fail to.
  if (s.ok() && config_.vmm.backend != config::Backend::hollow)
    s = check_host_memory(spec.memory_mib);
  if (s.ok()) s = factory_(VmmContext{loop_, config_, vm_.id, vm_.dir}, &vmm_);
  if (!s.ok()) {
    spdlog::warn("CreateVM refused: {}", s.ToString());
    vmm_.reset();
    resp.reply(s);
    return;
  }
  phase_ = Phase::creating;
  vmm_->on_exit([this](Status why) { on_vmm_exit(why); });
  vmm_->on_guest([this](const GuestReport& r) {
    if (status_) status_->guest(r);
  });
  spdlog::info("creating VM: {} vcpus, {} MiB, backend {}", spec.vcpus, spec.memory_mib,
               config::to_string(config_.vmm.backend));
  vmm_->create(spec, [this, resp, spec](Status s) {
    if (!s.ok()) {
      spdlog::warn("CreateVM failed: {}", s.ToString());
      phase_ = Phase::empty;
      drop_vmm();
      resp.reply(s);
      return;
    }
    phase_ = Phase::running;
    memory_mib_ = spec.memory_mib;
    balloon_ = spec.balloon;
    // Only paths where something is: a backend that makes no default FIFO
    // reports none unless CreateVM named one.
    const bool defaults = vmm_->makes_default_fifos();
    log_fifo_path_ = !spec.log_fifo.empty() ? spec.log_fifo
                     : defaults             ? vm_.vmm_log_fifo_path
                                            : std::string();
    metrics_fifo_path_ = !spec.metrics_fifo.empty() ? spec.metrics_fifo
                         : defaults                 ? vm_.metrics_fifo_path
                                                    : std::string();
    cgroup_path_ = !spec.jail.cgroup_path.empty() ? spec.jail.cgroup_path + "/" + vm_.id : "";
    spdlog::info("VM running");
    notify(VmEvent::started);
    if (status_)
      status_->created(spec, config::to_string(config_.vmm.backend), vmm_->reports_guest());
    CreateVMResponse out;
    out.set_vmid(vm_.id);
    out.set_socketpath(vm_.vmm_socket_path);
    out.set_logfifopath(log_fifo_path_);
    out.set_metricsfifopath(metrics_fifo_path_);
    out.set_cgrouppath(cgroup_path_);
    reply_message(resp, s, out);
  });
}

void FcControlService::pause_vm(const PauseVMRequest&, const ttrpc::Responder& resp) {
  vmm_->pause(reply_empty(resp));
}

void FcControlService::resume_vm(const ResumeVMRequest&, const ttrpc::Responder& resp) {
  vmm_->resume(reply_empty(resp));
}

void FcControlService::stop_vm(const StopVMRequest& req, const ttrpc::Responder& resp) {
  phase_ = Phase::stopping;
  const uint32_t timeout =
      req.timeoutseconds() != 0 ? req.timeoutseconds() : config_.timeouts.stop_vm_seconds;
  spdlog::info("stopping VM (timeout {} s)", timeout);
  vmm_->stop(std::chrono::seconds(timeout), [this, resp](Status s) {
    spdlog::info("VM stopped: {}", s.ToString());
    notify(VmEvent::stopped);  // forcefully or not, it is gone
    auto exit = [this] { exit_(0); };
    // The process ends only once the answer is on the wire (or cannot be:
    // connection gone, deadline already answered). exit_ is idempotent, so
    // a lost reply also exits directly rather than trusting on_sent alone.
    if (!resp.reply(s, {}, exit)) exit();
  });
}

void FcControlService::get_vm_info(const GetVMInfoRequest&, const ttrpc::Responder& resp) {
  GetVMInfoResponse out;
  out.set_vmid(vm_.id);
  out.set_socketpath(vm_.vmm_socket_path);
  out.set_logfifopath(log_fifo_path_);
  out.set_metricsfifopath(metrics_fifo_path_);
  out.set_cgrouppath(cgroup_path_);
  // No backend attaches a vsock device yet: nothing is at the VM dir's
  // vsock path, so none is reported (docs/emberd.md).
  reply_message(resp, Status::Ok(), out);
}

// Metadata changes are validated on a scratch copy first: a VMM keeping its
// own copy (Vmm::metadata) only ever sees documents the store accepts, and
// the store changes only once the VMM took the change too.
void FcControlService::set_vm_metadata(const SetVMMetadataRequest& req,
                                       const ttrpc::Responder& resp) {
  MetadataStore scratch;
  Status s = scratch.set(req.metadata());
  if (!s.ok()) {
    resp.reply(s);
    return;
  }
  const std::string text = req.metadata();
  auto commit = [this, resp, text](Status s, const std::string&) {
    if (s.ok()) s = metadata_.set(text);
    resp.reply(s);
  };
  if (!vmm_->metadata(Vmm::MetadataOp::set, text, commit)) commit(Status::Ok(), "");
}

void FcControlService::update_vm_metadata(const UpdateVMMetadataRequest& req,
                                          const ttrpc::Responder& resp) {
  MetadataStore scratch;
  Status s = scratch.set(metadata_.get());
  if (s.ok()) s = scratch.update(req.metadata());
  if (!s.ok()) {
    resp.reply(s);
    return;
  }
  const std::string patch = req.metadata();
  auto commit = [this, resp, patch](Status s, const std::string&) {
    if (s.ok()) s = metadata_.update(patch);
    resp.reply(s);
  };
  if (!vmm_->metadata(Vmm::MetadataOp::update, patch, commit)) commit(Status::Ok(), "");
}

void FcControlService::get_vm_metadata(const GetVMMetadataRequest&, const ttrpc::Responder& resp) {
  auto answer = [resp](const Status& s, const std::string& text) {
    GetVMMetadataResponse out;
    out.set_metadata(text);
    reply_message(resp, s, out);
  };
  if (!vmm_->metadata(Vmm::MetadataOp::get, "", answer)) answer(Status::Ok(), metadata_.get());
}

void FcControlService::get_balloon_config(const GetBalloonConfigRequest&,
                                          const ttrpc::Responder& resp) {
  GetBalloonConfigResponse out;
  Status s = need_balloon();
  if (s.ok()) {
    auto* device = out.mutable_balloonconfig();
    device->set_amountmib(balloon_->amount_mib);
    device->set_deflateonoom(balloon_->deflate_on_oom);
    device->set_statspollingintervals(balloon_->stats_polling_interval_s);
  }
  reply_message(resp, s, out);
}

void FcControlService::update_balloon(const UpdateBalloonRequest& req,
                                      const ttrpc::Responder& resp) {
  Status s = need_balloon();
  if (s.ok()) s = check_balloon_amount(req.amountmib(), memory_mib_);
  if (!s.ok()) {
    resp.reply(s);
    return;
  }
  const int64_t amount = req.amountmib();
  vmm_->update_balloon(amount, [this, resp, amount](Status s) {
    if (s.ok() && balloon_) balloon_->amount_mib = amount;
    resp.reply(s);
  });
}

void FcControlService::get_balloon_stats(const GetBalloonStatsRequest&,
                                         const ttrpc::Responder& resp) {
  Status s = need_balloon();
  if (!s.ok()) {
    resp.reply(s);
    return;
  }
  vmm_->balloon_stats([resp](Status s, BalloonStats st) {
    GetBalloonStatsResponse out;
    out.set_actualmib(st.actual_mib);
    out.set_actualpages(st.actual_pages);
    out.set_availablememory(st.available_memory);
    out.set_diskcaches(st.disk_caches);
    out.set_freememory(st.free_memory);
    out.set_hugetlballocations(st.hugetlb_allocations);
    out.set_hugetlbfailures(st.hugetlb_failures);
    out.set_majorfaults(st.major_faults);
    out.set_minorfaults(st.minor_faults);
    out.set_swapin(st.swap_in);
    out.set_swapout(st.swap_out);
    out.set_targetmib(st.target_mib);
    out.set_targetpages(st.target_pages);
    out.set_totalmemory(st.total_memory);
    reply_message(resp, s, out);
  });
}

void FcControlService::update_balloon_stats(const UpdateBalloonStatsRequest& req,
                                            const ttrpc::Responder& resp) {
  Status s = need_balloon();
  if (s.ok()) s = check_balloon_interval(req.statspollingintervals());
  if (!s.ok()) {
    resp.reply(s);
    return;
  }
  const int64_t seconds = req.statspollingintervals();
  vmm_->update_balloon_stats_interval(seconds, [this, resp, seconds](Status s) {
    if (s.ok() && balloon_) balloon_->stats_polling_interval_s = seconds;
    resp.reply(s);
  });
}

void FcControlService::on_vmm_exit(const Status& why) {
  if (phase_ == Phase::stopping) return;  // the stop completion ends the process
  if (phase_ == Phase::running) notify(VmEvent::stopped);
  const std::string account = why.ok() ? "the guest shut down" : why.ToString();
  if (why.ok()) {
    spdlog::info("VMM exited: {}", account);
  } else {
    spdlog::error("VMM exited: {}", account);
  }
  record_vmm_exit(vm_.dir, account);
  exit_(why.ok() ? 0 : 1);
}

void FcControlService::drop_vmm() {
  std::shared_ptr<Vmm> dead(std::move(vmm_));
  loop_.post([dead] {});
}

}  // namespace ember::shim
