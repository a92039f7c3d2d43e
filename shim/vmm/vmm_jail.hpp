#pragma once
// VmmJail: what JailerConfig asks of the VMM process beyond its network
// namespace, made ready before the spawn and undone after the VMM is gone.
// - UID/GID: the VMM runs as uid:gid with no supplementary groups. The VM
//   directory is lent to gid (group gid, mode 01770: sticky) so the VMM can use the
//   files the shim makes there (Firecracker binds its API socket there);
//   the shim's own sockets stay root's. Read access to the kernel and drives
//   is the caller's business, as with firecracker-containerd's jailer.
// - CPUs: the VMM's CPU affinity. Mems: set_mempolicy(MPOL_BIND) on those
//   nodes. Both are inherited by every thread QEMU or Firecracker starts.
// - CgroupPath: the cgroup <CgroupPath>/<VM id>, made in every cgroup
//   hierarchy this shim uses (cgroup v2: the one at /sys/fs/cgroup; v1:
//   cpuset, cpu, cpuacct, memory and pids, where mounted), joined by the VMM
//   before it execs, as runc puts firecracker-containerd's Firecracker in
//   CgroupPath/<VM id>. On cgroup v1 the cpuset gets CPUs/Mems (else its
//   parent's); on v2 it does when the cpuset controller is enabled there.
// Destruction removes the cgroups it made (the VMM must have been reaped)
// and gives the VM directory its group and mode back.
#include <sys/types.h>

#include <memory>
#include <string>
#include <vector>

#include "base/status.hpp"
#include "base/unique_fd.hpp"
#include "shim/vmm/vmm.hpp"

namespace ember::shimproc {
struct ChildSpec;
}

namespace ember::shim {

class VmmJail {
 public:
  // Errors name the field: FAILED_PRECONDITION "JailerConfig.CgroupPath:
  // ..." when no cgroup hierarchy is mounted or the VM's cgroup exists
  // already; a failed mkdir or write keeps its errno's code. Nothing made
  // here is left on error.
  static Status open(const JailSpec& spec, const std::string& vm_id, const std::string& vm_dir,
                     std::unique_ptr<VmmJail>* out);
  ~VmmJail();
  VmmJail(const VmmJail&) = delete;
  VmmJail& operator=(const VmmJail&) = delete;

  // Sets the child's cgroups, CPU affinity, memory nodes and ids.
  void confine(shimproc::ChildSpec* child) const;
  // Gives a file the shim made for the VMM (a FIFO) to uid:gid; OK without ids.
  Status hand_over(const std::string& path) const;
  // "<CgroupPath>/<VM id>", what CreateVM and GetVMInfo report; "" for none.
  const std::string& cgroup() const { return cgroup_; }

 private:
  VmmJail(JailSpec spec, std::string vm_dir) : spec_(std::move(spec)), vm_dir_(std::move(vm_dir)) {}
  Status lend_vm_dir();
  Status make_cgroups(const std::string& vm_id);
  Status make_cgroup_in(const std::string& hierarchy, bool v1_cpuset);

  JailSpec spec_;
  std::string vm_dir_;
  std::string cgroup_;
  bool lent_ = false;  // the VM dir's group and mode are ours to restore
  gid_t dir_gid_ = 0;
  mode_t dir_mode_ = 0;
  std::vector<std::string> made_dirs_;  // in creation order; removed in reverse
  std::vector<UniqueFd> procs_fds_;     // each cgroup's cgroup.procs, open for writing
};

}  // namespace ember::shim
