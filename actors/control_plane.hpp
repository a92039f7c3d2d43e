#pragma once
// ControlPlane: emberd's actors behind a CAF-free facade, so the daemon's main
// and the I/O code never include CAF headers.
#include <cstdint>
#include <functional>
#include <memory>
#include <vector>

#include "base/status.hpp"
#include "io/ttrpc/ttrpc.hpp"
#include "messages/fleet_types.hpp"
#include "messages/vm_inventory.hpp"
#include "messages/vm_types.hpp"

namespace ember::io {
class EventLoop;
}
namespace ember::ttrpc {
class Server;
}
namespace ember::config {
struct Config;
}
namespace ember::journal {
class JournalWriter;
}
namespace ember::metrics {
class Metrics;
}

namespace ember::actors {

// The frontend's view of one fccontrol request the ttrpc server decoded: its
// reply completes responder.
msg::InboundRpc inbound_rpc(msg::Method method, ttrpc::Request req, ttrpc::Responder responder);

class ControlPlane {
 public:
  // Starts the actor system (worker threads), registry and frontend. loop and
  // cfg must outlive this object. With a journal, every input of the actors
  // (RPCs, effect completions, adoptions) and every reply is recorded into
  // it; it must outlive loop too (completions run on the loop thread). With
  // metrics, calls, VM states and exits, and shim launches are counted there;
  // it must outlive this object.
  ControlPlane(io::EventLoop& loop, const config::Config& cfg,
               journal::JournalWriter* journal = nullptr, metrics::Metrics* metrics = nullptr);
  // Detaches the VMs still registered (their shims keep running) and waits
  // for every actor to finish. Not on the loop thread.
  ~ControlPlane();
  ControlPlane(const ControlPlane&) = delete;
  ControlPlane& operator=(const ControlPlane&) = delete;

  // Registers the twelve fccontrol methods on server; requests become
  // messages to the frontend.
  void serve(ttrpc::Server& server);
  // Adopts the shims that outlived a previous emberd, kills those of VMs
  // whose CreateVM never completed, and removes what they and dead ones left
  // behind. Call once, before serving. Blocking.
  struct Recovered {
    int adopted = 0;
    int failed = 0;
    int killed = 0;  // shims of VMs never created
    int removed_dirs = 0;
    int removed_sockets = 0;
  };
  Recovered recover();
  // Stops every VM and waits until all are gone; returns how many. Blocking:
  // not on the loop thread.
  uint32_t stop_all_vms();
  // VMs currently registered. Blocking.
  uint32_t vm_count();
  // The inventory (actors/inventory.cpp): query.reply and watch.deliver run
  // later on the actors' thread, never inside these calls. Any thread.
  void list_vms(msg::InventoryQuery query);
  void watch_vms(msg::InventoryWatch watch);

  // The fleet (docs/fleet.md; fleet.role none: these do nothing). A member
  // publishes its facade with TLS on fleet.listen: UNAVAILABLE saying why
  // (the port in use...) otherwise. Call once, after recover(). Blocking.
  Status start_fleet();
  // A member's host memory, read by the daemon's timer (the actors read no
  // file). Any thread.
  void report_host_memory(uint64_t free_mib, uint64_t total_mib);
  // The front's members; FAILED_PRECONDITION on any emberd that is not a
  // front. reply runs later on the actors' thread, never inside this call.
  using MembersReply = std::function<void(Status, std::vector<msg::MemberStatus>)>;
  void fleet_members(MembersReply reply);

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace ember::actors
