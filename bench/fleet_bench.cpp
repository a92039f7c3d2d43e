// fleet_bench: the pieces of bench/fleet.sh that need a ttrpc client (the
// script makes the namespaces and starts the emberds). One JSON object on
// stdout per run.
//   create/stop: N hollow VMs (ids PREFIX0..) with C threads in flight,
//     through SOCKET (a front, or one member).
//   rpc: GetVMInfo of one VM through the front and straight to its member,
//     in alternating blocks (so load drifts hit both alike): the front's
//     added cost is the difference.
//   placed: from its start until the front's ListMembers shows every member
//     up and N VMs placed (polled every --poll-ms: the front has no event
//     for it; the poll period bounds the resolution).
#include <atomic>
#include <iostream>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include <CLI/CLI.hpp>
#include <nlohmann/json.hpp>

#include "bench/lib/stats.hpp"
#include "ember_fleet.pb.h"
#include "fccontrol.pb.h"
#include "io/event_loop.hpp"
#include "io/ttrpc/ttrpc.hpp"
#include "messages/ember_fleet.hpp"
#include "messages/fccontrol_methods.hpp"

namespace {

using namespace ember;
using namespace ember::bench;

struct Options {
  std::string socket, member_socket, prefix = "fb", vm;
  size_t count = 100, concurrency = 16, calls = 10000, block = 100;
  int poll_ms = 10;
  int64_t since_ns = 0;  // placed: also report the time since this CLOCK_REALTIME instant
  double timeout = 120;
};

// A ttrpc client with its own I/O thread.
class Conn {
 public:
  explicit Conn(const std::string& socket) {
    loop_.start_thread();
    Status s;
    client_ = ttrpc::Client::connect(loop_, socket, &s);
    if (!client_) throw std::runtime_error("connect " + socket + ": " + s.ToString());
  }
  ~Conn() {
    client_->close();
    client_.reset();
    loop_.stop();
  }
  ttrpc::CallResult call(const char* service, const std::string& method, std::string payload) {
    ttrpc::CallOptions opts;
    opts.timeout = std::chrono::seconds(120);
    opts.metadata = {{ttrpc::kNamespaceKey, "default"}};
    return client_->call_sync(service, method, std::move(payload), std::move(opts));
  }
  ttrpc::CallResult fc(msg::Method m, std::string payload) {
    return call(msg::kFirecrackerService, msg::method_name(m), std::move(payload));
  }

 private:
  io::EventLoop loop_;
  std::shared_ptr<ttrpc::Client> client_;
};

std::string create_payload(const std::string& id) {
  CreateVMRequest r;
  r.set_vmid(id);
  r.mutable_machinecfg()->set_vcpucount(1);
  r.mutable_machinecfg()->set_memsizemib(128);
  return r.SerializeAsString();
}

std::string stop_payload(const std::string& id) {
  StopVMRequest r;
  r.set_vmid(id);
  return r.SerializeAsString();
}

// create or stop: count calls, concurrency threads each with its connection.
nlohmann::ordered_json many(const Options& o, bool create) {
  std::atomic<size_t> next{0}, failed{0};
  std::mutex mu;
  Samples lat;
  std::string first_error;
  const auto begin = Clock::now();
  std::vector<std::thread> workers;
  for (size_t t = 0; t < o.concurrency; ++t)
    workers.emplace_back([&] {
      Conn c(o.socket);
      for (size_t i; (i = next++) < o.count;) {
        const std::string id = o.prefix + std::to_string(i);
        const auto sent = Clock::now();
        auto r = create ? c.fc(msg::Method::create_vm, create_payload(id))
                        : c.fc(msg::Method::stop_vm, stop_payload(id));
        std::lock_guard<std::mutex> lock(mu);
        lat.add(sent, Clock::now());
        if (!r.status.ok() && failed++ == 0) first_error = id + ": " + r.status.ToString();
      }
    });
  for (auto& w : workers)
    w.join();
  const double seconds = seconds_between(begin, Clock::now());
  return {{"mode", create ? "create" : "stop"},
          {"socket", o.socket},
          {"count", o.count},
          {"concurrency", o.concurrency},
          {"failed", failed.load()},
          {"first_error", first_error},
          {"seconds", seconds},
          {"per_second", static_cast<double>(o.count - failed.load()) / seconds},
          {"latency_us", to_json(lat.summarize())}};
}

nlohmann::ordered_json rpc(const Options& o) {
  Conn front(o.socket), member(o.member_socket);
  GetVMInfoRequest req;
  req.set_vmid(o.vm);
  const std::string payload = req.SerializeAsString();
  Samples via_front, direct;
  size_t failed = 0;
  for (size_t done = 0; done < o.calls; done += o.block) {
    for (int path = 0; path < 2; ++path) {
      Conn& c = path == 0 ? front : member;
      Samples& s = path == 0 ? via_front : direct;
      for (size_t i = 0; i < o.block; ++i) {
        const auto sent = Clock::now();
        auto r = c.fc(msg::Method::get_vm_info, payload);
        if (r.status.ok())
          s.add(sent, Clock::now());
        else
          ++failed;
      }
    }
  }
  const Summary f = via_front.summarize(), d = direct.summarize();
  return {{"mode", "rpc"},
          {"method", "GetVMInfo"},
          {"in_flight", 1},
          {"calls_per_path", o.calls},
          {"block", o.block},
          {"failed", failed},
          {"via_front_us", to_json(f)},
          {"direct_us", to_json(d)},
          {"front_adds_p50_us", f.p50_us - d.p50_us},
          {"front_adds_p99_us", f.p99_us - d.p99_us}};
}

nlohmann::ordered_json placed(const Options& o) {
  const auto begin = Clock::now();
  const auto deadline =
      begin + std::chrono::duration_cast<Clock::duration>(std::chrono::duration<double>(o.timeout));
  Conn front(o.socket);
  size_t polls = 0;
  uint64_t placed = 0;
  bool all_up = false;
  while (Clock::now() < deadline) {
    ++polls;
    auto r = front.call(msg::kFleetService, msg::kFleetListMembers,
                        v1::ListMembersRequest().SerializeAsString());
    v1::ListMembersResponse list;
    if (r.status.ok() && list.ParseFromString(r.payload)) {
      placed = 0;
      all_up = list.members_size() > 0;
      for (const auto& m : list.members()) {
        placed += m.placedvms();
        all_up = all_up && m.state() == v1::UP;
      }
      if (all_up && placed == o.count) break;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(o.poll_ms));
  }
  const int64_t now_ns = std::chrono::duration_cast<std::chrono::nanoseconds>(
                             std::chrono::system_clock::now().time_since_epoch())
                             .count();
  return {{"mode", "placed"},
          {"seconds_since_given_instant", o.since_ns > 0 ? (now_ns - o.since_ns) / 1e9 : 0.0},
          {"vms", o.count},
          {"placed", placed},
          {"all_up", all_up},
          {"complete", all_up && placed == o.count},
          {"seconds", seconds_between(begin, Clock::now())},
          {"poll_ms", o.poll_ms},
          {"polls", polls}};
}

}  // namespace

int main(int argc, char** argv) {
  Options o;
  CLI::App app{"fleet_bench: create/stop, rpc and placed for bench/fleet.sh"};
  app.require_subcommand(1);
  for (const char* mode : {"create", "stop"}) {
    auto* sub = app.add_subcommand(mode, std::string(mode) + " N VMs through a socket");
    sub->add_option("--socket", o.socket)->required();
    sub->add_option("-n,--count", o.count);
    sub->add_option("-c,--concurrency", o.concurrency);
    sub->add_option("--prefix", o.prefix);
  }
  auto* r = app.add_subcommand("rpc", "GetVMInfo via the front and direct, interleaved");
  r->add_option("--socket", o.socket, "the front")->required();
  r->add_option("--member-socket", o.member_socket, "the member holding --vm")->required();
  r->add_option("--vm", o.vm)->required();
  r->add_option("-n,--calls", o.calls, "per path");
  r->add_option("--block", o.block, "calls per path before switching");
  auto* p = app.add_subcommand("placed", "time until all members up and N VMs placed");
  p->add_option("--socket", o.socket, "the front")->required();
  p->add_option("-n,--count", o.count);
  p->add_option("--poll-ms", o.poll_ms);
  p->add_option("--timeout", o.timeout, "seconds");
  p->add_option("--since-ns", o.since_ns, "also report the seconds since this (date +%s%N)");
  CLI11_PARSE(app, argc, argv);
  try {
    const std::string mode = app.get_subcommands().front()->get_name();
    nlohmann::ordered_json out = mode == "rpc"      ? rpc(o)
                                 : mode == "placed" ? placed(o)
                                                    : many(o, mode == "create");
    std::cout << out.dump() << "\n";
    return out.value("failed", 0) == 0 && out.value("complete", true) ? 0 : 1;
  } catch (const std::exception& e) {
    std::cerr << "fleet_bench: " << e.what() << "\n";
    return 1;
  }
}
