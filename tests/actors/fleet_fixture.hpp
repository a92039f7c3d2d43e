#pragma once
// FleetTest: the real fleet front on CAF's deterministic test scheduler,
// against simulated members (actors/fleet_sim.hpp) behind simulated links.
// The front drives no timer of its own here (report_interval_ms 0): the test
// sends each report round (tick), and fires request timeouts only when it
// says so (expire), so every failure happens at a point the test chooses.
#include "caf_gtest.hpp"  // first: it configures gtest for CAF's DSL

#include <caf/event_based_actor.hpp>

#include <map>
#include <memory>
#include <string>
#include <vector>

#include "actors/fleet.hpp"
#include "actors/fleet_sim.hpp"
#include "config/config.hpp"
#include "registry_fixture.hpp"

namespace ember::actors::testing {

// A CreateVM payload for id with MemSizeMib mib (0: unset).
std::string create_payload(const std::string& id, uint32_t mib);

class FleetTest : public ::testing::Test, public test_coordinator_fixture<> {
 protected:
  FleetTest();
  ~FleetTest() override;

  // A simulated member, at "10.77.N.2:7100" (N: 1 for the first added).
  sim_member_actor add_member(const std::string& name, SimCapacity cap = {});
  // Spawns the links (to every member added) and the front, and settles:
  // every member that answers is up.
  void start_front();
  // Ends the front (as a SIGKILL would) and starts a new one.
  void restart_front();

  // Runs every queued message; fires no timer.
  void settle();
  // Fires every timer (the front's request timeouts), then settles.
  void expire();
  // One report round of the front, settled.
  void tick();

  // A call from a client actor; answered once settled.
  OutcomePtr send_call(const msg::VmKey& key, msg::VmCall call);
  // A call, settled; fails the test if unanswered.
  msg::RpcReply call(const msg::VmKey& key, msg::VmCall call);
  msg::RpcReply create(const std::string& id, uint32_t mib = 0, const std::string& ns = "ns");
  msg::RpcReply info(const std::string& id, const std::string& ns = "ns");
  msg::RpcReply stop(const std::string& id, const std::string& ns = "ns");

  std::vector<msg::MemberStatus> members();
  msg::MemberStatus member(const std::string& name);
  std::vector<msg::VmSummary> list(const std::string& ns, bool all);
  uint32_t placed();

  // The member's actor ends: the front hears its down message.
  void kill_member(const std::string& name);
  // A new actor for the member (as after its emberd restarted and adopted
  // vms), reachable through the links from now on.
  sim_member_actor restart_member(const std::string& name, std::vector<msg::FleetVm> vms);

  config::Config cfg;
  FleetFrontSettings settings;
  std::map<std::string, sim_member_actor> sims;
  std::map<std::string, SimCapacity> capacities;
  sim_links_actor links;
  msg::fleet_front_actor front;
};

}  // namespace ember::actors::testing
