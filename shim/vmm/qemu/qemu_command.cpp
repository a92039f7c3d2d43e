#include "shim/vmm/qemu/qemu_command.hpp"

#include <fcntl.h>
#include <linux/kvm.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <fstream>
#include <sstream>

#include "base/errno_status.hpp"
#include "shim/vmm/qemu/qemu_drive.hpp"

namespace ember::shim::qemu {
namespace {

// What /proc/cpuinfo says about the first CPU.
struct CpuInfo {
  bool hw_virt = false;
  long mhz_khz = 0;
};

CpuInfo read_cpuinfo() {
  CpuInfo info;
  std::ifstream in("/proc/cpuinfo");
  std::string line;
  bool have_flags = false;
  while (std::getline(in, line) && (!have_flags || info.mhz_khz == 0)) {
    const auto colon = line.find(':');
    if (colon == std::string::npos) continue;
    const std::string key = line.substr(0, line.find_last_not_of(" \t", colon - 1) + 1);
    const std::string value = line.substr(colon + 1);
    if (key == "cpu MHz" && info.mhz_khz == 0) {
      info.mhz_khz = static_cast<long>(std::strtod(value.c_str(), nullptr) * 1000.0);
    } else if (key == "flags" && !have_flags) {
      have_flags = true;
      std::istringstream words(value);
      std::string flag;
      while (words >> flag) {
        if (flag == "vmx" || flag == "svm") info.hw_virt = true;
      }
    }
  }
  return info;
}

bool kvm_answers() {
  const int fd = ::open("/dev/kvm", O_RDWR | O_CLOEXEC);
  if (fd < 0) return false;
  const bool ok = ::ioctl(fd, KVM_GET_API_VERSION, 0) == KVM_API_VERSION;
  ::close(fd);
  return ok;
}

// Why TCG: what an operator would check first.
std::string why_not_kvm(bool hw_virt) {
  if (::access("/dev/kvm", F_OK) != 0) return "no /dev/kvm";
  if (!hw_virt) return "/dev/kvm exists but the CPU has no vmx/svm";
  return "/dev/kvm does not answer KVM_GET_API_VERSION (permissions?)";
}

// OK if path is a readable (and, if asked, writable) regular file, or a
// block device when devices are allowed.
Status check_file(const std::string& role, const std::string& path, bool writable, bool device_ok) {
  struct stat st;
  if (::stat(path.c_str(), &st) != 0) return errno_status(role + " " + path, errno);
  const bool kind_ok = S_ISREG(st.st_mode) || (device_ok && S_ISBLK(st.st_mode));
  if (!kind_ok) {
    return Status::InvalidArgument(role + " " + path + " is not a regular file" +
                                   (device_ok ? " or block device" : ""));
  }
  if (::access(path.c_str(), writable ? (R_OK | W_OK) : R_OK) != 0) {
    return errno_status(role + " " + path, errno);
  }
  return Status::Ok();
}

std::string key_of(const std::string& word) {
  return word.substr(0, word.find('='));
}

// Each StaticConfig interface as a virtio-net device on its tap, which QEMU
// opens by name (in the network namespace it runs in). No scripts: the tap
// is the caller's, set up already.
void add_network_interfaces(const VmSpec& spec, std::vector<std::string>* args) {
  for (size_t i = 0; i < spec.network_interfaces.size(); ++i) {
    const auto& n = spec.network_interfaces[i];
    const std::string id = "net" + std::to_string(i);
    std::string device = "virtio-net-device,netdev=" + id;
    if (!n.mac_address.empty()) device += ",mac=" + n.mac_address;
    args->insert(args->end(), {"-netdev",
                               "tap,id=" + id + ",ifname=" + qemu_escape(n.host_dev_name) +
                                   ",script=no,downscript=no",
                               "-device", device});
  }
}

// The MMDS network (see kMmdsSocketName): QEMU runs socat in its working
// directory, the VM dir, so the socket's name is enough.
void add_mmds_network(const QemuHost& host, std::vector<std::string>* args) {
  args->insert(args->end(),
               {"-netdev",
                "user,id=mmds,restrict=on,ipv6=off,net=169.254.169.0/24,host=169.254.169.1,"
                "guestfwd=tcp:169.254.169.254:80-cmd:" +
                    qemu_escape(host.socat) + " STDIO UNIX-CONNECT:" + kMmdsSocketName,
                "-device", std::string("virtio-net-device,netdev=mmds,mac=") + kMmdsGuestMac});
}

std::string find_in_path(const std::string& name) {
  const char* env = std::getenv("PATH");
  std::istringstream dirs(env != nullptr && *env != '\0' ? env : "/usr/local/bin:/usr/bin:/bin");
  std::string dir;
  while (std::getline(dirs, dir, ':')) {
    const std::string candidate = (dir.empty() ? std::string(".") : dir) + "/" + name;
    if (::access(candidate.c_str(), X_OK) == 0) return candidate;
  }
  return "";
}

}  // namespace

bool wants_mmds(const VmSpec& spec) {
  for (const auto& n : spec.network_interfaces) {
    if (n.allow_mmds) return true;
  }
  return false;
}

QemuHost probe_qemu_host() {
  const CpuInfo cpu = read_cpuinfo();
  QemuHost host;
  host.tsc_khz = cpu.mhz_khz;
  host.kvm = cpu.hw_virt && kvm_answers();
  if (!host.kvm) host.tcg_reason = why_not_kvm(cpu.hw_virt);
  host.socat = find_in_path("socat");
  return host;
}

std::string qemu_escape(const std::string& value) {
  std::string out;
  for (char c : value) {
    out += c;
    if (c == ',') out += ',';
  }
  return out;
}

std::string initrd_beside(const std::string& kernel) {
  const auto slash = kernel.rfind('/');
  const std::string path =
      (slash == std::string::npos ? std::string(".") : kernel.substr(0, slash)) + "/initrd.gz";
  struct stat st;
  return ::stat(path.c_str(), &st) == 0 && S_ISREG(st.st_mode) ? path : std::string();
}

std::string guest_kernel_args(const std::string& args, const QemuHost& host,
                              const std::string& root_partuuid) {
  std::vector<std::string> words, init_words;
  std::istringstream in(args);
  std::string word;
  bool for_init = false;
  while (in >> word) {
    if (!for_init && word == "--") {
      for_init = true;
      continue;
    }
    (for_init ? init_words : words).push_back(word);
  }
  auto has_key = [&words](const std::string& key) {
    for (const auto& w : words) {
      if (key_of(w) == key) return true;
    }
    return false;
  };
  std::vector<std::string> needed = {"console=ttyS0", "panic=-1"};
  // As Firecracker does for a root drive with a partuuid.
  if (!root_partuuid.empty()) needed.push_back("root=PARTUUID=" + root_partuuid);
  if (host.tsc_khz > 0) needed.push_back("tsc_early_khz=" + std::to_string(host.tsc_khz));
  needed.push_back("tsc=reliable");
  needed.push_back("cryptomgr.notests");
  for (const auto& w : needed) {
    if (!has_key(key_of(w))) words.push_back(w);
  }
  std::string out;
  for (const auto& w : words)
    out += (out.empty() ? "" : " ") + w;
  if (for_init) {
    out += " --";
    for (const auto& w : init_words)
      out += " " + w;
  }
  return out;
}

Status resolve_qemu_binary(const std::string& name, std::string* path) {
  auto executable = [](const std::string& p) {
    struct stat st;
    return ::stat(p.c_str(), &st) == 0 && S_ISREG(st.st_mode) && ::access(p.c_str(), X_OK) == 0;
  };
  if (name.empty()) return Status::FailedPrecondition("vmm.qemu_binary is empty");
  if (name.find('/') != std::string::npos) {
    if (!executable(name)) {
      return Status::FailedPrecondition("qemu binary " + name + " is missing or not executable");
    }
    *path = name;
    return Status::Ok();
  }
  const char* env = std::getenv("PATH");
  std::istringstream dirs(env != nullptr && *env != '\0' ? env : "/usr/local/bin:/usr/bin:/bin");
  std::string dir;
  while (std::getline(dirs, dir, ':')) {
    const std::string candidate = (dir.empty() ? std::string(".") : dir) + "/" + name;
    if (executable(candidate)) {
      *path = candidate;
      return Status::Ok();
    }
  }
  return Status::FailedPrecondition("qemu binary " + name +
                                    " not found in PATH (install qemu-system-x86)");
}

// The files spec names, and socat when MMDS is wanted.
static Status check_inputs(const VmSpec& spec, const QemuHost& host) {
  Status s = check_file("kernel image", spec.kernel_image, false, false);
  const std::string initrd = initrd_beside(spec.kernel_image);
  if (s.ok() && !initrd.empty()) s = check_file("initrd", initrd, false, false);
  if (s.ok() && !spec.root_drive.empty()) {
    s = check_file("root drive", spec.root_drive, spec.root_drive_writable, true);
  }
  for (size_t i = 0; s.ok() && i < spec.drive_mounts.size(); ++i) {
    const auto& d = spec.drive_mounts[i];
    s = check_file("drive mount " + std::to_string(i), d.host_path, d.writable, true);
  }
  if (s.ok() && wants_mmds(spec) && host.socat.empty()) {
    s = Status::FailedPrecondition(
        "NetworkInterfaces AllowMMDS needs socat in PATH (apt-get install socat)");
  }
  return s;
}

Status qemu_arguments(const VmSpec& spec, const QemuHost& host, std::vector<std::string>* args) {
  if (spec.kernel_image.empty()) {
    return Status::FailedPrecondition(
        "no kernel image: the request has no KernelImagePath and vm.kernel_image is not set");
  }
  Status s = check_inputs(spec, host);
  const std::string initrd = initrd_beside(spec.kernel_image);
  if (!s.ok()) return s;

  std::vector<std::string> a = {"-name",
                                qemu_escape(spec.vm_id),
                                "-M",
                                "microvm",
                                "-accel",
                                host.kvm ? "kvm" : "tcg,tb-size=32",
                                "-cpu",
                                host.kvm ? "host" : "qemu64,+arat",
                                "-m",
                                std::to_string(spec.memory_mib) + "M",
                                "-smp",
                                std::to_string(spec.vcpus),
                                "-nodefaults",
                                "-no-user-config",
                                "-display",
                                "none",
                                "-no-reboot",
                                "-kernel",
                                spec.kernel_image};
  if (!initrd.empty()) a.insert(a.end(), {"-initrd", initrd});
  a.insert(a.end(),
           {"-append", guest_kernel_args(spec.kernel_args, host, spec.root_drive_partuuid)});
  const std::string qmp_fd = std::to_string(kQmpChildFd);
  const std::string agent_fd = std::to_string(kAgentChildFd);
  const std::string console_fd = std::to_string(kConsoleChildFd);
  a.insert(a.end(), {"-chardev", "socket,id=qmp,fd=" + qmp_fd + ",server=on,wait=off", "-mon",
                     "chardev=qmp,mode=control", "-chardev", "socket,id=console,fd=" + console_fd,
                     "-serial", "chardev:console", "-device", "virtio-serial-device,id=vser0",
                     "-chardev", "socket,id=agent,fd=" + agent_fd + ",server=on,wait=off",
                     "-device", "virtserialport,bus=vser0.0,chardev=agent,name=org.ember.agent.0",
                     "-fw_cfg", "name=opt/org.ember/vm-id,string=" + qemu_escape(spec.vm_id)});
  s = add_qemu_drives(spec, &a);
  if (!s.ok()) return s;
  add_network_interfaces(spec, &a);
  if (wants_mmds(spec)) add_mmds_network(host, &a);
  if (spec.balloon) {
    a.insert(a.end(), {"-device", std::string("virtio-balloon-device,id=balloon0,deflate-on-oom=") +
                                      (spec.balloon->deflate_on_oom ? "on" : "off") +
                                      ",free-page-reporting=on"});
  }
  *args = std::move(a);
  return Status::Ok();
}

}  // namespace ember::shim::qemu
