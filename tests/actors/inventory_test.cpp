// The inventory actor on CAF's deterministic scheduler: supervisors' phases
// and shims' guest reports merged into one state per VM, ListVMs, Watch.
#include "caf_gtest.hpp"  // first: it configures gtest for CAF's DSL

#include <caf/send.hpp>

#include <memory>
#include <string>
#include <vector>

#include "actors/actors.hpp"
#include "messages/vm_protocol.hpp"
#include "metrics/ember_metrics.hpp"

namespace ember::actors::testing {
namespace {

using msg::VmState;

class InventoryTest : public ::testing::Test, public test_coordinator_fixture<> {
 protected:
  InventoryTest() : inv(spawn_inventory(sys, &counters)), sink(inventory_sink(inv)) { sched.run(); }
  ~InventoryTest() override {
    caf::anon_send_exit(inv, caf::exit_reason::kill);
    sched.run();
  }

  void phase(const std::string& ns, const std::string& id, VmState state, std::string type,
             std::string cause = {}) {
    msg::VmChange c;
    c.type = std::move(type);
    c.vm.key = {ns, id};
    c.vm.state = state;
    c.vm.shim_pid = 42;
    c.cause = std::move(cause);
    sink->changed(c);
    sched.run();
  }
  void guest(const std::string& id, VmState state, std::string reason = {}) {
    msg::GuestStatus g;
    g.state = state;
    g.reason = std::move(reason);
    g.vcpus = 2;
    g.memory_mib = 256;
    g.vmm_pid = 43;
    sink->guest({"ns", id}, g);
    sched.run();
  }
  std::vector<msg::VmSummary> list(const std::string& ns, bool all = false) {
    auto out = std::make_shared<std::vector<msg::VmSummary>>();
    caf::anon_send(inv, msg::list_atom::value,
                   msg::InventoryQuery{
                       ns, all, [out](std::vector<msg::VmSummary> v) { *out = std::move(v); }});
    sched.run();
    return *out;
  }
  // Records what a watch of ns hears; it ends (deliver false) once *open is false.
  std::shared_ptr<std::vector<msg::VmChange>> watch(const std::string& ns,
                                                    std::shared_ptr<bool> open = nullptr) {
    auto heard = std::make_shared<std::vector<msg::VmChange>>();
    if (!open) open = std::make_shared<bool>(true);
    caf::anon_send(inv, msg::watch_atom::value,
                   msg::InventoryWatch{ns, false, [heard, open](const msg::VmChange& c) {
                                         if (!*open) return false;
                                         heard->push_back(c);
                                         return true;
                                       }});
    sched.run();
    return heard;
  }

  // The ember_vms gauge of state holds n.
  bool gauge(const char* state, int n) {
    const std::string line =
        std::string("ember_vms{state=\"") + state + "\",backend=\"hollow\"} " + std::to_string(n);
    return ("\n" + counters.render()).find("\n" + line + "\n") != std::string::npos;
  }

  metrics::Metrics counters{{"CreateVM"}, "hollow"};  // before inv: it outlives the actor
  msg::inventory_actor inv;
  std::unique_ptr<msg::InventorySink> sink;
};

std::vector<std::string> types(const std::vector<msg::VmChange>& cs) {
  std::vector<std::string> out;
  for (const auto& c : cs)
    out.push_back(c.type + ":" + msg::to_string(c.vm.state));
  return out;
}

TEST_F(InventoryTest, RunningVmShowsItsGuestsStateAndEveryChangeIsAnEvent) {
  auto heard = watch("ns");
  phase("ns", "vm1", VmState::creating, "create");
  phase("ns", "vm1", VmState::ready, "");  // running: the guest's state shows
  EXPECT_EQ(list("ns").at(0).state, VmState::booting);
  guest("vm1", VmState::ready);
  phase("ns", "vm1", VmState::paused, "pause");
  phase("ns", "vm1", VmState::ready, "resume");
  phase("ns", "vm1", VmState::stopping, "stop");
  phase("ns", "vm1", VmState::stopping, "exit", "stopped");
  EXPECT_EQ(types(*heard), (std::vector<std::string>{"create:creating", "booting:booting",
                                                     "ready:ready", "pause:paused", "resume:ready",
                                                     "stop:stopping", "exit:stopping"}));
  EXPECT_EQ(heard->back().cause, "stopped");
  EXPECT_EQ(heard->back().vm.guest.vmm_pid, 43);  // the last known summary
  EXPECT_TRUE(list("ns").empty());
}

TEST_F(InventoryTest, BootFailedCarriesTheWatchdogsReason) {
  phase("ns", "junk", VmState::creating, "create");
  phase("ns", "junk", VmState::ready, "");
  auto heard = watch("ns");
  guest("junk", VmState::boot_failed, "the guest did not report ready within 3 s");
  ASSERT_EQ(heard->size(), 1u);
  EXPECT_EQ(heard->at(0).type, "boot-failed");
  EXPECT_EQ(heard->at(0).cause, "the guest did not report ready within 3 s");
  auto vms = list("ns");
  ASSERT_EQ(vms.size(), 1u);
  EXPECT_EQ(vms[0].state, VmState::boot_failed);
  EXPECT_EQ(vms[0].shim_pid, 42);
  EXPECT_EQ(vms[0].guest.memory_mib, 256u);
}

TEST_F(InventoryTest, ListIsPerNamespaceOrAllAndSortedByKey) {
  phase("b", "y", VmState::creating, "create");
  phase("a", "z", VmState::creating, "create");
  phase("a", "x", VmState::creating, "create");
  auto a = list("a");
  ASSERT_EQ(a.size(), 2u);
  EXPECT_EQ(a[0].key.id, "x");
  auto all = list("", true);
  ASSERT_EQ(all.size(), 3u);
  EXPECT_EQ(all[2].key.ns, "b");
}

TEST_F(InventoryTest, WatchHearsOnlyItsNamespaceAndAnEndedWatchIsDropped) {
  auto open = std::make_shared<bool>(true);
  auto heard = watch("a", open);
  phase("b", "other", VmState::creating, "create");
  EXPECT_TRUE(heard->empty());
  phase("a", "mine", VmState::creating, "create");
  EXPECT_EQ(heard->size(), 1u);
  *open = false;  // its stream ended
  phase("a", "mine", VmState::ready, "");
  *open = true;  // dropped already: it is not asked again
  phase("a", "mine", VmState::stopping, "stop");
  EXPECT_EQ(heard->size(), 1u);
}

// The gauge follows the state `vm ls` shows, not the supervisor's phase: a
// running VM whose guest has not reported ready is booting.
TEST_F(InventoryTest, AVmCountsInTheGaugeOfTheStateItShows) {
  phase("ns", "vm1", VmState::creating, "create");
  EXPECT_TRUE(gauge("creating", 1)) << counters.render();
  phase("ns", "vm1", VmState::ready, "");
  EXPECT_TRUE(gauge("creating", 0));
  EXPECT_TRUE(gauge("booting", 1)) << counters.render();
  guest("vm1", VmState::ready);
  EXPECT_TRUE(gauge("booting", 0));
  EXPECT_TRUE(gauge("ready", 1)) << counters.render();
  phase("ns", "vm1", VmState::paused, "pause");
  EXPECT_TRUE(gauge("ready", 0));
  EXPECT_TRUE(gauge("paused", 1));
  phase("ns", "vm1", VmState::stopping, "stop");
  EXPECT_TRUE(gauge("paused", 0));
  EXPECT_TRUE(gauge("stopping", 1));
  phase("ns", "vm1", VmState::stopping, "exit", "stopped");
  for (const char* s : {"creating", "booting", "ready", "paused", "stopping", "boot-failed"})
    EXPECT_TRUE(gauge(s, 0)) << s << "\n" << counters.render();
}

TEST_F(InventoryTest, ABootFailedVmCountsAsBootFailedUntilItIsGone) {
  phase("ns", "junk", VmState::creating, "create");
  phase("ns", "junk", VmState::ready, "");
  guest("junk", VmState::boot_failed, "no ready marker");
  EXPECT_TRUE(gauge("boot-failed", 1)) << counters.render();
  EXPECT_TRUE(gauge("booting", 0));
  phase("ns", "junk", VmState::stopping, "exit", "boot-watchdog");
  EXPECT_TRUE(gauge("boot-failed", 0)) << counters.render();
}

TEST_F(InventoryTest, GuestReportOfAVmThatIsGoneIsIgnored) {
  guest("ghost", VmState::ready);
  EXPECT_TRUE(list("ns").empty());
}

}  // namespace
}  // namespace ember::actors::testing
