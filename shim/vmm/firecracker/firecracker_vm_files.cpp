#include "shim/vmm/firecracker/firecracker_vm_files.hpp"

#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include <cerrno>

namespace ember::shim::firecracker {
namespace {

bool same_directory(const std::string& a, const std::string& b) {
  struct stat sa, sb;
  return ::stat(a.c_str(), &sa) == 0 && ::stat(b.c_str(), &sb) == 0 && sa.st_dev == sb.st_dev &&
         sa.st_ino == sb.st_ino;
}

// Unlinks path if it is a unix socket (never anything else).
void unlink_socket(const std::string& path) {
  struct stat st;
  if (::lstat(path.c_str(), &st) == 0 && S_ISSOCK(st.st_mode)) ::unlink(path.c_str());
}

}  // namespace

Status FirecrackerVmFiles::api_socket_address(std::string* out) const {
  const std::string path = api_socket_path();
  if (path.size() < sizeof(sockaddr_un::sun_path)) {
    *out = path;
    return Status::Ok();
  }
  if (same_directory(".", dir_)) {
    *out = std::string("./") + kApiSocket;
    return Status::Ok();
  }
  return Status::InvalidArgument("API socket path " + path +
                                 " is too long for a unix socket and the VM directory is not "
                                 "the working directory");
}

Status FirecrackerVmFiles::make_fifo(const std::string& path, bool* made) {
  if (::mkfifo(path.c_str(), 0600) == 0) {
    *made = true;
    return Status::Ok();
  }
  const int err = errno;
  struct stat st;
  if (err == EEXIST && ::lstat(path.c_str(), &st) == 0 && S_ISFIFO(st.st_mode)) {
    return Status::Ok();
  }
  if (err == EEXIST) return Status::FailedPrecondition(path + " exists and is not a FIFO");
  return Status::FromErrno("mkfifo " + path, err);
}

Status FirecrackerVmFiles::prepare() {
  const std::string socket = api_socket_path();
  struct stat st;
  if (::lstat(socket.c_str(), &st) == 0) {
    if (!S_ISSOCK(st.st_mode)) {
      return Status::FailedPrecondition(socket + " exists and is not a socket");
    }
    ::unlink(socket.c_str());  // left by an earlier VMM: Firecracker would not bind
  }
  Status s = make_fifo(log_fifo_path(), &made_log_fifo_);
  if (s.ok()) s = make_fifo(metrics_fifo_path(), &made_metrics_fifo_);
  if (!s.ok()) remove();
  return s;
}

void FirecrackerVmFiles::remove() {
  unlink_socket(api_socket_path());
  if (made_log_fifo_) ::unlink(log_fifo_path().c_str());
  if (made_metrics_fifo_) ::unlink(metrics_fifo_path().c_str());
  made_log_fifo_ = made_metrics_fifo_ = false;
}

}  // namespace ember::shim::firecracker
