// The VM directory from a GetVMInfo reply, and what the bench reads of
// emberd in /proc.
#include <gtest/gtest.h>

#include <unistd.h>

#include <algorithm>

#include "bench/lib/proc.hpp"
#include "bench/lib/vm_dir.hpp"
#include "fccontrol.pb.h"

namespace ember::bench {
namespace {

std::string info_with_socket(const std::string& socket_path) {
  GetVMInfoResponse info;
  info.set_vmid("vm1");
  info.set_socketpath(socket_path);
  std::string payload;
  info.SerializeToString(&payload);
  return payload;
}

TEST(VmDirFromInfo, IsTheDirectoryOfSocketPath) {
  std::string dir;
  ASSERT_TRUE(
      vm_dir_from_info("vm1", info_with_socket("/var/lib/ember/default#vm1/firecracker.sock"), &dir)
          .ok());
  EXPECT_EQ(dir, "/var/lib/ember/default#vm1");
}

TEST(VmDirFromInfo, ASocketPathWithoutADirectoryIsNamed) {
  for (const std::string bad : {"", "firecracker.sock", "/firecracker.sock", "/var/lib/x/"}) {
    std::string dir = "unchanged";
    const Status s = vm_dir_from_info("vm1", info_with_socket(bad), &dir);
    EXPECT_EQ(s.code(), Code::failed_precondition) << bad;
    EXPECT_EQ(s.message(), "VM vm1 reports no VM directory (GetVMInfo SocketPath \"" + bad +
                               "\"; want <VM dir>/firecracker.sock)");
    EXPECT_EQ(dir, "unchanged");
  }
}

TEST(VmDirFromInfo, APayloadThatIsNoGetVMInfoResponseIsInternal) {
  std::string dir;
  const Status s = vm_dir_from_info("vm1", std::string("\xff\xff\xff", 3), &dir);
  EXPECT_EQ(s.code(), Code::internal);
  EXPECT_EQ(s.message(), "GetVMInfo of VM vm1: the reply is not a GetVMInfoResponse");
}

TEST(Proc, CpuSecondsOfALiveProcessIsKnown) {
  EXPECT_GE(cpu_seconds(::getpid()), 0);
}

TEST(Proc, CpuSecondsOfNoProcessIsUnknown) {
  EXPECT_EQ(cpu_seconds(0), -1);  // /proc/0 does not exist
}

TEST(Proc, LoadAverageHasThreeFields) {
  const std::string load = load_average();
  EXPECT_EQ(std::count(load.begin(), load.end(), ' '), 2) << load;
}

}  // namespace
}  // namespace ember::bench
