// emberd's inventory (ember.v1.Inventory: ListVMs, Watch) end to end, with
// real emberd and ember-shim processes on the hollow backend.
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/wait.h>

#include <cstdlib>
#include <fstream>
#include <sstream>

#include "fccontrol.pb.h"
#include "messages/ember_inventory.hpp"
#include "tests/e2e/inventory_client.hpp"
#include "tests/support/emberd_harness.hpp"
#include "tests/support/fc_requests.hpp"

namespace ember::e2e {
namespace {

using msg::Method;
using namespace std::chrono_literals;

CreateVMRequest shaped(const std::string& id, uint32_t vcpus, uint32_t mib) {
  CreateVMRequest r;
  r.set_vmid(id);
  r.mutable_machinecfg()->set_vcpucount(vcpus);
  r.mutable_machinecfg()->set_memsizemib(mib);
  return r;
}

void create(FcClient& client, const std::string& ns, const CreateVMRequest& r) {
  auto out = client.call(Method::create_vm, r.SerializeAsString(), ns);
  ASSERT_TRUE(out.status.ok()) << out.status.ToString();
}

TEST(InventoryTest, ListVMsShowsEachNamespaceOrAllWithStateShapeAndPids) {
  Emberd emberd;
  FcClient client(emberd.socket());
  create(client, "alpha", shaped("a1", 2, 256));
  create(client, "alpha", shaped("a2", 1, 128));
  create(client, "beta", shaped("b1", 1, 128));

  v1::ListVMsResponse alpha;
  ASSERT_TRUE(list_vms(client, "alpha", false, &alpha).ok());
  ASSERT_EQ(alpha.vms_size(), 2);
  const v1::VMSummary& a1 = alpha.vms(0);
  EXPECT_EQ(a1.namespace_(), "alpha");
  EXPECT_EQ(a1.vmid(), "a1");
  EXPECT_EQ(a1.state(), v1::READY);  // hollow: no guest to wait for
  EXPECT_EQ(a1.backend(), "hollow");
  EXPECT_EQ(a1.vcpucount(), 2u);
  EXPECT_EQ(a1.memsizemib(), 256u);
  EXPECT_EQ(a1.shimpid(), shim_pid_of(emberd.vm_dir("alpha", "a1")));
  EXPECT_EQ(a1.vmmpid(), 0);  // hollow runs no VMM
  EXPECT_GT(a1.startedunixnano(), 0);

  v1::ListVMsResponse all;
  ASSERT_TRUE(list_vms(client, "", true, &all).ok());
  ASSERT_EQ(all.vms_size(), 3);
  EXPECT_EQ(all.vms(2).namespace_(), "beta");

  // A stopped VM leaves the inventory.
  ASSERT_TRUE(client.call(Method::stop_vm, with_id<StopVMRequest>("a2"), "alpha").status.ok());
  ASSERT_TRUE(list_vms(client, "alpha", false, &alpha).ok());
  ASSERT_EQ(alpha.vms_size(), 1);
  EXPECT_EQ(alpha.vms(0).vmid(), "a1");
}

TEST(InventoryTest, ListVMsWithoutNamespaceOrAllNamespacesIsFailedPrecondition) {
  Emberd emberd;
  FcClient client(emberd.socket());
  v1::ListVMsResponse out;
  Status s = list_vms(client, "", false, &out);
  EXPECT_EQ(s.code(), Code::failed_precondition);
  EXPECT_NE(s.message().find("namespace is required"), std::string::npos) << s.ToString();
  s = list_vms(client, "bad namespace!", false, &out);
  EXPECT_EQ(s.code(), Code::invalid_argument) << s.ToString();
}

TEST(InventoryTest, WatchFollowsCreateReadyPauseResumeStopAndExitWithItsCause) {
  Emberd emberd;
  FcClient client(emberd.socket());
  EventStream events(client, "default");
  EventStream other_ns(client, "other");
  create(client, "default", shaped("w1", 1, 128));
  ASSERT_TRUE(client.call(Method::pause_vm, with_id<PauseVMRequest>("w1")).status.ok());
  ASSERT_TRUE(client.call(Method::resume_vm, with_id<ResumeVMRequest>("w1")).status.ok());
  ASSERT_TRUE(client.call(Method::stop_vm, with_id<StopVMRequest>("w1")).status.ok());

  struct Want {
    const char* type;
    v1::VMState state;
  };
  for (Want want :
       {Want{"create", v1::CREATING}, Want{"ready", v1::READY}, Want{"pause", v1::PAUSED},
        Want{"resume", v1::READY}, Want{"stop", v1::STOPPING}, Want{"exit", v1::STOPPING}}) {
    auto e = events.next(30s);
    ASSERT_TRUE(e) << "no " << want.type << " event\n" << emberd.log();
    EXPECT_EQ(e->type(), want.type);
    EXPECT_EQ(e->vm().vmid(), "w1");
    EXPECT_EQ(e->vm().state(), want.state) << want.type;
    EXPECT_GT(e->timestampunixnano(), 0);
    if (e->type() == std::string("exit")) {
      EXPECT_EQ(e->cause(), "stopped");
    }
  }
  // The other namespace's watch heard nothing of it; a VM there is its first event.
  create(client, "other", shaped("o1", 1, 128));
  auto first = other_ns.next(30s);
  ASSERT_TRUE(first);
  EXPECT_EQ(first->vm().vmid(), "o1");
}

TEST(InventoryTest, ExitOfAShimThatDiedSaysSo) {
  Emberd emberd;
  FcClient client(emberd.socket());
  EventStream events(client, "default");
  create(client, "default", shaped("k1", 1, 128));
  pid_t shim = shim_pid_of(emberd.vm_dir("default", "k1"));
  ASSERT_EQ(::kill(shim, SIGKILL), 0);
  auto e = events.until("exit", "k1", 30s);
  ASSERT_TRUE(e) << emberd.log();
  EXPECT_EQ(e->cause(), "shim exited (signal 9)");
}

TEST(InventoryTest, AfterARestartTheInventoryHoldsEveryAdoptedVm) {
  Emberd emberd;
  {
    FcClient client(emberd.socket());
    create(client, "default", shaped("r1", 2, 192));
    create(client, "tenant", shaped("r2", 1, 128));
  }
  pid_t r1 = shim_pid_of(emberd.vm_dir("default", "r1"));
  EXPECT_EQ(emberd.stop(SIGKILL), 128 + SIGKILL);
  emberd.restart();
  FcClient client(emberd.socket());
  // Watching first: what the shim's status stream has not told yet when
  // ListVMs answers comes as an event.
  EventStream events(client, "", true);
  v1::ListVMsResponse all;
  ASSERT_TRUE(list_vms(client, "", true, &all).ok());
  ASSERT_EQ(all.vms_size(), 2) << emberd.log();
  auto vm = find_vm(all, "r1");
  ASSERT_TRUE(vm);
  EXPECT_EQ(vm->shimpid(), r1);
  if (vm->state() != v1::READY) {
    auto ready = events.until("ready", "r1", 30s);
    ASSERT_TRUE(ready) << emberd.log();
    vm = ready->vm();
  }
  // What only the shim knows came back with it, over its status stream.
  EXPECT_EQ(vm->state(), v1::READY);
  EXPECT_EQ(vm->vcpucount(), 2u);
  EXPECT_EQ(vm->memsizemib(), 192u);
  EXPECT_EQ(vm->shimpid(), r1);
  EXPECT_TRUE(find_vm(all, "r2"));
}

// emberctl's stdout (and exit code) for args against emberd.
std::pair<int, std::string> emberctl(const Emberd& emberd, const std::string& args) {
  const std::string out = emberd.root() + "/emberctl.out";
  const std::string cmd = std::string(EMBERCTL_PATH) + " --address " + emberd.socket() + " " +
                          args + " >" + out + " 2>&1";
  int rc = std::system(cmd.c_str());
  std::ifstream in(out);
  std::stringstream text;
  text << in.rdbuf();
  return {WIFEXITED(rc) ? WEXITSTATUS(rc) : -1, text.str()};
}

TEST(InventoryTest, EmberctlVmLsPrintsATableAndVmInfoTheStateAndShape) {
  Emberd emberd;
  FcClient client(emberd.socket());
  create(client, "default", shaped("vm1", 2, 256));
  create(client, "team-a", shaped("web-1", 1, 128));
  auto [rc, out] = emberctl(emberd, "vm ls");
  EXPECT_EQ(rc, 0) << out;
  EXPECT_EQ(out.rfind("NAMESPACE   ID    STATE   BACKEND   ACCEL   VCPUS   MEMORY    SHIM", 0), 0u)
      << out;
  EXPECT_NE(out.find("default     vm1   ready   hollow    -       2       256 MiB"),
            std::string::npos)
      << out;
  EXPECT_EQ(out.find("web-1"), std::string::npos) << "another namespace: " << out;
  std::tie(rc, out) = emberctl(emberd, "vm ls -A --json");
  EXPECT_EQ(rc, 0) << out;
  EXPECT_NE(out.find(R"("Namespace":"team-a","VMID":"web-1","State":"ready")"), std::string::npos)
      << out;
  std::tie(rc, out) = emberctl(emberd, "vm ls -n team-a");
  EXPECT_NE(out.find("web-1"), std::string::npos) << out;
  std::tie(rc, out) = emberctl(emberd, "vm info vm1");
  EXPECT_EQ(rc, 0) << out;
  EXPECT_NE(out.find("State: ready\n"), std::string::npos) << out;
  EXPECT_NE(out.find("VcpuCount: 2\nMemSizeMib: 256\n"), std::string::npos) << out;
}

}  // namespace
}  // namespace ember::e2e
