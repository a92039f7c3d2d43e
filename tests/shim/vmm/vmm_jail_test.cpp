// VmmJail with real children: the uid and gid, CPU affinity, memory policy
// and cgroup a JailerConfig asks for are what the spawned process has, from
// its first instruction on; what the jail made is gone after it.
#include "shim/vmm/vmm_jail.hpp"

#include <sys/stat.h>
#include <unistd.h>

#include <gtest/gtest.h>

#include <string>

#include "base/files.hpp"
#include "shimproc/child_process.hpp"
#include "tests/support/temp_tree.hpp"

namespace ember::shim {
namespace {

// The value of "Name:" in /proc/<pid>/status, tabs as spaces.
std::string status_field(pid_t pid, const std::string& name) {
  const std::string text = read_file("/proc/" + std::to_string(pid) + "/status").value_or("");
  const size_t at = text.find("\n" + name + ":");
  if (at == std::string::npos) return "(no " + name + ")";
  std::string value =
      text.substr(at + name.size() + 2, text.find('\n', at + 1) - at - name.size() - 2);
  for (char& c : value)
    if (c == '\t') c = ' ';
  const size_t first = value.find_first_not_of(' ');
  return first == std::string::npos ? "" : value.substr(first);
}

// A `sleep` in the jail; the test kills it (ChildProcess's destructor).
Status spawn_sleeper(const VmmJail& jail, shimproc::ChildProcess* out) {
  shimproc::ChildSpec spec;
  spec.name = "sleeper";
  spec.binary = "/bin/sleep";
  spec.args = {"600"};
  jail.confine(&spec);
  return shimproc::ChildProcess::spawn(spec, out);
}

bool cgroups_writable() {
  return ::geteuid() == 0 && ::access("/sys/fs/cgroup", W_OK) == 0;
}

TEST(VmmJailTest, TheChildRunsAsUidAndGidOnTheCpusAndNodesAsked) {
  if (::geteuid() != 0) GTEST_SKIP() << "changing ids needs root";
  testsupport::TempTree dir;
  JailSpec spec;
  spec.uid = 65534;
  spec.gid = 65533;
  spec.cpus = {0};
  spec.mems = {0};
  std::unique_ptr<VmmJail> jail;
  ASSERT_TRUE(VmmJail::open(spec, "vm1", dir.path(), &jail).ok());
  shimproc::ChildProcess child;
  Status s = spawn_sleeper(*jail, &child);
  ASSERT_TRUE(s.ok()) << s.ToString();
  EXPECT_EQ(status_field(child.pid(), "Uid"), "65534 65534 65534 65534");
  EXPECT_EQ(status_field(child.pid(), "Gid"), "65533 65533 65533 65533");
  EXPECT_EQ(status_field(child.pid(), "Groups"), "");
  EXPECT_EQ(status_field(child.pid(), "Cpus_allowed_list"), "0");
  const auto numa = read_file("/proc/" + std::to_string(child.pid()) + "/numa_maps");
  if (numa) {
    EXPECT_NE(numa->find("bind:0"), std::string::npos) << *numa;
  }
  // The VM dir is lent to the group while the jail lasts, then given back.
  struct stat st {};
  ASSERT_EQ(::stat(dir.path().c_str(), &st), 0);
  EXPECT_EQ(st.st_gid, 65533u);
  EXPECT_EQ(st.st_mode & 07777, 01770u);
  child = shimproc::ChildProcess();
  jail.reset();
  ASSERT_EQ(::stat(dir.path().c_str(), &st), 0);
  EXPECT_EQ(st.st_gid, 0u);
  EXPECT_EQ(st.st_mode & 07777, 0700u);
}

TEST(VmmJailTest, TheChildStartsInsideCgroupPathSlashVmIdWhichIsRemovedAfter) {
  if (!cgroups_writable()) GTEST_SKIP() << "needs a writable /sys/fs/cgroup";
  testsupport::TempTree dir;
  JailSpec spec;
  spec.cgroup_path = "/ember-jail-test-" + std::to_string(::getpid());
  spec.cpus = {0};
  std::unique_ptr<VmmJail> jail;
  Status s = VmmJail::open(spec, "vm1", dir.path(), &jail);
  ASSERT_TRUE(s.ok()) << s.ToString();
  EXPECT_EQ(jail->cgroup(), spec.cgroup_path + "/vm1");
  shimproc::ChildProcess child;
  s = spawn_sleeper(*jail, &child);
  ASSERT_TRUE(s.ok()) << s.ToString();
  const std::string cgroups =
      read_file("/proc/" + std::to_string(child.pid()) + "/cgroup").value_or("");
  EXPECT_NE(cgroups.find(":" + spec.cgroup_path + "/vm1\n"), std::string::npos) << cgroups;

  // The same VM's cgroup again: refused by name, and the first one is intact.
  std::unique_ptr<VmmJail> second;
  s = VmmJail::open(spec, "vm1", dir.path(), &second);
  EXPECT_EQ(s.code(), Code::failed_precondition);
  EXPECT_NE(s.message().find("JailerConfig.CgroupPath"), std::string::npos) << s.message();
  EXPECT_NE(read_file("/proc/" + std::to_string(child.pid()) + "/cgroup")
                .value_or("")
                .find(spec.cgroup_path + "/vm1"),
            std::string::npos);

  child = shimproc::ChildProcess();
  jail.reset();
  for (const char* h : {"", "/cpuset", "/memory", "/pids", "/unified"}) {
    const std::string path = std::string("/sys/fs/cgroup") + h + spec.cgroup_path;
    EXPECT_NE(::access(path.c_str(), F_OK), 0) << path << " is left";
  }
}

TEST(VmmJailTest, AJailWithNothingAskedChangesNothing) {
  testsupport::TempTree dir;
  std::unique_ptr<VmmJail> jail;
  ASSERT_TRUE(VmmJail::open(JailSpec{}, "vm1", dir.path(), &jail).ok());
  shimproc::ChildSpec spec;
  jail->confine(&spec);
  EXPECT_TRUE(spec.join_cgroup_procs_fds.empty());
  EXPECT_FALSE(spec.cpu_affinity);
  EXPECT_TRUE(spec.memory_nodes.empty());
  EXPECT_FALSE(spec.uid);
  EXPECT_EQ(jail->cgroup(), "");
  EXPECT_TRUE(jail->hand_over(dir.path()).ok());
}

}  // namespace
}  // namespace ember::shim
