#include "tests/support/netns.hpp"

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <spawn.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <cstring>
#include <sstream>
#include <stdexcept>
#include <thread>

extern char** environ;

namespace ember::e2e {
namespace {

constexpr const char* kPrefix = "ember-t";  // every namespace a test makes

int remaining_ms(std::chrono::steady_clock::time_point deadline) {
  auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
                  deadline - std::chrono::steady_clock::now())
                  .count();
  return left < 0 ? 0 : static_cast<int>(left);
}

// Reads fd to its end or the deadline.
std::string drain(int fd, std::chrono::steady_clock::time_point deadline, bool* timed_out) {
  std::string out;
  char buf[4096];
  for (;;) {
    pollfd p{fd, POLLIN, 0};
    int n = ::poll(&p, 1, remaining_ms(deadline));
    if (n == 0) {
      *timed_out = true;
      return out;
    }
    if (n < 0 && errno == EINTR) continue;
    ssize_t got = ::read(fd, buf, sizeof buf);
    if (got < 0 && errno == EINTR) continue;
    if (got <= 0) return out;
    out.append(buf, static_cast<size_t>(got));
  }
}

std::string unique_name(const std::string& tag) {
  static std::atomic<int> counter{0};
  return std::string(kPrefix) + std::to_string(::getpid()) + "-" + std::to_string(counter++) + "-" +
         tag;
}

// Namespaces of earlier runs whose process is gone (a SIGKILLed test).
void remove_stale_namespaces() {
  CommandResult list = run_command({"ip", "netns", "list"});
  std::istringstream lines(list.output);
  std::string line;
  while (std::getline(lines, line)) {
    std::string name = line.substr(0, line.find(' '));
    if (name.rfind(kPrefix, 0) != 0) continue;
    pid_t owner = std::atoi(name.c_str() + std::strlen(kPrefix));
    if (owner > 0 && owner != ::getpid() && ::kill(owner, 0) != 0 && errno == ESRCH)
      run_command({"ip", "netns", "del", name});
  }
}

}  // namespace

CommandResult run_command(const std::vector<std::string>& argv, std::chrono::milliseconds timeout) {
  CommandResult result;
  int out[2];
  if (::pipe2(out, O_CLOEXEC) != 0) return result;
  UniqueFd out_r(out[0]), out_w(out[1]);
  posix_spawn_file_actions_t fa;
  posix_spawn_file_actions_init(&fa);
  posix_spawn_file_actions_addopen(&fa, 0, "/dev/null", O_RDONLY, 0);
  posix_spawn_file_actions_adddup2(&fa, out_w.get(), 1);
  posix_spawn_file_actions_adddup2(&fa, out_w.get(), 2);
  std::vector<std::string> args = argv;
  std::vector<char*> cargv;
  for (auto& a : args)
    cargv.push_back(a.data());
  cargv.push_back(nullptr);
  pid_t pid = -1;
  int rc = ::posix_spawnp(&pid, cargv[0], &fa, nullptr, cargv.data(), environ);
  posix_spawn_file_actions_destroy(&fa);
  if (rc != 0) {
    result.output = std::string("spawn ") + argv[0] + ": " + std::strerror(rc);
    return result;
  }
  out_w.reset();
  bool timed_out = false;
  result.output = drain(out_r.get(), std::chrono::steady_clock::now() + timeout, &timed_out);
  if (timed_out) ::kill(pid, SIGKILL);
  int ws = 0;
  while (::waitpid(pid, &ws, 0) < 0 && errno == EINTR) {
  }
  result.status = WIFEXITED(ws) ? WEXITSTATUS(ws) : 128 + WTERMSIG(ws);
  return result;
}

bool netns_supported(std::string* why) {
  std::string probe = unique_name("probe");
  CommandResult add = run_command({"ip", "netns", "add", probe});
  if (add.status != 0) {
    *why = "`ip netns add` failed (" + std::to_string(add.status) + "): " + add.output;
    return false;
  }
  run_command({"ip", "netns", "del", probe});
  return true;
}

NetNs::NetNs(std::string name) : name_(std::move(name)) {
  CommandResult add = run_command({"ip", "netns", "add", name_});
  if (add.status != 0) throw std::runtime_error("ip netns add " + name_ + ": " + add.output);
  ip({"link", "set", "lo", "up"});
}

NetNs::~NetNs() {
  run_command({"ip", "netns", "del", name_});
}

std::vector<std::string> NetNs::exec_prefix() const {
  return {"ip", "netns", "exec", name_};
}

std::string NetNs::ip(const std::vector<std::string>& args) const {
  std::vector<std::string> argv = {"ip", "-n", name_};
  argv.insert(argv.end(), args.begin(), args.end());
  CommandResult r = run_command(argv);
  if (r.status != 0) {
    std::string line;
    for (const auto& a : argv)
      line += a + " ";
    throw std::runtime_error(line + "failed: " + r.output);
  }
  return r.output;
}

UniqueFd NetNs::socket(int domain, int type) const {
  // setns(CLONE_NEWNET) moves only the calling thread: a short-lived thread
  // makes the socket, which stays in the namespace it was made in.
  int fd = -1;
  int error = 0;
  std::thread maker([&] {
    UniqueFd ns(::open(("/run/netns/" + name_).c_str(), O_RDONLY | O_CLOEXEC));
    if (!ns.valid() || ::setns(ns.get(), CLONE_NEWNET) != 0) {
      error = errno;
      return;
    }
    fd = ::socket(domain, type | SOCK_CLOEXEC, 0);
    if (fd < 0) error = errno;
  });
  maker.join();
  if (fd < 0) throw std::runtime_error("socket in " + name_ + ": " + std::strerror(error));
  return UniqueFd(fd);
}

StarNet::StarNet(int leaves) {
  remove_stale_namespaces();
  center_ = std::make_unique<NetNs>(unique_name("c"));
  for (int n = 1; n <= leaves; ++n) {
    leaves_.push_back(std::make_unique<NetNs>(unique_name("m" + std::to_string(n))));
    const NetNs& leaf = *leaves_.back();
    std::string hub_if = "veth" + std::to_string(n);
    // Made straight inside the two namespaces: no name is ever taken in the
    // test's own namespace.
    center_->ip(
        {"link", "add", hub_if, "type", "veth", "peer", "name", "eth0", "netns", leaf.name()});
    center_->ip({"addr", "add", center_address(n) + "/24", "dev", hub_if});
    center_->ip({"link", "set", hub_if, "up"});
    leaf.ip({"addr", "add", leaf_address(n) + "/24", "dev", "eth0"});
    leaf.ip({"link", "set", "eth0", "up"});
  }
}

// Leaves first: a leaf's veth end goes with its namespace.
StarNet::~StarNet() {
  leaves_.clear();
  center_.reset();
}

void StarNet::cut(int n) {
  leaf(n).ip({"link", "set", "eth0", "down"});
}

void StarNet::heal(int n) {
  leaf(n).ip({"link", "set", "eth0", "up"});
}

bool StarNet::carrier(int n) const {
  std::string show = center_->ip({"link", "show", "veth" + std::to_string(n)});
  return show.find("NO-CARRIER") == std::string::npos && show.find("LOWER_UP") != std::string::npos;
}

bool tcp_connects(const NetNs& from, const std::string& host, uint16_t port,
                  std::chrono::milliseconds timeout, std::string* error) {
  auto fail = [error](const std::string& why) {
    if (error) *error = why;
    return false;
  };
  UniqueFd s = from.socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK);
  sockaddr_in sa{};
  sa.sin_family = AF_INET;
  sa.sin_port = htons(port);
  if (::inet_pton(AF_INET, host.c_str(), &sa.sin_addr) != 1) return fail("bad address " + host);
  if (::connect(s.get(), reinterpret_cast<sockaddr*>(&sa), sizeof sa) == 0) return true;
  if (errno != EINPROGRESS) return fail(std::strerror(errno));
  auto deadline = std::chrono::steady_clock::now() + timeout;
  pollfd p{s.get(), POLLOUT, 0};
  int n;
  while ((n = ::poll(&p, 1, remaining_ms(deadline))) < 0 && errno == EINTR) {
  }
  if (n == 0) return fail("no answer within " + std::to_string(timeout.count()) + " ms");
  int so_error = 0;
  socklen_t len = sizeof so_error;
  ::getsockopt(s.get(), SOL_SOCKET, SO_ERROR, &so_error, &len);
  if (so_error != 0) return fail(std::strerror(so_error));
  return true;
}

}  // namespace ember::e2e
