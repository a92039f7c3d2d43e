// One real QEMU VM with the rest of JailerConfig and both FIFO paths:
// QEMU runs as the asked uid/gid, on the asked CPU, inside
// <CgroupPath>/<VM id>, and boots so; its log and metrics reach the FIFOs;
// after StopVM the FIFOs and the cgroup are gone.
#include <fcntl.h>
#include <poll.h>
#include <unistd.h>

#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "base/files.hpp"
#include "base/unique_fd.hpp"
#include "tests/shim/vmm/qemu/qemu_vm_fixture.hpp"
#include "tests/support/temp_tree.hpp"

namespace ember::shimtest {
namespace {

class QemuJailTest : public QemuVmTest {};

// What the FIFO holds, waiting (bounded) until it holds `wanted`.
std::string read_fifo_until(const std::string& path, const std::string& wanted) {
  UniqueFd fd(::open(path.c_str(), O_RDONLY | O_NONBLOCK | O_CLOEXEC));
  std::string text;
  const auto end = std::chrono::steady_clock::now() + kBootDeadline;
  while (fd && text.find(wanted) == std::string::npos && std::chrono::steady_clock::now() < end) {
    pollfd p{fd.get(), POLLIN, 0};
    if (::poll(&p, 1, 1000) <= 0) continue;
    char buf[4096];
    const ssize_t n = ::read(fd.get(), buf, sizeof(buf));
    if (n > 0) text.append(buf, static_cast<size_t>(n));
  }
  return text;
}

std::string proc_status(pid_t pid) {
  return read_file("/proc/" + std::to_string(pid) + "/status").value_or("");
}

TEST_F(QemuJailTest, QemuRunsJailedAndWritesItsLogAndMetricsFifos) {
  if (::geteuid() != 0) GTEST_SKIP() << "changing ids and cgroups needs root";
  const bool cgroups = ::access("/sys/fs/cgroup", W_OK) == 0;
  TempTree fifos;
  CreateVMRequest req = create_request(false);
  req.set_logfifopath(fifos / "vm1-log.fifo");
  req.set_metricsfifopath(fifos / "vm1-metrics.fifo");
  auto* jailer = req.mutable_jailerconfig();
  jailer->set_uid(65534);
  jailer->set_gid(65534);
  jailer->set_cpus("0");
  jailer->set_mems("0");
  const std::string cgroup = "/ember-qemu-jail-" + std::to_string(::getpid());
  if (cgroups) jailer->set_cgrouppath(cgroup);
  CreateVMResponse created;
  Status s = call("CreateVM", req, &created);
  ASSERT_TRUE(s.ok()) << s.ToString();
  EXPECT_EQ(created.logfifopath(), req.logfifopath());
  EXPECT_EQ(created.metricsfifopath(), req.metricsfifopath());
  EXPECT_EQ(created.cgrouppath(), cgroups ? cgroup + "/vm1" : "");

  const pid_t qemu = qemu_pid();
  ASSERT_GT(qemu, 0);
  const std::string status = proc_status(qemu);
  EXPECT_NE(status.find("\nUid:\t65534\t65534\t65534\t65534\n"), std::string::npos) << status;
  EXPECT_NE(status.find("\nGid:\t65534\t65534\t65534\t65534\n"), std::string::npos) << status;
  EXPECT_NE(status.find("\nCpus_allowed_list:\t0\n"), std::string::npos) << status;
  if (cgroups) {
    const std::string in = read_file("/proc/" + std::to_string(qemu) + "/cgroup").value_or("");
    EXPECT_NE(in.find(":" + cgroup + "/vm1\n"), std::string::npos) << in;
  }
  ASSERT_TRUE(guest_ready());  // QEMU as nobody boots the guest

  const std::string log = read_fifo_until(req.logfifopath(), "(pid " + std::to_string(qemu));
  EXPECT_NE(log.find("started "), std::string::npos) << log;
  const std::string metrics = read_fifo_until(req.metricsfifopath(), "\n");
  const auto sample = nlohmann::json::parse(metrics.substr(0, metrics.find('\n')), nullptr, false);
  ASSERT_TRUE(sample.is_object()) << metrics;
  EXPECT_EQ(sample["vmm"]["pid"], qemu) << metrics;
  EXPECT_GT(sample["vmm"]["rss_kib"].get<long>(), 0) << metrics;

  StopVMRequest stop;
  stop.set_vmid("vm1");
  stop.set_timeoutseconds(30);
  EXPECT_TRUE(call("StopVM", stop).ok());
  EXPECT_TRUE(nothing_left());
  EXPECT_NE(::access(req.logfifopath().c_str(), F_OK), 0);
  EXPECT_NE(::access(req.metricsfifopath().c_str(), F_OK), 0);
  if (cgroups) {
    for (const char* h : {"", "/cpuset", "/memory", "/pids"}) {
      const std::string path = std::string("/sys/fs/cgroup") + h + cgroup;
      EXPECT_NE(::access(path.c_str(), F_OK), 0) << path << " is left";
    }
  }
}

}  // namespace
}  // namespace ember::shimtest
