#include "tests/support/emberd_harness.hpp"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <sys/inotify.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>
#include <stdexcept>

#include "base/files.hpp"

extern char** environ;

namespace ember::e2e {
namespace {

int pidfd_open_(pid_t pid) {
  return static_cast<int>(::syscall(SYS_pidfd_open, pid, 0));
}

// Waits for fd to become readable; false at the timeout.
bool wait_readable(int fd, std::chrono::milliseconds timeout) {
  pollfd p{fd, POLLIN, 0};
  auto deadline = std::chrono::steady_clock::now() + timeout;
  for (;;) {
    auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
                    deadline - std::chrono::steady_clock::now())
                    .count();
    if (left < 0) left = 0;
    int n = ::poll(&p, 1, static_cast<int>(left));
    if (n > 0) return true;
    if (n == 0) return false;
    if (errno != EINTR) return false;
  }
}

void remove_tree(const std::string& path) {
  struct stat st {};
  if (::lstat(path.c_str(), &st) != 0) return;
  if (S_ISDIR(st.st_mode)) {
    for (const auto& e : list_dir(path))
      remove_tree(path + "/" + e);
    ::rmdir(path.c_str());
  } else {
    ::unlink(path.c_str());
  }
}

}  // namespace

Emberd::Emberd(EmberdOptions opts) {
  const std::string& root = root_.path();
  socket_ = root + "/" + opts.socket_name;
  state_dir_ = root + "/s";
  vm_base_dir_ = root + "/vm";
  config_path_ = root + "/ember.yaml";
  log_path_ = root + "/emberd.log";
  std::string shim = opts.shim_binary.empty() ? EMBER_SHIM_PATH : opts.shim_binary;
  {
    std::ofstream cfg(config_path_);
    cfg << "socket: " << socket_ << "\n"
        << "state_dir: " << state_dir_ << "\n"
        << "shim_base_dir: " << vm_base_dir_ << "\n"
        << "shim_binary: " << shim << "\n"
        << opts.vmm_yaml << opts.log_yaml << opts.extra_yaml;
  }
  extra_args_ = opts.args;
  extra_env_ = opts.env;
  launcher_ = opts.launcher;
  start();
}

void Emberd::start() {
  int ready[2];
  if (::pipe2(ready, O_CLOEXEC) != 0) throw std::runtime_error("pipe2");
  UniqueFd ready_r(ready[0]), ready_w(ready[1]);
  int log_fd = ::open(log_path_.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
  UniqueFd log_out(log_fd);

  posix_spawn_file_actions_t fa;
  posix_spawn_file_actions_init(&fa);
  posix_spawn_file_actions_addopen(&fa, 0, "/dev/null", O_RDONLY, 0);
  posix_spawn_file_actions_adddup2(&fa, log_out.get(), 1);
  posix_spawn_file_actions_adddup2(&fa, log_out.get(), 2);
  posix_spawn_file_actions_adddup2(&fa, ready_w.get(), 3);
  std::vector<std::string> args = launcher_;
  for (const char* a : {EMBERD_PATH, "--config", config_path_.c_str(), "--ready-fd", "3"})
    args.emplace_back(a);
  args.insert(args.end(), extra_args_.begin(), extra_args_.end());
  std::vector<char*> argv;
  for (auto& a : args)
    argv.push_back(a.data());
  argv.push_back(nullptr);
  std::vector<std::string> env_s = extra_env_;
  for (char** e = environ; *e != nullptr; ++e)
    env_s.emplace_back(*e);
  std::vector<char*> envp;
  for (auto& e : env_s)
    envp.push_back(e.data());
  envp.push_back(nullptr);
  int rc = ::posix_spawnp(&pid_, argv[0], &fa, nullptr, argv.data(), envp.data());
  posix_spawn_file_actions_destroy(&fa);
  if (rc != 0) throw std::runtime_error(std::string("spawn emberd: ") + std::strerror(rc));
  pidfd_.reset(pidfd_open_(pid_));
  ready_w.reset();
  if (!wait_readable(ready_r.get(), std::chrono::seconds(30)))
    throw std::runtime_error("emberd did not become ready:\n" + log());
  char buf[16];
  ssize_t n = ::read(ready_r.get(), buf, sizeof buf);
  if (n <= 0) {
    stop(SIGKILL);
    throw std::runtime_error("emberd exited before it was ready:\n" + log());
  }
}

Emberd::~Emberd() {
  if (running()) stop(SIGKILL);
  // Shims outlive emberd by design; a test's leftovers must not outlive it.
  for (const auto& e : list_dir(vm_base_dir_)) {
    pid_t shim = shim_pid_of(vm_base_dir_ + "/" + e);
    if (shim > 0) {
      ::kill(-shim, SIGKILL);
      wait_process_exit(shim, std::chrono::seconds(10));
    }
  }
}

std::string Emberd::log() const {
  return read_file(log_path_).value_or("");
}

int Emberd::stop(int sig) {
  if (pid_ <= 0) return -1;
  ::kill(pid_, sig);
  siginfo_t si{};
  ::waitid(P_PID, static_cast<id_t>(pid_), &si, WEXITED);
  pid_ = -1;
  pidfd_.reset();
  return si.si_code == CLD_EXITED ? si.si_status : 128 + si.si_status;
}

FcClient::FcClient(const std::string& socket) {
  loop_.start_thread();
  Status s;
  client_ = ttrpc::Client::connect(loop_, socket, &s);
  if (!client_) throw std::runtime_error("connect " + socket + ": " + s.ToString());
}

FcClient::~FcClient() {
  if (client_) client_->close();
  client_.reset();
  loop_.stop();
}

ttrpc::CallResult FcClient::call(msg::Method m, const std::string& payload, const std::string& ns,
                                 std::chrono::milliseconds timeout) {
  ttrpc::CallOptions opts;
  opts.timeout = timeout;
  if (!ns.empty()) opts.metadata = {{ttrpc::kNamespaceKey, ns}};
  return client_->call_sync(msg::kFirecrackerService, msg::method_name(m), payload,
                            std::move(opts));
}

uint64_t env_number(const char* name, uint64_t fallback) {
  const char* v = std::getenv(name);
  if (!v || !*v) return fallback;
  char* end = nullptr;
  unsigned long long n = std::strtoull(v, &end, 10);
  return *end == '\0' ? n : fallback;
}

bool path_exists(const std::string& path) {
  struct stat st {};
  return ::lstat(path.c_str(), &st) == 0;
}

bool wait_gone(const std::string& path, std::chrono::milliseconds timeout) {
  auto slash = path.rfind('/');
  std::string parent = path.substr(0, slash);
  UniqueFd in(::inotify_init1(IN_CLOEXEC | IN_NONBLOCK));
  // Watch first, then check: a removal between the two is not missed.
  ::inotify_add_watch(in.get(), parent.c_str(), IN_DELETE | IN_MOVED_FROM | IN_DELETE_SELF);
  auto deadline = std::chrono::steady_clock::now() + timeout;
  while (path_exists(path)) {
    auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
        deadline - std::chrono::steady_clock::now());
    if (left.count() <= 0 || !wait_readable(in.get(), left)) return !path_exists(path);
    char buf[4096];
    while (::read(in.get(), buf, sizeof buf) > 0) {
    }
  }
  return true;
}

bool wait_process_exit(pid_t pid, std::chrono::milliseconds timeout) {
  UniqueFd fd(pidfd_open_(pid));
  if (!fd.valid()) return errno == ESRCH;
  return wait_readable(fd.get(), timeout);
}

bool process_alive(pid_t pid) {
  // A zombie still answers kill(0): look at its state instead.
  std::string stat = read_file("/proc/" + std::to_string(pid) + "/stat").value_or("");
  if (stat.empty()) return false;
  auto close = stat.rfind(')');
  return close != std::string::npos && close + 2 < stat.size() && stat[close + 2] != 'Z';
}

std::vector<pid_t> children_of(pid_t ppid) {
  std::vector<pid_t> out;
  for (const auto& e : list_dir("/proc")) {
    if (e.empty() || e.find_first_not_of("0123456789") != std::string::npos) continue;
    std::string stat = read_file("/proc/" + e + "/stat").value_or("");
    auto close = stat.rfind(')');
    if (close == std::string::npos) continue;
    std::istringstream rest(stat.substr(close + 2));
    char state;
    pid_t parent = 0;
    rest >> state >> parent;
    if (parent == ppid) out.push_back(std::stoi(e));
  }
  return out;
}

pid_t shim_pid_of(const std::string& vm_dir) {
  std::string text = read_file(vm_dir + "/shim-state.json").value_or("");
  auto j = nlohmann::json::parse(text, nullptr, false);
  if (j.is_discarded() || !j.contains("pid")) return -1;
  return j["pid"].get<pid_t>();
}

namespace {

void add_tree(const std::string& root, const std::string& rel, std::vector<std::string>* out) {
  for (const auto& e : list_dir(root + "/" + rel)) {
    std::string path = rel.empty() ? e : rel + "/" + e;
    struct stat st {};
    bool dir = ::lstat((root + "/" + path).c_str(), &st) == 0 && S_ISDIR(st.st_mode);
    out->push_back(dir ? path + "/" : path);
    if (dir) add_tree(root, path, out);
  }
}

}  // namespace

std::vector<std::string> list_tree(const std::string& root) {
  std::vector<std::string> out;
  add_tree(root, "", &out);
  std::sort(out.begin(), out.end());
  return out;
}

std::vector<pid_t> processes_under(const std::string& root, const std::string& exe_name) {
  std::vector<pid_t> out;
  const std::string prefix = root + "/";
  for (const auto& e : list_dir("/proc")) {
    if (e.empty() || e.find_first_not_of("0123456789") != std::string::npos) continue;
    const pid_t pid = std::stoi(e);
    char buf[4096];
    ssize_t n = ::readlink(("/proc/" + e + "/cwd").c_str(), buf, sizeof buf - 1);
    if (n <= 0 || std::string(buf, static_cast<size_t>(n)).rfind(prefix, 0) != 0) continue;
    if (!exe_name.empty()) {
      n = ::readlink(("/proc/" + e + "/exe").c_str(), buf, sizeof buf - 1);
      std::string exe = n > 0 ? std::string(buf, static_cast<size_t>(n)) : std::string();
      exe = exe.substr(exe.rfind('/') + 1);
      if (exe != exe_name && exe != exe_name + " (deleted)") continue;
    }
    if (process_alive(pid)) out.push_back(pid);
  }
  return out;
}

bool wait_file(const std::string& path, std::chrono::milliseconds timeout) {
  auto slash = path.rfind('/');
  std::string parent = path.substr(0, slash);
  UniqueFd in(::inotify_init1(IN_CLOEXEC | IN_NONBLOCK));
  // Watch first, then check: a write between the two is not missed.
  ::inotify_add_watch(in.get(), parent.c_str(), IN_CLOSE_WRITE | IN_MOVED_TO | IN_CREATE);
  auto ready = [&path] { return !read_file(path).value_or("").empty(); };
  auto deadline = std::chrono::steady_clock::now() + timeout;
  while (!ready()) {
    auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
        deadline - std::chrono::steady_clock::now());
    if (left.count() <= 0 || !wait_readable(in.get(), left)) return ready();
    char buf[4096];
    while (::read(in.get(), buf, sizeof buf) > 0) {
    }
  }
  return true;
}

char process_state(pid_t pid) {
  std::string stat = read_file("/proc/" + std::to_string(pid) + "/stat").value_or("");
  auto close = stat.rfind(')');
  if (close == std::string::npos || close + 2 >= stat.size()) return 0;
  return stat[close + 2];
}

}  // namespace ember::e2e
