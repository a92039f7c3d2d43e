// End to end: emberd dies (SIGKILL) while VMs run; a new emberd with the same
// config adopts every live shim and clears what dead ones left.
#include <gtest/gtest.h>
#include <signal.h>

#include "fccontrol.pb.h"
#include "tests/support/emberd_harness.hpp"

namespace ember::e2e {
namespace {

using msg::Method;
using namespace std::chrono_literals;

template <class Req>
std::string with_id(const std::string& id) {
  Req r;
  r.set_vmid(id);
  return r.SerializeAsString();
}

TEST(RecoveryTest, NewEmberdAdoptsRunningShimsAfterSigkill) {
  constexpr int kVms = 50;
  Emberd emberd;
  std::vector<pid_t> shims;
  {
    FcClient client(emberd.socket());
    for (int i = 0; i < kVms; ++i) {
      std::string id = "vm" + std::to_string(i);
      auto r = client.call(Method::create_vm, with_id<CreateVMRequest>(id));
      ASSERT_TRUE(r.status.ok()) << r.status.ToString();
      shims.push_back(shim_pid_of(emberd.vm_dir("default", id)));
    }
    SetVMMetadataRequest md;
    md.set_vmid("vm1");
    md.set_metadata(R"({"kept":true})");
    ASSERT_TRUE(client.call(Method::set_vm_metadata, md.SerializeAsString()).status.ok());
  }
  EXPECT_EQ(emberd.stop(SIGKILL), 128 + SIGKILL);
  for (pid_t p : shims)
    EXPECT_TRUE(process_alive(p));

  // One shim dies while no emberd watches: its directory and sockets must go.
  ASSERT_EQ(::kill(shims[0], SIGKILL), 0);
  ASSERT_TRUE(wait_process_exit(shims[0], 10s));
  size_t sockets_before = list_dir(emberd.state_dir()).size();
  EXPECT_EQ(sockets_before, 2u * kVms);

  emberd.restart();
  EXPECT_FALSE(path_exists(emberd.vm_dir("default", "vm0")));
  EXPECT_EQ(list_dir(emberd.state_dir()).size(), 2u * (kVms - 1));
  FcClient client(emberd.socket());
  EXPECT_EQ(client.call(Method::get_vm_info, with_id<GetVMInfoRequest>("vm0")).status.code(),
            Code::not_found);
  for (int i = 1; i < kVms; ++i) {
    auto r = client.call(Method::get_vm_info, with_id<GetVMInfoRequest>("vm" + std::to_string(i)));
    EXPECT_TRUE(r.status.ok()) << i << ": " << r.status.ToString();
  }
  auto md = client.call(Method::get_vm_metadata, with_id<GetVMMetadataRequest>("vm1"));
  ASSERT_TRUE(md.status.ok()) << md.status.ToString();
  GetVMMetadataResponse mr;
  ASSERT_TRUE(mr.ParseFromString(md.payload));
  EXPECT_EQ(mr.metadata(), R"({"kept":true})");

  // A recovered VM is a VM like any other: StopVM waits for its exit.
  for (int i = 1; i < kVms; ++i) {
    auto r = client.call(Method::stop_vm, with_id<StopVMRequest>("vm" + std::to_string(i)));
    EXPECT_TRUE(r.status.ok()) << i << ": " << r.status.ToString() << "\n" << emberd.log();
    EXPECT_FALSE(process_alive(shims[i])) << i;
  }
  EXPECT_TRUE(list_dir(emberd.vm_base_dir()).empty());
  EXPECT_TRUE(list_dir(emberd.state_dir()).empty());
}

TEST(RecoveryTest, AdoptedShimThatDiesIsCleanedUp) {
  Emberd emberd;
  {
    FcClient client(emberd.socket());
    ASSERT_TRUE(client.call(Method::create_vm, with_id<CreateVMRequest>("lone")).status.ok());
  }
  pid_t shim = shim_pid_of(emberd.vm_dir("default", "lone"));
  emberd.stop(SIGKILL);
  emberd.restart();
  FcClient client(emberd.socket());
  ASSERT_TRUE(client.call(Method::get_vm_info, with_id<GetVMInfoRequest>("lone")).status.ok());
  ASSERT_EQ(::kill(shim, SIGKILL), 0);
  ASSERT_TRUE(wait_gone(emberd.vm_dir("default", "lone"), 30s)) << emberd.log();
  EXPECT_EQ(client.call(Method::get_vm_info, with_id<GetVMInfoRequest>("lone")).status.code(),
            Code::not_found);
  EXPECT_TRUE(list_dir(emberd.state_dir()).empty());
}

}  // namespace
}  // namespace ember::e2e
