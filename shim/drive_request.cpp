#include "shim/drive_request.hpp"

#include <cctype>

#include "shim/network_request.hpp"

namespace ember::shim {
namespace {

constexpr size_t kMaxPartuuid = 36;  // a GPT UUID; an MBR one is 11
constexpr size_t kMaxFilesystemType = 64;

// Printable ASCII without space, ':' (the ember.mount= separator) or '"'
// (the kernel's quoting): text that stays one kernel argument.
bool plain(const std::string& text) {
  if (text.empty()) return false;
  for (char c : text) {
    if (c <= ' ' || c > '~' || c == ':' || c == '"') return false;
  }
  return true;
}

std::string quoted(const std::string& text) {
  return "\"" + text + "\"";
}

Status check_bucket(const FirecrackerTokenBucket& b, const std::string& at) {
  const struct {
    const char* name;
    int64_t value;
  } fields[] = {{"Capacity", b.capacity()},
                {"OneTimeBurst", b.onetimeburst()},
                {"RefillTime", b.refilltime()}};
  for (const auto& f : fields) {
    if (f.value < 0) {
      return Status::InvalidArgument(at + "." + f.name + " " + std::to_string(f.value) +
                                     " is negative");
    }
  }
  return Status::Ok();
}

// Checks io's fields (at: "RootDrive." or "DriveMounts[i].") and fills *out.
template <class Drive>
Status drive_io(const Drive& d, const std::string& at, DriveIo* out) {
  const std::string& cache = d.cachetype();
  if (!cache.empty() && cache != "Unsafe" && cache != "Writeback") {
    return Status::InvalidArgument(at + "CacheType " + quoted(cache) +
                                   " is neither \"Unsafe\" nor \"Writeback\"");
  }
  const auto& r = d.ratelimiter();
  Status s =
      r.has_bandwidth() ? check_bucket(r.bandwidth(), at + "RateLimiter.Bandwidth") : Status::Ok();
  if (s.ok() && r.has_ops()) s = check_bucket(r.ops(), at + "RateLimiter.Ops");
  if (!s.ok()) return s;
  out->cache_type = cache;
  out->rate_limiter = rate_limiter_from_request(d.has_ratelimiter(), r);
  return Status::Ok();
}

Status check_partuuid(const std::string& id) {
  bool ok = id.size() <= kMaxPartuuid;
  for (char c : id) {
    ok = ok && (std::isxdigit(static_cast<unsigned char>(c)) || c == '-');
  }
  if (ok) return Status::Ok();
  return Status::InvalidArgument("RootDrive.Partuuid " + quoted(id) +
                                 " is not a partition UUID (hex digits and '-', at most 36)");
}

Status check_vm_path(const std::string& path, const std::string& at) {
  if (path.empty()) return Status::InvalidArgument(at + "VMPath is empty");
  std::string why;
  if (path[0] != '/') {
    why = "is not an absolute path";
  } else if (path == "/") {
    why = "is the guest's root";
  } else if (!plain(path)) {
    why = "has a space, ':', '\"' or a character that is not printable ASCII";
  } else if ((path + "/").find("/../") != std::string::npos) {
    why = "has a .. component";
  }
  if (why.empty()) return Status::Ok();
  return Status::InvalidArgument(at + "VMPath " + quoted(path) + " " + why);
}

Status check_filesystem_type(const std::string& type, const std::string& at) {
  bool ok = type.size() <= kMaxFilesystemType;
  for (char c : type) {
    ok = ok && (std::isalnum(static_cast<unsigned char>(c)) || c == '.' || c == '_' || c == '-' ||
                c == '+');
  }
  if (ok) return Status::Ok();
  return Status::InvalidArgument(at + "FilesystemType " + quoted(type) +
                                 " is not a filesystem type (letters, digits, '.', '_', '-', "
                                 "'+'; at most 64)");
}

Status check_options(const FirecrackerDriveMount& m, const std::string& at) {
  for (int i = 0; i < m.options_size(); ++i) {
    const std::string& o = m.options(i);
    const std::string name = at + "Options[" + std::to_string(i) + "] " + quoted(o);
    if (!plain(o) || o.find(',') != std::string::npos) {
      return Status::InvalidArgument(name +
                                     " is not one mount option (printable ASCII without "
                                     "space, ',', ':' or '\"')");
    }
    if (o == "rw" && !m.iswritable()) {
      return Status::InvalidArgument(name +
                                     " asks for a writable mount of a drive that is not "
                                     "IsWritable");
    }
  }
  return Status::Ok();
}

Status drive_mount(const FirecrackerDriveMount& m, const std::string& at, DriveSpec* out) {
  if (m.hostpath().empty()) return Status::InvalidArgument(at + "HostPath is empty");
  Status s = check_vm_path(m.vmpath(), at);
  if (s.ok()) s = check_filesystem_type(m.filesystemtype(), at);
  if (s.ok()) s = check_options(m, at);
  if (s.ok()) s = drive_io(m, at, &out->io);
  if (!s.ok()) return s;
  out->host_path = m.hostpath();
  out->writable = m.iswritable();
  out->vm_path = m.vmpath();
  out->filesystem_type = m.filesystemtype();
  out->options.assign(m.options().begin(), m.options().end());
  return Status::Ok();
}

}  // namespace

std::string mount_kernel_arg(const DriveSpec& drive, const std::string& device) {
  std::string options;
  bool read_only = false;
  for (const auto& o : drive.options) {
    options += (options.empty() ? "" : ",") + o;
    read_only = read_only || o == "ro";
  }
  if (!drive.writable && !read_only) options = "ro" + (options.empty() ? "" : "," + options);
  return "ember.mount=" + device + ":" + drive.vm_path + ":" + drive.filesystem_type + ":" +
         options;
}

Status drives_from_request(const CreateVMRequest& req, VmSpec* spec) {
  if (req.has_rootdrive()) {
    const auto& root = req.rootdrive();
    if (root.hostpath().empty()) return Status::InvalidArgument("RootDrive.HostPath is empty");
    Status s = check_partuuid(root.partuuid());
    if (s.ok()) s = drive_io(root, "RootDrive.", &spec->root_drive_io);
    if (!s.ok()) return s;
    spec->root_drive_partuuid = root.partuuid();
  }
  const int first = spec->root_drive.empty() ? 0 : 1;
  if (first + req.drivemounts_size() > kMaxGuestDrives) {
    return Status::InvalidArgument("DriveMounts has " + std::to_string(req.drivemounts_size()) +
                                   " entries; at most " + std::to_string(kMaxGuestDrives - first) +
                                   " fit beside the root drive (vda ... vdz)");
  }
  std::vector<DriveSpec> mounts(req.drivemounts_size());
  for (int i = 0; i < req.drivemounts_size(); ++i) {
    const std::string at = "DriveMounts[" + std::to_string(i) + "].";
    Status s = drive_mount(req.drivemounts(i), at, &mounts[i]);
    if (!s.ok()) return s;
  }
  for (size_t i = 0; i < mounts.size(); ++i) {
    const std::string device = std::string("vd") + static_cast<char>('a' + first + i);
    spec->kernel_args = with_kernel_arg(spec->kernel_args, mount_kernel_arg(mounts[i], device));
  }
  spec->drive_mounts = std::move(mounts);
  return Status::Ok();
}

}  // namespace ember::shim
