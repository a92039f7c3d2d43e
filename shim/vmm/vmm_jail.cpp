#include "shim/vmm/vmm_jail.hpp"

#include <fcntl.h>
#include <linux/magic.h>
#include <sys/stat.h>
#include <sys/vfs.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <climits>
#include <cstdlib>

#include <spdlog/spdlog.h>

#include "base/errno_status.hpp"
#include "base/files.hpp"
#include "shimproc/child_process.hpp"

namespace ember::shim {
namespace {

constexpr const char* kCgroupRoot = "/sys/fs/cgroup";
constexpr const char* kField = "JailerConfig.CgroupPath";

bool is_fs(const std::string& path, long magic) {
  struct statfs fs {};
  return ::statfs(path.c_str(), &fs) == 0 && static_cast<long>(fs.f_type) == magic;
}

// The hierarchies the VM's cgroup goes into; each entry's second: it is the
// v1 cpuset hierarchy (whose cgroups need cpus and mems before a task joins).
std::vector<std::pair<std::string, bool>> hierarchies() {
  if (is_fs(kCgroupRoot, CGROUP2_SUPER_MAGIC)) return {{kCgroupRoot, false}};
  std::vector<std::pair<std::string, bool>> out;
  std::vector<std::string> seen;
  for (const char* name : {"cpuset", "cpu", "cpuacct", "memory", "pids"}) {
    const std::string path = std::string(kCgroupRoot) + "/" + name;
    char real[PATH_MAX];
    if (!is_fs(path, CGROUP_SUPER_MAGIC) || ::realpath(path.c_str(), real) == nullptr) continue;
    if (std::find(seen.begin(), seen.end(), real) != seen.end()) continue;  // co-mounted
    seen.push_back(real);
    out.push_back({path, std::string(name) == "cpuset"});
  }
  return out;
}

Status write_text(const std::string& path, const std::string& text) {
  UniqueFd fd(::open(path.c_str(), O_WRONLY | O_CLOEXEC));
  if (!fd || ::write(fd.get(), text.data(), text.size()) != static_cast<ssize_t>(text.size())) {
    return errno_status(std::string(kField) + ": write \"" + text + "\" to " + path, errno);
  }
  return Status::Ok();
}

std::string trimmed(std::string s) {
  while (!s.empty() && (s.back() == '\n' || s.back() == ' '))
    s.pop_back();
  return s;
}

std::string id_list(const std::vector<int>& ids) {
  std::string out;
  for (int id : ids)
    out += (out.empty() ? "" : ",") + std::to_string(id);
  return out;
}

}  // namespace

Status VmmJail::open(const JailSpec& spec, const std::string& vm_id, const std::string& vm_dir,
                     std::unique_ptr<VmmJail>* out) {
  std::unique_ptr<VmmJail> jail(new VmmJail(spec, vm_dir));
  Status s = jail->lend_vm_dir();
  if (s.ok() && !spec.cgroup_path.empty()) s = jail->make_cgroups(vm_id);
  if (!s.ok()) return s;  // jail's destructor undoes what was done
  *out = std::move(jail);
  return Status::Ok();
}

VmmJail::~VmmJail() {
  procs_fds_.clear();
  for (auto it = made_dirs_.rbegin(); it != made_dirs_.rend(); ++it) {
    if (::rmdir(it->c_str()) != 0) spdlog::warn("cannot remove cgroup {}: errno {}", *it, errno);
  }
  if (lent_ && (::chown(vm_dir_.c_str(), static_cast<uid_t>(-1), dir_gid_) != 0 ||
                ::chmod(vm_dir_.c_str(), dir_mode_) != 0)) {
    spdlog::warn("cannot give {} its group and mode back: errno {}", vm_dir_, errno);
  }
}

Status VmmJail::lend_vm_dir() {
  if (!spec_.gid) return Status::Ok();
  struct stat st {};
  if (::stat(vm_dir_.c_str(), &st) != 0) return errno_status("stat " + vm_dir_, errno);
  if (::chown(vm_dir_.c_str(), static_cast<uid_t>(-1), *spec_.gid) != 0) {
    return errno_status("JailerConfig.GID: chgrp " + vm_dir_, errno);
  }
  dir_gid_ = st.st_gid;
  dir_mode_ = st.st_mode & 07777;
  lent_ = true;
  // Sticky: the VMM may make files there, but not remove or replace the
  // shim's (whose sockets are 0600 root's anyway).
  if (::chmod(vm_dir_.c_str(), 01770) != 0) return errno_status("chmod " + vm_dir_, errno);
  return Status::Ok();
}

Status VmmJail::make_cgroups(const std::string& vm_id) {
  cgroup_ = spec_.cgroup_path + "/" + vm_id;
  const auto found = hierarchies();
  if (found.empty()) {
    return Status::FailedPrecondition(std::string(kField) + ": no cgroup hierarchy is mounted at " +
                                      kCgroupRoot);
  }
  for (const auto& [hierarchy, v1_cpuset] : found) {
    Status s = make_cgroup_in(hierarchy, v1_cpuset);
    if (!s.ok()) return s;
  }
  return Status::Ok();
}

Status VmmJail::make_cgroup_in(const std::string& hierarchy, bool v1_cpuset) {
  std::string dir = hierarchy;
  for (size_t start = 1; start <= cgroup_.size();) {
    const size_t end = std::min(cgroup_.find('/', start), cgroup_.size());
    const std::string parent = dir;
    dir += "/" + cgroup_.substr(start, end - start);
    start = end + 1;
    const bool leaf = start > cgroup_.size();
    if (::mkdir(dir.c_str(), 0755) != 0) {
      if (errno == EEXIST && !leaf) continue;
      if (errno == EEXIST) {
        return Status::FailedPrecondition(std::string(kField) + ": cgroup " + dir +
                                          " exists already");
      }
      return errno_status(std::string(kField) + ": mkdir " + dir, errno);
    }
    made_dirs_.push_back(dir);
    // A new v1 cpuset has no CPUs and no memory nodes: no task could join it.
    if (!v1_cpuset) continue;
    for (const char* file : {"cpuset.cpus", "cpuset.mems"}) {
      const bool cpus = file[7] == 'c';
      const std::vector<int>& wanted = cpus ? spec_.cpus : spec_.mems;
      std::string text = leaf && !wanted.empty() ? id_list(wanted) : std::string();
      if (text.empty()) text = trimmed(read_file(parent + "/" + file).value_or(""));
      Status s = write_text(dir + "/" + file, text);
      if (!s.ok()) return s;
    }
  }
  // v2: only where the cpuset controller is enabled (else affinity and
  // memory policy alone do it).
  const bool v2_cpuset = !v1_cpuset && ::access((dir + "/cpuset.cpus").c_str(), W_OK) == 0;
  Status s;
  if (v2_cpuset && !spec_.cpus.empty()) s = write_text(dir + "/cpuset.cpus", id_list(spec_.cpus));
  if (s.ok() && v2_cpuset && !spec_.mems.empty()) {
    s = write_text(dir + "/cpuset.mems", id_list(spec_.mems));
  }
  if (!s.ok()) return s;
  UniqueFd procs(::open((dir + "/cgroup.procs").c_str(), O_WRONLY | O_CLOEXEC));
  if (!procs) return errno_status(std::string(kField) + ": open " + dir + "/cgroup.procs", errno);
  procs_fds_.push_back(std::move(procs));
  return Status::Ok();
}

void VmmJail::confine(shimproc::ChildSpec* child) const {
  for (const UniqueFd& fd : procs_fds_)
    child->join_cgroup_procs_fds.push_back(fd.get());
  if (!spec_.cpus.empty()) {
    cpu_set_t set;
    CPU_ZERO(&set);
    for (int cpu : spec_.cpus)
      CPU_SET(cpu, &set);
    child->cpu_affinity = set;
  }
  if (!spec_.mems.empty()) {
    const size_t bits = sizeof(unsigned long) * 8;
    child->memory_nodes.assign(static_cast<size_t>(spec_.mems.back()) / bits + 1, 0);
    for (int node : spec_.mems) {
      child->memory_nodes[static_cast<size_t>(node) / bits] |=
          1UL << (static_cast<size_t>(node) % bits);
    }
  }
  if (spec_.uid && spec_.gid) {
    child->uid = *spec_.uid;
    child->gid = *spec_.gid;
  }
}

Status VmmJail::hand_over(const std::string& path) const {
  if (!spec_.uid || !spec_.gid) return Status::Ok();
  if (::chown(path.c_str(), *spec_.uid, *spec_.gid) != 0)
    return errno_status("chown " + path, errno);
  return Status::Ok();
}

}  // namespace ember::shim
