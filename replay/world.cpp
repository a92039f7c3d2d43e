// The actors on CAF's deterministic test coordinator (no DSL: the "testing"
// scheduler policy), with names for the trace. Every message is handled by
// run_one(), so the caller decides the interleaving.
#include "replay/world.hpp"

#include <caf/actor_cast.hpp>
#include <caf/actor_system.hpp>
#include <caf/actor_system_config.hpp>
#include <caf/event_based_actor.hpp>
#include <caf/exit_reason.hpp>
#include <caf/mailbox_element.hpp>
#include <caf/scheduler/test_coordinator.hpp>
#include <caf/send.hpp>

#include <algorithm>
#include <map>
#include <set>
#include <vector>

#include "actors/step_noted.hpp"
#include "config/config.hpp"
#include "replay/actor_set.hpp"
#include "replay/trace_format.hpp"

namespace ember::replay {
namespace {

using namespace msg;

caf::actor_system_config& testing_policy(caf::actor_system_config& cfg) {
  cfg.set("scheduler.policy", caf::atom("testing"));
  return cfg;
}

// The daemon's settings as the header recorded them (0: the default).
config::Config settings_of(const journal::Header& h) {
  config::Config cfg;
  const journal::Settings& s = h.settings();
  if (s.max_vms() != 0) cfg.limits.max_vms = s.max_vms();
  if (s.max_concurrent_creates() != 0)
    cfg.limits.max_concurrent_creates = s.max_concurrent_creates();
  if (s.stop_vm_seconds() != 0) cfg.timeouts.stop_vm_seconds = s.stop_vm_seconds();
  if (s.create_vm_seconds() != 0) cfg.timeouts.create_vm_seconds = s.create_vm_seconds();
  if (s.call_seconds() != 0) cfg.timeouts.call_seconds = s.call_seconds();
  return cfg;
}

const ActorSet kEmberd{};

}  // namespace

struct World::Impl {
  config::Config cfg;
  caf::actor_system_config caf_cfg;
  caf::actor_system sys;
  caf::scheduler::test_coordinator& sched;
  registry_actor registry;
  frontend_actor frontend;
  caf::actor client;  // asks the registry for adoptions and its count
  std::map<caf::actor_id, std::string> names;
  std::set<caf::actor_id> initialized;
  std::map<std::string, uint32_t> spawned;  // per VM, for names
  std::vector<caf::actor_addr> supervisors;
  std::map<std::string, caf::actor_addr> vm_actors;  // "ns/id#N" -> its supervisor
  std::string* trace;
  bool tracing = true;
  uint64_t next_adopt = 1;
  std::map<uint64_t, ReplyFn> adopt_done;
  uint32_t count = 0;
  uint64_t registry_steps = 0;
  bool closed = false;
  caf::resumable* registry_job = nullptr;  // the registry as the scheduler sees it

  Impl(const journal::Header& header, EffectsFactory& effects, const ActorSet& actors,
       std::string* trace_out)
      : cfg(settings_of(header)),
        sys(testing_policy(caf_cfg)),
        sched(dynamic_cast<caf::scheduler::test_coordinator&>(sys.scheduler())),
        trace(trace_out) {
    sys.await_actors_before_shutdown(false);
    actors::ActorDeps deps{&cfg, &effects};
    registry = actors.spawn_registry(sys, deps, [this, deps](caf::actor_system& s, VmKey key) {
      std::string vm = key.ns + "/" + key.id;
      auto sup = actors::spawn_vm_supervisor(s, std::move(key), deps);
      std::string name = vm + "#" + std::to_string(++spawned[vm]);
      names[sup.id()] = "vm " + name;
      vm_actors[name] = sup.address();
      supervisors.push_back(sup.address());
      return sup;
    });
    registry_job = dynamic_cast<caf::resumable*>(caf::actor_cast<caf::abstract_actor*>(registry));
    frontend = actors::spawn_frontend(sys, registry, deps);
    // Spawned with an argument: CAF 0.17 binds a reference through a null
    // pointer for actors spawned without any (UBSan, EMBER_SANITIZE).
    client = sys.spawn(
        [](caf::event_based_actor* self, Impl* impl) { return impl->client_behavior(self); }, this);
    names[registry.id()] = "registry";
    names[frontend.id()] = "frontend";
    names[client.id()] = "client";
  }

  ~Impl() { close(); }

  void close() {
    if (closed) return;
    closed = true;
    tracing = false;
    for (auto& addr : supervisors)
      if (auto sup = caf::actor_cast<caf::actor>(addr))
        caf::anon_send_exit(sup, caf::exit_reason::kill);
    caf::anon_send_exit(frontend, caf::exit_reason::kill);
    caf::anon_send_exit(registry, caf::exit_reason::kill);
    caf::anon_send_exit(client, caf::exit_reason::kill);
    sched.run();
  }

  caf::behavior client_behavior(caf::event_based_actor* self) {
    return {
        [=](adopt_atom, const VmKey& key, const ShimRecord& rec, uint64_t id) {
          self->request(registry, caf::infinite, adopt_atom::value, key, rec)
              .then([=](RpcReply& r) { adopted(id, r); },
                    [=](caf::error& e) {
                      adopted(id, reply_of(Status::Unavailable(caf::to_string(e))));
                    });
        },
        [=](count_atom) {
          self->request(registry, caf::infinite, count_atom::value)
              .then([=](uint32_t n) { count = n; }, [](caf::error&) {});
        },
        // What emberd's shutdown sends (not journaled: its Step is its record).
        [=](stop_all_atom) {
          self->request(registry, caf::infinite, stop_all_atom::value)
              .then([](uint32_t) {}, [](caf::error&) {});
        },
        [=](detach_atom) {
          self->request(registry, caf::infinite, detach_atom::value)
              .then([](uint32_t) {}, [](caf::error&) {});
        },
    };
  }

  caf::actor_addr address_of(const ActorRef& ref) const {
    if (ref.kind == ActorRef::Kind::registry) return registry.address();
    if (ref.kind != ActorRef::Kind::vm) return {};
    auto i = vm_actors.find(ref.vm + "#" + std::to_string(ref.ordinal));
    return i != vm_actors.end() ? i->second : caf::actor_addr{};
  }

  // The actor, while it exists (a finished supervisor's address is weak).
  caf::scheduled_actor* actor_of(const ActorRef& ref) const {
    auto strong = caf::actor_cast<caf::strong_actor_ptr>(address_of(ref));
    if (!strong) return nullptr;
    return dynamic_cast<caf::scheduled_actor*>(caf::actor_cast<caf::abstract_actor*>(strong));
  }

  bool sent_by(const caf::mailbox_element& x, const ActorRef& ref) const {
    if (ref.kind == ActorRef::Kind::none) return !x.sender;
    if (!x.sender) return false;
    if (ref.kind == ActorRef::Kind::unnamed)  // the kind tells which of the two
      return x.sender->id() == client.id() || x.sender->id() == frontend.id();
    caf::actor_addr addr = address_of(ref);  // the sender may have ended since
    return addr && addr.id() == x.sender->id();
  }

  // Moves the first message of a's that matches to the front of its mailbox.
  bool bring_to_front(caf::scheduled_actor* a, const ActorRef& sender, uint64_t kind) {
    // An idle actor's inbox is blocked: fetching would unblock it without
    // scheduling it, and its next message would never wake it.
    if (a->mailbox().blocked() || a->mailbox().closed()) return false;
    a->mailbox().fetch_more();
    if (!a->get_urgent_queue().empty()) return false;  // no ember message is urgent
    auto& queue = a->get_normal_queue();
    std::vector<caf::mailbox_element_ptr> held;
    while (auto x = queue.take_front())
      held.push_back(std::move(x));
    auto match = std::find_if(held.begin(), held.end(), [&](const caf::mailbox_element_ptr& x) {
      return sent_by(*x, sender) && actors::step_kind(*x) == kind;
    });
    if (match != held.end()) std::rotate(held.begin(), match, match + 1);
    for (auto& x : held)
      queue.push_back(std::move(x));
    return match != held.end();
  }

  bool run_actor(caf::scheduled_actor* a) {
    auto i = std::find_if(sched.jobs.begin(), sched.jobs.end(), [a](caf::resumable* job) {
      return dynamic_cast<caf::scheduled_actor*>(job) == a;
    });
    if (i == sched.jobs.end()) return false;
    std::rotate(sched.jobs.begin(), i, i + 1);
    run_front();
    return true;
  }

  // The actors that take no steps: emberd's frontend and the stand-in for
  // its own callers, run until neither has a message.
  void run_stepless() {
    auto* c = dynamic_cast<caf::scheduled_actor*>(caf::actor_cast<caf::abstract_actor*>(client));
    auto* f = dynamic_cast<caf::scheduled_actor*>(caf::actor_cast<caf::abstract_actor*>(frontend));
    while (run_actor(f) || run_actor(c)) {
    }
  }

  // Sends what emberd's own code would have sent to a (a Step whose message
  // replay does not otherwise make: shutdown, and emberd's own requests).
  bool send_external(caf::scheduled_actor* a, const ActorRef& sender, uint64_t kind) {
    if (sender.kind == ActorRef::Kind::none && kind == actors::kExitKind) {
      caf::anon_send_exit(caf::actor_cast<caf::actor>(a), caf::exit_reason::user_shutdown);
      return true;
    }
    if (sender.kind != ActorRef::Kind::unnamed) return false;
    if (kind == static_cast<uint64_t>(stop_all_atom::uint_value()))
      caf::anon_send(client, stop_all_atom::value);
    else if (kind == static_cast<uint64_t>(detach_atom::uint_value()))
      caf::anon_send(client, detach_atom::value);
    else if (kind == static_cast<uint64_t>(count_atom::uint_value()))
      caf::anon_send(client, count_atom::value);
    else
      return false;
    run_stepless();
    return true;
  }

  void adopted(uint64_t id, const RpcReply& r) {
    auto i = adopt_done.find(id);
    if (i == adopt_done.end()) return;
    ReplyFn done = std::move(i->second);
    adopt_done.erase(i);
    done(r);
  }

  std::string name_of(caf::actor_id id) const {
    auto i = names.find(id);
    return i != names.end() ? i->second : "actor " + std::to_string(id);
  }

  // The line of the message the first ready actor is about to handle.
  void trace_next() {
    auto* actor = dynamic_cast<caf::scheduled_actor*>(sched.jobs.front());
    if (actor == nullptr) return;
    std::string to = name_of(actor->id());
    if (initialized.insert(actor->id()).second) *trace += "  init " + to + "\n";
    caf::mailbox_element* next = actor->peek_at_next_mailbox_element();
    if (next == nullptr) return;
    std::string from = next->sender ? name_of(next->sender->id()) : "input";
    auto name = [this](const caf::actor_addr& a) { return name_of(a.id()); };
    *trace += "  " + from + " -> " + to + ": " + describe_message(next->content(), name) + "\n";
  }

  void run_front() {
    if (trace != nullptr && tracing) trace_next();
    if (sched.jobs.front() == registry_job) ++registry_steps;
    sched.run_once();
  }
};

World::World(const journal::Header& header, EffectsFactory& effects, const ActorSet* actors,
             std::string* trace)
    : impl_(std::make_unique<Impl>(header, effects, actors ? *actors : kEmberd, trace)) {}

World::~World() = default;

void World::close() {
  impl_->close();
}

void World::inject_rpc(InboundRpc rpc) {
  caf::anon_send(impl_->frontend, rpc_atom::value, std::move(rpc));
}

void World::inject_adopt(const VmKey& key, const ShimRecord& record, ReplyFn done) {
  uint64_t id = impl_->next_adopt++;
  impl_->adopt_done.emplace(id, std::move(done));
  caf::anon_send(impl_->client, adopt_atom::value, key, record, id);
}

size_t World::ready() const {
  return impl_->sched.jobs.size();
}

void World::run_one(size_t i) {
  auto& jobs = impl_->sched.jobs;
  if (i >= jobs.size()) return;
  if (i != 0)
    std::rotate(jobs.begin(), jobs.begin() + static_cast<std::ptrdiff_t>(i),
                jobs.begin() + static_cast<std::ptrdiff_t>(i) + 1);
  impl_->run_front();
}

void World::run_until_idle() {
  while (!impl_->sched.jobs.empty())
    impl_->run_front();
}

bool World::run_step(const ActorRef& actor, const ActorRef& sender, uint64_t kind) {
  caf::scheduled_actor* a = impl_->actor_of(actor);
  if (a == nullptr) return false;
  bool found = impl_->bring_to_front(a, sender, kind);
  if (!found && impl_->send_external(a, sender, kind))
    found = impl_->bring_to_front(a, sender, kind);
  return found && impl_->run_actor(a);
}

void World::run_stepless() {
  impl_->run_stepless();
}

uint32_t World::registry_entries() {
  impl_->tracing = false;
  caf::anon_send(impl_->client, count_atom::value);
  run_until_idle();
  impl_->tracing = true;
  return impl_->count;
}

uint64_t World::registry_steps() const {
  return impl_->registry_steps;
}

void World::note(const std::string& line) {
  if (impl_->trace != nullptr) *impl_->trace += line + "\n";
}

}  // namespace ember::replay
