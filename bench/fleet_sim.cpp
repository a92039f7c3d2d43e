// fleet_sim: the real fleet front (actors/fleet_front) against M simulated
// members in process (actors/fleet_sim: no network, no VMs), for each M of
// --members. Per M: the time until every member is up, then CreateVMs and
// GetVMInfos with --concurrency calls in flight (closed loop), their rate and
// latency, while the front asks each member for a report every
// --report-ms; then a new front and the time until it has rebuilt the
// placement from the members' reports. Where the rate falls as M grows is where one front saturates
// (docs/fleet.md). One JSON object per M on stdout.
#include <caf/actor_system.hpp>
#include <caf/actor_system_config.hpp>
#include <caf/event_based_actor.hpp>
#include <caf/scoped_actor.hpp>
#include <caf/send.hpp>

#include <fstream>
#include <functional>
#include <future>
#include <iostream>
#include <map>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include <spdlog/spdlog.h>
#include <CLI/CLI.hpp>
#include <nlohmann/json.hpp>

#include "actors/fleet.hpp"
#include "actors/fleet_sim.hpp"
#include "bench/lib/stats.hpp"
#include "config/config.hpp"
#include "fccontrol.pb.h"

namespace {

using namespace ember;
using namespace ember::bench;
using namespace ember::msg;

struct Options {
  std::vector<size_t> members = {10, 100, 300, 1000};
  size_t vms = 20000;  // created, then asked GetVMInfo once each, per M
  size_t concurrency = 64;
  uint32_t report_ms = 1000;
};

struct Phase {
  size_t failed = 0;
  double seconds = 0;
  Summary latency;
};

// count calls (make(i) gives each) through front, concurrency in flight.
Phase drive(caf::actor_system& sys, const fleet_front_actor& front, size_t count,
            size_t concurrency, std::function<std::pair<VmKey, VmCall>(size_t)> make) {
  struct Shared {
    size_t next = 0, finished = 0, failed = 0;
    Samples lat;
    std::promise<void> done;
  };
  auto s = std::make_shared<Shared>();
  s->lat.reserve(count);
  auto done = s->done.get_future();
  const auto begin = Clock::now();
  // The bool: CAF 0.17 dereferences a null std::tuple<> for an
  // argument-less spawn.
  sys.spawn(
      [=](caf::event_based_actor* self, bool) {
        auto issue = std::make_shared<std::function<void()>>();
        *issue = [=] {
          if (s->next >= count) return;
          auto [key, call] = make(s->next++);
          const auto sent = Clock::now();
          auto end = [=](bool ok) {
            s->lat.add(sent, Clock::now());
            s->failed += ok ? 0 : 1;
            if (++s->finished == count) s->done.set_value();
            (*issue)();
          };
          self->request(front, caf::infinite, call_atom::value, key, call)
              .then([=](RpcReply& r) { end(r.code == 0); }, [=](caf::error&) { end(false); });
        };
        for (size_t i = 0; i < concurrency; ++i)
          (*issue)();
      },
      true);
  done.wait();
  return {s->failed, seconds_between(begin, Clock::now()), s->lat.summarize()};
}

nlohmann::ordered_json to_json(const Phase& p, size_t count) {
  return {{"calls", count},
          {"failed", p.failed},
          {"seconds", p.seconds},
          {"per_second", static_cast<double>(count) / p.seconds},
          {"latency_us", ember::bench::to_json(p.latency)}};
}

// Seconds until members_atom shows every member up with `placed` VMs placed
// in all (polled every 10 ms: the front has no event for it).
double until_placed(caf::actor_system& sys, const fleet_front_actor& front, size_t placed) {
  caf::scoped_actor self{sys};
  const auto begin = Clock::now();
  for (int round = 0; round < 30000; ++round) {
    bool done = false;
    self->request(front, caf::infinite, members_atom::value)
        .receive(
            [&](std::vector<MemberStatus>& ms) {
              size_t sum = 0;
              done = true;
              for (const auto& m : ms) {
                done = done && m.state == MemberState::up;
                sum += m.placed_vms;
              }
              done = done && sum == placed;
            },
            [&](caf::error&) {});
    if (done) break;
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  return seconds_between(begin, Clock::now());
}

std::string create_payload(const std::string& id) {
  CreateVMRequest r;
  r.set_vmid(id);
  r.mutable_machinecfg()->set_memsizemib(128);
  return r.SerializeAsString();
}

// This process's resident set now (VmRSS), in KiB.
long rss_kib() {
  std::ifstream status("/proc/self/status");
  std::string line;
  while (std::getline(status, line))
    if (line.rfind("VmRSS:", 0) == 0) return std::stol(line.substr(6));
  return -1;
}

std::string loadavg() {
  std::ifstream f("/proc/loadavg");
  std::string line;
  std::getline(f, line);
  return line;
}

nlohmann::ordered_json run_one(const Options& o, size_t member_count) {
  const std::string load_before = loadavg();
  caf::actor_system_config cfg;
  add_fleet_message_types(cfg);
  caf::actor_system sys{cfg};
  config::Config ember_cfg;
  actors::FleetFrontSettings settings;
  settings.report_interval_ms = o.report_ms;
  settings.member_timeout_ms = o.report_ms * 3;
  actors::SimCapacity cap;
  cap.max_vms = static_cast<uint32_t>(o.vms);  // room for all on any one
  std::map<std::string, fleet_member_actor> by_address;
  std::vector<actors::sim_member_actor> sims;
  for (size_t i = 0; i < member_count; ++i) {
    std::string name = "s" + std::to_string(i);
    std::string host = "10." + std::to_string(i / 250) + "." + std::to_string(i % 250) + ".2";
    settings.members.push_back({name, host, 7100, host + ":7100"});
    sims.push_back(actors::spawn_sim_member(sys, name, cap));
    by_address[host + ":7100"] = sims.back();
  }
  auto links = actors::spawn_sim_links(sys, by_address);
  auto front = actors::spawn_fleet_front(sys, settings, links, actors::ActorDeps{&ember_cfg});
  const double up = until_placed(sys, front, 0);
  const std::string prefix = "sim-" + std::to_string(member_count) + "-";
  Phase created = drive(sys, front, o.vms, o.concurrency, [&](size_t i) {
    VmCall c;
    c.method = Method::create_vm;
    c.payload = create_payload(prefix + std::to_string(i));
    return std::make_pair(VmKey{"default", prefix + std::to_string(i)}, c);
  });
  Phase info = drive(sys, front, o.vms, o.concurrency, [&](size_t i) {
    VmCall c;
    c.method = Method::get_vm_info;
    return std::make_pair(VmKey{"default", prefix + std::to_string(i)}, c);
  });
  const long rss = rss_kib();
  // A new front rebuilds the placement from the members' full reports.
  caf::anon_send_exit(front, caf::exit_reason::kill);
  front = actors::spawn_fleet_front(sys, settings, links, actors::ActorDeps{&ember_cfg});
  const double rebuilt = until_placed(sys, front, o.vms);
  caf::anon_send_exit(front, caf::exit_reason::kill);
  caf::anon_send_exit(links, caf::exit_reason::kill);
  for (auto& s : sims)
    caf::anon_send_exit(s, caf::exit_reason::kill);
  return {{"bench", "fleet-sim"},
          {"members", member_count},
          {"vms", o.vms},
          {"concurrency", o.concurrency},
          {"report_interval_ms", o.report_ms},
          {"seconds_until_all_up", up},
          {"create", to_json(created, o.vms)},
          {"get_vm_info", to_json(info, o.vms)},
          {"seconds_to_rebuild_placement", rebuilt},
          {"process_rss_kib", rss},
          {"load_average", {{"before", load_before}, {"after", loadavg()}}}};
}

}  // namespace

int main(int argc, char** argv) {
  Options o;
  CLI::App app{"fleet_sim: the fleet front against simulated members, in process"};
  app.add_option("--members", o.members, "member counts, one run each")->delimiter(',');
  app.add_option("-n,--vms", o.vms, "CreateVMs (then GetVMInfos) per run");
  app.add_option("-c,--concurrency", o.concurrency);
  app.add_option("--report-ms", o.report_ms, "the front's report interval");
  CLI11_PARSE(app, argc, argv);
  spdlog::set_level(spdlog::level::warn);  // not one line per member coming up
  int rc = 0;
  for (size_t m : o.members) {
    auto line = run_one(o, m);
    std::cout << line.dump() << std::endl;
    if (line["create"]["failed"] != 0 || line["get_vm_info"]["failed"] != 0) rc = 1;
  }
  return rc;
}
