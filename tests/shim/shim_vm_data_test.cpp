// Metadata and balloon calls against the real ember-shim (hollow backend,
// VMs of 256 MiB by the harness's config).
#include <gtest/gtest.h>

#include <string>

#include "fccontrol.pb.h"
#include "tests/support/shim_harness.hpp"

namespace ember::shimtest {
namespace {

class ShimVmDataTest : public ::testing::Test {
 protected:
  void SetUp() override { ASSERT_TRUE(shim_.start({}).ok()); }

  Status create(bool with_balloon) {
    CreateVMRequest req;
    req.set_vmid("vm1");
    if (with_balloon) {
      auto* b = req.mutable_balloondevice();
      b->set_amountmib(32);
      b->set_deflateonoom(true);
      b->set_statspollingintervals(2);
    }
    return shim_.call("CreateVM", req);
  }
  Status set_metadata(const std::string& json) {
    SetVMMetadataRequest req;
    req.set_vmid("vm1");
    req.set_metadata(json);
    return shim_.call("SetVMMetadata", req);
  }
  Status update_metadata(const std::string& json) {
    UpdateVMMetadataRequest req;
    req.set_vmid("vm1");
    req.set_metadata(json);
    return shim_.call("UpdateVMMetadata", req);
  }
  std::string metadata() {
    GetVMMetadataRequest req;
    req.set_vmid("vm1");
    GetVMMetadataResponse resp;
    Status s = shim_.call("GetVMMetadata", req, &resp);
    EXPECT_TRUE(s.ok()) << s.ToString();
    return resp.metadata();
  }
  Status update_balloon(int64_t amount) {
    UpdateBalloonRequest req;
    req.set_vmid("vm1");
    req.set_amountmib(amount);
    return shim_.call("UpdateBalloon", req);
  }
  Status update_interval(int64_t seconds) {
    UpdateBalloonStatsRequest req;
    req.set_vmid("vm1");
    req.set_statspollingintervals(seconds);
    return shim_.call("UpdateBalloonStats", req);
  }
  Status balloon_config(FirecrackerBalloonDevice* out) {
    GetBalloonConfigRequest req;
    req.set_vmid("vm1");
    GetBalloonConfigResponse resp;
    Status s = shim_.call("GetBalloonConfig", req, &resp);
    *out = resp.balloonconfig();
    return s;
  }
  Status balloon_stats(GetBalloonStatsResponse* out) {
    GetBalloonStatsRequest req;
    req.set_vmid("vm1");
    return shim_.call("GetBalloonStats", req, out);
  }

  ShimUnderTest shim_;
};

TEST_F(ShimVmDataTest, MetadataStartsEmptyAndSetReplacesIt) {
  ASSERT_TRUE(create(false).ok());
  EXPECT_EQ(metadata(), "{}");
  ASSERT_TRUE(set_metadata(R"({"a": 1, "b": {"c": true}})").ok());
  EXPECT_EQ(metadata(), R"({"a":1,"b":{"c":true}})");
  ASSERT_TRUE(set_metadata(R"({"z": "new"})").ok());
  EXPECT_EQ(metadata(), R"({"z":"new"})");
}

TEST_F(ShimVmDataTest, UpdateMetadataMergesNestedObjectsAndNullDeletes) {
  ASSERT_TRUE(create(false).ok());
  ASSERT_TRUE(set_metadata(R"({"keep": 1, "drop": 2, "net": {"ip": "a", "gw": "b"}})").ok());
  ASSERT_TRUE(update_metadata(R"({"drop": null, "net": {"gw": "c", "dns": "d"}, "add": []})").ok());
  EXPECT_EQ(metadata(), R"({"add":[],"keep":1,"net":{"dns":"d","gw":"c","ip":"a"}})");
}

TEST_F(ShimVmDataTest, InvalidMetadataJsonIsInvalidArgumentAndChangesNothing) {
  ASSERT_TRUE(create(false).ok());
  ASSERT_TRUE(set_metadata(R"({"keep": 1})").ok());
  Status s = set_metadata("{\"broken\": ");
  EXPECT_EQ(s.code(), Code::invalid_argument);
  EXPECT_NE(s.message().find("metadata is not valid JSON"), std::string::npos) << s.message();
  s = update_metadata("not json");
  EXPECT_EQ(s.code(), Code::invalid_argument);
  EXPECT_NE(s.message().find("metadata patch is not valid JSON"), std::string::npos) << s.message();
  EXPECT_EQ(set_metadata("[1]").code(), Code::invalid_argument);
  EXPECT_EQ(metadata(), R"({"keep":1})");
}

TEST_F(ShimVmDataTest, OversizedMetadataIsResourceExhausted) {
  ASSERT_TRUE(create(false).ok());
  Status s = set_metadata("{\"a\": \"" + std::string(2u << 20, 'x') + "\"}");
  EXPECT_EQ(s.code(), Code::resource_exhausted);
  EXPECT_EQ(metadata(), "{}");
}

TEST_F(ShimVmDataTest, BalloonCallsWithoutABalloonDeviceAreFailedPrecondition) {
  ASSERT_TRUE(create(false).ok());
  FirecrackerBalloonDevice device;
  GetBalloonStatsResponse stats;
  const Status results[] = {balloon_config(&device), update_balloon(1), balloon_stats(&stats),
                            update_interval(1)};
  for (const Status& s : results) {
    EXPECT_EQ(s.code(), Code::failed_precondition);
    EXPECT_EQ(s.message(), "VM vm1 has no balloon device");
  }
}

TEST_F(ShimVmDataTest, GetBalloonConfigReturnsTheDeviceFromCreateVm) {
  ASSERT_TRUE(create(true).ok());
  FirecrackerBalloonDevice device;
  ASSERT_TRUE(balloon_config(&device).ok());
  EXPECT_EQ(device.amountmib(), 32);
  EXPECT_TRUE(device.deflateonoom());
  EXPECT_EQ(device.statspollingintervals(), 2);
}

TEST_F(ShimVmDataTest, UpdateBalloonChangesTheTargetAndTheStatsFollow) {
  ASSERT_TRUE(create(true).ok());
  ASSERT_TRUE(update_balloon(100).ok());
  FirecrackerBalloonDevice device;
  ASSERT_TRUE(balloon_config(&device).ok());
  EXPECT_EQ(device.amountmib(), 100);
  GetBalloonStatsResponse stats;
  ASSERT_TRUE(balloon_stats(&stats).ok());
  EXPECT_EQ(stats.targetmib(), 100);
  EXPECT_EQ(stats.actualmib(), 100);
  EXPECT_EQ(stats.targetpages(), 100 * 256);
  EXPECT_EQ(stats.actualpages(), 100 * 256);
  EXPECT_EQ(stats.totalmemory(), int64_t{256 - 100} << 20);
  EXPECT_GT(stats.freememory(), 0);
  EXPECT_LE(stats.availablememory(), stats.totalmemory());
}

TEST_F(ShimVmDataTest, InvalidBalloonAmountsAreInvalidArgumentAndChangeNothing) {
  ASSERT_TRUE(create(true).ok());
  Status s = update_balloon(-1);
  EXPECT_EQ(s.code(), Code::invalid_argument);
  EXPECT_EQ(s.message(), "balloon AmountMib -1 is negative");
  s = update_balloon(257);
  EXPECT_EQ(s.code(), Code::invalid_argument);
  EXPECT_EQ(s.message(), "balloon AmountMib 257 exceeds the VM's memory of 256 MiB");
  EXPECT_TRUE(update_balloon(256).ok());
  FirecrackerBalloonDevice device;
  ASSERT_TRUE(balloon_config(&device).ok());
  EXPECT_EQ(device.amountmib(), 256);
}

TEST_F(ShimVmDataTest, UpdateBalloonStatsSetsThePollingInterval) {
  ASSERT_TRUE(create(true).ok());
  ASSERT_TRUE(update_interval(10).ok());
  FirecrackerBalloonDevice device;
  ASSERT_TRUE(balloon_config(&device).ok());
  EXPECT_EQ(device.statspollingintervals(), 10);
  Status s = update_interval(-5);
  EXPECT_EQ(s.code(), Code::invalid_argument);
  EXPECT_EQ(s.message(), "balloon StatsPollingIntervals -5 is negative");
  ASSERT_TRUE(balloon_config(&device).ok());
  EXPECT_EQ(device.statspollingintervals(), 10);
}

TEST_F(ShimVmDataTest, ACreateVmBalloonLargerThanTheVmIsInvalidArgument) {
  CreateVMRequest req;
  req.set_vmid("vm1");
  req.mutable_balloondevice()->set_amountmib(300);
  Status s = shim_.call("CreateVM", req);
  EXPECT_EQ(s.code(), Code::invalid_argument);
  EXPECT_EQ(s.message(), "BalloonDevice: balloon AmountMib 300 exceeds the VM's memory of 256 MiB");
}

}  // namespace
}  // namespace ember::shimtest
