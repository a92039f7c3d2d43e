// vm logs [-f]: the guest console of a running VM (console.log.1, then
// console.log, in its VM directory; qemu backend). With -f it follows the log
// through its rotations until the VM directory is removed (the VM ended):
// inotify on the directory, no polling.
#include <fcntl.h>
#include <sys/inotify.h>
#include <unistd.h>

#include <CLI/CLI.hpp>
#include <cerrno>
#include <climits>
#include <memory>
#include <string>

#include "base/unique_fd.hpp"
#include "cmd/emberctl/vm_commands.hpp"
#include "cmd/emberctl/vm_dir_lookup.hpp"
#include "shimproc/launch_contract.hpp"

namespace ember::ctl {
namespace {

struct LogsOptions {
  std::string id;
  bool follow = false;
};

// Prints what fd holds from its offset to its end.
void print_rest(int fd, Output& out) {
  char buf[64 * 1024];
  for (;;) {
    const ssize_t n = ::read(fd, buf, sizeof buf);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return;
    out.text(std::string(buf, static_cast<size_t>(n)));
  }
}

UniqueFd open_log(const std::string& path) {
  return UniqueFd(::open(path.c_str(), O_RDONLY | O_CLOEXEC | O_NOFOLLOW));
}

// Follows dir/console.log from fd on: appends, a rotation (a new
// console.log appears: the old one, now console.log.1, is read to its end
// first), and the end of the VM (the log deleted with the directory).
Status follow(const std::string& dir, UniqueFd log, int inotify, Output& out) {
  alignas(inotify_event) char buf[sizeof(inotify_event) + NAME_MAX + 1];
  for (;;) {
    const ssize_t n = ::read(inotify, buf, sizeof buf);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return Status::FromErrno("read inotify", errno);
    for (ssize_t at = 0; at < n;) {
      const auto* ev = reinterpret_cast<const inotify_event*>(buf + at);
      at += static_cast<ssize_t>(sizeof(inotify_event) + ev->len);
      const bool is_log = ev->len > 0 && std::string(ev->name) == shimproc::kConsoleLogFile;
      // emberd deletes the log as it removes the VM dir (a rotation renames
      // it instead); the directory's own deletion may be reported late, when
      // its last reference goes.
      if ((is_log && (ev->mask & IN_DELETE)) ||
          (ev->mask & (IN_DELETE_SELF | IN_IGNORED | IN_MOVE_SELF))) {
        if (log) print_rest(log.get(), out);
        return Status::Ok();
      }
      if (is_log && (ev->mask & (IN_CREATE | IN_MOVED_TO))) {
        if (log) print_rest(log.get(), out);
        log = open_log(dir + "/" + shimproc::kConsoleLogFile);
      }
      if (log) print_rest(log.get(), out);
    }
  }
}

Status run_logs(const LogsOptions& o, Invocation& inv) {
  std::string dir;
  if (Status s = vm_dir_of(inv, o.id, &dir); !s.ok()) return s;
  // Watched before the first read: nothing written in between is missed.
  UniqueFd inotify;
  if (o.follow) {
    inotify = UniqueFd(::inotify_init1(IN_CLOEXEC));
    if (!inotify || ::inotify_add_watch(inotify.get(), dir.c_str(),
                                        IN_MODIFY | IN_CREATE | IN_MOVED_TO | IN_DELETE |
                                            IN_DELETE_SELF | IN_MOVE_SELF | IN_ONLYDIR) < 0)
      return Status::FromErrno("watch " + dir, errno);
  }
  UniqueFd log = open_log(dir + "/" + shimproc::kConsoleLogFile);
  if (!log)
    return Status::FailedPrecondition("VM " + o.id + " has no console log in " + dir +
                                      " (only the qemu backend keeps one)");
  if (UniqueFd old = open_log(dir + "/" + shimproc::kConsoleOldLogFile))
    print_rest(old.get(), inv.output());
  print_rest(log.get(), inv.output());
  if (!o.follow) return Status::Ok();
  return follow(dir, std::move(log), inotify.get(), inv.output());
}

}  // namespace

void add_vm_logs_command(CLI::App& vm, Action* chosen) {
  auto o = std::make_shared<LogsOptions>();
  CLI::App* sub =
      vm.add_subcommand("logs", "Print the guest console of a running VM (qemu backend)");
  sub->add_option("ID", o->id, "VM id")->required();
  sub->add_flag("-f,--follow", o->follow, "keep printing what the guest writes until the VM ends");
  sub->callback([o, chosen] { *chosen = [o](Invocation& inv) { return run_logs(*o, inv); }; });
}

}  // namespace ember::ctl
