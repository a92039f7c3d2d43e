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
#include "cmd/emberd/fleet_service.hpp"
#include "cmd/emberd/host_memory_reports.hpp"
#include "cmd/emberd/inventory_service.hpp"
#include "cmd/emberd/journal_service.hpp"
#include "cmd/emberd/journal_setup.hpp"
#include "cmd/emberd/logging.hpp"
#include "cmd/emberd/metrics_setup.hpp"
#include "cmd/emberd/service_notify.hpp"
#include "cmd/emberd/startup_checks.hpp"
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

// The config from file or defaults, logging set up, the shim and VMM
// binaries and the guest kernel checked (startup_checks.hpp). 0, or the exit code to return.
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
  if (Status s = check_startup(*cfg); !s.ok()) {
    spdlog::error("{}{}", cfg->source.empty() ? "" : "config " + cfg->source + ": ", s.message());
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
  opts.connection.share_in_flight = limits.connection.share_in_flight;
  opts.max_buffered_request_bytes = limits.max_buffered_request_bytes;
  return opts;
}

void log_recovery(const actors::ControlPlane::Recovered& rec, metrics::Metrics* counters) {
  if (counters) counters->recovered(rec.adopted, rec.failed, rec.killed);
  if (rec.adopted || rec.failed || rec.killed || rec.removed_dirs || rec.removed_sockets)
    spdlog::info(
        "recovery: adopted {} running VM(s), {} failed; killed {} shim(s) of VMs never "
        "created; removed {} VM dir(s), {} stale socket(s)",
        rec.adopted, rec.failed, rec.killed, rec.removed_dirs, rec.removed_sockets);
}

// What serve() runs, in the order it must be torn down (last first).
struct Serving {
  std::unique_ptr<journal::JournalWriter> journal;  // outlives the loop
  std::unique_ptr<metrics::Metrics> metrics;        // outlives the plane
  std::unique_ptr<io::EventLoop> loop;
  std::unique_ptr<ttrpc::Server> server;
  std::unique_ptr<actors::ControlPlane> plane;
  std::unique_ptr<HostMemoryReports> host_memory;  // a fleet member's; before the plane goes
  std::unique_ptr<metrics::MetricsServer> metrics_server;
  std::thread io_thread;
};

// Adopts what a previous emberd left, then opens the socket and the metrics
// endpoint. On error, what runs is stopped again.
Status start_serving(const config::Config& cfg, Serving& srv) {
  log_recovery(srv.plane->recover(), srv.metrics.get());
  // A member is published once its adopted VMs are registered, so its first
  // report to the front names them.
  Status s = srv.plane->start_fleet();
  if (s.ok() && cfg.fleet.role == config::FleetRole::member)
    spdlog::info("fleet: member {} published on {}", cfg.fleet.name, cfg.fleet.listen);
  if (s.ok()) s = srv.server->listen(cfg.socket);
  if (!s.ok() && s.code() != Code::unavailable)
    s = Status(s.code(), "cannot serve on " + cfg.socket + ": " + s.ToString());
  if (s.ok() && srv.metrics) s = start_metrics_server(cfg, *srv.metrics, &srv.metrics_server);
  if (!s.ok()) {
    srv.plane.reset();
    srv.loop->stop();
    srv.io_thread.join();
  }
  return s;
}

// Serves until SIGTERM/SIGINT, then shuts down. The exit code.
int serve(const config::Config& cfg, int ready_fd) {
  raise_fd_limit();
  sigset_t signals = block_shutdown_signals();
  Serving srv;
  // Before the loop, so it outlives it: completions are recorded on the loop
  // thread. Its thread starts with the shutdown signals blocked.
  if (Status s = start_journal(cfg, &srv.journal); !s.ok()) {
    spdlog::error("{}", s.message());
    return 1;
  }
  srv.metrics = make_metrics(cfg, srv.journal.get());
  srv.loop = std::make_unique<io::EventLoop>();
  srv.server = std::make_unique<ttrpc::Server>(*srv.loop, server_options(cfg.limits));
  srv.plane =
      std::make_unique<actors::ControlPlane>(*srv.loop, cfg, srv.journal.get(), srv.metrics.get());
  srv.plane->serve(*srv.server);
  serve_journal(*srv.server, srv.journal.get(), cfg.journal);
  serve_inventory(*srv.server, *srv.plane);
  serve_fleet(*srv.server, *srv.plane);
  serve_tombstones(*srv.server, config::tombstone_dir(cfg));
  // The actors run on the loop: it runs before anything asks them. Shims
  // that outlived a previous emberd are adopted before the socket exists, so
  // no call is served before them.
  srv.io_thread = std::thread([loop = srv.loop.get()] { loop->run(); });
  if (Status s = start_serving(cfg, srv); !s.ok()) {
    spdlog::error("{}", s.message());
    return 1;
  }
  if (cfg.fleet.role == config::FleetRole::member)
    srv.host_memory =
        std::make_unique<HostMemoryReports>(*srv.loop, *srv.plane, cfg.fleet.report_interval_ms);
  if (ready_fd >= 0) notify_ready(ready_fd);
  notify_service_ready();
  spdlog::info("emberd listening on {} (backend {}, config {})", cfg.socket,
               config::to_string(cfg.vmm.backend), cfg.source.empty() ? "built-in" : cfg.source);
  if (cfg.fleet.role == config::FleetRole::front)
    spdlog::info("fleet: front of {} member(s); it runs no VM itself", cfg.fleet.members.size());

  int sig = 0;
  sigwait(&signals, &sig);
  spdlog::info("emberd: {} received, shutting down", strsignal(sig));
  notify_service_stopping();
  srv.server->stop_accepting();
  srv.metrics_server.reset();  // no scrape sees the VMs let go below as exits
  if (cfg.stop_vms_on_exit) {
    uint32_t n = srv.plane->stop_all_vms();
    spdlog::info("emberd: stopped {} VM(s)", n);
  }
  srv.host_memory.reset();
  srv.plane.reset();  // detaches the VMs that remain: their shims keep running
  srv.loop->stop();
  srv.io_thread.join();
  // Journal service replies still queued run now, while their loop exists.
  if (srv.journal) srv.journal->flush();
  srv.server.reset();
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
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    // --help and --version exit 0; every bad command line exits 2, as a bad
    // config does (CLI11's own codes, 105-114, are not documented anywhere).
    const int rc = app.exit(e);
    return rc == 0 ? 0 : 2;
  }

  config::Config cfg;
  if (int rc = prepare(config_path, stop_vms_on_exit, &cfg); rc != 0) return rc;
  return serve(cfg, ready_fd);
}

}  // namespace ember
