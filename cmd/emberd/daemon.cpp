#include "cmd/emberd/daemon.hpp"

#include <signal.h>
#include <spdlog/spdlog.h>
#include <sys/resource.h>
#include <unistd.h>

#include <CLI/CLI.hpp>
#include <cerrno>
#include <cstring>
#include <iostream>
#include <memory>
#include <thread>

#include "actors/control_plane.hpp"
#include "cmd/emberd/journal_service.hpp"
#include "cmd/emberd/journal_setup.hpp"
#include "cmd/emberd/logging.hpp"
#include "cmd/emberd/tombstone_service.hpp"
#include "config/config.hpp"
#include "io/event_loop.hpp"
#include "io/ttrpc/ttrpc.hpp"
#include "journal/journal_writer.hpp"
#include "shimproc/shim_address.hpp"

namespace ember {
namespace {

std::string self_exe() {
  char buf[4096];
  ssize_t n = ::readlink("/proc/self/exe", buf, sizeof buf - 1);
  return n > 0 ? std::string(buf, static_cast<size_t>(n)) : std::string();
}

// Many VMs mean many sockets and pidfds: use all the descriptors we may.
void raise_fd_limit() {
  rlimit rl{};
  if (::getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur < rl.rlim_max) {
    rl.rlim_cur = rl.rlim_max;
    if (::setrlimit(RLIMIT_NOFILE, &rl) != 0)
      spdlog::warn("cannot raise RLIMIT_NOFILE: {}", std::strerror(errno));
  }
}

// Blocks the shutdown signals in every thread (threads inherit the mask), so
// the main thread can sigwait for them.
sigset_t block_shutdown_signals() {
  sigset_t set;
  sigemptyset(&set);
  sigaddset(&set, SIGTERM);
  sigaddset(&set, SIGINT);
  pthread_sigmask(SIG_BLOCK, &set, nullptr);
  ::signal(SIGPIPE, SIG_IGN);
  return set;
}

// Tells a supervisor (a test, a script) that the socket is accepting.
void notify_ready(int fd) {
  static const char kReady[] = "ready\n";
  if (::write(fd, kReady, sizeof kReady - 1) < 0)
    spdlog::warn("--ready-fd {}: {}", fd, std::strerror(errno));
  ::close(fd);
}

// The config from file or defaults, logging set up, the shim binary
// checked. 0, or the exit code to return.
int prepare(const std::string& config_path, bool stop_vms_on_exit, config::Config* cfg) {
  if (Status s = config::resolve(config_path, self_exe(), cfg); !s.ok()) {
    std::cerr << "emberd: " << s.message() << "\n";
    return 2;
  }
  if (stop_vms_on_exit) cfg->stop_vms_on_exit = true;
  if (Status s = setup_logging(cfg->log); !s.ok()) {
    std::cerr << "emberd: " << s.message() << "\n";
    return 2;
  }
  if (::access(cfg->shim_binary.c_str(), X_OK) != 0) {
    spdlog::error("shim binary {} is not executable: {}", cfg->shim_binary, std::strerror(errno));
    return 2;
  }
  if (Status s = shimproc::check_socket_path_room(cfg->state_dir, cfg->containerd_address);
      !s.ok()) {
    spdlog::error("{}", s.message());
    return 2;
  }
  return 0;
}

// The bounds each client connection gets (docs/config.md, limits.connection).
ttrpc::ServerOptions server_options(const config::Limits& limits) {
  ttrpc::ServerOptions opts;
  opts.connection.max_in_flight = limits.connection.max_in_flight;
  opts.connection.max_queued_reply_bytes = limits.connection.max_queued_reply_bytes;
  opts.connection.max_request_bytes = limits.connection.max_request_bytes;
  opts.connection.requests_per_turn = limits.connection.requests_per_turn;
  opts.max_buffered_request_bytes = limits.max_buffered_request_bytes;
  return opts;
}

void log_recovery(const actors::ControlPlane::Recovered& rec) {
  if (rec.adopted || rec.failed || rec.killed || rec.removed_dirs || rec.removed_sockets)
    spdlog::info(
        "recovery: adopted {} running VM(s), {} failed; killed {} shim(s) of VMs never "
        "created; removed {} VM dir(s), {} stale socket(s)",
        rec.adopted, rec.failed, rec.killed, rec.removed_dirs, rec.removed_sockets);
}

// Serves until SIGTERM/SIGINT, then shuts down. The exit code.
int serve(const config::Config& cfg, int ready_fd) {
  raise_fd_limit();
  sigset_t signals = block_shutdown_signals();
  // Before the loop, so it outlives it: completions are recorded on the loop
  // thread. Its thread starts with the shutdown signals blocked.
  std::unique_ptr<journal::JournalWriter> journal;
  if (Status s = start_journal(cfg, &journal); !s.ok()) {
    spdlog::error("{}", s.message());
    return 1;
  }
  io::EventLoop loop;
  auto server = std::make_unique<ttrpc::Server>(loop, server_options(cfg.limits));
  auto plane = std::make_unique<actors::ControlPlane>(loop, cfg, journal.get());
  plane->serve(*server);
  serve_journal(*server, journal.get(), cfg.journal);
  serve_tombstones(*server, config::tombstone_dir(cfg));
  // The actors run on the loop: it runs before anything asks them.
  std::thread io_thread([&loop] { loop.run(); });
  // Shims that outlived a previous emberd are adopted before the socket
  // exists, so no call is served before them.
  log_recovery(plane->recover());
  if (Status s = server->listen(cfg.socket); !s.ok()) {
    spdlog::error("cannot serve on {}: {}", cfg.socket, s.ToString());
    plane.reset();
    loop.stop();
    io_thread.join();
    return 1;
  }
  if (ready_fd >= 0) notify_ready(ready_fd);
  spdlog::info("emberd listening on {} (backend {}, config {})", cfg.socket,
               config::to_string(cfg.vmm.backend), cfg.source.empty() ? "built-in" : cfg.source);

  int sig = 0;
  sigwait(&signals, &sig);
  spdlog::info("emberd: {} received, shutting down", strsignal(sig));
  server->stop_accepting();
  if (cfg.stop_vms_on_exit) {
    uint32_t n = plane->stop_all_vms();
    spdlog::info("emberd: stopped {} VM(s)", n);
  }
  plane.reset();  // detaches the VMs that remain: their shims keep running
  loop.stop();
  io_thread.join();
  // Journal service replies still queued run now, while their loop exists.
  if (journal) journal->flush();
  server.reset();
  spdlog::info("emberd: exited");
  return 0;
}

}  // namespace

int run_emberd(int argc, char** argv) {
  CLI::App app{"emberd: the ember microVM control plane daemon"};
  std::string config_path;
  bool stop_vms_on_exit = false;
  int ready_fd = -1;
  app.add_option("--config", config_path,
                 "YAML config file (default: $EMBER_CONFIG, else built-in defaults)");
  app.add_flag("--stop-vms-on-exit", stop_vms_on_exit,
               "stop every VM before exiting on SIGTERM/SIGINT (default: leave them running)");
  app.add_option("--ready-fd", ready_fd,
                 "write \"ready\\n\" to this inherited fd, then close it, once serving");
  app.set_version_flag("--version", "emberd " EMBER_VERSION);
  CLI11_PARSE(app, argc, argv);

  config::Config cfg;
  if (int rc = prepare(config_path, stop_vms_on_exit, &cfg); rc != 0) return rc;
  return serve(cfg, ready_fd);
}

}  // namespace ember
