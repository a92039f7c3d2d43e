#pragma once
// The fleet front's state, shared by its two translation units:
// fleet_front.cpp (calls, placement, lists, watches) and
// fleet_front_members.cpp (links, reports, up and lost members, conflicts).
// Include only from those: it pulls in CAF headers.
#include <caf/stateful_actor.hpp>
#include <caf/system_messages.hpp>
#include <caf/typed_event_based_actor.hpp>
#include <caf/typed_response_promise.hpp>

#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "actors/fleet.hpp"

namespace ember::actors::fleet {

using RpcPromise = caf::typed_response_promise<msg::RpcReply>;

// One configured member, as the front knows it.
struct Member {
  FleetMemberAddress where;
  msg::MemberState state = msg::MemberState::connecting;
  std::string reason;  // why not up ("" when up)
  msg::fleet_member_actor handle;
  // Bumped for each new handle and each lost handle: a reply to an older
  // request is stale and ignored.
  uint64_t epoch = 0;
  bool linking = false;    // a link request is in flight
  bool reporting = false;  // a report request is in flight
  bool watching = false;   // watch_atom sent on this handle
  msg::MemberCapacity capacity;
  int64_t last_report_unix_nano = 0;
  uint32_t placed = 0;       // VMs placed on it, creates in flight included
  uint64_t pending_mib = 0;  // memory of the creates in flight on it
  // VMs it holds that another member won (key -> its created_unix_nano).
  std::map<msg::VmKey, int64_t> conflicts;
};

struct Placement {
  size_t member = 0;  // index into FrontState::members
  int64_t created_unix_nano = 0;
};

// A CreateVM sent to a member and not answered yet.
struct Creating {
  size_t member = 0;
  uint64_t memory_mib = 0;
};

// A call sent to a member and not answered yet.
struct Routed {
  size_t member = 0;
  msg::VmKey key;
  msg::Method method = msg::Method::get_vm_info;
  RpcPromise promise;
};

struct FrontState {
  FleetFrontSettings settings;
  msg::fleet_link_actor links;
  ActorDeps deps;
  std::vector<Member> members;  // in fleet.members order
  std::map<std::string, size_t> by_name;
  std::map<msg::VmKey, Placement> placed;
  std::map<msg::VmKey, Creating> creating;
  std::map<uint64_t, Routed> routed;
  uint64_t next_id = 1;
  std::vector<msg::InventoryWatch> watches;
  bool detached = false;  // emberd is shutting down
  static inline const char* name = "fleet-front";
};

using Self = msg::fleet_front_actor::stateful_pointer<FrontState>;

// "member m2 (10.77.2.2:7100) is unreachable: <reason>", UNAVAILABLE.
msg::RpcReply unreachable(const Member& m);
// Answers routed call id with r (once), and updates the placement by it.
// outcome_unknown: the member did not answer in time; a CreateVM then keeps
// its placement (the VM may exist there: no second copy elsewhere).
void finish(Self self, uint64_t id, msg::RpcReply r, bool outcome_unknown = false);
// Places key on member i (after a create or a report), counting it there.
void place(FrontState& st, const msg::VmKey& key, size_t i, int64_t created_unix_nano);
// Forgets key's placement if it is on member i.
void unplace(FrontState& st, const msg::VmKey& key, size_t i);
int64_t now_unix_nano();

// fleet_front_members.cpp
void start_members(Self self);
void on_tick(Self self);
void on_member_down(Self self, const caf::down_msg& dm);

}  // namespace ember::actors::fleet
