// The firecracker backend's checks before a VM exists (KVM device, binary),
// its factory, and the files it keeps in the VM directory.
#include "shim/vmm/firecracker/firecracker_preflight.hpp"

#include <gtest/gtest.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

#include <fstream>

#include "config/config.hpp"
#include "io/event_loop.hpp"
#include "io/unix_socket.hpp"
#include "shim/vmm/firecracker/firecracker_vm_files.hpp"
#include "shim/vmm/firecracker/firecracker_vmm.hpp"
#include "shimproc/vm_dir.hpp"
#include "tests/shim/vmm/firecracker/firecracker_test_support.hpp"

namespace ember::shim::firecracker {
namespace {

// Sets an environment variable for one test.
class ScopedEnv {
 public:
  ScopedEnv(const char* name, const std::string& value) : name_(name) {
    if (const char* old = ::getenv(name)) old_ = old;
    ::setenv(name, value.c_str(), 1);
  }
  ~ScopedEnv() {
    if (old_.empty()) {
      ::unsetenv(name_);
    } else {
      ::setenv(name_, old_.c_str(), 1);
    }
  }

 private:
  const char* name_;
  std::string old_;
};

bool starts_with(const std::string& s, const std::string& prefix) {
  return s.compare(0, prefix.size(), prefix) == 0;
}

TEST(FirecrackerPreflightTest, AMissingKvmDeviceIsAFailedPrecondition) {
  const Status s = check_kvm("/nonexistent/kvm");
  EXPECT_EQ(s.code(), Code::failed_precondition);
  EXPECT_EQ(s.message(),
            "firecracker backend needs /dev/kvm (/nonexistent/kvm: No such file or directory)");
}

TEST(FirecrackerPreflightTest, AKvmDeviceMustBeACharacterDevice) {
  fctest::FcTree tree;
  const Status s = check_kvm(tree.kernel());
  EXPECT_EQ(s.code(), Code::failed_precondition);
  EXPECT_TRUE(starts_with(s.message(), "firecracker backend needs /dev/kvm")) << s.message();
  EXPECT_TRUE(check_kvm("/dev/null").ok());
}

TEST(FirecrackerPreflightTest, TheKvmDeviceCanBeOverriddenForTestsOnly) {
  {
    ScopedEnv env(kTestKvmDeviceEnv, "/dev/null");
    EXPECT_EQ(kvm_device_path(), "/dev/null");
  }
  ScopedEnv empty(kTestKvmDeviceEnv, "");
  EXPECT_EQ(kvm_device_path(), "/dev/kvm");
}

TEST(FirecrackerPreflightTest, ResolvesAPathOrANameInPath) {
  fctest::FcTree tree;
  const std::string fake = tree.fake();
  std::string found;
  ASSERT_TRUE(resolve_binary(fake, &found).ok());
  EXPECT_EQ(found, fake);
  ScopedEnv path("PATH", "/nonexistent:" + tree.path());
  ASSERT_TRUE(resolve_binary("fc.sh", &found).ok());
  EXPECT_EQ(found, fake);
}

TEST(FirecrackerPreflightTest, AMissingBinaryIsNotFound) {
  std::string found;
  const Status s = resolve_binary("/nonexistent/firecracker", &found);
  EXPECT_EQ(s.code(), Code::not_found);
  EXPECT_EQ(s.message(),
            "firecracker binary /nonexistent/firecracker: No such file or directory "
            "(vmm.firecracker_binary)");
  ScopedEnv path("PATH", "/nonexistent");
  const Status by_name = resolve_binary("firecracker", &found);
  EXPECT_EQ(by_name.code(), Code::not_found);
  EXPECT_EQ(by_name.message(),
            "firecracker binary firecracker not found in PATH (/nonexistent) "
            "(vmm.firecracker_binary)");
}

TEST(FirecrackerPreflightTest, ANonExecutableBinaryIsPermissionDenied) {
  fctest::FcTree tree;
  std::string found;
  EXPECT_EQ(resolve_binary(tree.kernel(), &found).code(), Code::permission_denied);
  EXPECT_EQ(resolve_binary(tree.path(), &found).code(), Code::permission_denied);
}

class FirecrackerFactoryTest : public ::testing::Test {
 protected:
  Status make(const std::string& binary) {
    config::Config cfg;
    cfg.vmm.backend = config::Backend::firecracker;
    cfg.vmm.firecracker_binary = binary;
    return make_firecracker_vmm(VmmContext{loop_, cfg, "vm1", tree_.vm_dir()}, &vmm_);
  }
  fctest::FcTree tree_;
  io::EventLoop loop_;
  std::unique_ptr<Vmm> vmm_;
};

TEST_F(FirecrackerFactoryTest, RefusesWithoutKvmBeforeLookingAtTheBinary) {
  ScopedEnv env(kTestKvmDeviceEnv, tree_.path() + "/no-kvm");
  const Status s = make("/nonexistent/firecracker");
  EXPECT_EQ(s.code(), Code::failed_precondition);
  EXPECT_TRUE(starts_with(s.message(), "firecracker backend needs /dev/kvm")) << s.message();
  EXPECT_EQ(vmm_, nullptr);
}

TEST_F(FirecrackerFactoryTest, RefusesAMissingBinary) {
  ScopedEnv env(kTestKvmDeviceEnv, "/dev/null");
  EXPECT_EQ(make("/nonexistent/firecracker").code(), Code::not_found);
  EXPECT_EQ(vmm_, nullptr);
  EXPECT_TRUE(tree_.vm_dir_entries().empty());
}

TEST_F(FirecrackerFactoryTest, MakesTheBackendWhenBothAreThere) {
  ScopedEnv env(kTestKvmDeviceEnv, "/dev/null");
  ASSERT_TRUE(make(tree_.fake()).ok());
  EXPECT_NE(dynamic_cast<FirecrackerVmm*>(vmm_.get()), nullptr);
}

TEST(FirecrackerVmFilesTest, NamesMatchTheVmDirectoryLayout) {
  fctest::FcTree tree;
  shimproc::VmDir dir;
  ASSERT_TRUE(shimproc::VmDir::create(tree.path() + "/base", "ns", "vm1", &dir).ok());
  FirecrackerVmFiles files(dir.path());
  EXPECT_EQ(files.api_socket_path(), dir.vmm_socket_path());
  EXPECT_EQ(files.log_fifo_path(), dir.vmm_log_fifo_path());
  EXPECT_EQ(files.metrics_fifo_path(), dir.metrics_fifo_path());
}

TEST(FirecrackerVmFilesTest, PrepareMakesPrivateFifosAndRemoveTakesThemAway) {
  fctest::FcTree tree;
  FirecrackerVmFiles files(tree.vm_dir());
  ASSERT_TRUE(files.prepare().ok());
  for (const auto& p : {files.log_fifo_path(), files.metrics_fifo_path()}) {
    struct stat st;
    ASSERT_EQ(::lstat(p.c_str(), &st), 0) << p;
    EXPECT_TRUE(S_ISFIFO(st.st_mode));
    EXPECT_EQ(st.st_mode & 0777, 0600u);
  }
  files.remove();
  EXPECT_TRUE(tree.vm_dir_entries().empty());
}

TEST(FirecrackerVmFilesTest, FifosMadeBySomeoneElseStay) {
  fctest::FcTree tree;
  FirecrackerVmFiles files(tree.vm_dir());
  ASSERT_EQ(::mkfifo(files.log_fifo_path().c_str(), 0600), 0);
  ASSERT_TRUE(files.prepare().ok());
  files.remove();
  EXPECT_EQ(tree.vm_dir_entries(), std::vector<std::string>{"fc-logs.fifo"});
}

TEST(FirecrackerVmFilesTest, SomethingElseInTheWayIsRefusedAndNothingIsLeft) {
  fctest::FcTree tree;
  FirecrackerVmFiles files(tree.vm_dir());
  std::ofstream(files.metrics_fifo_path()) << "file";
  const Status s = files.prepare();
  EXPECT_EQ(s.code(), Code::failed_precondition);
  EXPECT_EQ(s.message(), files.metrics_fifo_path() + " exists and is not a FIFO");
  EXPECT_EQ(tree.vm_dir_entries(), std::vector<std::string>{"fc-metrics.fifo"});
}

TEST(FirecrackerVmFilesTest, AStaleApiSocketIsRemoved) {
  fctest::FcTree tree;
  FirecrackerVmFiles files(tree.vm_dir());
  {
    io::BoundSocket stale;
    ASSERT_TRUE(io::bind_listener(files.api_socket_path(), &stale).ok());
    stale.release();  // closed, file left behind
  }
  ASSERT_TRUE(files.prepare().ok());
  struct stat st;
  EXPECT_NE(::lstat(files.api_socket_path().c_str(), &st), 0);
}

TEST(FirecrackerVmFilesTest, ALongSocketPathIsUsedRelativeToTheVmDirectory) {
  fctest::FcTree tree;
  const std::string deep = tree.vm_dir() + "/" + std::string(100, 'd');
  ASSERT_EQ(::mkdir(deep.c_str(), 0700), 0);
  FirecrackerVmFiles files(deep);
  std::string address;
  EXPECT_EQ(files.api_socket_address(&address).code(), Code::invalid_argument);
  char cwd[4096];
  ASSERT_NE(::getcwd(cwd, sizeof(cwd)), nullptr);
  ASSERT_EQ(::chdir(deep.c_str()), 0);
  const Status s = files.api_socket_address(&address);
  ASSERT_EQ(::chdir(cwd), 0);
  ASSERT_TRUE(s.ok()) << s.ToString();
  EXPECT_EQ(address, "./firecracker.sock");
}

}  // namespace
}  // namespace ember::shim::firecracker
