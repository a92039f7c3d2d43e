// emberctl fleet members, and vm ls through a fleet front: what each asks,
// and the MEMBER column only when a row carries a member.
#include <gtest/gtest.h>

#include <memory>

#include "ember_fleet.pb.h"
#include "ember_inventory.pb.h"
#include "emberctl_fixture.hpp"

namespace ember::ctltest {
namespace {

class EmberctlFleetTest : public EmberctlTest {
 protected:
  void SetUp() override {
    EmberctlTest::SetUp();
    listings_ = std::make_unique<RecordingServer>(true);
    ASSERT_TRUE(listings_->listen(dir() + "/front.sock").ok());
  }
  void TearDown() override {
    listings_.reset();
    EmberctlTest::TearDown();
  }
  CtlResult front(std::vector<std::string> args) {
    args.insert(args.begin(), {"--address", dir() + "/front.sock"});
    return ctl_raw(args);
  }

  std::unique_ptr<RecordingServer> listings_;
};

v1::ListMembersResponse two_members() {
  v1::ListMembersResponse r;
  v1::Member* m1 = r.add_members();
  m1->set_name("m1");
  m1->set_address("10.77.1.2:7100");
  m1->set_state(v1::UP);
  m1->set_placedvms(3);
  m1->set_vms(3);
  m1->set_maxvms(4096);
  m1->set_freememorymib(3051);
  m1->set_totalmemorymib(3900);
  v1::VMKey* c = m1->add_conflicts();
  c->set_namespace_("default");
  c->set_vmid("vm7");
  v1::Member* m2 = r.add_members();
  m2->set_name("m2");
  m2->set_address("10.77.2.2:7100");
  m2->set_state(v1::REFUSED);
  m2->set_reason("TLS handshake with 10.77.2.2:7100 failed");
  return r;
}

TEST_F(EmberctlFleetTest, MembersPrintsOneRowPerMember) {
  listings_->reply("ListMembers", two_members());
  CtlResult r = front({"fleet", "members"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(r.out.find("NAME   ADDRESS          STATE     VMS   MAX    FREE-MIB   LAST-REPORT   "
                       "CONFLICTS    REASON"),
            std::string::npos)
      << r.out;
  EXPECT_NE(r.out.find("m1     10.77.1.2:7100   up        3     4096   3051"), std::string::npos)
      << r.out;
  EXPECT_NE(r.out.find("default/vm7"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("m2     10.77.2.2:7100   refused   0     -      -          -             -  "
                       "          TLS handshake with 10.77.2.2:7100 failed"),
            std::string::npos)
      << r.out;
  ASSERT_EQ(listings_->calls().size(), 1u);
  EXPECT_EQ(listings_->calls()[0].service, "ember.v1.Fleet");
}

TEST_F(EmberctlFleetTest, MembersJsonHasEveryField) {
  listings_->reply("ListMembers", two_members());
  CtlResult r = front({"--json", "fleet", "members"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(r.out.find("{\"Members\":[{\"Name\":\"m1\",\"Address\":\"10.77.1.2:7100\",\"State\":"
                       "\"up\",\"Reason\":\"\",\"PlacedVMs\":3,\"VMs\":3,\"MaxVMs\":4096,"
                       "\"FreeMemoryMib\":3051,\"TotalMemoryMib\":3900,\"LastReportUnixNano\":0,"
                       "\"Conflicts\":[{\"Namespace\":\"default\",\"VMID\":\"vm7\"}]}"),
            std::string::npos)
      << r.out;
}

TEST_F(EmberctlFleetTest, MembersOnAnEmberdThatIsNoFrontFailsWithItsMessage) {
  listings_->fail("ListMembers",
                  Status::FailedPrecondition("emberd is not a fleet front (fleet.role: none)"));
  CtlResult r = front({"fleet", "members"});
  EXPECT_NE(r.exit_code, 0);
  EXPECT_NE(r.err.find("emberd is not a fleet front (fleet.role: none)"), std::string::npos)
      << r.err;
}

v1::ListVMsResponse vms(bool with_members) {
  v1::ListVMsResponse r;
  for (const char* id : {"vm1", "vm2"}) {
    v1::VMSummary* vm = r.add_vms();
    vm->set_namespace_("default");
    vm->set_vmid(id);
    vm->set_state(v1::READY);
    vm->set_backend("hollow");
    if (with_members) vm->set_member(id[2] == '1' ? "m1" : "m2");
  }
  if (with_members) r.mutable_vms(1)->set_conflict(true);
  return r;
}

TEST_F(EmberctlFleetTest, VmListShowsEachVmsMemberThroughAFront) {
  listings_->reply("ListVMs", vms(true));
  CtlResult r = front({"--namespace", "default", "vm", "list"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(r.out.find("NAMESPACE   ID    MEMBER          STATE"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("default     vm1   m1              ready"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("default     vm2   m2 (conflict)   ready"), std::string::npos) << r.out;
  r = front({"--namespace", "default", "--json", "vm", "ls"});
  EXPECT_NE(r.out.find("\"Member\":\"m2\",\"Conflict\":true"), std::string::npos) << r.out;
}

TEST_F(EmberctlFleetTest, VmLsOnOneHostHasNoMemberColumn) {
  listings_->reply("ListVMs", vms(false));
  CtlResult r = front({"--namespace", "default", "vm", "ls"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(r.out.find("NAMESPACE   ID    STATE"), std::string::npos) << r.out;
  EXPECT_EQ(r.out.find("MEMBER"), std::string::npos) << r.out;
  r = front({"--namespace", "default", "--json", "vm", "ls"});
  EXPECT_EQ(r.out.find("Member"), std::string::npos) << r.out;
}

}  // namespace
}  // namespace ember::ctltest
