#include "tests/e2e/prometheus_process.hpp"

#include <arpa/inet.h>
#include <fcntl.h>
#include <httplib.h>
#include <netinet/in.h>
#include <signal.h>
#include <spawn.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdlib>
#include <cstring>
#include <fstream>
#include <nlohmann/json.hpp>
#include <stdexcept>
#include <thread>
#include <vector>

#include "base/files.hpp"
#include "base/unique_fd.hpp"
#include "tests/support/emberd_harness.hpp"

extern char** environ;

namespace ember::e2e {
namespace {

using namespace std::chrono_literals;

bool in_path(const std::string& name) {
  const char* path = std::getenv("PATH");
  std::string dirs = path != nullptr ? path : "/usr/bin:/bin";
  for (size_t start = 0; start <= dirs.size();) {
    size_t end = dirs.find(':', start);
    if (end == std::string::npos) end = dirs.size();
    if (::access((dirs.substr(start, end - start) + "/" + name).c_str(), X_OK) == 0) return true;
    start = end + 1;
  }
  return false;
}

// argv (looked up in PATH) with stdin from in_path and stdout+stderr appended
// to out_path.
pid_t spawn(const std::vector<std::string>& args, const std::string& in_path,
            const std::string& out_path) {
  posix_spawn_file_actions_t fa;
  posix_spawn_file_actions_init(&fa);
  posix_spawn_file_actions_addopen(&fa, 0, in_path.c_str(), O_RDONLY, 0);
  posix_spawn_file_actions_addopen(&fa, 1, out_path.c_str(), O_WRONLY | O_CREAT | O_APPEND, 0600);
  posix_spawn_file_actions_adddup2(&fa, 1, 2);
  std::vector<char*> argv;
  for (const auto& a : args)
    argv.push_back(const_cast<char*>(a.c_str()));
  argv.push_back(nullptr);
  pid_t pid = -1;
  int rc = ::posix_spawnp(&pid, argv[0], &fa, nullptr, argv.data(), environ);
  posix_spawn_file_actions_destroy(&fa);
  if (rc != 0) throw std::runtime_error("spawn " + args[0] + ": " + std::strerror(rc));
  return pid;
}

int wait_exit(pid_t pid) {
  int status = 0;
  while (::waitpid(pid, &status, 0) < 0 && errno == EINTR) {
  }
  return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}

}  // namespace

bool prometheus_installed() {
  return in_path("prometheus") && in_path("promtool");
}

uint16_t free_loopback_port() {
  UniqueFd fd(::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0));
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  socklen_t len = sizeof a;
  if (::bind(fd.get(), reinterpret_cast<sockaddr*>(&a), sizeof a) != 0 ||
      ::getsockname(fd.get(), reinterpret_cast<sockaddr*>(&a), &len) != 0)
    throw std::runtime_error(std::string("free_loopback_port: ") + std::strerror(errno));
  return ntohs(a.sin_port);
}

std::string http_get(uint16_t port, const std::string& path, int* status,
                     const std::string& unix_path) {
  httplib::Client client =
      unix_path.empty() ? httplib::Client("127.0.0.1", port) : httplib::Client(unix_path, 80);
  if (!unix_path.empty()) client.set_address_family(AF_UNIX);
  client.set_connection_timeout(5, 0);
  client.set_read_timeout(10, 0);
  auto res = client.Get(path.c_str());
  *status = res ? res->status : 0;
  return res ? res->body : std::string();
}

int promtool_check_metrics(const std::string& dir, const std::string& text, std::string* out) {
  std::string in = dir + "/scrape.txt", log = dir + "/promtool.out";
  std::ofstream(in) << text;
  int code = wait_exit(spawn({"promtool", "check", "metrics"}, in, log));
  *out = read_file(log).value_or("");
  return code;
}

Prometheus::Prometheus(const std::string& dir, uint16_t target_port)
    : dir_(dir), log_path_(dir + "/prometheus.log"), api_port_(free_loopback_port()) {
  std::ofstream(dir + "/prometheus.yml")
      << "global:\n  scrape_interval: 1s\n  scrape_timeout: 1s\n"
      << "scrape_configs:\n  - job_name: ember\n    static_configs:\n"
      << "      - targets: ['127.0.0.1:" << target_port << "']\n";
  pid_ = spawn({"prometheus", "--config.file=" + dir + "/prometheus.yml",
                "--storage.tsdb.path=" + dir + "/data",
                "--web.listen-address=127.0.0.1:" + std::to_string(api_port_)},
               "/dev/null", log_path_);
}

Prometheus::~Prometheus() {
  if (pid_ <= 0) return;
  ::kill(pid_, SIGTERM);
  if (!wait_process_exit(pid_, 30s)) ::kill(pid_, SIGKILL);
  wait_exit(pid_);
}

// Prometheus has no notification of a scrape: its API is asked again, a
// fixed pause apart, until the target has a health or the deadline passes.
std::string Prometheus::wait_target_health(std::chrono::milliseconds deadline) {
  auto until = std::chrono::steady_clock::now() + deadline;
  std::string health;
  while (std::chrono::steady_clock::now() < until) {
    int status = 0;
    std::string body = http_get(api_port_, "/api/v1/targets?state=active", &status);
    if (status == 200) {
      auto j = nlohmann::json::parse(body, nullptr, false);
      auto& targets = j["data"]["activeTargets"];
      if (targets.is_array() && !targets.empty()) {
        health = targets[0].value("health", "");
        if (health != "unknown") return health;
      }
    }
    std::this_thread::sleep_for(250ms);
  }
  return health;
}

std::string Prometheus::log() const {
  return read_file(log_path_).value_or("");
}

}  // namespace ember::e2e
