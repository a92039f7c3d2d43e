// The test double itself: fake Firecracker answers as Firecracker's published
// API says (status codes, fault bodies, state rules), so tests against it
// mean something.
#include "tests/shim/vmm/firecracker/firecracker_fake_api.hpp"

#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "tests/shim/vmm/firecracker/firecracker_test_support.hpp"

namespace ember::fakefc {
namespace {

using json = nlohmann::json;

class FakeFirecrackerTest : public ::testing::Test {
 protected:
  HttpResponse call(const std::string& method, const std::string& path, const json& body) {
    return fc_.handle({method, path, body.is_null() ? "" : body.dump()});
  }
  HttpResponse call_raw(const std::string& method, const std::string& path,
                        const std::string& body) {
    return fc_.handle({method, path, body});
  }
  static std::string fault_of(const HttpResponse& r) {
    return json::parse(r.body)["fault_message"].get<std::string>();
  }
  void boot() {
    ASSERT_EQ(call("PUT", "/boot-source", {{"kernel_image_path", tree_.kernel()}}).status, 204);
    ASSERT_EQ(call("PUT", "/actions", {{"action_type", "InstanceStart"}}).status, 204);
  }

  fctest::FcTree tree_;
  FakeFirecracker fc_;
};

TEST_F(FakeFirecrackerTest, AnswersSuccessfulPutsWithNoContent) {
  const auto r = call("PUT", "/machine-config", {{"vcpu_count", 2}, {"mem_size_mib", 256}});
  EXPECT_EQ(r.status, 204);
  EXPECT_EQ(r.body, "");
}

TEST_F(FakeFirecrackerTest, RefusesUnknownFieldsLikeSerde) {
  const auto r =
      call("PUT", "/machine-config", {{"vcpu_count", 2}, {"mem_size_mib", 256}, {"cpus", 1}});
  EXPECT_EQ(r.status, 400);
  EXPECT_EQ(fault_of(r),
            "An error occurred when deserializing the json body of a request: unknown field "
            "`cpus`, expected one of `vcpu_count`, `mem_size_mib`, `smt`, `cpu_template`, "
            "`track_dirty_pages`, `huge_pages`.");
}

TEST_F(FakeFirecrackerTest, RefusesWrongTypesMissingFieldsAndOutOfRangeIntegers) {
  EXPECT_NE(fault_of(call("PUT", "/machine-config", {{"vcpu_count", "2"}, {"mem_size_mib", 1}}))
                .find("invalid type: string \"2\", expected u8"),
            std::string::npos);
  EXPECT_NE(fault_of(call("PUT", "/machine-config", {{"vcpu_count", 2}}))
                .find("missing field `mem_size_mib`"),
            std::string::npos);
  EXPECT_NE(fault_of(call("PUT", "/machine-config", {{"vcpu_count", 300}, {"mem_size_mib", 1}}))
                .find("invalid value: integer `300`, expected u8"),
            std::string::npos);
  EXPECT_NE(fault_of(call("PUT", "/actions", {{"action_type", "Reboot"}}))
                .find("unknown variant `Reboot`, expected one of `FlushMetrics`, "
                      "`InstanceStart`, `SendCtrlAltDel`"),
            std::string::npos);
  EXPECT_EQ(call_raw("PUT", "/balloon", "not json").status, 400);
}

TEST_F(FakeFirecrackerTest, ChecksMachineConfigValues) {
  EXPECT_EQ(call("PUT", "/machine-config", {{"vcpu_count", 3}, {"mem_size_mib", 64}, {"smt", true}})
                .status,
            400);
  EXPECT_EQ(call("PUT", "/machine-config", {{"vcpu_count", 1}, {"mem_size_mib", 0}}).status, 400);
}

TEST_F(FakeFirecrackerTest, OpensTheKernelAndDrivesItIsGiven) {
  const auto r = call("PUT", "/boot-source", {{"kernel_image_path", "/nonexistent/vmlinux"}});
  EXPECT_EQ(r.status, 400);
  EXPECT_EQ(fault_of(r),
            "Boot source error: The kernel file cannot be opened: No such file or directory (os "
            "error 2)");
  EXPECT_EQ(call("PUT", "/drives/rootfs",
                 {{"drive_id", "rootfs"},
                  {"path_on_host", "/nonexistent"},
                  {"is_root_device", true},
                  {"is_read_only", true}})
                .status,
            400);
  EXPECT_EQ(call("PUT", "/drives/rootfs",
                 {{"drive_id", "rootfs"},
                  {"path_on_host", tree_.rootfs()},
                  {"is_root_device", true},
                  {"is_read_only", true}})
                .status,
            204);
}

TEST_F(FakeFirecrackerTest, DriveIdsMustMatchAndOnlyOneRootIsAllowed) {
  const json root = {{"drive_id", "a"},
                     {"path_on_host", tree_.rootfs()},
                     {"is_root_device", true},
                     {"is_read_only", true}};
  EXPECT_EQ(fault_of(call("PUT", "/drives/b", root)),
            "The id from the path does not match the id from the body!");
  EXPECT_EQ(call("PUT", "/drives/a", root).status, 204);
  json second = root;
  second["drive_id"] = "b";
  EXPECT_EQ(fault_of(call("PUT", "/drives/b", second)),
            "Drive config error: A root block device already exists!");
  EXPECT_EQ(fault_of(call("PUT", "/drives/a.b", root)),
            "API Resource IDs can only contain alphanumeric characters and underscores.");
}

TEST_F(FakeFirecrackerTest, ADrivesCacheTypeAndRateLimiterAreCheckedAsTheSwaggerHasThem) {
  json drive = {{"drive_id", "rootfs"},
                {"partuuid", "0eaa91a0-01"},
                {"is_root_device", true},
                {"cache_type", "Writeback"},
                {"is_read_only", true},
                {"path_on_host", tree_.rootfs()},
                {"rate_limiter", {{"ops", {{"size", 100}, {"refill_time", 1000}}}}}};
  EXPECT_EQ(call("PUT", "/drives/rootfs", drive).status, 204);
  drive["cache_type"] = "writeback";
  EXPECT_EQ(fault_of(call("PUT", "/drives/rootfs", drive)),
            "An error occurred when deserializing the json body of a request: unknown variant "
            "`writeback`, expected `Unsafe` or `Writeback`.");
  drive["cache_type"] = "Unsafe";
  drive["rate_limiter"] = {{"bandwidth", {{"size", -1}, {"refill_time", 100}}}};
  EXPECT_EQ(fault_of(call("PUT", "/drives/rootfs", drive)),
            "An error occurred when deserializing the json body of a request: invalid value: "
            "integer `-1`, expected u64.");
  drive["rate_limiter"] = {{"ops", {{"size", 1}}}};
  EXPECT_EQ(fault_of(call("PUT", "/drives/rootfs", drive)),
            "An error occurred when deserializing the json body of a request: missing field "
            "`refill_time`.");
}

TEST_F(FakeFirecrackerTest, UnknownPathsAndMethodsAreRefused) {
  EXPECT_EQ(fault_of(call("PUT", "/vm", {{"state", "Paused"}})),
            "Invalid request method and/or path: PUT vm.");
  EXPECT_EQ(call("DELETE", "/mmds", nullptr).status, 400);
}

TEST_F(FakeFirecrackerTest, RuntimeCallsBeforeStartAreRefused) {
  const std::string before =
      "The requested operation is not supported before starting the microVM.";
  EXPECT_EQ(fault_of(call("PATCH", "/vm", {{"state", "Paused"}})), before);
  EXPECT_EQ(fault_of(call("PUT", "/actions", {{"action_type", "SendCtrlAltDel"}})), before);
  EXPECT_EQ(fault_of(call("PUT", "/actions", {{"action_type", "InstanceStart"}})),
            "Start microvm error: Cannot start microvm without kernel configuration.");
}

TEST_F(FakeFirecrackerTest, PreBootCallsAfterStartAreRefused) {
  boot();
  const std::string after = "The requested operation is not supported after starting the microVM.";
  EXPECT_EQ(fault_of(call("PUT", "/machine-config", {{"vcpu_count", 1}, {"mem_size_mib", 64}})),
            after);
  EXPECT_EQ(fault_of(call("PUT", "/balloon", {{"amount_mib", 1}, {"deflate_on_oom", false}})),
            after);
  EXPECT_EQ(fault_of(call("PUT", "/actions", {{"action_type", "InstanceStart"}})), after);
}

TEST_F(FakeFirecrackerTest, InstanceInfoFollowsStartPauseAndResume) {
  auto state = [&] { return json::parse(call("GET", "/", nullptr).body)["state"]; };
  EXPECT_EQ(state(), "Not started");
  boot();
  EXPECT_EQ(state(), "Running");
  EXPECT_EQ(call("PATCH", "/vm", {{"state", "Paused"}}).status, 204);
  EXPECT_EQ(state(), "Paused");
  EXPECT_EQ(call("PATCH", "/vm", {{"state", "Resumed"}}).status, 204);
  EXPECT_EQ(state(), "Running");
}

TEST_F(FakeFirecrackerTest, BalloonRulesFollowFirecracker) {
  EXPECT_EQ(fault_of(call("PATCH", "/balloon", {{"amount_mib", 1}})),
            "Balloon config error: No balloon device found.");
  EXPECT_EQ(call("PUT", "/balloon", {{"amount_mib", 1000}, {"deflate_on_oom", false}}).status, 400);
  EXPECT_EQ(call("PUT", "/balloon", {{"amount_mib", 16}, {"deflate_on_oom", true}}).status, 204);
  EXPECT_EQ(json::parse(call("GET", "/balloon", nullptr).body),
            json({{"amount_mib", 16}, {"deflate_on_oom", true}, {"stats_polling_interval_s", 0}}));
  boot();
  EXPECT_EQ(fault_of(call("GET", "/balloon/statistics", nullptr)),
            "Balloon config error: Statistics for the balloon device are not enabled");
  EXPECT_EQ(fault_of(call("PATCH", "/balloon/statistics", {{"stats_polling_interval_s", 1}})),
            "Balloon config error: Cannot enable/disable the statistics after boot.");
  EXPECT_EQ(call("PATCH", "/balloon", {{"amount_mib", 32}}).status, 204);
}

TEST_F(FakeFirecrackerTest, NetworkInterfacesAndMmdsConfigFollowFirecracker) {
  EXPECT_EQ(fault_of(call("PUT", "/mmds/config", {{"network_interfaces", json::array({"1"})}})),
            "The list of network interface IDs provided contains at least one ID that does not "
            "correspond to any existing network interface.");
  EXPECT_EQ(fault_of(call("PUT", "/network-interfaces/2",
                          {{"iface_id", "1"}, {"host_dev_name", "tap0"}})),
            "The id from the path does not match the id from the body!");
  EXPECT_EQ(call("PUT", "/network-interfaces/1", {{"iface_id", "1"}}).status, 400);
  EXPECT_EQ(call("PUT", "/network-interfaces/1",
                 {{"iface_id", "1"},
                  {"host_dev_name", "tap0"},
                  {"rx_rate_limiter", {{"bandwidth", {{"size", 1}}}}}})
                .status,
            400);  // refill_time is required
  EXPECT_EQ(call("PUT", "/network-interfaces/1",
                 {{"guest_mac", "06:00:0a:00:00:02"},
                  {"host_dev_name", "tap0"},
                  {"iface_id", "1"},
                  {"rx_rate_limiter", {{"bandwidth", {{"size", 1}, {"refill_time", 100}}}}}})
                .status,
            204);
  EXPECT_EQ(fault_of(call("PUT", "/mmds/config", {{"network_interfaces", json::array()}})),
            "The list of network interface IDs that allow forwarding MMDS requests is empty.");
  EXPECT_EQ(call("PUT", "/mmds/config", {{"network_interfaces", "1"}}).status, 400);
  EXPECT_EQ(
      call("PUT", "/mmds/config", {{"version", "V1"}, {"network_interfaces", json::array({"1"})}})
          .status,
      204);
  boot();
  EXPECT_EQ(fault_of(call("PUT", "/network-interfaces/2",
                          {{"iface_id", "2"}, {"host_dev_name", "tap1"}})),
            "The requested operation is not supported after starting the microVM.");
}

TEST_F(FakeFirecrackerTest, MmdsNeedsAPutBeforeAPatch) {
  EXPECT_EQ(call("GET", "/mmds", nullptr).body, "{}");
  EXPECT_EQ(fault_of(call("PATCH", "/mmds", {{"a", 1}})),
            "The MMDS data store is not initialized.");
  EXPECT_EQ(call("PUT", "/mmds", {{"a", 1}, {"b", {{"c", 2}}}}).status, 204);
  EXPECT_EQ(call("PATCH", "/mmds", {{"b", {{"c", nullptr}, {"d", 3}}}}).status, 204);
  EXPECT_EQ(json::parse(call("GET", "/mmds", nullptr).body), json({{"a", 1}, {"b", {{"d", 3}}}}));
  EXPECT_EQ(fault_of(call("PUT", "/mmds", json::array({1}))),
            "The MMDS data store request body must be a JSON object.");
}

TEST_F(FakeFirecrackerTest, MmdsKeepsItsSizeLimit) {
  FakeFirecracker small(FakeOptions{16, false});
  const auto r = small.handle({"PUT", "/mmds", json{{"key", "a long value"}}.dump()});
  EXPECT_EQ(r.status, 400);
  EXPECT_NE(fault_of(r).find("size limit was exceeded"), std::string::npos);
}

TEST_F(FakeFirecrackerTest, CtrlAltDelShutsTheGuestDownOnceItCanReact) {
  boot();
  EXPECT_EQ(call("PATCH", "/vm", {{"state", "Paused"}}).status, 204);
  EXPECT_EQ(call("PUT", "/actions", {{"action_type", "SendCtrlAltDel"}}).status, 204);
  EXPECT_FALSE(fc_.guest_shut_down());
  EXPECT_EQ(call("PATCH", "/vm", {{"state", "Resumed"}}).status, 204);
  EXPECT_TRUE(fc_.guest_shut_down());
}

TEST_F(FakeFirecrackerTest, AGuestThatIgnoresCtrlAltDelStaysUp) {
  FakeFirecracker stubborn(FakeOptions{51200, true});
  stubborn.handle({"PUT", "/boot-source", json{{"kernel_image_path", tree_.kernel()}}.dump()});
  stubborn.handle({"PUT", "/actions", R"({"action_type":"InstanceStart"})"});
  EXPECT_EQ(stubborn.handle({"PUT", "/actions", R"({"action_type":"SendCtrlAltDel"})"}).status,
            204);
  EXPECT_FALSE(stubborn.guest_shut_down());
}

}  // namespace
}  // namespace ember::fakefc
