// spawn_in_netns: the spawn runs in the named network namespace and the
// calling thread is back in its own right after; a path that cannot be
// entered fails by name and the spawn is not run.
#include "shim/vmm/netns.hpp"

#include <sys/stat.h>
#include <unistd.h>

#include <gtest/gtest.h>

#include <string>

namespace ember::shim {
namespace {

ino_t inode(const std::string& path) {
  struct stat st;
  return ::stat(path.c_str(), &st) == 0 ? st.st_ino : 0;
}

TEST(NetnsTest, NoPathRunsTheSpawnWhereWeAre) {
  bool ran = false;
  EXPECT_TRUE(spawn_in_netns("", [&] {
                ran = true;
                return Status::Ok();
              }).ok());
  EXPECT_TRUE(ran);
}

TEST(NetnsTest, TheSpawnRunsInTheNamespaceAndItsStatusIsReturned) {
  if (::geteuid() != 0) GTEST_SKIP() << "setns needs CAP_SYS_ADMIN";
  const ino_t home = inode("/proc/thread-self/ns/net");
  // Our own namespace by another path: entering it is allowed and observable.
  const std::string path = "/proc/" + std::to_string(::getpid()) + "/ns/net";
  ino_t during = 0;
  Status s = spawn_in_netns(path, [&] {
    during = inode("/proc/thread-self/ns/net");
    return Status::NotFound("from the spawn");
  });
  EXPECT_EQ(s.message(), "from the spawn");
  EXPECT_EQ(during, inode(path));
  EXPECT_EQ(inode("/proc/thread-self/ns/net"), home);
}

TEST(NetnsTest, APathThatIsNoNetworkNamespaceFailsByNameWithoutSpawning) {
  bool ran = false;
  auto spawn = [&] {
    ran = true;
    return Status::Ok();
  };
  Status missing = spawn_in_netns("/nonexistent/netns", spawn);
  EXPECT_EQ(missing.code(), Code::not_found);
  EXPECT_NE(missing.message().find("JailerConfig.NetNS /nonexistent/netns"), std::string::npos)
      << missing.ToString();
  if (::geteuid() == 0) {
    Status other = spawn_in_netns("/proc/self/ns/uts", spawn);
    EXPECT_EQ(other.code(), Code::invalid_argument) << other.ToString();
    EXPECT_EQ(other.message(), "JailerConfig.NetNS /proc/self/ns/uts is not a network namespace");
  }
  EXPECT_FALSE(ran);
}

}  // namespace
}  // namespace ember::shim
