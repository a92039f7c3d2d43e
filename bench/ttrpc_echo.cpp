// ttrpc_echo: round-trip latency and throughput of ember's ttrpc server and
// client, without the control plane. One process: a ttrpc::Server with an
// echo method on a unix socket in a temp dir, served by one event loop
// thread, and ttrpc::Clients on a second event loop thread (as emberd and a
// client would each have one I/O thread). Closed loop: each reply starts the
// next call, so `in flight` is constant. Prints one JSON object on stdout.
#include <stdlib.h>
#include <unistd.h>

#include <cstdio>
#include <future>
#include <iostream>
#include <memory>
#include <string>
#include <vector>

#include <CLI/CLI.hpp>
#include <nlohmann/json.hpp>

#include "bench/lib/runner.hpp"
#include "bench/lib/stats.hpp"
#include "io/event_loop.hpp"
#include "io/ttrpc/ttrpc.hpp"

namespace {

using ember::Status;
using namespace ember::bench;

constexpr const char* kService = "bench.Echo";
constexpr const char* kMethod = "Echo";

struct Options {
  size_t requests = 100000;  // measured per row
  double duration = 0;       // > 0: each row runs this long instead
  size_t warmup = 5000;
  size_t payload = 64;
  size_t connections = 16;
};

// One row: `in_flight` calls outstanding over `conns` connections.
struct Row {
  size_t in_flight;
  size_t conns;
};

// A temp directory holding the socket; removed (with it) at exit.
class SocketDir {
 public:
  SocketDir() {
    char tmpl[] = "/tmp/ttrpc-echo-XXXXXX";
    if (::mkdtemp(tmpl) != nullptr) path_ = tmpl;
  }
  ~SocketDir() {
    if (!path_.empty()) ::rmdir(path_.c_str());
  }
  const std::string& path() const { return path_; }

 private:
  std::string path_;
};

using Clients = std::vector<std::shared_ptr<ember::ttrpc::Client>>;

RunStats drive(ember::io::EventLoop& loop, const Clients& clients, const Row& row, size_t count,
               double duration, const std::string& payload, Samples* lat) {
  RunLimits limits;
  limits.count = count;
  limits.concurrency = row.in_flight;
  if (duration > 0) {
    limits.count = 100000000;  // bounded by the duration
    limits.start_deadline = Clock::now() + std::chrono::duration_cast<Clock::duration>(
                                               std::chrono::duration<double>(duration));
  }
  return run_closed_loop(
      loop, limits,
      [&](size_t i, Finish finish) {
        const auto sent = Clock::now();
        ember::ttrpc::CallOptions opts;
        opts.timeout = std::chrono::seconds(30);
        clients[i % row.conns]->call(kService, kMethod, payload, std::move(opts),
                                     [lat, sent, finish](ember::ttrpc::CallResult r) {
                                       if (r.status.ok() && lat != nullptr)
                                         lat->add(sent, Clock::now());
                                       finish(r.status);
                                     });
      },
      nullptr);
}

// Every row: warm-up, then the measured calls. *failed when a call failed.
nlohmann::ordered_json measure_rows(ember::io::EventLoop& loop, const Clients& clients,
                                    const Options& o, bool* failed) {
  const std::string payload(o.payload, 'x');
  const std::vector<Row> rows = {
      {1, 1}, {16, 1}, {64, 1}, {16, o.connections}, {64, o.connections}};
  nlohmann::ordered_json results = nlohmann::ordered_json::array();
  for (const Row& row : rows) {
    drive(loop, clients, row, o.warmup, 0, payload, nullptr);
    Samples lat;
    lat.reserve(o.duration > 0 ? 1 << 20 : o.requests);
    RunStats st = drive(loop, clients, row, o.requests, o.duration, payload, &lat);
    *failed = *failed || st.failed > 0;
    results.push_back({{"connections", row.conns},
                       {"in_flight", row.in_flight},
                       {"requests", st.succeeded},
                       {"failed", st.failed},
                       {"seconds", st.seconds()},
                       {"requests_per_second", rate(st.succeeded, st.seconds())},
                       {"latency_us", to_json(lat.summarize())}});
  }
  return results;
}

int run(const Options& o) {
  SocketDir dir;
  if (dir.path().empty()) {
    std::perror("ttrpc_echo: mkdtemp");
    return 1;
  }
  ember::io::EventLoop server_loop;
  ember::io::EventLoop client_loop;
  auto server = std::make_unique<ember::ttrpc::Server>(server_loop);
  server->add_method(kService, kMethod, [](ember::ttrpc::Request req, ember::ttrpc::Responder r) {
    r.reply(Status::Ok(), std::move(req.payload));
  });
  Status s = server->listen(dir.path() + "/echo.sock");
  if (!s.ok()) {
    std::cerr << "ttrpc_echo: " << s.ToString() << "\n";
    return 1;
  }
  server_loop.start_thread();
  client_loop.start_thread();
  Clients clients;
  for (size_t i = 0; i < o.connections; ++i) {
    auto c = ember::ttrpc::Client::connect(client_loop, server->path(), &s);
    if (!c) {
      std::cerr << "ttrpc_echo: " << s.ToString() << "\n";
      return 1;
    }
    clients.push_back(std::move(c));
  }
  bool failed = false;
  nlohmann::ordered_json results = measure_rows(client_loop, clients, o, &failed);
  for (auto& c : clients)
    c->close();
  clients.clear();
  // A server is destroyed on its loop thread (or with the loop stopped).
  std::promise<void> gone;
  server_loop.post([&] {
    server.reset();
    gone.set_value();
  });
  gone.get_future().wait();

  nlohmann::ordered_json out = {
      {"benchmark", "ttrpc_echo"},
      {"setup", "one process; server and clients on two event loop threads; unix socket"},
      {"payload_bytes", o.payload},
      {"warmup_per_row", o.warmup},
      {"mode", o.duration > 0 ? "duration" : "requests"},
      {"duration_seconds", o.duration},
      {"results", std::move(results)}};
  std::cout << out.dump() << "\n";
  return failed ? 1 : 0;
}

}  // namespace

int main(int argc, char** argv) {
  Options o;
  CLI::App app("ttrpc echo round trips: latency and throughput; prints JSON", "ttrpc_echo");
  app.add_option("-n,--requests", o.requests, "measured calls per row")
      ->capture_default_str()
      ->check(CLI::Range(1, 100000000));
  app.add_option("-d,--duration", o.duration, "run each row this many seconds instead")
      ->check(CLI::Range(0.001, 3600.0));
  app.add_option("--warmup", o.warmup, "unmeasured calls before each row")
      ->capture_default_str()
      ->check(CLI::Range(0, 10000000));
  app.add_option("--payload", o.payload, "request (and reply) payload bytes")
      ->capture_default_str()
      ->check(CLI::Range(0, 1 << 20));
  app.add_option("--connections", o.connections, "connections of the multi-connection rows")
      ->capture_default_str()
      ->check(CLI::Range(1, 1024));
  CLI11_PARSE(app, argc, argv);
  return run(o);
}
