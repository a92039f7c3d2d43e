// JailerConfig (UID/GID, CPUs, Mems, CgroupPath) and LogFifoPath /
// MetricsFifoPath into a VmSpec: accepted as firecracker-containerd takes
// them, nonsense refused with INVALID_ARGUMENT naming the field.
#include "shim/jailer_request.hpp"

#include <sys/stat.h>
#include <unistd.h>

#include <gtest/gtest.h>

#include <fstream>

#include "shim/cpu_list.hpp"
#include "tests/support/temp_tree.hpp"

namespace ember::shim {
namespace {

Status jail(const std::function<void(JailerConfig&)>& set, VmSpec* spec) {
  CreateVMRequest req;
  set(*req.mutable_jailerconfig());
  return jail_from_request(req, spec);
}

void expect_refused(const Status& s, const std::string& field) {
  EXPECT_EQ(s.code(), Code::invalid_argument) << s.ToString();
  EXPECT_EQ(s.message().rfind(field, 0), 0u) << s.message();
}

TEST(CpuListTest, RangesAndSinglesParseToSortedDistinctIdsAndFormatBack) {
  std::vector<int> ids;
  ASSERT_TRUE(parse_id_list("x", "5,0-2,1", &ids).ok());
  EXPECT_EQ(ids, (std::vector<int>{0, 1, 2, 5}));
  EXPECT_EQ(format_id_list(ids), "0-2,5");
}

TEST(CpuListTest, WhatIsNoListIsRefusedNamingIt) {
  for (const char* bad : {"", "a", "3-1", "1,,2", "-1", "1-", " 1", "99999", "+1"}) {
    std::vector<int> ids;
    Status s = parse_id_list("JailerConfig.CPUs", bad, &ids);
    expect_refused(s, "JailerConfig.CPUs \"" + std::string(bad) + "\"");
  }
}

TEST(JailerRequestTest, OnlineCpusAndNodesUidGidAndACgroupPathAreTaken) {
  VmSpec spec;
  Status s = jail(
      [](JailerConfig& j) {
        j.set_uid(65534);
        j.set_gid(65534);
        j.set_cpus("0");
        j.set_mems("0");
        j.set_cgrouppath("/ember/tenants");
        j.set_netns("/var/run/netns/n");  // network_request's
      },
      &spec);
  ASSERT_TRUE(s.ok()) << s.ToString();
  EXPECT_EQ(spec.jail.uid, 65534u);
  EXPECT_EQ(spec.jail.gid, 65534u);
  EXPECT_EQ(spec.jail.cpus, std::vector<int>{0});
  EXPECT_EQ(spec.jail.mems, std::vector<int>{0});
  EXPECT_EQ(spec.jail.cgroup_path, "/ember/tenants");
}

TEST(JailerRequestTest, NoJailerConfigOrOnlyNetNsAsksForNothing) {
  VmSpec spec;
  EXPECT_TRUE(jail_from_request(CreateVMRequest(), &spec).ok());
  EXPECT_TRUE(jail([](JailerConfig& j) { j.set_netns("/n"); }, &spec).ok());
  EXPECT_FALSE(spec.jail.uid);
  EXPECT_TRUE(spec.jail.cpus.empty());
}

TEST(JailerRequestTest, UidWithoutGidOrGidWithoutUidIsRefused) {
  VmSpec spec;
  expect_refused(jail([](JailerConfig& j) { j.set_uid(1000); }, &spec), "JailerConfig.UID");
  expect_refused(jail([](JailerConfig& j) { j.set_gid(1000); }, &spec), "JailerConfig.UID");
}

TEST(JailerRequestTest, CpusAndNodesThatAreNotOnlineAreRefused) {
  VmSpec spec;
  Status s = jail([](JailerConfig& j) { j.set_cpus("4095"); }, &spec);
  expect_refused(s, "JailerConfig.CPUs \"4095\" names CPU 4095, not online");
  s = jail([](JailerConfig& j) { j.set_mems("0,7"); }, &spec);
  expect_refused(s, "JailerConfig.Mems \"0,7\" names memory node 7, not online");
  expect_refused(jail([](JailerConfig& j) { j.set_cpus("0-"); }, &spec), "JailerConfig.CPUs");
}

TEST(JailerRequestTest, ACgroupPathMustBeAbsoluteWithoutDotsOrEmptyParts) {
  for (const char* bad : {"rel", "/", "/a/../b", "/a//b", "/a/.", "/a/"}) {
    VmSpec spec;
    Status s = jail([bad](JailerConfig& j) { j.set_cgrouppath(bad); }, &spec);
    expect_refused(s, "JailerConfig.CgroupPath \"" + std::string(bad) + "\"");
  }
}

TEST(FifoPathsRequestTest, NewPathsInAnExistingDirectoryAndExistingFifosAreTaken) {
  testsupport::TempTree tree;
  ASSERT_EQ(::mkfifo((tree / "mine.fifo").c_str(), 0600), 0);
  CreateVMRequest req;
  req.set_logfifopath(tree / "log.fifo");
  req.set_metricsfifopath(tree / "mine.fifo");
  VmSpec spec;
  ASSERT_TRUE(fifo_paths_from_request(req, &spec).ok());
  EXPECT_EQ(spec.log_fifo, tree / "log.fifo");
  EXPECT_EQ(spec.metrics_fifo, tree / "mine.fifo");
  EXPECT_NE(::access((tree / "log.fifo").c_str(), F_OK), 0) << "checking made a file";
}

TEST(FifoPathsRequestTest, BadPathsAreRefusedNamingTheField) {
  testsupport::TempTree tree;
  std::ofstream(tree / "file") << "x";
  const std::vector<std::pair<std::string, std::string>> cases = {
      {"relative.fifo", "is not an absolute file path"},
      {tree / "dir/", "is not an absolute file path"},
      {tree / "file", "exists and is not a FIFO"},
      {tree / "missing/log.fifo", "its directory " + tree / "missing" + " does not exist"},
  };
  for (const auto& [path, why] : cases) {
    for (bool log : {true, false}) {
      CreateVMRequest req;
      log ? req.set_logfifopath(path) : req.set_metricsfifopath(path);
      VmSpec spec;
      Status s = fifo_paths_from_request(req, &spec);
      const std::string field = log ? "LogFifoPath" : "MetricsFifoPath";
      expect_refused(s, field + " \"" + path + "\"");
      EXPECT_NE(s.message().find(why), std::string::npos) << s.message();
    }
  }
  CreateVMRequest same;
  same.set_logfifopath(tree / "x.fifo");
  same.set_metricsfifopath(tree / "x.fifo");
  VmSpec spec;
  expect_refused(fifo_paths_from_request(same, &spec), "MetricsFifoPath");
}

}  // namespace
}  // namespace ember::shim
