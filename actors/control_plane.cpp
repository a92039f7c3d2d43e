#include "actors/control_plane.hpp"

#include <spdlog/spdlog.h>
#include <caf/actor_system.hpp>
#include <caf/actor_system_config.hpp>
#include <caf/event_based_actor.hpp>
#include <caf/scoped_actor.hpp>
#include <caf/send.hpp>

#include <chrono>
#include <utility>

#include "actors/actors.hpp"
#include "actors/fleet.hpp"
#include "actors/fleet_links.hpp"
#include "actors/loop_coordinator.hpp"
#include "actors/middleman_on_loop.hpp"
#include "config/config.hpp"
#include "io/event_loop.hpp"
#include "io/ttrpc/ttrpc.hpp"
#include "journal/journal_recorder.hpp"
#include "metrics/ember_metrics.hpp"
#include "shimproc/recovery_scan.hpp"
#include "shimproc/shim_host.hpp"

namespace ember::actors {
namespace {

// The actors run on the I/O thread (actors/loop_coordinator.hpp): a call
// crosses no thread inside emberd. A fleet member or front also loads the
// middleman with TLS (actors/fleet_links.hpp), its I/O on the same thread
// (actors/middleman_on_loop.hpp).
caf::actor_system_config& on_loop(io::EventLoop& loop, const config::FleetSettings& fleet,
                                  caf::actor_system_config& cfg) {
  schedule_actors_on(loop, cfg);
  if (fleet.role != config::FleetRole::none) {
    configure_fleet_tls(cfg, fleet.tls);
    drive_middleman_from_loop(cfg);
  }
  return cfg;
}

FleetFrontSettings front_settings(const config::FleetSettings& fleet) {
  FleetFrontSettings out;
  out.report_interval_ms = fleet.report_interval_ms;
  out.member_timeout_ms = fleet.member_timeout_ms;
  for (const config::FleetMemberEntry& m : fleet.members) {
    FleetMemberAddress a{m.name, "", 0, m.address};
    // Checked when the config was loaded.
    (void)config::split_host_port(m.address, &a.host, &a.port);
    out.members.push_back(std::move(a));
  }
  return out;
}

}  // namespace

msg::InboundRpc inbound_rpc(msg::Method method, ttrpc::Request req, ttrpc::Responder responder) {
  msg::ReplyFn reply = [r = std::move(responder)](const msg::RpcReply& out) {
    r.reply(Status(static_cast<Code>(out.code), out.message), out.payload);
  };
  return msg::InboundRpc{method,
                         req.metadata_value(ttrpc::kNamespaceKey),
                         std::move(req.payload),
                         req.timeout_nano,
                         std::move(reply),
                         std::move(req.metadata)};
}

// Times the call at this edge, outside the actors: reading the clock is not
// theirs to do, and replay (which feeds the frontend directly) stays
// untouched. The reply runs on the I/O thread, like this.
void count_call(metrics::Metrics* metrics, msg::InboundRpc* rpc) {
  auto arrived = std::chrono::steady_clock::now();
  rpc->reply = [metrics, arrived, method = static_cast<int>(rpc->method),
                inner = std::move(rpc->reply)](const msg::RpcReply& out) {
    metrics->record_call(method, out.code, std::chrono::steady_clock::now() - arrived);
    inner(out);
  };
}

struct ControlPlane::Impl {
  shimproc::ShimHostFactory effects;
  // With a journal: the taps. Null without one, so no input pays for them.
  std::unique_ptr<journal::RecordingEffectsFactory> recording_effects;
  std::unique_ptr<journal::JournalRecorder> recorder;
  // Outlives the actor system: supervisors report to it until they end.
  std::unique_ptr<msg::InventorySink> inventory_sink;
  caf::actor_system_config caf_cfg;
  caf::actor_system sys;
  // With a fleet role: the middleman's I/O on the loop; ends before sys.
  std::unique_ptr<MiddlemanOnLoop> middleman;
  msg::registry_actor registry;
  msg::frontend_actor frontend;
  msg::inventory_actor inventory;
  // fleet.role front: the front stands in for the registry; member: the
  // facade the front reaches (published by start_fleet).
  msg::fleet_front_actor front;
  msg::fleet_member_actor member;
  const config::Config& cfg;

  metrics::Metrics* metrics;

  Impl(io::EventLoop& loop, const config::Config& config, journal::JournalWriter* journal,
       metrics::Metrics* counters)
      : effects(loop, config, counters),
        sys(on_loop(loop, config.fleet, caf_cfg)),
        cfg(config),
        metrics(counters) {
    if (journal != nullptr) {
      recording_effects = std::make_unique<journal::RecordingEffectsFactory>(effects, *journal);
      recorder = std::make_unique<journal::JournalRecorder>(*journal);
    }
    msg::EffectsFactory* vm_effects =
        recording_effects ? static_cast<msg::EffectsFactory*>(recording_effects.get()) : &effects;
    if (config.fleet.role != config::FleetRole::none)
      middleman = std::make_unique<MiddlemanOnLoop>(loop, sys, caf_cfg);
    inventory = spawn_inventory(sys, metrics);
    inventory_sink = actors::inventory_sink(inventory);
    ActorDeps deps{&cfg, vm_effects, metrics, inventory_sink.get()};
    if (cfg.fleet.role == config::FleetRole::front) {
      front = spawn_fleet_front(sys, front_settings(cfg.fleet), spawn_fleet_links(sys), deps);
      registry = front;
    } else {
      registry = spawn_registry(sys, deps, [deps](caf::actor_system& s, msg::VmKey key) {
        return spawn_vm_supervisor(s, std::move(key), deps);
      });
    }
    if (cfg.fleet.role == config::FleetRole::member)
      member = spawn_fleet_member(sys, cfg.fleet.name, registry, inventory, deps);
    frontend = spawn_frontend(sys, registry, deps);
  }

  bool is_front() const { return cfg.fleet.role == config::FleetRole::front; }
};

ControlPlane::ControlPlane(io::EventLoop& loop, const config::Config& cfg,
                           journal::JournalWriter* journal, metrics::Metrics* metrics)
    : impl_(std::make_unique<Impl>(loop, cfg, journal, metrics)) {}

ControlPlane::~ControlPlane() {
  {
    caf::scoped_actor self{impl_->sys};
    self->request(impl_->registry, caf::infinite, msg::detach_atom::value)
        .receive([](uint32_t) {}, [](caf::error&) {});
    // The frontend first, and to its end: every request it still sends finds
    // the registry, which answers "emberd is shutting down" (not NOT_FOUND).
    self->monitor(impl_->frontend);
    caf::anon_send_exit(impl_->frontend, caf::exit_reason::user_shutdown);
    self->receive([](caf::down_msg&) {});
  }
  if (impl_->member) caf::anon_send_exit(impl_->member, caf::exit_reason::user_shutdown);
  caf::anon_send_exit(impl_->registry, caf::exit_reason::user_shutdown);
  caf::anon_send_exit(impl_->inventory, caf::exit_reason::user_shutdown);
  impl_->member = nullptr;
  impl_->front = nullptr;
  impl_->registry = nullptr;
  impl_->frontend = nullptr;
  impl_->inventory = nullptr;
  // ~actor_system waits for the supervisors to finish detaching.
}

void ControlPlane::serve(ttrpc::Server& server) {
  for (int i = 0; i < msg::kMethodCount; ++i) {
    auto method = static_cast<msg::Method>(i);
    auto fe = impl_->frontend;
    journal::JournalRecorder* recorder = impl_->recorder.get();
    metrics::Metrics* metrics = impl_->metrics;
    server.add_method(msg::kFirecrackerService, msg::method_name(method),
                      [fe, method, recorder, metrics](ttrpc::Request req, ttrpc::Responder r) {
                        const uint64_t connection = req.connection;
                        const uint32_t stream_id = req.stream_id;
                        msg::InboundRpc rpc = inbound_rpc(method, std::move(req), std::move(r));
                        if (metrics) count_call(metrics, &rpc);
                        // Recorded here, on the one I/O thread, just before
                        // the frontend can see it: journal order is the
                        // order of the frontend's mailbox.
                        if (recorder) recorder->record_rpc(&rpc, connection, stream_id);
                        caf::anon_send(fe, msg::rpc_atom::value, std::move(rpc));
                      });
  }
}

ControlPlane::Recovered ControlPlane::recover() {
  Recovered out;
  if (impl_->is_front()) return out;  // it runs no VMs: nothing of a previous one to adopt
  shimproc::RecoveryScan scan = shimproc::scan_for_shims(impl_->cfg);
  out.killed = scan.killed_shims;
  out.removed_dirs = scan.removed_dirs;
  out.removed_sockets = scan.removed_sockets;
  caf::scoped_actor self{impl_->sys};
  for (auto& found : scan.live) {
    msg::ShimRecord rec{found.state.pid, found.state.start_time, found.state.shim_socket,
                        found.state.fccontrol_socket};
    msg::VmKey key{found.ns, found.id};
    if (impl_->recorder) impl_->recorder->record_adopt(key, rec);
    self->request(impl_->registry, caf::infinite, msg::adopt_atom::value, key, rec)
        .receive([&](msg::RpcReply& r) { ++(r.code == 0 ? out.adopted : out.failed); },
                 [&](caf::error&) { ++out.failed; });
  }
  return out;
}

uint32_t ControlPlane::stop_all_vms() {
  uint32_t n = 0;
  if (impl_->is_front()) return n;  // the members' VMs are theirs to stop
  caf::scoped_actor self{impl_->sys};
  self->request(impl_->registry, caf::infinite, msg::stop_all_atom::value)
      .receive([&](uint32_t count) { n = count; }, [](caf::error&) {});
  return n;
}

void ControlPlane::list_vms(msg::InventoryQuery query) {
  if (impl_->is_front())
    caf::anon_send(impl_->front, msg::list_atom::value, std::move(query));
  else
    caf::anon_send(impl_->inventory, msg::list_atom::value, std::move(query));
}

void ControlPlane::watch_vms(msg::InventoryWatch watch) {
  if (impl_->is_front())
    caf::anon_send(impl_->front, msg::watch_atom::value, std::move(watch));
  else
    caf::anon_send(impl_->inventory, msg::watch_atom::value, std::move(watch));
}

Status ControlPlane::start_fleet() {
  const config::FleetSettings& fleet = impl_->cfg.fleet;
  if (fleet.role != config::FleetRole::member) return Status::Ok();
  std::string host;
  uint16_t port = 0;
  if (Status s = config::split_host_port(fleet.listen, &host, &port); !s.ok())
    return Status(s.code(), "fleet.listen: " + s.message());
  uint16_t bound = 0;
  return publish_fleet_member(impl_->member, host, port, &bound);
}

void ControlPlane::report_host_memory(uint64_t free_mib, uint64_t total_mib) {
  if (impl_->member) caf::anon_send(impl_->member, msg::host_atom::value, free_mib, total_mib);
}

void ControlPlane::fleet_members(MembersReply reply) {
  if (!impl_->is_front()) {
    reply(Status::FailedPrecondition(std::string("emberd is not a fleet front (fleet.role: ") +
                                     config::to_string(impl_->cfg.fleet.role) + ")"),
          {});
    return;
  }
  // A one-shot asker: the answer (or the error) runs inside it, on the
  // actors' thread, like the inventory's replies. Spawned with an argument:
  // CAF 0.17 dereferences a null std::tuple<> for an argument-less spawn
  // (UBSan halts emberd on it).
  impl_->sys.spawn(
      [front = impl_->front, reply = std::move(reply)](caf::event_based_actor* self,
                                                       bool /*spawned*/) {
        self->request(front, std::chrono::seconds(10), msg::members_atom::value)
            .then([reply](std::vector<msg::MemberStatus>& m) { reply(Status::Ok(), std::move(m)); },
                  [reply, self](caf::error& e) {
                    reply(Status::Unavailable("the fleet front did not answer: " +
                                              self->system().render(e)),
                          {});
                  });
      },
      true);
}

uint32_t ControlPlane::vm_count() {
  uint32_t n = 0;
  caf::scoped_actor self{impl_->sys};
  self->request(impl_->registry, caf::infinite, msg::count_atom::value)
      .receive([&](uint32_t count) { n = count; }, [](caf::error&) {});
  return n;
}

}  // namespace ember::actors
