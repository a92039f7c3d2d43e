// vm wait-ready: blocks until the guest of a VM printed its ready line (the
// shim then writes <VM dir>/guest-ready; qemu backend), and prints that line.
#include <CLI/CLI.hpp>
#include <chrono>
#include <fstream>
#include <future>
#include <memory>
#include <string>

#include "bench/lib/file_waiter.hpp"
#include "cmd/emberctl/vm_commands.hpp"
#include "fccontrol.pb.h"
#include "io/event_loop.hpp"

namespace ember::ctl {
namespace {

constexpr const char* kGuestReadyFile = "guest-ready";

struct WaitReadyOptions {
  std::string id;
  double timeout_seconds = 120;
};

// Waits (inotify, on a private loop) for dir/guest-ready to exist.
Status wait_for_file(const std::string& dir, std::chrono::milliseconds timeout) {
  io::EventLoop loop;
  loop.start_thread();
  bench::FileWaiter waiter(loop);
  if (Status s = waiter.start(); !s.ok()) return s;
  auto done = std::make_shared<std::promise<Status>>();
  auto result = done->get_future();
  loop.post([&waiter, dir, done] {
    int key = 0;
    Status s = waiter.wait(
        dir, kGuestReadyFile, "", [done](const Status& st) { done->set_value(st); }, &key);
    if (!s.ok()) done->set_value(s);
  });
  if (result.wait_for(timeout) != std::future_status::ready) {
    loop.stop();
    return Status::DeadlineExceeded("guest did not report ready within " +
                                    std::to_string(timeout.count()) + " ms (no " + dir + "/" +
                                    kGuestReadyFile + ")");
  }
  Status s = result.get();
  loop.stop();
  return s;
}

Status run_wait_ready(const WaitReadyOptions& o, Invocation& inv) {
  GetVMInfoRequest req;
  req.set_vmid(o.id);
  GetVMInfoResponse info;
  if (Status s = inv.call("GetVMInfo", req, &info, kDefaultCallTimeout); !s.ok()) return s;
  const std::string& sock = info.socketpath();
  auto slash = sock.rfind('/');
  if (slash == std::string::npos || slash == 0)
    return Status::FailedPrecondition("VM " + o.id + " reports no VM directory (SocketPath \"" +
                                      sock + "\")");
  std::string dir = sock.substr(0, slash);
  auto timeout = std::chrono::milliseconds(static_cast<int64_t>(o.timeout_seconds * 1000));
  if (Status s = wait_for_file(dir, timeout); !s.ok()) {
    if (s.code() == Code::unavailable)
      return Status::NotFound("VM " + o.id + " went away while waiting for its guest");
    return s;
  }
  std::ifstream in(dir + "/" + kGuestReadyFile);
  std::string line;
  std::getline(in, line);
  inv.output().record({{"VMID", o.id}, {"GuestReady", line}});
  return Status::Ok();
}

}  // namespace

void add_vm_wait_ready_command(CLI::App& vm, Action* chosen) {
  auto o = std::make_shared<WaitReadyOptions>();
  CLI::App* sub = vm.add_subcommand(
      "wait-ready", "Wait until the VM's guest printed its ready line (qemu backend)");
  sub->add_option("ID", o->id, "VM id")->required();
  sub->add_option("--wait", o->timeout_seconds, "give up after this many seconds (default 120)")
      ->check(CLI::PositiveNumber);
  sub->callback(
      [o, chosen] { *chosen = [o](Invocation& inv) { return run_wait_ready(*o, inv); }; });
}

}  // namespace ember::ctl
