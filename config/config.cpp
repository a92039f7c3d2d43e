#include "config/config.hpp"

#include <unistd.h>

#include <cerrno>
#include <climits>
#include <cstdlib>

namespace ember::config {

const char* to_string(Backend b) {
  switch (b) {
    case Backend::qemu:
      return "qemu";
    case Backend::firecracker:
      return "firecracker";
    case Backend::hollow:
      return "hollow";
  }
  return "?";
}

const char* to_string(LogFormat f) {
  switch (f) {
    case LogFormat::text:
      return "text";
    case LogFormat::json:
      return "json";
  }
  return "?";
}

std::string guest_image_dir(uid_t uid, const char* xdg_cache_home, const char* home) {
  if (uid == 0) return "/var/cache/ember/guest";
  if (xdg_cache_home != nullptr && xdg_cache_home[0] == '/')
    return std::string(xdg_cache_home) + "/ember/guest";
  if (home != nullptr && home[0] == '/') return std::string(home) + "/.cache/ember/guest";
  return "/tmp/ember-" + std::to_string(uid) + "/guest";
}

std::string tombstone_dir(const Config& c) {
  if (!c.tombstones.dir.empty()) return c.tombstones.dir;
  const size_t slash = c.state_dir.rfind('/');
  return (slash == 0 || slash == std::string::npos ? std::string() : c.state_dir.substr(0, slash)) +
         "/tombstones";
}

Config defaults_for(uid_t uid, const char* xdg_runtime_dir) {
  Config c;
  c.vm.kernel_image =
      guest_image_dir(uid, std::getenv("XDG_CACHE_HOME"), std::getenv("HOME")) + "/vmlinux";
  if (uid == 0) {
    c.socket = "/run/ember/ember.sock";
    c.state_dir = "/run/ember/s";
    c.shim_base_dir = "/var/lib/ember";
    return c;
  }
  // The XDG spec says a relative $XDG_RUNTIME_DIR is invalid and must be ignored.
  std::string base = (xdg_runtime_dir != nullptr && xdg_runtime_dir[0] == '/')
                         ? std::string(xdg_runtime_dir) + "/ember"
                         : "/tmp/ember-" + std::to_string(uid);
  c.socket = base + "/ember.sock";
  c.state_dir = base + "/s";
  c.shim_base_dir = base + "/vm";
  return c;
}

namespace {

// The running binary's path when the caller has none to give.
Status self_exe_path(std::string* out) {
  char buf[PATH_MAX];
  ssize_t n = ::readlink("/proc/self/exe", buf, sizeof(buf) - 1);
  if (n < 0) return Status::FromErrno("readlink /proc/self/exe", errno);
  out->assign(buf, static_cast<size_t>(n));
  return Status::Ok();
}

}  // namespace

Status resolve(const std::string& cli_path, const std::string& self_exe, Config* out) {
  Config c = defaults_for(::getuid(), std::getenv("XDG_RUNTIME_DIR"));
  const char* env_path = std::getenv("EMBER_CONFIG");
  if (!cli_path.empty()) {
    Status s = load_file(cli_path, &c);
    if (!s.ok()) return s;
  } else if (env_path != nullptr && env_path[0] != '\0') {
    Status s = load_file(env_path, &c);
    if (!s.ok()) return Status(s.code(), s.message() + " (from $EMBER_CONFIG)");
  }
  if (c.shim_binary.empty()) {
    std::string exe = self_exe;
    if (exe.empty()) {
      Status s = self_exe_path(&exe);
      if (!s.ok()) return s;
    }
    if (exe[0] != '/') {
      return Status::InvalidArgument("running binary path \"" + exe +
                                     "\" is not absolute: cannot place ember-shim beside it");
    }
    c.shim_binary = exe.substr(0, exe.rfind('/') + 1) + "ember-shim";
  }
  *out = std::move(c);
  return Status::Ok();
}

}  // namespace ember::config
