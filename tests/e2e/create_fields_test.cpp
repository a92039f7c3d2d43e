// End to end through emberd (hollow backend): the CreateVM fields that say
// where the VMM's log and metrics go and how it is jailed are checked
// before any VM exists (INVALID_ARGUMENT naming the field, nothing left
// behind) and reported back as firecracker-containerd reports them.
#include <gtest/gtest.h>

#include <functional>

#include "base/files.hpp"
#include "fccontrol.pb.h"
#include "tests/support/emberd_harness.hpp"
#include "tests/support/fc_requests.hpp"

namespace ember::e2e {
namespace {

using msg::Method;

CreateVMRequest small_vm(const std::string& id) {
  CreateVMRequest r;
  r.ParseFromString(small_vm_request(id));
  return r;
}

TEST(CreateFieldsTest, BadFifoPathsAndJailerFieldsAreRefusedByNameAndLeaveNothing) {
  Emberd emberd;
  FcClient client(emberd.socket());
  struct Case {
    std::string field;
    std::function<void(CreateVMRequest&)> set;
  };
  const std::string root = emberd.root();
  const std::vector<Case> cases = {
      {"LogFifoPath \"log.fifo\"", [](auto& r) { r.set_logfifopath("log.fifo"); }},
      {"MetricsFifoPath \"" + root + "/no/such/dir/m.fifo\"",
       [&](auto& r) { r.set_metricsfifopath(root + "/no/such/dir/m.fifo"); }},
      {"LogFifoPath \"" + emberd.config_path() + "\"",
       [&](auto& r) { r.set_logfifopath(emberd.config_path()); }},
      {"JailerConfig.CPUs \"4095\"", [](auto& r) { r.mutable_jailerconfig()->set_cpus("4095"); }},
      {"JailerConfig.Mems \"x\"", [](auto& r) { r.mutable_jailerconfig()->set_mems("x"); }},
      {"JailerConfig.UID 65534 and GID 0",
       [](auto& r) { r.mutable_jailerconfig()->set_uid(65534); }},
      {"JailerConfig.CgroupPath \"../up\"",
       [](auto& r) { r.mutable_jailerconfig()->set_cgrouppath("../up"); }},
  };
  for (const Case& c : cases) {
    CreateVMRequest req = small_vm("vm1");
    c.set(req);
    auto r = client.call(Method::create_vm, req.SerializeAsString());
    EXPECT_EQ(r.status.code(), Code::invalid_argument) << r.status.ToString();
    EXPECT_EQ(r.status.message().rfind(c.field, 0), 0u) << r.status.message();
  }
  EXPECT_TRUE(list_dir(emberd.vm_base_dir()).empty());
  EXPECT_TRUE(children_of(emberd.pid()).empty());
  EXPECT_EQ(list_dir(root + "/no"), std::vector<std::string>{});
}

TEST(CreateFieldsTest, FifoPathsAndTheCgroupAreReportedByCreateAndGetVmInfo) {
  Emberd emberd;
  FcClient client(emberd.socket());
  CreateVMRequest req = small_vm("vm1");
  req.set_logfifopath(emberd.root() + "/vm1-log.fifo");
  req.set_metricsfifopath(emberd.root() + "/vm1-metrics.fifo");
  req.mutable_jailerconfig()->set_cgrouppath("/ember-tenants");
  auto r = client.call(Method::create_vm, req.SerializeAsString());
  ASSERT_TRUE(r.status.ok()) << r.status.ToString();
  CreateVMResponse created;
  ASSERT_TRUE(created.ParseFromString(r.payload));
  EXPECT_EQ(created.logfifopath(), req.logfifopath());
  EXPECT_EQ(created.metricsfifopath(), req.metricsfifopath());
  EXPECT_EQ(created.cgrouppath(), "/ember-tenants/vm1");
  r = client.call(Method::get_vm_info, with_id<GetVMInfoRequest>("vm1"));
  ASSERT_TRUE(r.status.ok()) << r.status.ToString();
  GetVMInfoResponse info;
  ASSERT_TRUE(info.ParseFromString(r.payload));
  EXPECT_EQ(info.logfifopath(), req.logfifopath());
  EXPECT_EQ(info.metricsfifopath(), req.metricsfifopath());
  EXPECT_EQ(info.cgrouppath(), "/ember-tenants/vm1");
  EXPECT_TRUE(client.call(Method::stop_vm, with_id<StopVMRequest>("vm1")).status.ok());
}

}  // namespace
}  // namespace ember::e2e
