// shim_startup: ember-shim from exec to serving. Each round makes a VM
// directory and the shim's two listening sockets as emberd does, connects a
// ttrpc client to the fccontrol socket (the kernel queues the connection in
// the listen backlog before the shim runs), spawns ember-shim under the
// launch contract and sends GetVMInfo at once: the reply (NOT_FOUND, the VM is
// not created yet) is the first thing the shim serves. Time: from just before
// the spawn to that reply. Then the shim is killed and everything removed.
// CPU: the shim's user + system time, read from RUSAGE_CHILDREN once it was
// reaped (it sits idle in epoll_wait from its reply to the kill). Memory:
// Private_Dirty and Rss of /proc/<shim>/smaps_rollup right after the reply
// (the binary is fsync'd first: page-cache pages not yet written back, as
// after a fresh build, would count as the shim's Private_Dirty).
// Prints one JSON object on stdout.
#include <fcntl.h>
#include <stdlib.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cstdio>
#include <fstream>
#include <iostream>
#include <memory>
#include <string>
#include <vector>

#include <CLI/CLI.hpp>
#include <nlohmann/json.hpp>

#include "base/remove_tree.hpp"
#include "base/unique_fd.hpp"
#include "bench/lib/proc.hpp"
#include "bench/lib/stats.hpp"
#include "fccontrol.pb.h"
#include "io/event_loop.hpp"
#include "io/ttrpc/ttrpc.hpp"
#include "io/unix_socket.hpp"
#include "shimproc/shim_process.hpp"
#include "shimproc/vm_dir.hpp"

namespace {

using ember::Status;
using namespace ember::bench;

constexpr const char* kNamespace = "bench";

struct Options {
  size_t rounds = 200;
  size_t warmup = 10;
  std::string shim = EMBER_SHIM_PATH;
};

// Scratch space for one run: config, VM directories, sockets.
class Scratch {
 public:
  Scratch() {
    char tmpl[] = "/tmp/shim-startup-XXXXXX";
    if (::mkdtemp(tmpl) != nullptr) path_ = tmpl;
  }
  ~Scratch() {
    if (!path_.empty()) ember::remove_tree(path_);
  }
  const std::string& path() const { return path_; }

 private:
  std::string path_;
};

// CPU time (user + system) of this process's reaped children so far.
std::chrono::nanoseconds children_cpu() {
  struct rusage ru {};
  ::getrusage(RUSAGE_CHILDREN, &ru);
  auto ns = [](const timeval& t) {
    return std::chrono::seconds(t.tv_sec) + std::chrono::microseconds(t.tv_usec);
  };
  return ns(ru.ru_utime) + ns(ru.ru_stime);
}

// A shim's memory once it serves, in KiB.
struct Memory {
  std::vector<long> private_dirty_kib;
  std::vector<long> rss_kib;
};

// The value of "<field>:" in smaps_rollup text, in KiB; -1 when absent.
long smaps_field_kib(const std::string& text, const std::string& field) {
  const auto at = text.find("\n" + field + ":");
  return at == std::string::npos ? -1 : std::atol(text.c_str() + at + field.size() + 2);
}

void sample_memory(pid_t pid, Memory* out) {
  std::string text;
  if (!read_text_file("/proc/" + std::to_string(pid) + "/smaps_rollup", &text).ok()) return;
  out->private_dirty_kib.push_back(smaps_field_kib(text, "Private_Dirty"));
  out->rss_kib.push_back(smaps_field_kib(text, "Rss"));
}

// {"p50":..,"max":..} of KiB samples.
nlohmann::ordered_json kib_summary(std::vector<long> v) {
  if (v.empty()) return nullptr;
  std::sort(v.begin(), v.end());
  return {{"p50", v[(v.size() - 1) / 2]}, {"max", v.back()}};
}

// One round; *took is exec -> first reply.
Status round(ember::io::EventLoop& loop, const Options& o, const std::string& root,
             const std::string& config, size_t n, std::chrono::nanoseconds* took, Memory* memory) {
  const std::string id = "s" + std::to_string(n);
  ember::shimproc::VmDir dir;
  Status s = ember::shimproc::VmDir::create(root + "/vm", kNamespace, id, &dir);
  if (!s.ok()) return s;
  ember::io::BoundSocket task, fccontrol;
  s = ember::io::bind_listener(root + "/s/" + id, &task);
  if (s.ok()) s = ember::io::bind_listener(root + "/s/" + id + "-fccontrol", &fccontrol);
  if (!s.ok()) return s;
  auto client = ember::ttrpc::Client::connect(loop, fccontrol.path(), &s);
  if (!client) return s;

  ember::shimproc::ShimLaunch launch;
  launch.binary = o.shim;
  launch.args = {"-namespace", kNamespace, "-id", id, "-config", config};
  launch.vm_id = id;
  launch.containerd_address = root + "/containerd.sock";
  launch.cwd = dir.path();
  launch.shim_socket = task.take_fd();
  launch.fccontrol_socket = fccontrol.take_fd();

  GetVMInfoRequest req;
  req.set_vmid(id);
  ember::ttrpc::CallOptions opts;
  opts.timeout = std::chrono::seconds(10);
  opts.metadata = {{ember::ttrpc::kNamespaceKey, kNamespace}};
  const auto began = Clock::now();
  ember::shimproc::ShimProcess shim;
  s = ember::shimproc::ShimProcess::spawn(std::move(launch), &shim);
  if (!s.ok()) return s;
  ember::ttrpc::CallResult r =
      client->call_sync("Firecracker", "GetVMInfo", req.SerializeAsString(), std::move(opts));
  *took = Clock::now() - began;
  client->close();
  if (memory != nullptr) sample_memory(shim.pid(), memory);
  // NOT_FOUND ("not created") is the shim's own answer: it serves.
  if (!r.status.ok() && r.status.code() != ember::Code::not_found) return r.status;
  return Status::Ok();  // ~ShimProcess kills and reaps; the rest unlinks itself
}

// fsync(2) of the shim binary; errors are the spawn's to report.
void write_back(const std::string& path) {
  const ember::UniqueFd fd(::open(path.c_str(), O_RDONLY | O_CLOEXEC));
  if (fd) ::fsync(fd.get());
}

int run(const Options& o) {
  write_back(o.shim);
  Scratch scratch;
  if (scratch.path().empty()) {
    std::perror("shim_startup: mkdtemp");
    return 1;
  }
  if (::mkdir((scratch.path() + "/s").c_str(), 0700) != 0) {
    std::perror("shim_startup: mkdir");
    return 1;
  }
  const std::string config = scratch.path() + "/ember.yaml";
  std::ofstream(config) << "shim_base_dir: " << scratch.path() << "/vm\n"
                        << "state_dir: " << scratch.path() << "/s\n"
                        << "vmm:\n  backend: hollow\n"
                        << "log:\n  level: warn\n";
  ember::io::EventLoop loop;
  loop.start_thread();
  Samples lat, cpu;
  Memory memory;
  for (size_t i = 0; i < o.warmup + o.rounds; ++i) {
    std::chrono::nanoseconds took{0};
    const auto cpu_before = children_cpu();
    Status s = round(loop, o, scratch.path(), config, i, &took, i >= o.warmup ? &memory : nullptr);
    if (!s.ok()) {
      std::cerr << "shim_startup: round " << i << ": " << s.ToString() << "\n";
      return 1;
    }
    if (i >= o.warmup) lat.add(took);
    if (i >= o.warmup) cpu.add(children_cpu() - cpu_before);
  }
  nlohmann::ordered_json out = {
      {"benchmark", "shim_startup"},
      {"shim", o.shim},
      {"backend", "hollow"},
      {"measures", "posix_spawn of ember-shim -> reply to its first fccontrol call"},
      {"rounds", o.rounds},
      {"warmup", o.warmup},
      {"exec_to_serving_us", to_json(lat.summarize())},
      {"shim_cpu_us", to_json(cpu.summarize())},
      {"shim_private_dirty_kib", kib_summary(memory.private_dirty_kib)},
      {"shim_rss_kib", kib_summary(memory.rss_kib)}};
  std::cout << out.dump() << "\n";
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  Options o;
  CLI::App app("ember-shim start-up time (exec to serving); prints JSON", "shim_startup");
  app.add_option("-n,--rounds", o.rounds, "measured shim start-ups")
      ->capture_default_str()
      ->check(CLI::Range(1, 100000));
  app.add_option("--warmup", o.warmup, "unmeasured rounds first")
      ->capture_default_str()
      ->check(CLI::Range(0, 10000));
  app.add_option("--shim", o.shim, "ember-shim binary (absolute)")->capture_default_str();
  CLI11_PARSE(app, argc, argv);
  return run(o);
}
