#include "cmd/emberd/startup_checks.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <utility>

#include "base/unique_fd.hpp"

namespace ember {
namespace {

constexpr const char* kDefaultPath = "/usr/local/bin:/usr/bin:/bin";

// "" when path is a regular file this process may execute, else why not.
std::string not_executable(const std::string& path) {
  struct stat st;
  if (::stat(path.c_str(), &st) != 0) return std::strerror(errno);
  if (!S_ISREG(st.st_mode)) return "not a regular file";
  if (::access(path.c_str(), X_OK) != 0)
    return std::string("not executable: ") + std::strerror(errno);
  return "";
}

// "" when path is a regular file this process can open for reading (an open,
// not access(2): root passes access() for files it still cannot read, e.g.
// on a root-squashed NFS mount), else why not.
std::string not_readable(const std::string& path) {
  UniqueFd fd(::open(path.c_str(), O_RDONLY | O_CLOEXEC | O_NOCTTY));
  if (!fd) return std::strerror(errno);
  struct stat st;
  if (::fstat(fd.get(), &st) != 0) return std::strerror(errno);
  if (!S_ISREG(st.st_mode)) return "not a regular file";
  return "";
}

Status check_vmm_binary(const char* key, const std::string& name, const char* package) {
  const char* path_env = std::getenv("PATH");
  std::string found;
  Status s = find_executable(name, path_env != nullptr ? path_env : "", &found);
  if (s.ok()) return s;
  return Status::FailedPrecondition(std::string(key) + ": " + s.message() + " (install " + package +
                                    ", or set " + key + ")");
}

// The guest a CreateVM without KernelImagePath boots (and its initrd.gz).
Status check_kernel(const config::Config& cfg) {
  const std::string& kernel = cfg.vm.kernel_image;
  if (kernel.empty()) return Status::Ok();  // every CreateVM must name its kernel
  const std::string hint =
      " (build the guest with deploy/guest/build-guest.sh, installed as "
      "/usr/share/ember/guest/build-guest.sh, or set vm.kernel_image)";
  if (std::string why = not_readable(kernel); !why.empty())
    return Status::FailedPrecondition("vm.kernel_image " + kernel + ": " + why + hint);
  const std::string initrd = kernel.substr(0, kernel.rfind('/') + 1) + "initrd.gz";
  struct stat st;
  if (cfg.vmm.backend == config::Backend::qemu && ::lstat(initrd.c_str(), &st) == 0) {
    if (std::string why = not_readable(initrd); !why.empty())
      return Status::FailedPrecondition("initrd " + initrd + " beside vm.kernel_image: " + why);
  }
  return Status::Ok();
}

}  // namespace

Status find_executable(const std::string& name, const std::string& path_env, std::string* found) {
  if (name.empty()) return Status::NotFound("no program configured");
  if (name.find('/') != std::string::npos) {
    if (std::string why = not_executable(name); !why.empty())
      return Status::FailedPrecondition(name + ": " + why);
    *found = name;
    return Status::Ok();
  }
  const std::string path = path_env.empty() ? kDefaultPath : path_env;
  size_t start = 0;
  for (;;) {
    const size_t end = path.find(':', start);
    std::string dir = path.substr(start, end == std::string::npos ? end : end - start);
    const std::string candidate = (dir.empty() ? std::string(".") : dir) + "/" + name;
    if (not_executable(candidate).empty()) {
      *found = candidate;
      return Status::Ok();
    }
    if (end == std::string::npos) break;
    start = end + 1;
  }
  return Status::NotFound(name + " not found in PATH (" + path + ")");
}

namespace {

// member and front: the three TLS files of the fleet (config/config.hpp).
Status check_fleet_tls(const config::FleetSettings& fleet) {
  if (fleet.role == config::FleetRole::none) return Status::Ok();
  const std::pair<const char*, const std::string*> files[] = {{"fleet.tls.ca", &fleet.tls.ca},
                                                              {"fleet.tls.cert", &fleet.tls.cert},
                                                              {"fleet.tls.key", &fleet.tls.key}};
  for (const auto& [key, path] : files)
    if (std::string why = not_readable(*path); !why.empty())
      return Status::FailedPrecondition(std::string(key) + " " + *path + ": " + why);
  return Status::Ok();
}

// What running VMs needs: the shim, and the backend's VMM and kernel.
Status check_vm_host(const config::Config& cfg) {
  if (std::string why = not_executable(cfg.shim_binary); !why.empty())
    return Status::FailedPrecondition("shim binary " + cfg.shim_binary + ": " + why);
  switch (cfg.vmm.backend) {
    case config::Backend::hollow:
      return Status::Ok();
    case config::Backend::qemu: {
      Status s = check_vmm_binary("vmm.qemu_binary", cfg.vmm.qemu_binary, "qemu-system-x86");
      return s.ok() ? check_kernel(cfg) : s;
    }
    case config::Backend::firecracker: {
      const std::string& shim = cfg.shim_binary;
      const std::string helper = shim.substr(0, shim.rfind('/') + 1) + "ember-shim-firecracker";
      if (std::string why = not_executable(helper); !why.empty())
        return Status::FailedPrecondition("the firecracker backend needs " + helper +
                                          " beside the shim binary: " + why);
      Status s = check_vmm_binary("vmm.firecracker_binary", cfg.vmm.firecracker_binary,
                                  "firecracker from its release page");
      return s.ok() ? check_kernel(cfg) : s;
    }
  }
  return Status::Ok();
}

}  // namespace

Status check_startup(const config::Config& cfg) {
  if (Status s = check_fleet_tls(cfg.fleet); !s.ok()) return s;
  // A front runs no VMs itself: nothing of the VM host is needed.
  if (cfg.fleet.role == config::FleetRole::front) return Status::Ok();
  return check_vm_host(cfg);
}

}  // namespace ember
