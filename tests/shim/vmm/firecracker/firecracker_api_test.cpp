// The Firecracker API calls the backend makes, and what answers mean (pure).
#include "shim/vmm/firecracker/firecracker_api.hpp"

#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

namespace ember::shim::firecracker {
namespace {

using json = nlohmann::json;

void expect_call(const ApiCall& c, const std::string& method, const std::string& path,
                 const json& body) {
  EXPECT_EQ(c.method, method);
  EXPECT_EQ(c.path, path);
  if (body.is_null()) {
    EXPECT_EQ(c.body, "");
  } else {
    EXPECT_EQ(json::parse(c.body), body) << c.body;
  }
}

VmSpec spec() {
  VmSpec s;
  s.vm_id = "vm1";
  s.vcpus = 2;
  s.memory_mib = 512;
  s.ht_enabled = true;
  s.kernel_image = "/k/vmlinux";
  s.kernel_args = "console=ttyS0";
  s.root_drive = "/d/root.ext4";
  s.root_drive_writable = true;
  return s;
}

TEST(FirecrackerApiTest, ConfigurationCallsFollowTheSwagger) {
  expect_call(put_logger("/v/fc-logs.fifo", "Debug"), "PUT", "/logger",
              {{"log_path", "/v/fc-logs.fifo"},
               {"level", "Debug"},
               {"show_level", true},
               {"show_log_origin", false}});
  expect_call(put_metrics("/v/fc-metrics.fifo"), "PUT", "/metrics",
              {{"metrics_path", "/v/fc-metrics.fifo"}});
  expect_call(put_machine_config(spec()), "PUT", "/machine-config",
              {{"vcpu_count", 2}, {"mem_size_mib", 512}, {"smt", true}});
  expect_call(put_boot_source(spec()), "PUT", "/boot-source",
              {{"kernel_image_path", "/k/vmlinux"}, {"boot_args", "console=ttyS0"}});
  expect_call(put_root_drive(spec()), "PUT", "/drives/rootfs",
              {{"drive_id", "rootfs"},
               {"path_on_host", "/d/root.ext4"},
               {"is_root_device", true},
               {"is_read_only", false}});
  expect_call(put_drive_mount(DriveSpec{"/d/data.ext4", false}, 0), "PUT", "/drives/drive1",
              {{"drive_id", "drive1"},
               {"path_on_host", "/d/data.ext4"},
               {"is_root_device", false},
               {"is_read_only", true}});
  expect_call(put_drive_mount(DriveSpec{"/d/scratch.ext4", true}, 1), "PUT", "/drives/drive2",
              {{"drive_id", "drive2"},
               {"path_on_host", "/d/scratch.ext4"},
               {"is_root_device", false},
               {"is_read_only", false}});
  expect_call(put_balloon(BalloonDevice{64, true, 5}), "PUT", "/balloon",
              {{"amount_mib", 64}, {"deflate_on_oom", true}, {"stats_polling_interval_s", 5}});
  expect_call(instance_start(), "PUT", "/actions", {{"action_type", "InstanceStart"}});
}

TEST(FirecrackerApiTest, DrivesCarryPartuuidCacheTypeAndRateLimiterWhenSet) {
  VmSpec s = spec();
  s.root_drive_partuuid = "0eaa91a0-01";
  s.root_drive_io.cache_type = "Writeback";
  s.root_drive_io.rate_limiter = RateLimiter{TokenBucket{1048576, 0, 100}, std::nullopt};
  expect_call(put_root_drive(s), "PUT", "/drives/rootfs",
              {{"drive_id", "rootfs"},
               {"partuuid", "0eaa91a0-01"},
               {"is_root_device", true},
               {"cache_type", "Writeback"},
               {"is_read_only", false},
               {"path_on_host", "/d/root.ext4"},
               {"rate_limiter", {{"bandwidth", {{"size", 1048576}, {"refill_time", 100}}}}}});
  DriveSpec d;
  d.host_path = "/d/data.ext4";
  d.vm_path = "/data";  // the guest's business: not in the API
  d.filesystem_type = "ext4";
  d.io.cache_type = "Unsafe";
  d.io.rate_limiter = RateLimiter{TokenBucket{4096, 8192, 1000}, TokenBucket{100, 0, 1000}};
  expect_call(put_drive_mount(d, 0), "PUT", "/drives/drive1",
              {{"drive_id", "drive1"},
               {"is_root_device", false},
               {"cache_type", "Unsafe"},
               {"is_read_only", true},
               {"path_on_host", "/d/data.ext4"},
               {"rate_limiter",
                {{"bandwidth", {{"size", 4096}, {"one_time_burst", 8192}, {"refill_time", 1000}}},
                 {"ops", {{"size", 100}, {"refill_time", 1000}}}}}});
  // The body keeps the swagger's field order.
  EXPECT_EQ(put_root_drive(s).body.rfind("{\"drive_id\":\"rootfs\",\"partuuid\":", 0), 0u);
}

TEST(FirecrackerApiTest, MachineConfigCarriesACpuTemplateOnlyWhenGiven) {
  VmSpec s = spec();
  s.cpu_template = "T2";
  EXPECT_EQ(json::parse(put_machine_config(s).body)["cpu_template"], "T2");
  EXPECT_FALSE(json::parse(put_machine_config(spec()).body).contains("cpu_template"));
}

TEST(FirecrackerApiTest, RuntimeCallsFollowTheSwagger) {
  expect_call(patch_vm(true), "PATCH", "/vm", {{"state", "Paused"}});
  expect_call(patch_vm(false), "PATCH", "/vm", {{"state", "Resumed"}});
  expect_call(send_ctrl_alt_del(), "PUT", "/actions", {{"action_type", "SendCtrlAltDel"}});
  expect_call(patch_balloon(32), "PATCH", "/balloon", {{"amount_mib", 32}});
  expect_call(patch_balloon_statistics(7), "PATCH", "/balloon/statistics",
              {{"stats_polling_interval_s", 7}});
  expect_call(get_balloon(), "GET", "/balloon", nullptr);
  expect_call(get_balloon_statistics(), "GET", "/balloon/statistics", nullptr);
  expect_call(get_instance_info(), "GET", "/", nullptr);
  expect_call(get_mmds(), "GET", "/mmds", nullptr);
  EXPECT_EQ(put_mmds("{\"a\": 1}").body, "{\"a\": 1}");
  EXPECT_EQ(put_mmds("{}").method, "PUT");
  EXPECT_EQ(patch_mmds("{\"a\":null}").method, "PATCH");
  EXPECT_EQ(patch_mmds("{\"a\":null}").path, "/mmds");
}

TEST(FirecrackerApiTest, LoggerLevelFollowsTheShimsLevel) {
  EXPECT_EQ(logger_level("trace"), "Trace");
  EXPECT_EQ(logger_level("debug"), "Debug");
  EXPECT_EQ(logger_level("info"), "Info");
  EXPECT_EQ(logger_level("warn"), "Warning");
  EXPECT_EQ(logger_level("error"), "Error");
  EXPECT_EQ(logger_level("critical"), "Error");
  EXPECT_EQ(logger_level("off"), "Off");
}

std::string fault(const std::string& m) {
  return json{{"fault_message", m}}.dump();
}

TEST(FirecrackerApiTest, SuccessfulAnswersAreOk) {
  EXPECT_TRUE(status_of(instance_start(), 204, "").ok());
  EXPECT_TRUE(status_of(get_mmds(), 200, "{}").ok());
}

TEST(FirecrackerApiTest, StateFaultsAreFailedPreconditionWithTheFaultText) {
  const Status s =
      status_of(patch_vm(true), 400,
                fault("The requested operation is not supported before starting the microVM."));
  EXPECT_EQ(s.code(), Code::failed_precondition);
  EXPECT_EQ(s.message(),
            "firecracker PATCH /vm: The requested operation is not supported before starting the "
            "microVM.");
  for (const char* m :
       {"The requested operation is not supported after starting the microVM.",
        "The MMDS data store is not initialized.", "Balloon config error: No balloon device found.",
        "Balloon config error: Statistics for the balloon device are not enabled",
        "Balloon config error: Cannot enable/disable the statistics after boot.",
        "Balloon config error: Device is inactive, check balloon driver is "
        "enabled."}) {
    EXPECT_EQ(status_of(get_balloon_statistics(), 400, fault(m)).code(), Code::failed_precondition)
        << m;
  }
}

TEST(FirecrackerApiTest, BadInputFaultsAreInvalidArgument) {
  const std::string m =
      "An error occurred when deserializing the json body of a request: unknown field `x`, "
      "expected one of `vcpu_count`, `mem_size_mib`.";
  const Status s = status_of(put_machine_config(spec()), 400, fault(m));
  EXPECT_EQ(s.code(), Code::invalid_argument);
  EXPECT_EQ(s.message(), "firecracker PUT /machine-config: " + m);
}

TEST(FirecrackerApiTest, SizeLimitFaultsAreResourceExhausted) {
  EXPECT_EQ(status_of(put_mmds("{}"), 400,
                      fault("The MMDS data store size limit was exceeded: 9 bytes > 8 bytes"))
                .code(),
            Code::resource_exhausted);
  EXPECT_EQ(status_of(put_mmds("{}"), 400,
                      fault("Request payload with size 9 is larger than the limit of 8 allowed "
                            "by server."))
                .code(),
            Code::resource_exhausted);
}

TEST(FirecrackerApiTest, OtherStatusesKeepTheirMeaning) {
  EXPECT_EQ(status_of(get_mmds(), 404, fault("The MMDS resource does not exist.")).code(),
            Code::not_found);
  const Status s = status_of(get_instance_info(), 500, fault("boom"));
  EXPECT_EQ(s.code(), Code::internal);
  EXPECT_EQ(s.message(), "firecracker GET /: boom (HTTP 500)");
}

TEST(FirecrackerApiTest, AnAnswerWithoutFaultMessageIsQuotedRaw) {
  EXPECT_EQ(status_of(get_mmds(), 400, "oops").message(), "firecracker GET /mmds: oops");
  EXPECT_EQ(status_of(get_mmds(), 400, "").message(), "firecracker GET /mmds: HTTP status 400");
}

TEST(FirecrackerApiTest, BalloonStatisticsMapEveryField) {
  const json body = {{"target_pages", 1},         {"actual_pages", 2},      {"target_mib", 3},
                     {"actual_mib", 4},           {"swap_in", 5},           {"swap_out", 6},
                     {"major_faults", 7},         {"minor_faults", 8},      {"free_memory", 9},
                     {"total_memory", 10},        {"available_memory", 11}, {"disk_caches", 12},
                     {"hugetlb_allocations", 13}, {"hugetlb_failures", 14}};
  BalloonStats st;
  ASSERT_TRUE(parse_balloon_stats(body.dump(), &st).ok());
  EXPECT_EQ(st.target_pages, 1);
  EXPECT_EQ(st.actual_pages, 2);
  EXPECT_EQ(st.target_mib, 3);
  EXPECT_EQ(st.actual_mib, 4);
  EXPECT_EQ(st.swap_in, 5);
  EXPECT_EQ(st.swap_out, 6);
  EXPECT_EQ(st.major_faults, 7);
  EXPECT_EQ(st.minor_faults, 8);
  EXPECT_EQ(st.free_memory, 9);
  EXPECT_EQ(st.total_memory, 10);
  EXPECT_EQ(st.available_memory, 11);
  EXPECT_EQ(st.disk_caches, 12);
  EXPECT_EQ(st.hugetlb_allocations, 13);
  EXPECT_EQ(st.hugetlb_failures, 14);
}

TEST(FirecrackerApiTest, BalloonStatisticsTheGuestDidNotReportAreZero) {
  BalloonStats st;
  st.swap_in = 99;
  ASSERT_TRUE(parse_balloon_stats(
                  R"({"target_pages":256,"actual_pages":0,"target_mib":1,"actual_mib":0})", &st)
                  .ok());
  EXPECT_EQ(st.target_pages, 256);
  EXPECT_EQ(st.swap_in, 0);
  EXPECT_EQ(st.total_memory, 0);
}

TEST(FirecrackerApiTest, MalformedBalloonStatisticsAreInternal) {
  BalloonStats st;
  EXPECT_EQ(parse_balloon_stats("not json", &st).code(), Code::internal);
  EXPECT_EQ(parse_balloon_stats("[1]", &st).code(), Code::internal);
  const Status missing = parse_balloon_stats(R"({"target_pages":1})", &st);
  EXPECT_EQ(missing.code(), Code::internal);
  EXPECT_NE(missing.message().find("actual_pages"), std::string::npos) << missing.message();
  EXPECT_EQ(parse_balloon_stats(
                R"({"target_pages":"1","actual_pages":0,"target_mib":1,"actual_mib":0})", &st)
                .code(),
            Code::internal);
}

TEST(FirecrackerApiTest, InstanceInfoGivesTheState) {
  std::string state;
  ASSERT_TRUE(
      parse_instance_state(
          R"({"app_name":"Firecracker","id":"x","state":"Paused","vmm_version":"1"})", &state)
          .ok());
  EXPECT_EQ(state, "Paused");
  EXPECT_EQ(parse_instance_state("{}", &state).code(), Code::internal);
}

TEST(FirecrackerApiTest, MmdsDocumentsAreCompacted) {
  std::string out;
  ASSERT_TRUE(compact_json_object("{ \"b\" : [1, 2],\n \"a\": {} }", &out).ok());
  EXPECT_EQ(out, R"({"a":{},"b":[1,2]})");
  EXPECT_EQ(compact_json_object("[]", &out).code(), Code::internal);
}

}  // namespace
}  // namespace ember::shim::firecracker
