#include "shimproc/vm_dir.hpp"

#include <fcntl.h>
#include <spdlog/spdlog.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <climits>
#include <cstdlib>

#include "base/errno_status.hpp"
#include "base/ids.hpp"
#include "base/remove_tree.hpp"

namespace ember::shimproc {
namespace {

constexpr mode_t kDirMode = 0700;

Status not_open() {
  return Status::FailedPrecondition("VM directory is not open");
}

// Creates each missing directory of the absolute path `dir` with mode 0700.
Status make_dirs(const std::string& dir) {
  for (size_t slash = dir.find('/', 1);; slash = dir.find('/', slash + 1)) {
    std::string prefix = dir.substr(0, slash);
    if (::mkdir(prefix.c_str(), kDirMode) != 0 && errno != EEXIST) {
      return errno_status("create shim base dir " + prefix, errno);
    }
    if (slash == std::string::npos) return Status::Ok();
  }
}

// Checks both ids and resolves the base dir (which must exist) to the VM dir path.
Status vm_dir_path(const std::string& base_dir, const std::string& ns, const std::string& vm_id,
                   bool create_base, std::string* out) {
  Status s = validate_identifier(ns, "namespace");
  if (s.ok()) s = validate_identifier(vm_id, "VM id");
  if (!s.ok()) return s;
  if (base_dir.empty() || base_dir[0] != '/') {
    return Status::InvalidArgument("shim base dir \"" + base_dir + "\" must be an absolute path");
  }
  if (create_base) {
    s = make_dirs(base_dir);
    if (!s.ok()) return s;
  }
  char real[PATH_MAX];
  if (::realpath(base_dir.c_str(), real) == nullptr) {
    return errno_status("resolve shim base dir " + base_dir, errno);
  }
  struct stat st {};
  if (::stat(real, &st) != 0) return errno_status("stat shim base dir " + std::string(real), errno);
  if (!S_ISDIR(st.st_mode)) {
    return Status::FailedPrecondition("shim base dir " + std::string(real) + " is not a directory");
  }
  *out = std::string(real) + "/" + vm_dir_name(ns, vm_id);
  return Status::Ok();
}

Status write_all(int fd, const std::string& data, const std::string& path) {
  size_t done = 0;
  while (done < data.size()) {
    ssize_t n = ::write(fd, data.data() + done, data.size() - done);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) return errno_status("write " + path, errno);
    done += static_cast<size_t>(n);
  }
  return Status::Ok();
}

}  // namespace

VmDir::VmDir(VmDir&& o) noexcept : path_(std::move(o.path_)) {
  o.path_.clear();
}

VmDir& VmDir::operator=(VmDir&& o) noexcept {
  if (this != &o) {
    if (valid()) (void)remove();
    path_ = std::move(o.path_);
    o.path_.clear();
  }
  return *this;
}

VmDir::~VmDir() {
  if (!valid()) return;
  Status s = remove();
  if (!s.ok()) spdlog::warn("VM directory left behind: {}", s.message());
}

Status VmDir::create(const std::string& base_dir, const std::string& ns, const std::string& vm_id,
                     VmDir* out) {
  std::string path;
  Status s = vm_dir_path(base_dir, ns, vm_id, /*create_base=*/true, &path);
  if (!s.ok()) return s;
  // mkdir never follows a symlink in the last component: any existing entry,
  // including a dangling or planted link, fails with EEXIST.
  if (::mkdir(path.c_str(), kDirMode) != 0) {
    if (errno == EEXIST) return Status::AlreadyExists("VM directory " + path + " already exists");
    return errno_status("create VM directory " + path, errno);
  }
  *out = VmDir();
  out->path_ = std::move(path);
  return Status::Ok();
}

Status VmDir::adopt(const std::string& base_dir, const std::string& ns, const std::string& vm_id,
                    VmDir* out) {
  std::string path;
  Status s = vm_dir_path(base_dir, ns, vm_id, /*create_base=*/false, &path);
  if (!s.ok()) return s;
  struct stat st {};
  if (::lstat(path.c_str(), &st) != 0) {
    if (errno == ENOENT) return Status::NotFound("VM directory " + path + " does not exist");
    return errno_status("stat VM directory " + path, errno);
  }
  if (!S_ISDIR(st.st_mode)) {
    return Status::FailedPrecondition("VM directory " + path +
                                      " is not a directory (symlinks are not followed)");
  }
  *out = VmDir();
  out->path_ = std::move(path);
  return Status::Ok();
}

Status VmDir::write_address(const std::string& address) const {
  if (!valid()) return not_open();
  // Written beside the final name and renamed over it: readers see the old
  // address or the whole new one, never a partial write.
  std::string tmp = path_ + "/." + kAddressFile + ".tmp";
  std::string final_path = address_path();
  ::unlink(tmp.c_str());  // left by a crash; O_EXCL below refuses anything still there
  UniqueFd fd(::open(tmp.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600));
  if (!fd) return errno_status("create " + tmp, errno);
  Status s = write_all(fd.get(), address, tmp);
  fd.reset();
  if (s.ok() && ::rename(tmp.c_str(), final_path.c_str()) != 0) {
    s = errno_status("rename " + tmp + " to " + final_path, errno);
  }
  if (!s.ok()) ::unlink(tmp.c_str());
  return s;
}

Status VmDir::open_fifo_for_write(const std::string& path, UniqueFd* out) const {
  struct stat st {};
  bool created = false;
  if (::mkfifo(path.c_str(), 0600) == 0) {
    created = true;
  } else if (errno != EEXIST) {
    return errno_status("create FIFO " + path, errno);
  } else if (::lstat(path.c_str(), &st) != 0 || !S_ISFIFO(st.st_mode)) {
    // Refused before opening: opening some device nodes has side effects.
    return Status::FailedPrecondition(path + " exists and is not a FIFO");
  }
  // O_WRONLY|O_NONBLOCK fails with ENXIO while no reader has the FIFO open.
  // Linux defines O_RDWR on a FIFO (POSIX leaves it open): the open never
  // blocks, and the fd counts as a reader too, so early writes fill the pipe
  // buffer (then EAGAIN) instead of failing with EPIPE before the consumer
  // attaches.
  UniqueFd fd(::open(path.c_str(), O_RDWR | O_NONBLOCK | O_CLOEXEC | O_NOFOLLOW | O_NOCTTY));
  Status s;
  if (!fd) {
    s = errno_status("open FIFO " + path, errno);
  } else if (::fstat(fd.get(), &st) != 0) {
    s = errno_status("stat FIFO " + path, errno);
  } else if (!S_ISFIFO(st.st_mode)) {
    s = Status::FailedPrecondition(path + " exists and is not a FIFO");
  }
  if (!s.ok()) {
    if (created) ::unlink(path.c_str());
    return s;
  }
  *out = std::move(fd);
  return Status::Ok();
}

Status VmDir::link_bundle(const std::string& container_id, const std::string& bundle_dir) const {
  Status s = validate_identifier(container_id, "container id");
  if (!s.ok()) return s;
  if (!valid()) return not_open();
  std::string what = "link " + path_ + "/" + container_id + " -> " + bundle_dir;
  if (bundle_dir.empty() || bundle_dir[0] != '/') {
    return Status::InvalidArgument(what + ": target must be an absolute path");
  }
  struct stat st {};
  if (::stat(bundle_dir.c_str(), &st) != 0) return errno_status(what + ": bundle", errno);
  if (!S_ISDIR(st.st_mode)) {
    return Status::FailedPrecondition(what + ": bundle is not a directory");
  }
  return link(container_id, bundle_dir);
}

Status VmDir::link(const std::string& name, const std::string& target) const {
  if (!valid()) return not_open();
  if (name.empty() || name == "." || name == ".." || name.find('/') != std::string::npos) {
    return Status::InvalidArgument("link name \"" + name + "\" in " + path_ +
                                   " must be a plain file name");
  }
  std::string what = "link " + path_ + "/" + name + " -> " + target;
  if (target.empty() || target[0] != '/') {
    return Status::InvalidArgument(what + ": target must be an absolute path");
  }
  if (::symlink(target.c_str(), (path_ + "/" + name).c_str()) != 0) {
    return errno_status(what, errno);
  }
  return Status::Ok();
}

Status VmDir::remove() {
  if (!valid()) return Status::Ok();
  Status s = remove_tree(path_);
  if (s.ok()) path_.clear();
  return s;
}

}  // namespace ember::shimproc
