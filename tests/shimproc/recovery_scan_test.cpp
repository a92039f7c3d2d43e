// The recovery scan's decision for each VM directory, with real processes
// standing in for shims (sleep, in its own process group): adopt a live shim
// of a created VM (or of a directory from before the creation markers), kill
// the live shim of a VM still marked creating, remove the directory of a
// shim that is gone.
#include "shimproc/recovery_scan.hpp"

#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <fstream>
#include <string>

#include "base/files.hpp"
#include "config/config.hpp"
#include "shimproc/child_process.hpp"
#include "shimproc/shim_process.hpp"
#include "shimproc/shim_state.hpp"
#include "shimproc/vm_creation.hpp"
#include "tests/support/temp_tree.hpp"

namespace ember::shimproc {
namespace {

class RecoveryScanTest : public ::testing::Test {
 protected:
  void SetUp() override {
    cfg_.shim_base_dir = root_ / "vm";
    cfg_.state_dir = root_ / "s";
    ASSERT_EQ(::mkdir(cfg_.shim_base_dir.c_str(), 0700), 0);
    ASSERT_EQ(::mkdir(cfg_.state_dir.c_str(), 0700), 0);
  }

  // A VM directory for id with the given marker, and a state file naming
  // `shim` (or a pid that ran and is gone, when shim is null).
  std::string make_vm(const std::string& id, VmCreation marker, const ChildProcess* shim) {
    const std::string dir = cfg_.shim_base_dir + "/default#" + id;
    EXPECT_EQ(::mkdir(dir.c_str(), 0700), 0);
    if (marker != VmCreation::unmarked) {
      EXPECT_TRUE(mark_creating(dir).ok());
    }
    if (marker == VmCreation::created) {
      EXPECT_TRUE(mark_created(dir).ok());
    }
    ShimState state;
    state.pid = shim ? shim->pid() : gone_pid();
    state.start_time = shim ? process_start_time(state.pid) : 1;
    state.ns = "default";
    state.id = id;
    state.address = "/run/containerd/containerd.sock";
    state.shim_socket = cfg_.state_dir + "/" + std::string(64, 'a');
    state.fccontrol_socket = state.shim_socket + "-fccontrol";
    state.backend = "hollow";
    std::ofstream(dir + "/shim-state.json") << to_json(state);
    return dir;
  }

  static ChildProcess stand_in_shim() {
    ChildSpec spec;
    spec.name = "stand-in shim";
    spec.binary = "/bin/sleep";
    spec.args = {"600"};
    spec.own_process_group = true;
    ChildProcess child;
    EXPECT_TRUE(ChildProcess::spawn(spec, &child).ok());
    return child;
  }

  // A pid that no process has now (one that ran and was reaped).
  static pid_t gone_pid() {
    ChildProcess child = stand_in_shim();
    const pid_t pid = child.pid();
    child = ChildProcess();  // killed and reaped
    return pid;
  }

  static bool exists(const std::string& path) {
    struct stat st {};
    return ::lstat(path.c_str(), &st) == 0;
  }

  testsupport::TempTree root_;
  config::Config cfg_;
};

TEST_F(RecoveryScanTest, LiveShimOfACreatedVmIsAdopted) {
  ChildProcess shim = stand_in_shim();
  const std::string dir = make_vm("made", VmCreation::created, &shim);
  RecoveryScan scan = scan_for_shims(cfg_);
  ASSERT_EQ(scan.live.size(), 1u);
  EXPECT_EQ(scan.live[0].id, "made");
  EXPECT_EQ(scan.live[0].state.pid, shim.pid());
  EXPECT_EQ(scan.killed_shims, 0);
  EXPECT_TRUE(exists(dir));
  EXPECT_FALSE(shim.try_reap()) << "an adopted shim keeps running";
}

TEST_F(RecoveryScanTest, LiveShimOfADirectoryWithoutMarkersIsAdopted) {
  // Made by an emberd older than the markers: it cannot tell, so it adopts.
  ChildProcess shim = stand_in_shim();
  make_vm("old", VmCreation::unmarked, &shim);
  RecoveryScan scan = scan_for_shims(cfg_);
  ASSERT_EQ(scan.live.size(), 1u);
  EXPECT_EQ(scan.live[0].id, "old");
  EXPECT_FALSE(shim.try_reap());
}

TEST_F(RecoveryScanTest, LiveShimOfAVmStillCreatingIsKilledAndItsDirectoryRemoved) {
  ChildProcess shim = stand_in_shim();
  const std::string dir = make_vm("half", VmCreation::creating, &shim);
  RecoveryScan scan = scan_for_shims(cfg_);
  EXPECT_TRUE(scan.live.empty());
  EXPECT_EQ(scan.killed_shims, 1);
  EXPECT_EQ(scan.removed_dirs, 1);
  EXPECT_FALSE(exists(dir));
  // The scan waited for the exit: it is ours to reap at once.
  ASSERT_TRUE(shim.try_reap());
  EXPECT_EQ(shim.exit().signal, SIGKILL);
}

TEST_F(RecoveryScanTest, DirectoryOfAShimThatIsGoneIsRemovedWhateverItsMarker) {
  const std::string a = make_vm("a", VmCreation::created, nullptr);
  const std::string b = make_vm("b", VmCreation::creating, nullptr);
  const std::string c = make_vm("c", VmCreation::unmarked, nullptr);
  RecoveryScan scan = scan_for_shims(cfg_);
  EXPECT_TRUE(scan.live.empty());
  EXPECT_EQ(scan.killed_shims, 0);
  EXPECT_EQ(scan.removed_dirs, 3);
  EXPECT_FALSE(exists(a) || exists(b) || exists(c));
}

}  // namespace
}  // namespace ember::shimproc

namespace ember::shimproc {
namespace {

TEST_F(RecoveryScanTest, ACreatedVmWhoseShimIsGoneLeavesATombstoneWithItsConsole) {
  const std::string a = make_vm("a", VmCreation::created, nullptr);
  std::ofstream(a + "/console.log") << "Kernel panic - not syncing\n";
  make_vm("b", VmCreation::creating, nullptr);
  make_vm("c", VmCreation::unmarked, nullptr);
  scan_for_shims(cfg_);
  const std::string dir = root_ / "tombstones/default";
  const auto names = list_dir(dir);
  ASSERT_EQ(names.size(), 1u) << "only the VM that was created";
  EXPECT_EQ(names[0].rfind("a-", 0), 0u) << names[0];
  const std::string text = read_file(dir + "/" + names[0]).value_or("");
  EXPECT_NE(text.find("\"cause\": \"lost-while-emberd-down\""), std::string::npos) << text;
  EXPECT_NE(text.find("Kernel panic"), std::string::npos) << text;
}

}  // namespace
}  // namespace ember::shimproc
