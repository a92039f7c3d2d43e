#include "shim/vmm/firecracker/firecracker_preflight.hpp"

#include <fcntl.h>
#include <limits.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "base/unique_fd.hpp"

namespace ember::shim::firecracker {
namespace {

constexpr const char* kDefaultPath = "/usr/local/bin:/usr/bin:/bin";

bool executable_file(const std::string& path) {
  struct stat st;
  return ::stat(path.c_str(), &st) == 0 && S_ISREG(st.st_mode) && ::access(path.c_str(), X_OK) == 0;
}

}  // namespace

std::string kvm_device_path() {
  const char* override_path = ::getenv(kTestKvmDeviceEnv);
  return override_path != nullptr && override_path[0] != '\0' ? override_path : kKvmDevice;
}

Status check_kvm(const std::string& device) {
  const std::string need = "firecracker backend needs /dev/kvm (";
  UniqueFd fd(::open(device.c_str(), O_RDWR | O_CLOEXEC));
  if (!fd) return Status::FailedPrecondition(need + device + ": " + std::strerror(errno) + ")");
  struct stat st;
  if (::fstat(fd.get(), &st) != 0 || !S_ISCHR(st.st_mode)) {
    return Status::FailedPrecondition(need + device + " is not a character device)");
  }
  return Status::Ok();
}

Status resolve_binary(const std::string& name, std::string* absolute) {
  const std::string key = " (vmm.firecracker_binary)";
  if (name.empty()) return Status::NotFound("firecracker binary not configured" + key);
  if (name.find('/') != std::string::npos) {
    char real[PATH_MAX];
    if (::realpath(name.c_str(), real) == nullptr) {
      const int err = errno;
      std::string m = "firecracker binary " + name + ": " + std::strerror(err) + key;
      return err == ENOENT || err == ENOTDIR ? Status::NotFound(std::move(m))
                                             : Status::PermissionDenied(std::move(m));
    }
    if (!executable_file(real)) {
      return Status::PermissionDenied("firecracker binary " + name + " is not an executable file" +
                                      key);
    }
    *absolute = real;
    return Status::Ok();
  }
  const char* env_path = ::getenv("PATH");
  const std::string path = env_path != nullptr && env_path[0] != '\0' ? env_path : kDefaultPath;
  std::size_t start = 0;
  for (;;) {
    const std::size_t end = path.find(':', start);
    std::string dir = path.substr(start, end == std::string::npos ? end : end - start);
    if (dir.empty()) dir = ".";
    const std::string candidate = dir + "/" + name;
    if (executable_file(candidate)) return resolve_binary(candidate, absolute);
    if (end == std::string::npos) break;
    start = end + 1;
  }
  return Status::NotFound("firecracker binary " + name + " not found in PATH (" + path + ")" + key);
}

}  // namespace ember::shim::firecracker
