// Debian bookworm's cpp-httplib (0.11.4) listens on AF_UNIX as well as TCP
// (set_address_family, the path given as the host), so one library covers
// both forms of metrics.listen. Its listening socket is O_CLOEXEC; the
// connections it accepts are not (plain accept()), which no child sees: a
// shim's spawn closes every fd above 4 (shimproc/child_spawn.cpp).
#include "metrics/metrics_server.hpp"

#include <httplib.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <future>

#include "base/unique_fd.hpp"
#include "io/unix_socket.hpp"
#include "metrics/exposition.hpp"

namespace ember::metrics {
namespace {

// A socket file nobody listens on any more (emberd was killed) is removed;
// one a live server holds is not taken over.
Status clear_stale_socket(const std::string& path) {
  struct stat st;
  if (::lstat(path.c_str(), &st) != 0)
    return errno == ENOENT ? Status::Ok() : Status::FromErrno("lstat " + path, errno);
  if (!S_ISSOCK(st.st_mode))
    return Status::FailedPrecondition(path + " exists and is not a socket");
  UniqueFd probe;
  if (io::connect_unix(path, &probe).ok())
    return Status::AlreadyExists("a server is already listening on " + path);
  if (::unlink(path.c_str()) != 0 && errno != ENOENT)
    return Status::FromErrno("unlink stale socket " + path, errno);
  return Status::Ok();
}

void add_routes(httplib::Server& http, std::function<std::string()> render) {
  http.Get("/metrics",
           [render = std::move(render)](const httplib::Request&, httplib::Response& res) {
             res.set_content(render(), kTextContentType);
           });
  http.Get("/", [](const httplib::Request&, httplib::Response& res) {
    res.set_content("ember metrics: GET /metrics\n", "text/plain");
  });
}

}  // namespace

Status MetricsServer::start(const config::ListenAddress& where, std::function<std::string()> render,
                            std::unique_ptr<MetricsServer>* out) {
  std::unique_ptr<MetricsServer> server(new MetricsServer());
  server->http_ = std::make_unique<httplib::Server>();
  httplib::Server& http = *server->http_;
  // One worker: scrapes are rare and each is a short render; a second
  // scraper waits in the backlog rather than costing a thread per core.
  // httplib asks for it once its accept loop counts as running, the moment
  // after which stop() is sure to end that loop: start() returns only then.
  auto running = std::make_shared<std::promise<void>>();
  std::future<void> started = running->get_future();
  http.new_task_queue = [running] {
    running->set_value();
    return new httplib::ThreadPool(1);
  };
  http.set_read_timeout(5, 0);
  http.set_write_timeout(5, 0);
  add_routes(http, std::move(render));
  bool bound = false;
  if (where.kind == config::ListenAddress::Kind::unix_socket) {
    if (Status s = clear_stale_socket(where.path); !s.ok()) return s;
    http.set_address_family(AF_UNIX);
    bound = http.bind_to_port(where.path.c_str(), 80);  // the port is ignored for AF_UNIX
    server->socket_path_ = where.path;
    server->described_ = "unix:" + where.path;
  } else {
    bound = http.bind_to_port(where.host.c_str(), where.port);
    server->described_ =
        (where.host == "::1" ? "[::1]" : where.host) + ":" + std::to_string(where.port);
  }
  if (!bound) {
    server->socket_path_.clear();  // not ours: a failed bind made no file
    return Status::Unavailable("metrics.listen: cannot listen on " + server->described_ + ": " +
                               std::strerror(errno));
  }
  server->thread_ = std::thread([&http] { http.listen_after_bind(); });
  started.wait();
  *out = std::move(server);
  return Status::Ok();
}

MetricsServer::~MetricsServer() {
  if (http_) http_->stop();
  if (thread_.joinable()) thread_.join();
  if (!socket_path_.empty()) ::unlink(socket_path_.c_str());
}

}  // namespace ember::metrics
