// The QEMU command line built for a VmSpec: the arguments the notes require,
// the guest's kernel command line, file checks and option escaping.
#include "shim/vmm/qemu/qemu_command.hpp"

#include <sys/stat.h>
#include <unistd.h>

#include <gtest/gtest.h>

#include <algorithm>
#include <cstdlib>
#include <fstream>
#include <string>
#include <vector>

#include "tests/support/temp_tree.hpp"

namespace ember::shimtest {
namespace {

using shim::VmSpec;
using shim::qemu::QemuHost;

// The value following `option` in args ("" when absent); nth occurrence.
std::string after(const std::vector<std::string>& args, const std::string& option, int nth = 0) {
  for (size_t i = 0; i + 1 < args.size(); ++i) {
    if (args[i] == option && nth-- == 0) return args[i + 1];
  }
  return "";
}

bool has(const std::vector<std::string>& args, const std::string& word) {
  return std::find(args.begin(), args.end(), word) != args.end();
}

class QemuCommandTest : public ::testing::Test {
 protected:
  void SetUp() override {
    kernel_ = touch("vmlinuz");
    spec_.vm_id = "vm1";
    spec_.vcpus = 2;
    spec_.memory_mib = 256;
    spec_.kernel_image = kernel_;
    spec_.kernel_args = "console=ttyS0 panic=-1 quiet";
  }
  std::string touch(const std::string& name) {
    const std::string path = tree_.path() + "/" + name;
    std::ofstream(path) << "x";
    return path;
  }
  std::vector<std::string> args() {
    std::vector<std::string> out;
    Status s = shim::qemu::qemu_arguments(spec_, host_, &out);
    EXPECT_TRUE(s.ok()) << s.ToString();
    return out;
  }

  TempTree tree_;
  std::string kernel_;
  VmSpec spec_;
  QemuHost host_{false, "", 2096000};
};

TEST_F(QemuCommandTest, TcgMicrovmWithTheSpecsCpusAndMemory) {
  auto a = args();
  EXPECT_EQ(after(a, "-M"), "microvm");
  EXPECT_EQ(after(a, "-accel"), "tcg,tb-size=32");
  EXPECT_EQ(after(a, "-cpu"), "qemu64,+arat");
  EXPECT_EQ(after(a, "-m"), "256M");
  EXPECT_EQ(after(a, "-smp"), "2");
  EXPECT_EQ(after(a, "-kernel"), kernel_);
  EXPECT_EQ(after(a, "-name"), "vm1");
  for (const char* flag : {"-nodefaults", "-no-user-config", "-no-reboot"}) {
    EXPECT_TRUE(has(a, flag)) << flag;
  }
  EXPECT_EQ(after(a, "-display"), "none");
  EXPECT_EQ(after(a, "-fw_cfg"), "name=opt/org.ember/vm-id,string=vm1");
}

TEST_F(QemuCommandTest, KvmHostGetsKvmAndTheHostCpu) {
  host_.kvm = true;
  auto a = args();
  EXPECT_EQ(after(a, "-accel"), "kvm");
  EXPECT_EQ(after(a, "-cpu"), "host");
}

TEST_F(QemuCommandTest, ChannelsUseTheInheritedFds) {
  auto a = args();
  EXPECT_EQ(after(a, "-chardev", 0), "socket,id=qmp,fd=3,server=on,wait=off");
  EXPECT_EQ(after(a, "-mon"), "chardev=qmp,mode=control");
  EXPECT_EQ(after(a, "-chardev", 1), "socket,id=console,fd=5");
  EXPECT_EQ(after(a, "-serial"), "chardev:console");
  EXPECT_EQ(after(a, "-chardev", 2), "socket,id=agent,fd=4,server=on,wait=off");
  EXPECT_TRUE(has(a, "virtserialport,bus=vser0.0,chardev=agent,name=org.ember.agent.0"));
}

TEST_F(QemuCommandTest, InitrdBesideTheKernelIsUsedWhenPresent) {
  EXPECT_EQ(after(args(), "-initrd"), "");
  const std::string initrd = touch("initrd.gz");
  EXPECT_EQ(shim::qemu::initrd_beside(kernel_), initrd);
  EXPECT_EQ(after(args(), "-initrd"), initrd);
}

TEST_F(QemuCommandTest, DrivesAreVirtioBlockDevicesReadOnlyUnlessWritable) {
  spec_.root_drive = touch("root,ext4");  // a comma must be doubled
  spec_.drive_mounts = {{touch("data.img"), true}};
  auto a = args();
  EXPECT_EQ(after(a, "-drive", 0),
            "id=root,file=" + tree_.path() + "/root,,ext4,format=raw,if=none,readonly=on");
  EXPECT_TRUE(has(a, "virtio-blk-device,drive=root"));
  EXPECT_EQ(after(a, "-drive", 1),
            "id=drive0,file=" + tree_.path() + "/data.img,format=raw,if=none,readonly=off");
  EXPECT_TRUE(has(a, "virtio-blk-device,drive=drive0"));
}

TEST_F(QemuCommandTest, DriveCacheTypesAndRateLimitersBecomeDriveOptions) {
  spec_.root_drive = touch("root.img");
  spec_.root_drive_io.cache_type = "Unsafe";
  spec_.root_drive_io.rate_limiter =
      shim::RateLimiter{std::nullopt, shim::TokenBucket{50, 0, 1000}};
  spec_.drive_mounts.resize(1);
  spec_.drive_mounts[0].host_path = touch("data.img");
  spec_.drive_mounts[0].io.cache_type = "Writeback";
  auto a = args();
  EXPECT_EQ(after(a, "-drive", 0), "id=root,file=" + tree_.path() +
                                       "/root.img,format=raw,if=none,readonly=on,cache=unsafe,"
                                       "throttling.iops-total=50,throttling.iops-total-max=50");
  EXPECT_EQ(after(a, "-drive", 1), "id=drive0,file=" + tree_.path() +
                                       "/data.img,format=raw,if=none,readonly=on,cache=writeback");
  spec_.drive_mounts[0].io.rate_limiter =
      shim::RateLimiter{shim::TokenBucket{INT64_MAX, 0, 1}, std::nullopt};
  std::vector<std::string> out;
  const Status s = shim::qemu::qemu_arguments(spec_, host_, &out);
  EXPECT_EQ(s.code(), Code::invalid_argument);
  EXPECT_EQ(s.message().rfind("DriveMounts[0].RateLimiter.Bandwidth ", 0), 0u) << s.message();
}

TEST_F(QemuCommandTest, ARootPartuuidBecomesTheKernelsRootUnlessRootIsSet) {
  spec_.root_drive = touch("root.img");
  spec_.root_drive_partuuid = "0eaa91a0-01";
  EXPECT_EQ(after(args(), "-append"),
            "console=ttyS0 panic=-1 quiet root=PARTUUID=0eaa91a0-01 tsc_early_khz=2096000 "
            "tsc=reliable cryptomgr.notests");
  EXPECT_EQ(shim::qemu::guest_kernel_args("root=/dev/vda -- x", host_, "0eaa91a0-01"),
            "root=/dev/vda console=ttyS0 panic=-1 tsc_early_khz=2096000 tsc=reliable "
            "cryptomgr.notests -- x");
}

TEST_F(QemuCommandTest, BalloonDeviceOnlyWhenAskedWithDeflateOnOomAsRequested) {
  spec_.balloon = shim::BalloonDevice{0, true, 1};
  EXPECT_TRUE(
      has(args(), "virtio-balloon-device,id=balloon0,deflate-on-oom=on,free-page-reporting=on"));
  spec_.balloon->deflate_on_oom = false;
  EXPECT_TRUE(
      has(args(), "virtio-balloon-device,id=balloon0,deflate-on-oom=off,free-page-reporting=on"));
}

TEST_F(QemuCommandTest, NoBalloonDeviceWithoutABalloon) {
  for (const auto& a : args())
    EXPECT_EQ(a.find("virtio-balloon"), std::string::npos) << a;
}

TEST_F(QemuCommandTest, EachNetworkInterfaceIsAVirtioNetDeviceOnItsTap) {
  spec_.network_interfaces = {{"tap0", "06:00:0a:00:00:02", false, {}, {}},
                              {"tap,1", "", false, {}, {}}};
  auto a = args();
  EXPECT_EQ(after(a, "-netdev", 0), "tap,id=net0,ifname=tap0,script=no,downscript=no");
  EXPECT_TRUE(has(a, "virtio-net-device,netdev=net0,mac=06:00:0a:00:00:02"));
  EXPECT_EQ(after(a, "-netdev", 1), "tap,id=net1,ifname=tap,,1,script=no,downscript=no");
  EXPECT_TRUE(has(a, "virtio-net-device,netdev=net1"));
}

TEST_F(QemuCommandTest, AllowMmdsAddsARestrictedNetworkForwardingOnlyTheMmdsAddress) {
  spec_.network_interfaces = {{"tap0", "", true, {}, {}}};
  host_.socat = "/usr/bin/socat";
  auto a = args();
  EXPECT_EQ(after(a, "-netdev", 1),
            "user,id=mmds,restrict=on,ipv6=off,net=169.254.169.0/24,host=169.254.169.1,"
            "guestfwd=tcp:169.254.169.254:80-cmd:/usr/bin/socat STDIO UNIX-CONNECT:mmds.sock");
  EXPECT_TRUE(has(a, "virtio-net-device,netdev=mmds,mac=06:00:a9:fe:a9:fe"));
  host_.socat = "";
  std::vector<std::string> out;
  Status s = shim::qemu::qemu_arguments(spec_, host_, &out);
  EXPECT_EQ(s.code(), Code::failed_precondition);
  EXPECT_EQ(s.message(), "NetworkInterfaces AllowMMDS needs socat in PATH (apt-get install socat)");
}

TEST_F(QemuCommandTest, NoNetworkDeviceWithoutNetworkInterfaces) {
  for (const auto& a : args())
    EXPECT_EQ(a.find("virtio-net"), std::string::npos) << a;
}

TEST_F(QemuCommandTest, KernelArgsGetWhatTheGuestNeedsUnlessAlreadySet) {
  EXPECT_EQ(shim::qemu::guest_kernel_args("console=ttyS0 panic=-1 quiet", host_),
            "console=ttyS0 panic=-1 quiet tsc_early_khz=2096000 tsc=reliable cryptomgr.notests");
  EXPECT_EQ(shim::qemu::guest_kernel_args("panic=5 tsc=unstable", host_),
            "panic=5 tsc=unstable console=ttyS0 tsc_early_khz=2096000 cryptomgr.notests");
  EXPECT_EQ(shim::qemu::guest_kernel_args("quiet -- init-arg", QemuHost{false, "", 0}),
            "quiet console=ttyS0 panic=-1 tsc=reliable cryptomgr.notests -- init-arg");
  EXPECT_EQ(after(args(), "-append"),
            "console=ttyS0 panic=-1 quiet tsc_early_khz=2096000 tsc=reliable cryptomgr.notests");
}

TEST_F(QemuCommandTest, NoKernelAtAllIsAFailedPrecondition) {
  spec_.kernel_image.clear();
  std::vector<std::string> a;
  EXPECT_EQ(shim::qemu::qemu_arguments(spec_, host_, &a),
            Status::FailedPrecondition("no kernel image: the request has no KernelImagePath and "
                                       "vm.kernel_image is not set"));
}

TEST_F(QemuCommandTest, MissingFilesAreNotFoundNamingTheirRole) {
  std::vector<std::string> a;
  spec_.kernel_image = tree_.path() + "/nope";
  EXPECT_EQ(shim::qemu::qemu_arguments(spec_, host_, &a),
            Status::NotFound("kernel image " + spec_.kernel_image + ": No such file or directory"));
  spec_.kernel_image = kernel_;
  spec_.root_drive = tree_.path() + "/root.img";
  EXPECT_EQ(shim::qemu::qemu_arguments(spec_, host_, &a),
            Status::NotFound("root drive " + spec_.root_drive + ": No such file or directory"));
  spec_.root_drive.clear();
  spec_.drive_mounts = {{tree_.path() + "/d.img", false}};
  EXPECT_EQ(
      shim::qemu::qemu_arguments(spec_, host_, &a),
      Status::NotFound("drive mount 0 " + tree_.path() + "/d.img: No such file or directory"));
  EXPECT_TRUE(a.empty());
}

TEST_F(QemuCommandTest, KernelThatIsADirectoryIsInvalid) {
  spec_.kernel_image = tree_.path();
  std::vector<std::string> a;
  EXPECT_EQ(shim::qemu::qemu_arguments(spec_, host_, &a),
            Status::InvalidArgument("kernel image " + tree_.path() + " is not a regular file"));
}

TEST_F(QemuCommandTest, BinaryIsLookedUpInPathUnlessItHasASlash) {
  std::string path;
  const std::string fake = touch("fake-qemu");
  ASSERT_EQ(::chmod(fake.c_str(), 0755), 0);
  const char* old = std::getenv("PATH");
  const std::string saved = old != nullptr ? old : "";
  ::setenv("PATH", ("/nonexistent:" + tree_.path()).c_str(), 1);
  Status found = shim::qemu::resolve_qemu_binary("fake-qemu", &path);
  Status missing = shim::qemu::resolve_qemu_binary("no-such-qemu", &path);
  ::setenv("PATH", saved.c_str(), 1);
  EXPECT_TRUE(found.ok()) << found.ToString();
  EXPECT_EQ(path, fake);
  EXPECT_EQ(missing, Status::FailedPrecondition(
                         "qemu binary no-such-qemu not found in PATH (install qemu-system-x86)"));
  EXPECT_TRUE(shim::qemu::resolve_qemu_binary(fake, &path).ok());
  EXPECT_EQ(shim::qemu::resolve_qemu_binary(kernel_, &path),
            Status::FailedPrecondition("qemu binary " + kernel_ + " is missing or not executable"));
}

TEST_F(QemuCommandTest, HostProbeFindsTheTscRate) {
  const QemuHost host = shim::qemu::probe_qemu_host();
  EXPECT_GT(host.tsc_khz, 100000) << "cpu MHz in /proc/cpuinfo";
}

}  // namespace
}  // namespace ember::shimtest
