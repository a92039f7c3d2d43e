// emberd's start-up checks (cmd/emberd/startup_checks.hpp): a VMM binary or a
// guest kernel it could not use stops emberd at start with exit code 2 and a
// message naming the config key and the file, before it serves anything.
#include "cmd/emberd/startup_checks.hpp"

#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <fstream>

#include "tests/cmd/emberd/run_emberd.hpp"
#include "tests/support/temp_tree.hpp"

namespace ember::emberdtest {
namespace {

class StartupChecksTest : public ::testing::Test {
 protected:
  StartupChecksTest() {
    write(tree_ / "vmlinux", "kernel\n", 0644);
    write(tree_ / "qemu", "#!/bin/sh\nexit 0\n", 0755);
  }

  static void write(const std::string& path, const std::string& text, mode_t mode) {
    std::ofstream(path) << text;
    ::chmod(path.c_str(), mode);
  }

  // emberd run with the given vmm and vm sections, everything else private.
  EmberdRun run_with(const std::string& sections, const std::string& shim = EMBER_SHIM_PATH) {
    const std::string config = tree_ / "ember.yaml";
    std::ofstream(config) << "socket: " << tree_ / "ember.sock"
                          << "\nstate_dir: " << tree_ / "s"
                          << "\nshim_base_dir: " << tree_ / "vm"
                          << "\nshim_binary: " << shim << "\n"
                          << sections;
    return run_emberd(tree_.path(), {"--config", config});
  }

  std::string qemu_sections(const std::string& qemu, const std::string& kernel) {
    return "vmm:\n  backend: qemu\n  qemu_binary: " + qemu + "\nvm:\n  kernel_image: " + kernel +
           "\n";
  }

  // Exited 2 before serving, with needle in its log.
  static void expect_refused(const EmberdRun& r, const std::string& needle) {
    ASSERT_TRUE(r.exited) << "emberd served:\n" << r.err;
    EXPECT_EQ(r.exit_code, 2) << r.err;
    EXPECT_NE(r.err.find(needle), std::string::npos) << r.err;
  }

  testsupport::TempTree tree_;
};

TEST_F(StartupChecksTest, MissingKernelImageStopsEmberdAtStart) {
  const std::string kernel = tree_ / "no-such-vmlinux";
  EmberdRun r = run_with(qemu_sections(tree_ / "qemu", kernel));
  expect_refused(r, "vm.kernel_image " + kernel + ": No such file or directory");
  EXPECT_NE(r.err.find("build-guest.sh"), std::string::npos) << r.err;
  EXPECT_NE(r.err.find("config " + tree_ / "ember.yaml"), std::string::npos) << r.err;
  EXPECT_FALSE(::access((tree_ / "ember.sock").c_str(), F_OK) == 0) << "socket left behind";
}

TEST_F(StartupChecksTest, KernelImageThatIsADirectoryStopsEmberdAtStart) {
  EmberdRun r = run_with(qemu_sections(tree_ / "qemu", tree_.path()));
  expect_refused(r, "vm.kernel_image " + tree_.path() + ": not a regular file");
}

TEST_F(StartupChecksTest, UnreadableInitrdBesideTheKernelStopsEmberdAtStart) {
  ::mkdir((tree_ / "initrd.gz").c_str(), 0755);
  EmberdRun r = run_with(qemu_sections(tree_ / "qemu", tree_ / "vmlinux"));
  expect_refused(r,
                 "initrd " + tree_ / "initrd.gz" + " beside vm.kernel_image: not a regular file");
}

TEST_F(StartupChecksTest, QemuBinaryNotInPathStopsEmberdAtStart) {
  EmberdRun r = run_with(qemu_sections("no-such-qemu-system", tree_ / "vmlinux"));
  expect_refused(r, "vmm.qemu_binary: no-such-qemu-system not found in PATH");
  EXPECT_NE(r.err.find("install qemu-system-x86"), std::string::npos) << r.err;
}

TEST_F(StartupChecksTest, QemuBinaryNotExecutableStopsEmberdAtStart) {
  write(tree_ / "qemu", "#!/bin/sh\n", 0644);
  EmberdRun r = run_with(qemu_sections(tree_ / "qemu", tree_ / "vmlinux"));
  // No x bit at all: refused even to root, whom access(X_OK) lets execute
  // a file with any one x bit.
  expect_refused(r, "vmm.qemu_binary: " + tree_ / "qemu" + ": not executable");
}

TEST_F(StartupChecksTest, FirecrackerBackendWithoutItsShimHelperStopsEmberdAtStart) {
  ::mkdir((tree_ / "bin").c_str(), 0755);
  ASSERT_EQ(::symlink(EMBER_SHIM_PATH, (tree_ / "bin/ember-shim").c_str()), 0);
  EmberdRun r = run_with("vmm:\n  backend: firecracker\n  firecracker_binary: " + tree_ / "qemu" +
                             "\nvm:\n  kernel_image: " + tree_ / "vmlinux" + "\n",
                         tree_ / "bin/ember-shim");
  expect_refused(r, "the firecracker backend needs " + tree_ / "bin/ember-shim-firecracker");
}

TEST_F(StartupChecksTest, ShimBinaryNotExecutableStopsEmberdAtStart) {
  write(tree_ / "shim", "not a program\n", 0644);
  EmberdRun r = run_with("vmm:\n  backend: hollow\n", tree_ / "shim");
  expect_refused(r, "shim binary " + tree_ / "shim" + ": not executable");
}

TEST_F(StartupChecksTest, UsableQemuAndKernelPass) {
  config::Config cfg;
  cfg.shim_binary = EMBER_SHIM_PATH;
  cfg.vmm.backend = config::Backend::qemu;
  cfg.vmm.qemu_binary = tree_ / "qemu";
  cfg.vm.kernel_image = tree_ / "vmlinux";
  EXPECT_TRUE(check_startup(cfg).ok()) << check_startup(cfg).ToString();
  cfg.vm.kernel_image.clear();  // every CreateVM names its kernel then
  EXPECT_TRUE(check_startup(cfg).ok()) << check_startup(cfg).ToString();
}

TEST_F(StartupChecksTest, HollowBackendNeedsNoVmmNorKernel) {
  config::Config cfg;
  cfg.shim_binary = EMBER_SHIM_PATH;
  cfg.vmm.backend = config::Backend::hollow;
  cfg.vmm.qemu_binary = "no-such-qemu-system";
  cfg.vm.kernel_image = tree_ / "no-such-vmlinux";
  EXPECT_TRUE(check_startup(cfg).ok()) << check_startup(cfg).ToString();
}

TEST_F(StartupChecksTest, UnreadableFleetTlsFileStopsEmberdAtStart) {
  write(tree_ / "ca.pem", "ca\n", 0644);
  write(tree_ / "m1.pem", "cert\n", 0644);
  EmberdRun r = run_with(
      "vmm:\n  backend: hollow\nfleet:\n  role: member\n  name: m1\n"
      "  listen: 127.0.0.1:7100\n  tls: {ca: " +
      tree_ / "ca.pem" + ", cert: " + tree_ / "m1.pem" + ", key: " + tree_ / "m1.key" + "}\n");
  expect_refused(r, "fleet.tls.key " + tree_ / "m1.key" + ": No such file or directory");
}

TEST_F(StartupChecksTest, FrontNeedsNoShimNorVmmButItsTlsFiles) {
  config::Config cfg;
  cfg.shim_binary = tree_ / "no-such-shim";
  cfg.vmm.backend = config::Backend::qemu;
  cfg.vmm.qemu_binary = "no-such-qemu-system";
  cfg.fleet.role = config::FleetRole::front;
  cfg.fleet.tls = {tree_ / "vmlinux", tree_ / "vmlinux", tree_ / "vmlinux"};
  EXPECT_TRUE(check_startup(cfg).ok()) << check_startup(cfg).ToString();
  cfg.fleet.tls.ca = tree_ / "no-ca.pem";
  EXPECT_EQ(check_startup(cfg).message(),
            "fleet.tls.ca " + tree_ / "no-ca.pem" + ": No such file or directory");
}

TEST_F(StartupChecksTest, FindExecutableTakesTheFirstExecutableMatchInPath) {
  ::mkdir((tree_ / "a").c_str(), 0755);
  ::mkdir((tree_ / "b").c_str(), 0755);
  write(tree_ / "a/tool", "#!/bin/sh\n", 0644);  // not executable: skipped
  write(tree_ / "b/tool", "#!/bin/sh\n", 0755);
  std::string found;
  ASSERT_TRUE(find_executable("tool", tree_ / "a" + ":" + tree_ / "b", &found).ok());
  EXPECT_EQ(found, tree_ / "b/tool");
  Status s = find_executable("tool", tree_ / "a", &found);
  EXPECT_EQ(s.code(), Code::not_found) << s.ToString();
}

}  // namespace
}  // namespace ember::emberdtest
