#include "shim/run_shim.hpp"

#include <limits.h>
#include <signal.h>
#include <sys/prctl.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>
#include <vector>

#include <spdlog/sinks/stdout_sinks.h>
#include <spdlog/spdlog.h>

#include "config/config.hpp"
#include "io/event_loop.hpp"
#include "io/ttrpc/ttrpc.hpp"
#include "shim/backend_program.hpp"
#include "shim/event_publisher.hpp"
#include "shim/fccontrol_service.hpp"
#include "shim/launch.hpp"
#include "shim/shim_args.hpp"
#include "shim/vm_events.hpp"
#include "shim/vm_status_service.hpp"
#include "shimproc/launch_contract.hpp"
#include "shimproc/shim_process.hpp"
#include "shimproc/shim_state.hpp"
#include "shimproc/vm_dir.hpp"

namespace ember::shim {
namespace {

// How long an exiting shim waits for containerd to take its last events (the
// VM's stop event) when it is connected; not at all when it is not.
constexpr std::chrono::milliseconds kExitDrainBound{500};

std::string ttrpc_address() {
  const char* address = std::getenv(shimproc::kTtrpcAddressEnv);
  return address != nullptr ? address : "";
}

// The launch contract's start-failure line: emberd gives it to the caller.
void say_why_not_started(const Status& s) {
  std::fprintf(stderr, "%s\n", shimproc::start_failure_line(s).c_str());
  std::fflush(stderr);
}

int bad_launch(const Status& s) {
  std::fprintf(stderr, "ember-shim: %s\n", s.message().c_str());
  say_why_not_started(s);
  return kExitBadLaunch;
}

std::string self_exe() {
  char buf[PATH_MAX];
  const ssize_t n = ::readlink("/proc/self/exe", buf, sizeof(buf) - 1);
  return n > 0 ? std::string(buf, static_cast<std::size_t>(n)) : std::string();
}

void setup_logging(const ShimArgs& args, const config::Config& cfg) {
  auto logger = std::make_shared<spdlog::logger>("ember-shim",
                                                 std::make_shared<spdlog::sinks::stderr_sink_st>());
  // emberd forwards these lines into its own log: say whose they are.
  logger->set_pattern("%Y-%m-%dT%H:%M:%S.%e %l ember-shim[%P] " + args.ns + "/" + args.id + ": %v");
  logger->set_level(args.debug ? spdlog::level::debug : spdlog::level::from_str(cfg.log.level));
  logger->flush_on(spdlog::level::trace);
  spdlog::set_default_logger(logger);
}

// emberd owns the VM directory; the shim only uses its names.
struct BorrowedVmDir {
  shimproc::VmDir dir;
  ~BorrowedVmDir() { dir.release(); }
};

VmIdentity identity_of(const ShimArgs& args, const shimproc::VmDir& dir) {
  VmIdentity vm;
  vm.ns = args.ns;
  vm.id = args.id;
  vm.dir = dir.path();
  vm.vmm_socket_path = dir.vmm_socket_path();
  vm.vmm_log_fifo_path = dir.vmm_log_fifo_path();
  vm.metrics_fifo_path = dir.metrics_fifo_path();
  return vm;
}

// What a restarted emberd needs to find and trust this shim.
shimproc::ShimState state_of(const ShimArgs& args, const config::Config& cfg,
                             const Launch& launch) {
  shimproc::ShimState state;
  state.pid = ::getpid();
  state.start_time = shimproc::process_start_time(state.pid);
  state.ns = args.ns;
  state.id = args.id;
  state.address = !args.address.empty() ? args.address : cfg.containerd_address;
  state.shim_socket = launch.shim_socket_path;
  state.fccontrol_socket = launch.fccontrol_socket_path;
  state.backend = config::to_string(cfg.vmm.backend);
  return state;
}

// Serves both sockets until the VM is stopped or its VMM ends; the exit code.
int serve(const ShimArgs& args, const config::Config& cfg, Launch launch,
          const shimproc::VmDir& vm_dir, VmmFactory factory) {
  io::EventLoop loop;
  EventPublisher events(loop, ttrpc_address(), args.ns);
  int exit_code = -1;  // set once, by the first request to exit
  auto exit = [&loop, &exit_code, &events](int code) {
    if (exit_code < 0) exit_code = code;
    events.drain(kExitDrainBound, [&loop] { loop.stop(); });
  };
  VmStatusService status;  // what emberd's inventory hears of the VM
  FcControlService service(loop, cfg, identity_of(args, vm_dir), std::move(factory), exit,
                           [&events, &args](VmEvent e) { publish_vm_event(events, e, args.id); });
  // Declared after the service: the servers (and their handlers) go first.
  ttrpc::Server task_server(loop);
  ttrpc::Server fccontrol_server(loop);
  service.register_methods(fccontrol_server);
  service.report_status_to(&status);
  status.register_methods(fccontrol_server);
  const shimproc::ShimState state = state_of(args, cfg, launch);
  Status s = task_server.adopt(std::move(launch.shim_socket));
  if (s.ok()) s = fccontrol_server.adopt(std::move(launch.fccontrol_socket));
  if (!s.ok()) {
    spdlog::error("cannot serve the inherited sockets: {}", s.ToString());
    say_why_not_started(s);
    return kExitFailure;
  }
  shimproc::ShimStateFile state_file;
  s = state_file.write(vm_dir.state_path(), state);
  if (!s.ok()) {
    spdlog::error("cannot write the shim state: {}", s.ToString());
    say_why_not_started(s);
    return kExitFailure;
  }
  // Recorded now: from here on a restarted emberd finds us, so we may outlive
  // the emberd that spawned us (launch_contract.hpp). Not before: unrecorded,
  // we would run on unaccounted for.
  if (::prctl(PR_SET_PDEATHSIG, 0) != 0) {
    spdlog::error("cannot clear the parent-death signal: {}", std::strerror(errno));
    return kExitFailure;
  }
  spdlog::info("serving VM {} (backend {}, config {})", args.id, state.backend,
               cfg.source.empty() ? "defaults" : cfg.source);
  loop.run();
  spdlog::info("exiting with code {}", exit_code);
  return exit_code < 0 ? kExitFailure : exit_code;
}

}  // namespace

int run_shim(int argc, char** argv, VmmFactory factory, HandOff hand_off) {
  // emberd may restart and close our stderr pipe: a log line must not kill us.
  ::signal(SIGPIPE, SIG_IGN);

  ShimArgs args;
  Status s = parse_shim_args(std::vector<std::string>(argv + 1, argv + argc), &args);
  if (!s.ok()) {
    std::fprintf(stderr, "ember-shim: %s\n%s", s.message().c_str(), shim_usage());
    return kExitBadLaunch;
  }
  if (args.help) {
    std::fputs(shim_usage(), stdout);
    return kExitOk;
  }
  config::Config cfg;
  const std::string exe = self_exe();
  s = config::resolve(args.config_path, exe, &cfg);
  if (!s.ok()) return bad_launch(s);
  // Before the launch is taken over (that marks fds 3 and 4 close-on-exec).
  if (hand_off == HandOff::to_backend_program) {
    s = hand_off_backend(exe, cfg.vmm.backend, argv);
    if (!s.ok()) return bad_launch(s);
  }
  Launch launch;
  s = take_launch(args, &launch);
  if (!s.ok()) return bad_launch(s);
  args.id = launch.vm_id;
  setup_logging(args, cfg);

  BorrowedVmDir vm_dir;
  const std::string base_dir = launch.vm_dir.substr(0, launch.vm_dir.rfind('/'));
  s = shimproc::VmDir::adopt(base_dir.empty() ? "/" : base_dir, args.ns, args.id, &vm_dir.dir);
  if (!s.ok()) return bad_launch(s);
  return serve(args, cfg, std::move(launch), vm_dir.dir, std::move(factory));
}

}  // namespace ember::shim
