#pragma once
// VmDir: one VM's directory, <shim base dir, symlinks resolved>/<ns>#<id>, and
// the names of everything in it (as firecracker-containerd lays it out). The
// directory is removed with its contents on destruction unless released.
#include <string>

#include "base/status.hpp"
#include "base/unique_fd.hpp"
#include "shimproc/launch_contract.hpp"

namespace ember::shimproc {

class VmDir {
 public:
  VmDir() = default;
  VmDir(VmDir&& o) noexcept;
  VmDir& operator=(VmDir&& o) noexcept;
  ~VmDir();

  // Validates both ids, resolves base_dir's symlinks (creating it and any
  // missing parents 0700) and makes the VM directory with mode 0700. An
  // existing entry at that path (directory, file, or a symlink, dangling or
  // not) gives ALREADY_EXISTS; nothing is followed. base_dir must be absolute.
  static Status create(const std::string& base_dir, const std::string& ns, const std::string& vm_id,
                       VmDir* out);
  // Takes ownership of an existing VM directory (recovery, the shim's cwd):
  // NOT_FOUND if it is missing, FAILED_PRECONDITION if the entry is not a
  // directory (a symlink there is not followed).
  static Status adopt(const std::string& base_dir, const std::string& ns, const std::string& vm_id,
                      VmDir* out);

  const std::string& path() const { return path_; }
  bool valid() const { return !path_.empty(); }

  std::string address_path() const { return join(kAddressFile); }
  std::string log_fifo_path() const { return join(kLogFifo); }
  std::string vmm_socket_path() const { return join(kVmmSocketFile); }
  std::string vsock_path() const { return join(kVsockFile); }
  std::string vmm_log_fifo_path() const { return join(kVmmLogFifo); }
  std::string metrics_fifo_path() const { return join(kMetricsFifo); }
  std::string state_path() const { return join(kStateFile); }
  // Name relative to the directory, for sun_path's 108-byte limit when the
  // process runs with the VM dir as its cwd.
  static std::string relative(const std::string& name) { return "./" + name; }

  // Writes the shim API address into address_path() (0600, atomically).
  Status write_address(const std::string& address) const;
  // Makes a FIFO (mode 0600) at path if missing and opens it for writing,
  // non-blocking, O_CLOEXEC; works before a reader exists (opened O_RDWR, see
  // the .cpp). An existing non-FIFO at path (or a symlink) is
  // FAILED_PRECONDITION. Any path may be given, not only ones in the dir.
  Status open_fifo_for_write(const std::string& path, UniqueFd* out) const;
  // <dir>/<container id> -> bundle_dir (container id validated; bundle_dir
  // absolute and an existing directory). Errors name both paths.
  Status link_bundle(const std::string& container_id, const std::string& bundle_dir) const;
  // A symlink named `name` (a plain file name) in the dir pointing at target
  // (absolute); errors name both. An existing name is ALREADY_EXISTS.
  Status link(const std::string& name, const std::string& target) const;

  // Removes the directory and everything in it now (no symlink is followed:
  // links are removed, their targets survive). OK if already gone.
  Status remove();
  // Keeps the directory on destruction.
  void release() { path_.clear(); }

 private:
  std::string join(const char* name) const { return path_ + "/" + name; }
  std::string path_;  // "" when empty or released
};

}  // namespace ember::shimproc
