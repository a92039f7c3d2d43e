#include <gtest/gtest.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>

#include "config/config.hpp"

namespace ember::config {
namespace {

class LoadFileTest : public ::testing::Test {
 protected:
  void SetUp() override {
    char tmpl[] = "/tmp/ember-config-test-XXXXXX";
    ASSERT_NE(::mkdtemp(tmpl), nullptr);
    dir_ = tmpl;
  }
  void TearDown() override { std::filesystem::remove_all(dir_); }

  std::string write(const std::string& text, const std::string& name = "ember.yaml") {
    std::string path = dir_ + "/" + name;
    std::ofstream(path) << text;
    return path;
  }
  // Loads text over the root defaults; the file's path in messages is `file_`.
  Status load(const std::string& text) {
    file_ = write(text);
    config_ = defaults_for(0, nullptr);
    return load_file(file_, &config_);
  }

  std::string dir_;
  std::string file_;
  Config config_;
};

TEST_F(LoadFileTest, EveryKeyIsRead) {
  ASSERT_TRUE(load(R"(socket: /s/ember.sock
state_dir: /s/state
shim_base_dir: /s/vm
containerd_address: /c/containerd.sock
shim_binary: /opt/ember/ember-shim
stop_vms_on_exit: true
vmm:
  backend: firecracker
  qemu_binary: /usr/bin/qemu
  firecracker_binary: /usr/bin/firecracker
vm:
  kernel_image: /img/vmlinux
  kernel_args: console=ttyS0
  root_drive: /img/rootfs.ext4
  vcpus: 2
  memory_mib: 512
  boot_timeout_seconds: 7
limits:
  max_vms: 10
  max_concurrent_creates: 3
  connection:
    max_in_flight: 8
    max_queued_reply_bytes: 65536
    max_request_bytes: 2048
    requests_per_turn: 8
    share_in_flight: false
  max_buffered_request_bytes: 1048576
timeouts:
  create_vm_seconds: 30
  stop_vm_seconds: 7
  call_wait_seconds: 9
  call_seconds: 11
log:
  level: debug
  format: json
journal:
  path: /var/log/ember/journal
  max_bytes: 1099511627776
  max_files: 9
metrics:
  listen: "[::1]:9464"
tombstones:
  dir: /var/lib/ember/tombstones
  max_per_namespace: 5
  max_bytes: 65536
  console_tail_bytes: 100
)")
                  .ok());
  EXPECT_EQ(config_.source, file_);
  EXPECT_EQ(config_.socket, "/s/ember.sock");
  EXPECT_EQ(config_.state_dir, "/s/state");
  EXPECT_EQ(config_.shim_base_dir, "/s/vm");
  EXPECT_EQ(config_.containerd_address, "/c/containerd.sock");
  EXPECT_EQ(config_.shim_binary, "/opt/ember/ember-shim");
  EXPECT_TRUE(config_.stop_vms_on_exit);
  EXPECT_EQ(config_.vmm.backend, Backend::firecracker);
  EXPECT_EQ(config_.vmm.qemu_binary, "/usr/bin/qemu");
  EXPECT_EQ(config_.vmm.firecracker_binary, "/usr/bin/firecracker");
  EXPECT_EQ(config_.vm.kernel_image, "/img/vmlinux");
  EXPECT_EQ(config_.vm.kernel_args, "console=ttyS0");
  EXPECT_EQ(config_.vm.root_drive, "/img/rootfs.ext4");
  EXPECT_EQ(config_.vm.vcpus, 2u);
  EXPECT_EQ(config_.vm.memory_mib, 512u);
  EXPECT_EQ(config_.vm.boot_timeout_seconds, 7u);
  EXPECT_EQ(config_.limits.max_vms, 10u);
  EXPECT_EQ(config_.limits.max_concurrent_creates, 3u);
  EXPECT_EQ(config_.limits.connection.max_in_flight, 8u);
  EXPECT_EQ(config_.limits.connection.max_queued_reply_bytes, 65536u);
  EXPECT_EQ(config_.limits.connection.max_request_bytes, 2048u);
  EXPECT_EQ(config_.limits.connection.requests_per_turn, 8u);
  EXPECT_FALSE(config_.limits.connection.share_in_flight);
  EXPECT_EQ(config_.limits.max_buffered_request_bytes, 1048576u);
  EXPECT_EQ(config_.timeouts.create_vm_seconds, 30u);
  EXPECT_EQ(config_.timeouts.stop_vm_seconds, 7u);
  EXPECT_EQ(config_.timeouts.call_wait_seconds, 9u);
  EXPECT_EQ(config_.timeouts.call_seconds, 11u);
  EXPECT_EQ(config_.log.level, "debug");
  EXPECT_EQ(config_.log.format, LogFormat::json);
  EXPECT_EQ(config_.journal.path, "/var/log/ember/journal");
  EXPECT_EQ(config_.journal.max_bytes, uint64_t{1} << 40);
  EXPECT_EQ(config_.journal.max_files, 9u);
  EXPECT_EQ(config_.metrics.listen, "[::1]:9464");
  EXPECT_EQ(config_.tombstones.dir, "/var/lib/ember/tombstones");
  EXPECT_EQ(config_.tombstones.max_per_namespace, 5u);
  EXPECT_EQ(config_.tombstones.max_bytes, 65536u);
  EXPECT_EQ(config_.tombstones.console_tail_bytes, 100u);
}

TEST_F(LoadFileTest, MetricsAreOffByDefaultAndTakeASocketOrALoopbackPort) {
  ASSERT_TRUE(load("log:\n  level: warn\n").ok());
  EXPECT_EQ(config_.metrics.listen, "");
  ASSERT_TRUE(load("metrics:\n  listen: /run/ember/metrics.sock\n").ok());
  EXPECT_EQ(config_.metrics.listen, "/run/ember/metrics.sock");
  ASSERT_TRUE(load("metrics:\n  listen: 127.0.0.1:9464\n").ok());
  EXPECT_EQ(config_.metrics.listen, "127.0.0.1:9464");
}

TEST_F(LoadFileTest, TombstonesLiveBesideTheStateDirByDefault) {
  ASSERT_TRUE(load("state_dir: /run/x/s\n").ok());
  EXPECT_EQ(tombstone_dir(config_), "/run/x/tombstones");
  EXPECT_EQ(config_.tombstones.max_per_namespace, 32u);
  EXPECT_EQ(config_.tombstones.max_bytes, uint64_t{16} << 20);
  EXPECT_EQ(config_.tombstones.console_tail_bytes, 16u << 10);
}

TEST_F(LoadFileTest, TheJournalIsOffByDefault) {
  ASSERT_TRUE(load("journal:\n  max_files: 2\n").ok());
  EXPECT_EQ(config_.journal.path, "");
  EXPECT_EQ(config_.journal.max_bytes, uint64_t{64} << 20);
  EXPECT_EQ(config_.journal.max_files, 2u);
}

TEST_F(LoadFileTest, KeysNotInTheFileKeepTheirDefaults) {
  ASSERT_TRUE(load("vm:\n  vcpus: 4\n").ok());
  EXPECT_EQ(config_.vm.vcpus, 4u);
  EXPECT_EQ(config_.vm.memory_mib, 128u);
  EXPECT_EQ(config_.socket, "/run/ember/ember.sock");
}

TEST_F(LoadFileTest, EmptyOrCommentOnlyFileGivesTheDefaults) {
  for (const char* text : {"", "# nothing set\n", "---\n"}) {
    ASSERT_TRUE(load(text).ok()) << text;
    Config expected = defaults_for(0, nullptr);
    EXPECT_EQ(config_.socket, expected.socket);
    EXPECT_EQ(config_.vm.vcpus, expected.vm.vcpus);
    EXPECT_EQ(config_.source, file_);
  }
}

TEST_F(LoadFileTest, MissingFileIsNotFoundNamingIt) {
  Config c;
  Status s = load_file(dir_ + "/absent.yaml", &c);
  EXPECT_EQ(s.code(), Code::not_found);
  EXPECT_EQ(s.message(), dir_ + "/absent.yaml: No such file or directory");
}

TEST_F(LoadFileTest, DirectoryIsNotAConfigFile) {
  Config c;
  Status s = load_file(dir_, &c);
  EXPECT_EQ(s.code(), Code::invalid_argument);
  EXPECT_EQ(s.message(), dir_ + ": not a regular file");
}

TEST_F(LoadFileTest, UnreadableFileIsPermissionDenied) {
  std::string path = write("vm: {}\n");
  ASSERT_EQ(::chmod(path.c_str(), 0), 0);
  auto denied = [&path] {
    Config c;
    Status s = load_file(path, &c);
    return s.code() == Code::permission_denied && s.message() == path + ": Permission denied";
  };
  if (::geteuid() != 0) {
    EXPECT_TRUE(denied());
    return;
  }
  // Root reads any file: try as user "nobody" in a child process.
  pid_t pid = ::fork();
  ASSERT_GE(pid, 0);
  if (pid == 0) ::_exit(::setresuid(65534, 65534, 65534) == 0 && denied() ? 0 : 1);
  int status = 0;
  ASSERT_EQ(::waitpid(pid, &status, 0), pid);
  EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0) << status;
}

TEST_F(LoadFileTest, SyntaxErrorNamesFileAndLine) {
  Status s = load("vm:\n  vcpus: 2\nlimits: {max_vms: 3\n");
  EXPECT_EQ(s.code(), Code::invalid_argument);
  EXPECT_EQ(s.message().rfind(file_ + ":4: YAML syntax error: ", 0), 0u) << s.message();
}

TEST_F(LoadFileTest, BadFileLeavesTheConfigUnchanged) {
  Status s = load("socket: /new.sock\nvm:\n  vcpus: 0\n");
  EXPECT_FALSE(s.ok());
  EXPECT_EQ(config_.socket, "/run/ember/ember.sock");
  EXPECT_EQ(config_.source, "");
}

struct BadCase {
  const char* yaml;
  const char* message;  // after "<file>:"
};

class LoadFileBadValueTest : public LoadFileTest, public ::testing::WithParamInterface<BadCase> {};

TEST_P(LoadFileBadValueTest, IsInvalidArgumentWithLineAndKey) {
  Status s = load(GetParam().yaml);
  EXPECT_EQ(s.code(), Code::invalid_argument);
  EXPECT_EQ(s.message(), file_ + ":" + GetParam().message);
}

INSTANTIATE_TEST_SUITE_P(
    Cases, LoadFileBadValueTest,
    ::testing::Values(
        BadCase{"- socket\n", "1: top level: expected a mapping of keys, got a sequence"},
        BadCase{"just text\n", "1: top level: expected a mapping of keys, got \"just text\""},
        BadCase{"socket: /a\nsockett: /b\n",
                "2: sockett: unknown key (known: socket, state_dir, shim_base_dir, "
                "containerd_address, shim_binary, stop_vms_on_exit, vmm, vm, limits, timeouts, "
                "log, journal, metrics, tombstones, fleet)"},
        BadCase{"metrics:\n  listen: 0.0.0.0:9464\n",
                "2: metrics.listen: expected an absolute unix socket path, 127.0.0.1:PORT or "
                "[::1]:PORT (PORT 1-65535), got \"0.0.0.0:9464\""},
        BadCase{"metrics:\n  port: 9464\n", "2: metrics.port: unknown key (known: listen)"},
        BadCase{"vm:\n  cpus: 2\n",
                "2: vm.cpus: unknown key (known: kernel_image, kernel_args, root_drive, vcpus, "
                "memory_mib, boot_timeout_seconds)"},
        BadCase{"socket: /a\nsocket: /b\n", "2: socket: duplicate key (first set at line 1)"},
        BadCase{"[a]: 1\n", "1: top level: keys must be strings, got a sequence"},
        BadCase{"socket:\n  path: /a\n", "2: socket: expected a string, got a mapping"},
        BadCase{"socket: [/a]\n", "1: socket: expected a string, got a sequence"},
        BadCase{"socket:\nvm: {}\n", "1: socket: expected a string, got null"},
        BadCase{"state_dir: run/s\n", "1: state_dir: must be an absolute path, got \"run/s\""},
        BadCase{"shim_base_dir: \"\"\n", "1: shim_base_dir: must be an absolute path, got \"\""},
        BadCase{"containerd_address: c.sock\n",
                "1: containerd_address: must be an absolute path, got \"c.sock\""},
        BadCase{"shim_binary: ./ember-shim\n",
                "1: shim_binary: must be an absolute path, got \"./ember-shim\""},
        BadCase{"vm:\n  kernel_image: vmlinux\n",
                "2: vm.kernel_image: must be an absolute path, got \"vmlinux\""},
        BadCase{"vm:\n  root_drive: rootfs\n",
                "2: vm.root_drive: must be an absolute path, got \"rootfs\""},
        BadCase{"vm:\n  vcpus: abc\n",
                "2: vm.vcpus: expected an integer between 1 and 32, got \"abc\""},
        BadCase{"vm:\n  vcpus: 1.5\n",
                "2: vm.vcpus: expected an integer between 1 and 32, got \"1.5\""},
        BadCase{"vm:\n  vcpus: -1\n", "2: vm.vcpus: must be between 1 and 32, got -1"},
        BadCase{"vm:\n  vcpus: 0\n", "2: vm.vcpus: must be between 1 and 32, got 0"},
        BadCase{"vm:\n  vcpus: 33\n", "2: vm.vcpus: must be between 1 and 32, got 33"},
        BadCase{"vm:\n  vcpus: \"2\"\n",
                "2: vm.vcpus: expected an integer, got the string \"2\" (remove the quotes)"},
        BadCase{"vm:\n  vcpus: {n: 2}\n", "2: vm.vcpus: expected an integer, got a mapping"},
        BadCase{"vm:\n  memory_mib: 0\n", "2: vm.memory_mib: must be between 1 and 1048576, got 0"},
        BadCase{"vm:\n  memory_mib: 99999999999999999999999\n",
                "2: vm.memory_mib: must be between 1 and 1048576, got 99999999999999999999999"},
        BadCase{"limits:\n  max_vms: 0\n",
                "2: limits.max_vms: must be between 1 and 1000000, got 0"},
        BadCase{"limits:\n  max_concurrent_creates: 1000001\n",
                "2: limits.max_concurrent_creates: must be between 1 and 1000000, got 1000001"},
        BadCase{"limits:\n  connection:\n    max_request_bytes: 4194305\n",
                "3: limits.connection.max_request_bytes: must be between 1024 and 4194304, got "
                "4194305"},
        BadCase{"limits:\n  connection:\n    max_in_flight: 0\n",
                "3: limits.connection.max_in_flight: must be between 1 and 1000000, got 0"},
        BadCase{"timeouts:\n  create_vm_seconds: 0\n",
                "2: timeouts.create_vm_seconds: must be between 1 and 86400, got 0"},
        BadCase{"timeouts:\n  stop_vm_seconds: 86401\n",
                "2: timeouts.stop_vm_seconds: must be between 1 and 86400, got 86401"},
        BadCase{"timeouts:\n  call_wait_seconds: x\n",
                "2: timeouts.call_wait_seconds: expected an integer between 1 and 86400, got "
                "\"x\""},
        BadCase{"stop_vms_on_exit: yes\n",
                "1: stop_vms_on_exit: expected true or false, got \"yes\""},
        BadCase{"stop_vms_on_exit: \"true\"\n",
                "1: stop_vms_on_exit: expected true or false, got \"true\""},
        BadCase{"vmm:\n  backend: kvm\n",
                "2: vmm.backend: \"kvm\" is not one of qemu, firecracker, hollow"},
        BadCase{"vmm:\n  qemu_binary: [a]\n",
                "2: vmm.qemu_binary: expected a string, got a sequence"},
        BadCase{"log:\n  level: verbose\n",
                "2: log.level: \"verbose\" is not one of trace, debug, info, warn, error, "
                "critical, off"},
        BadCase{"log:\n  format: xml\n", "2: log.format: \"xml\" is not one of text, json"},
        BadCase{"vm: 3\n", "1: vm: expected a mapping, got \"3\""},
        BadCase{"journal:\n  path: journal.bin\n",
                "2: journal.path: must be an absolute path, got \"journal.bin\""},
        BadCase{"journal:\n  max_bytes: 1000\n",
                "2: journal.max_bytes: must be between 65536 and 1099511627776, got 1000"},
        BadCase{"journal:\n  max_bytes: 1099511627777\n",
                "2: journal.max_bytes: must be between 65536 and 1099511627776, got "
                "1099511627777"},
        BadCase{"journal:\n  max_bytes: 64MiB\n",
                "2: journal.max_bytes: expected an integer between 65536 and 1099511627776, got "
                "\"64MiB\""},
        BadCase{"journal:\n  max_files: 0\n",
                "2: journal.max_files: must be between 1 and 1000, got 0"},
        BadCase{"journal:\n  size: 3\n",
                "2: journal.size: unknown key (known: path, max_bytes, max_files)"},
        BadCase{"journal: /var/log/j\n", "1: journal: expected a mapping, got \"/var/log/j\""},
        BadCase{"# header\nlimits:\n", "2: limits: expected a mapping, got null"}));

// The example in docs/config.md is a complete, valid file.
TEST_F(LoadFileTest, DocumentedExampleLoads) {
  std::ifstream doc(EMBER_CONFIG_DOC);
  ASSERT_TRUE(doc) << EMBER_CONFIG_DOC;
  std::stringstream all;
  all << doc.rdbuf();
  std::string text = all.str();
  size_t begin = text.find("```yaml\n");
  ASSERT_NE(begin, std::string::npos);
  begin += 8;
  size_t end = text.find("```", begin);
  ASSERT_NE(end, std::string::npos);
  Status s = load(text.substr(begin, end - begin));
  EXPECT_TRUE(s.ok()) << s.ToString();
}

}  // namespace
}  // namespace ember::config

namespace ember::config {
namespace {

TEST_F(LoadFileTest, SourceIsAbsoluteEvenForARelativePath) {
  std::string file = write("log:\n  level: warn\n");
  char cwd[4096];
  ASSERT_NE(::getcwd(cwd, sizeof cwd), nullptr);
  ASSERT_EQ(::chdir(dir_.c_str()), 0);
  Status s = load_file(file.substr(dir_.size() + 1), &config_);
  ASSERT_EQ(::chdir(cwd), 0);
  ASSERT_TRUE(s.ok()) << s.ToString();
  EXPECT_EQ(config_.source, file);
}

}  // namespace
}  // namespace ember::config
