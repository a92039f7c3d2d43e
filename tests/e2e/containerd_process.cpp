#include "tests/e2e/containerd_process.hpp"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdlib>
#include <cstring>
#include <fstream>
#include <stdexcept>

#include "base/files.hpp"
#include "tests/shim/vmm/qemu/qemu_guest.hpp"
#include "tests/support/emberd_harness.hpp"

extern char** environ;

namespace ember::e2e {
namespace {

using namespace std::chrono_literals;

bool in_path(const std::string& name) {
  const char* path = std::getenv("PATH");
  std::string dirs = path != nullptr ? path : "/usr/bin:/bin";
  std::size_t start = 0;
  while (start <= dirs.size()) {
    std::size_t end = dirs.find(':', start);
    if (end == std::string::npos) end = dirs.size();
    const std::string candidate = dirs.substr(start, end - start) + "/" + name;
    if (::access(candidate.c_str(), X_OK) == 0) return true;
    start = end + 1;
  }
  return false;
}

// Spawns argv (looked up in PATH) with stdin /dev/null and stdout and stderr
// on out_fd; throws when it cannot.
pid_t spawn(const std::vector<std::string>& args, int out_fd) {
  posix_spawn_file_actions_t fa;
  posix_spawn_file_actions_init(&fa);
  posix_spawn_file_actions_addopen(&fa, 0, "/dev/null", O_RDONLY, 0);
  posix_spawn_file_actions_adddup2(&fa, out_fd, 1);
  posix_spawn_file_actions_adddup2(&fa, out_fd, 2);
  std::vector<char*> argv;
  for (const auto& a : args)
    argv.push_back(const_cast<char*>(a.c_str()));
  argv.push_back(nullptr);
  pid_t pid = -1;
  const int rc = ::posix_spawnp(&pid, argv[0], &fa, nullptr, argv.data(), environ);
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

void kill_and_reap(pid_t pid) {
  if (pid <= 0) return;
  ::kill(pid, SIGKILL);
  wait_exit(pid);
}

}  // namespace

bool containerd_installed() {
  return in_path("containerd") && in_path("ctr");
}

// ---- Containerd ----

Containerd::Containerd(const std::string& dir)
    : dir_(dir),
      address_(dir + "/c.sock"),
      config_path_(dir + "/containerd.toml"),
      log_path_(dir + "/containerd.log") {
  std::ofstream cfg(config_path_);
  // The CRI plugin is not needed and would look for CNI and images.
  cfg << "version = 2\n"
      << "root = \"" << dir_ << "/root\"\n"
      << "state = \"" << dir_ << "/state\"\n"
      << "disabled_plugins = [\"io.containerd.grpc.v1.cri\"]\n"
      << "[grpc]\n  address = \"" << address_ << "\"\n"
      << "[debug]\n  address = \"\"\n"
      << "[metrics]\n  address = \"\"\n";
  cfg.close();
  start();
}

Containerd::~Containerd() {
  kill_and_reap(pid_);
}

void Containerd::start() {
  UniqueFd log_fd(::open(log_path_.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0600));
  pid_ = spawn({"containerd", "--config", config_path_}, log_fd.get());
  // containerd binds its ttrpc socket, then its gRPC one; ctr's dial waits
  // for the listen that follows the bind.
  if (!shimtest::wait_for_file(address_, 60s)) {
    kill_and_reap(pid_);
    pid_ = -1;
    throw std::runtime_error("containerd did not start:\n" + log());
  }
}

void Containerd::stop() {
  if (pid_ <= 0) return;
  ::kill(pid_, SIGTERM);
  if (!wait_process_exit(pid_, 60s)) ::kill(pid_, SIGKILL);
  wait_exit(pid_);
  pid_ = -1;
}

std::string Containerd::log() const {
  return read_file(log_path_).value_or("");
}

// ---- CtrEvents ----

CtrEvents::CtrEvents(const std::string& address, std::vector<std::string> filters) {
  int fds[2];
  if (::pipe2(fds, O_CLOEXEC) != 0) throw std::runtime_error("pipe2");
  out_.reset(fds[0]);
  UniqueFd write_end(fds[1]);
  std::vector<std::string> args = {"ctr", "--address", address, "events",
                                   "topic==\"/namespaces/create\""};
  args.insert(args.end(), filters.begin(), filters.end());
  pid_ = spawn(args, write_end.get());
  write_end.reset();
  subscribe(address);
}

CtrEvents::~CtrEvents() {
  kill_and_reap(pid_);
}

void CtrEvents::subscribe(const std::string& address) {
  for (int attempt = 1; attempt <= 30; ++attempt) {
    const std::string probe = "probe-" + std::to_string(pid_) + "-" + std::to_string(attempt);
    UniqueFd null_out(::open("/dev/null", O_WRONLY | O_CLOEXEC));
    const pid_t create =
        spawn({"ctr", "--address", address, "namespaces", "create", probe}, null_out.get());
    if (wait_exit(create) != 0) throw std::runtime_error("ctr namespaces create failed");
    if (wait_for_line("\"" + probe + "\"", 2s)) return;
  }
  throw std::runtime_error("ctr events never showed a probe event:\n" + output_);
}

bool CtrEvents::wait_for_line(const std::string& text, std::chrono::milliseconds deadline) {
  const auto end = std::chrono::steady_clock::now() + deadline;
  for (;;) {
    const std::size_t at = output_.find(text, scanned_);
    if (at != std::string::npos) {
      const std::size_t eol = output_.find('\n', at);
      scanned_ = eol == std::string::npos ? output_.size() : eol + 1;
      return true;
    }
    const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
        end - std::chrono::steady_clock::now());
    if (left.count() <= 0) return false;
    pollfd p{out_.get(), POLLIN, 0};
    const int n = ::poll(&p, 1, static_cast<int>(left.count()));
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return false;
    char buf[4096];
    const ssize_t got = ::read(out_.get(), buf, sizeof(buf));
    if (got <= 0) return false;  // ctr ended
    output_.append(buf, static_cast<std::size_t>(got));
  }
}

}  // namespace ember::e2e
