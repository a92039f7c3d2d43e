#pragma once
// CreateVM's RootDrive and DriveMounts into a VmSpec, checked field by field:
// every refusal is INVALID_ARGUMENT naming the field. Which backend honours
// what is refuse_unhonoured_fields' business, not this file's.
//
// Each DriveMount is mounted by the guest init (deploy/guest/init.sh) at its
// VMPath, told so by one kernel argument per drive, before any "--":
//   ember.mount=<device>:<VMPath>:<FilesystemType>:<Options joined by ','>
// <device> is the guest's name for the drive: both backends attach the root
// drive first and the mounts after it in request order, so they are vda,
// vdb, ... (vdb on when there is a root drive). A drive that is not
// writable gets the option "ro".
#include <string>

#include "base/status.hpp"
#include "fccontrol.pb.h"
#include "shim/vmm/vmm.hpp"

namespace ember::shim {

// The guest's virtio-blk names run vda ... vdz.
inline constexpr int kMaxGuestDrives = 26;

// Fills spec's root drive (after spec->root_drive is set: the request's or
// the config's), spec->drive_mounts, and appends their ember.mount= words to
// spec->kernel_args.
Status drives_from_request(const CreateVMRequest& req, VmSpec* spec);

// The ember.mount= kernel argument for drive, the guest's `device` (vdb).
std::string mount_kernel_arg(const DriveSpec& drive, const std::string& device);

}  // namespace ember::shim
