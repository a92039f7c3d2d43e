#include "tests/support/shim_harness.hpp"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <fstream>

#include "shim/fccontrol_service.hpp"

namespace ember::shimtest {
namespace {

std::vector<char*> c_strings(std::vector<std::string>& v) {
  std::vector<char*> out;
  for (auto& s : v)
    out.push_back(s.data());
  out.push_back(nullptr);
  return out;
}

}  // namespace

std::string read_all(int fd) {
  std::string out;
  char buf[4096];
  for (;;) {
    const ssize_t n = ::read(fd, buf, sizeof(buf));
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) break;
    out.append(buf, static_cast<std::size_t>(n));
  }
  return out;
}

bool wait_readable(int fd, std::chrono::milliseconds deadline) {
  pollfd p{fd, POLLIN, 0};
  for (;;) {
    const int rc = ::poll(&p, 1, static_cast<int>(deadline.count()));
    if (rc < 0 && errno == EINTR) continue;
    return rc > 0;
  }
}

ShimUnderTest::~ShimUnderTest() {
  if (client_) client_->close();
  client_.reset();
  if (loop_started_) loop_.stop();
}

Status ShimUnderTest::start(ShimOptions opts, bool connect) {
  opts_ = std::move(opts);
  if (opts_.binary.empty()) opts_.binary = EMBER_SHIM_BINARY;
  tree_ = std::make_unique<TempTree>();
  const std::string config_path = tree_->path() + "/config.yaml";
  std::ofstream(config_path) << opts_.config_yaml;

  Status s = shimproc::VmDir::create(tree_->path() + "/vm", opts_.ns, opts_.id, &vm_dir_);
  if (!s.ok()) return s;
  shim_path_ = tree_->path() + "/s/task.sock";
  fcc_path_ = tree_->path() + "/s/task.sock-fccontrol";
  s = io::bind_listener(shim_path_, &shim_socket_);
  if (s.ok()) s = io::bind_listener(fcc_path_, &fcc_socket_);
  if (!s.ok()) return s;
  struct stat st;
  if (::fstat(shim_socket_.fd(), &st) == 0) shim_inode_ = st.st_ino;
  if (::fstat(fcc_socket_.fd(), &st) == 0) fcc_inode_ = st.st_ino;

  shimproc::ShimLaunch launch;
  launch.binary = opts_.binary;
  launch.args = {"-namespace", opts_.ns,   "-id",
                 opts_.id,     "-address", "/run/containerd/containerd.sock",
                 "--config",   config_path};
  if (opts_.seed_launch) {
    launch.args = {"-namespace", opts_.ns, "-address", "/run/containerd/containerd.sock"};
    launch.env.push_back(std::string(shimproc::kConfigEnv) + "=" + config_path);
  }
  launch.args.insert(launch.args.end(), opts_.extra_args.begin(), opts_.extra_args.end());
  launch.vm_id = opts_.env_vm_id.empty() ? opts_.id : opts_.env_vm_id;
  launch.containerd_address = "/run/containerd/containerd.sock";
  launch.cwd = vm_dir_.path();
  launch.shim_socket = shim_socket_.take_fd();
  launch.fccontrol_socket = fcc_socket_.take_fd();
  s = shimproc::ShimProcess::spawn(std::move(launch), &process_);
  if (!s.ok()) return s;
  output_ = process_.take_output();
  if (!connect) return Status::Ok();

  loop_.start_thread();
  loop_started_ = true;
  client_ = ttrpc::Client::connect(loop_, fcc_path_, &s);
  return s;
}

Status ShimUnderTest::call(const std::string& method, const google::protobuf::MessageLite& req,
                           google::protobuf::MessageLite* resp, ttrpc::CallOptions opts) {
  if (!client_) return Status::FailedPrecondition("no client");
  ttrpc::CallResult r =
      client_->call_sync(msg::kFirecrackerService, method, req.SerializeAsString(), opts);
  if (r.status.ok() && resp != nullptr && !resp->ParseFromString(r.payload)) {
    return Status::Internal("cannot decode the " + method + " response");
  }
  return r.status;
}

Status ShimUnderTest::call_bytes(const std::string& method, std::string payload) {
  if (!client_) return Status::FailedPrecondition("no client");
  return client_->call_sync(msg::kFirecrackerService, method, std::move(payload)).status;
}

Status ShimUnderTest::call_task(const std::string& service, const std::string& method) {
  if (!loop_started_) {
    loop_.start_thread();
    loop_started_ = true;
  }
  Status s;
  auto task = ttrpc::Client::connect(loop_, shim_path_, &s);
  if (!s.ok()) return s;
  ttrpc::CallResult r = task->call_sync(service, method, "");
  task->close();
  return r.status;
}

int ShimUnderTest::wait_exit(std::chrono::milliseconds deadline) {
  if (!process_.reaped() && !wait_readable(process_.pidfd(), deadline)) return -1;
  int code = -1, sig = 0;
  if (!process_.try_reap(&code, &sig)) return -1;
  return sig != 0 ? -1 : code;
}

bool ShimUnderTest::running() const {
  return !process_.reaped() && !wait_readable(process_.pidfd(), std::chrono::milliseconds(0));
}

std::string ShimUnderTest::output() {
  if (output_) {
    output_text_ += read_all(output_.get());
    output_.reset();
  }
  return output_text_;
}

Status run_raw(const RawLaunch& l, int* exit_code, std::string* output) {
  int p[2];
  if (::pipe2(p, O_CLOEXEC) != 0) return Status::FromErrno("pipe2", errno);
  UniqueFd rd(p[0]);
  UniqueFd wr(p[1]);
  // Sources are moved above every target number, so no dup2 lands on one.
  constexpr int kHigh = 100;
  UniqueFd wr_high(::fcntl(wr.get(), F_DUPFD_CLOEXEC, kHigh));
  std::vector<UniqueFd> sources;
  for (int fd : l.child_fds) {
    sources.emplace_back(fd >= 0 ? ::fcntl(fd, F_DUPFD_CLOEXEC, kHigh) : -1);
  }
  wr.reset();

  posix_spawn_file_actions_t fa;
  posix_spawn_file_actions_init(&fa);
  posix_spawn_file_actions_addopen(&fa, 0, "/dev/null", O_RDONLY, 0);
  posix_spawn_file_actions_adddup2(&fa, wr_high.get(), 1);
  posix_spawn_file_actions_adddup2(&fa, wr_high.get(), 2);
  for (std::size_t i = 0; i < sources.size(); ++i) {
    const int target = 3 + static_cast<int>(i);
    if (sources[i]) {
      posix_spawn_file_actions_adddup2(&fa, sources[i].get(), target);
    } else {
      posix_spawn_file_actions_addclose(&fa, target);
    }
  }
  posix_spawn_file_actions_addclosefrom_np(&fa, 3 + static_cast<int>(sources.size()));
  if (!l.cwd.empty()) posix_spawn_file_actions_addchdir_np(&fa, l.cwd.c_str());
  posix_spawnattr_t attr;
  posix_spawnattr_init(&attr);
  sigset_t none;
  sigemptyset(&none);
  posix_spawnattr_setsigmask(&attr, &none);
  posix_spawnattr_setpgroup(&attr, 0);
  posix_spawnattr_setflags(&attr, POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETPGROUP);

  std::vector<std::string> argv_s = {l.binary};
  argv_s.insert(argv_s.end(), l.args.begin(), l.args.end());
  std::vector<std::string> env_s = l.env;
  auto argv = c_strings(argv_s);
  auto envp = c_strings(env_s);
  pid_t pid = -1;
  const int rc = ::posix_spawn(&pid, l.binary.c_str(), &fa, &attr, argv.data(), envp.data());
  posix_spawn_file_actions_destroy(&fa);
  posix_spawnattr_destroy(&attr);
  wr_high.reset();
  sources.clear();
  if (rc != 0) return Status::FromErrno("posix_spawn " + l.binary, rc);

  UniqueFd pidfd(static_cast<int>(::syscall(SYS_pidfd_open, pid, 0)));
  if (!pidfd || !wait_readable(pidfd.get(), kExitDeadline)) ::kill(-pid, SIGKILL);
  int status = 0;
  while (::waitpid(pid, &status, 0) < 0 && errno == EINTR) {
  }
  *exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  *output = read_all(rd.get());
  return Status::Ok();
}

}  // namespace ember::shimtest
