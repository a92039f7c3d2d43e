// Pins the wire format: messages encode to bytes worked out by hand from the
// field numbers in notes/wire.md (tag = field << 3 | wire type).
#include <gtest/gtest.h>

#include <string>

#include "fccontrol.pb.h"
#include "google/rpc/status.pb.h"
#include "ttrpc.pb.h"

namespace {

std::string Bytes(std::initializer_list<int> b) {
  std::string s;
  for (int c : b)
    s.push_back(static_cast<char>(c));
  return s;
}

TEST(WireFormatTest, CreateVMRequestWithMachineCfgAndBalloon) {
  CreateVMRequest req;
  req.set_vmid("vm1");
  req.mutable_machinecfg()->set_memsizemib(128);
  req.mutable_machinecfg()->set_vcpucount(2);
  req.mutable_balloondevice()->set_amountmib(64);
  req.mutable_balloondevice()->set_deflateonoom(true);
  req.mutable_balloondevice()->set_statspollingintervals(1);

  const std::string expected =
      Bytes({0x0a, 3, 'v', 'm', '1'})  // 1 VMID, length-delimited
      // 2 MachineCfg { 3 MemSizeMib = 128 (varint 80 01), 4 VcpuCount = 2 }
      + Bytes({0x12, 5, 0x18, 0x80, 0x01, 0x20, 0x02})
      // 14 BalloonDevice { 1 AmountMib = 64, 2 DeflateOnOom, 3 StatsPollingIntervals = 1 }
      + Bytes({0x72, 6, 0x08, 0x40, 0x10, 0x01, 0x18, 0x01});
  EXPECT_EQ(req.SerializeAsString(), expected);

  CreateVMRequest back;
  ASSERT_TRUE(back.ParseFromString(expected));
  EXPECT_EQ(back.vmid(), "vm1");
  EXPECT_EQ(back.machinecfg().memsizemib(), 128u);
  EXPECT_TRUE(back.balloondevice().deflateonoom());
}

TEST(WireFormatTest, TtrpcRequestWithNamespaceMetadata) {
  GetVMInfoRequest info;
  info.set_vmid("a");
  ttrpc::Request req;
  req.set_service("Firecracker");
  req.set_method("GetVMInfo");
  req.set_payload(info.SerializeAsString());
  req.set_timeout_nano(1000000000);
  auto* kv = req.add_metadata();
  kv->set_key("containerd-namespace-ttrpc");
  kv->set_value("default");

  const std::string expected = Bytes({0x0a, 11}) + "Firecracker"  // 1 service
                               + Bytes({0x12, 9}) + "GetVMInfo"   // 2 method
                               + Bytes({0x1a, 3, 0x0a, 1, 'a'})   // 3 payload
                               +
                               Bytes({0x20, 0x80, 0x94, 0xeb, 0xdc, 0x03})  // 4 timeout_nano = 1e9
                               + Bytes({0x2a, 37})                          // 5 metadata, 37 bytes
                               + Bytes({0x0a, 26}) + "containerd-namespace-ttrpc"  //   1 key
                               + Bytes({0x12, 7}) + "default";                     //   2 value
  EXPECT_EQ(req.SerializeAsString(), expected);
}

TEST(WireFormatTest, TtrpcResponseWithStatus) {
  ttrpc::Response resp;
  resp.mutable_status()->set_code(5);  // NOT_FOUND
  resp.mutable_status()->set_message("x");
  resp.set_payload("p");
  EXPECT_EQ(resp.SerializeAsString(), Bytes({0x0a, 5, 0x08, 5, 0x12, 1, 'x', 0x12, 1, 'p'}));
}

TEST(WireFormatTest, BalloonStatsUseTheirFieldNumbers) {
  GetBalloonStatsResponse s;
  s.set_actualmib(1);
  s.set_totalmemory(2);
  EXPECT_EQ(s.SerializeAsString(), Bytes({0x08, 1, 0x70, 2}));  // 1 and 14
}

TEST(WireFormatTest, IPConfigurationSkipsFieldTwo) {
  IPConfiguration ip;
  ip.set_primaryaddr("a");
  ip.set_gatewayaddr("b");
  EXPECT_EQ(ip.SerializeAsString(), Bytes({0x0a, 1, 'a', 0x1a, 1, 'b'}));
}

TEST(WireFormatTest, StopVMRequestTimeoutIsFieldTwo) {
  StopVMRequest r;
  r.set_vmid("v");
  r.set_timeoutseconds(7);
  EXPECT_EQ(r.SerializeAsString(), Bytes({0x0a, 1, 'v', 0x10, 7}));
}

}  // namespace
