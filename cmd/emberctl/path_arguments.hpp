#pragma once
// Paths given to emberctl are the caller's: relative ones are made absolute
// here, against the caller's working directory, since emberd and the shim
// run elsewhere. Also the --drive PATH[:VMPATH][:rw|:ro] argument.
#include <string>

#include "base/status.hpp"

namespace ember::ctl {

// path made absolute against the working directory and normalised; "" stays "".
std::string absolute_path(const std::string& path);

struct DriveArgument {
  std::string host_path;  // absolute
  std::string vm_path;    // where the guest mounts it
  bool writable = false;
};

// PATH, PATH:rw, PATH:ro, PATH:/in/guest, PATH:/in/guest:rw. Without a guest
// path the drive is mounted at /mnt/drive<index>. INVALID_ARGUMENT names
// the argument and what is wrong with it.
Status parse_drive_argument(const std::string& text, size_t index, DriveArgument* out);

}  // namespace ember::ctl
