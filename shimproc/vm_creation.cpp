#include "shimproc/vm_creation.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>

#include "base/errno_status.hpp"
#include "base/unique_fd.hpp"

namespace ember::shimproc {
namespace {

std::string in(const std::string& vm_dir, const char* name) {
  return vm_dir + "/" + name;
}

bool exists(const std::string& path) {
  struct stat st {};
  return ::lstat(path.c_str(), &st) == 0;
}

}  // namespace

Status mark_creating(const std::string& vm_dir) {
  const std::string path = in(vm_dir, kCreatingMarker);
  if (exists(in(vm_dir, kCreatedMarker)))
    return Status::AlreadyExists("VM directory " + vm_dir + " is marked created already");
  UniqueFd fd(::open(path.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600));
  if (!fd) return errno_status("create " + path, errno);
  return Status::Ok();
}

Status mark_created(const std::string& vm_dir) {
  const std::string from = in(vm_dir, kCreatingMarker);
  const std::string to = in(vm_dir, kCreatedMarker);
  if (::rename(from.c_str(), to.c_str()) != 0)
    return errno_status("mark VM created: rename " + from + " to " + to, errno);
  return Status::Ok();
}

VmCreation creation_of(const std::string& vm_dir) {
  if (exists(in(vm_dir, kCreatedMarker))) return VmCreation::created;
  if (exists(in(vm_dir, kCreatingMarker))) return VmCreation::creating;
  return VmCreation::unmarked;
}

const char* to_string(VmCreation c) {
  switch (c) {
    case VmCreation::unmarked:
      return "unmarked";
    case VmCreation::creating:
      return "creating";
    case VmCreation::created:
      return "created";
  }
  return "?";
}

}  // namespace ember::shimproc
