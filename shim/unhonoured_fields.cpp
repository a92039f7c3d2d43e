#include "shim/unhonoured_fields.hpp"

#include <string>

namespace ember::shim {
namespace {

using config::Backend;

// The first field that is set in the request but not honoured by backend;
// "" when there is none.
class FieldCheck {
 public:
  explicit FieldCheck(Backend b) : backend_(b) {}
  // Records `path` as the refused field when `set` and the backend is not
  // among those that honour it.
  void field(bool set, const std::string& path, bool qemu_honours, bool firecracker_honours) {
    if (!refused_.empty() || !set) return;
    const bool honoured = backend_ == Backend::qemu ? qemu_honours : firecracker_honours;
    if (!honoured) refused_ = path;
  }
  const std::string& refused() const { return refused_; }

 private:
  Backend backend_;
  std::string refused_;
};

bool limited(const FirecrackerRateLimiter& r) {
  return r.has_bandwidth() || r.has_ops();
}

// A Firecracker token bucket's one-time burst is credit that never refills;
// QEMU's throttling (the qemu backend's mapping of a drive's RateLimiter) has
// no such thing. The other drive fields are honoured by both backends.
void check_one_time_burst(const FirecrackerRateLimiter& r, const std::string& at, FieldCheck& f) {
  f.field(r.bandwidth().onetimeburst() > 0, at + "RateLimiter.Bandwidth.OneTimeBurst", false, true);
  f.field(r.ops().onetimeburst() > 0, at + "RateLimiter.Ops.OneTimeBurst", false, true);
}

void check_drives(const CreateVMRequest& req, FieldCheck& f) {
  check_one_time_burst(req.rootdrive().ratelimiter(), "RootDrive.", f);
  for (int i = 0; i < req.drivemounts_size(); ++i) {
    check_one_time_burst(req.drivemounts(i).ratelimiter(),
                         "DriveMounts[" + std::to_string(i) + "].", f);
  }
}

// StaticConfig and AllowMMDS are honoured by both (a tap, its IPConfig as
// the kernel's ip=; MMDS: Firecracker's own, the shim's MmdsServer on QEMU);
// QEMU has no per-device network throttling to map the rate limiters to.
void check_network(const CreateVMRequest& req, FieldCheck& f) {
  for (int i = 0; i < req.networkinterfaces_size(); ++i) {
    const auto& n = req.networkinterfaces(i);
    const std::string at = "NetworkInterfaces[" + std::to_string(i) + "].";
    f.field(n.has_cniconfig(), at + "CNIConfig", false, false);
    f.field(n.has_inratelimiter() && limited(n.inratelimiter()), at + "InRateLimiter", false, true);
    f.field(n.has_outratelimiter() && limited(n.outratelimiter()), at + "OutRateLimiter", false,
            true);
  }
}

// UID/GID, CPUs, Mems and CgroupPath are honoured by both (VmmJail). BIND
// is how firecracker-containerd exposes drives inside its chroot; ember runs
// the VMM without one (no chroot: the drives are used where they are).
void check_jailer(const JailerConfig& j, FieldCheck& f) {
  f.field(j.driveexposepolicy() != COPY, "JailerConfig.DriveExposePolicy", false, false);
}

}  // namespace

Status refuse_unhonoured_fields(const CreateVMRequest& req, Backend backend) {
  if (backend == Backend::hollow) return Status::Ok();
  FieldCheck f(backend);
  // Firecracker's machine config has both; QEMU has no CPU templates, and
  // its -smp topology is not derived from HtEnabled.
  f.field(req.machinecfg().htenabled(), "MachineCfg.HtEnabled", false, true);
  f.field(!req.machinecfg().cputemplate().empty(), "MachineCfg.CPUTemplate", false, true);
  check_drives(req, f);
  check_network(req, f);
  // ember's shim runs no containers: there are no tasks to count or wait for.
  f.field(req.containercount() > 0, "ContainerCount", false, false);
  f.field(req.exitafteralltasksdeleted(), "ExitAfterAllTasksDeleted", false, false);
  if (req.has_jailerconfig()) check_jailer(req.jailerconfig(), f);
  if (f.refused().empty()) return Status::Ok();
  return Status::Unimplemented("CreateVMRequest." + f.refused() + " is not supported by the " +
                               config::to_string(backend) + " backend");
}

}  // namespace ember::shim
