#include "shimproc/vm_dir.hpp"

#include <fcntl.h>
#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <climits>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <string>

#include "base/files.hpp"

namespace ember::shimproc {
namespace {

bool exists(const std::string& path) {
  struct stat st {};
  return ::lstat(path.c_str(), &st) == 0;
}
mode_t mode_of(const std::string& path) {
  struct stat st {};
  EXPECT_EQ(::lstat(path.c_str(), &st), 0) << path;
  return st.st_mode;
}
std::string link_target(const std::string& path) {
  char buf[PATH_MAX];
  ssize_t n = ::readlink(path.c_str(), buf, sizeof(buf));
  return n < 0 ? "" : std::string(buf, static_cast<size_t>(n));
}

class VmDirTest : public ::testing::Test {
 protected:
  void SetUp() override {
    char tmpl[] = "/tmp/ember-vmdir-test-XXXXXX";
    ASSERT_NE(::mkdtemp(tmpl), nullptr);
    char real[PATH_MAX];
    ASSERT_NE(::realpath(tmpl, real), nullptr);
    root_ = real;
    base_ = root_ + "/base";
  }
  void TearDown() override { std::filesystem::remove_all(root_); }

  VmDir make(const std::string& id = "vm1") {
    VmDir dir;
    Status s = VmDir::create(base_, "default", id, &dir);
    EXPECT_TRUE(s.ok()) << s.ToString();
    return dir;
  }

  std::string root_;  // symlinks resolved
  std::string base_;  // not created by SetUp
};

TEST_F(VmDirTest, CreateMakesAPrivateDirectoryNamedNamespaceHashId) {
  VmDir dir = make();
  EXPECT_EQ(dir.path(), base_ + "/default#vm1");
  EXPECT_TRUE(dir.valid());
  EXPECT_TRUE(S_ISDIR(mode_of(dir.path())));
  EXPECT_EQ(mode_of(dir.path()) & 07777, 0700u);
  EXPECT_EQ(mode_of(base_) & 07777, 0700u);
}

TEST_F(VmDirTest, CreateMakesMissingParentsOfTheBaseDir) {
  base_ = root_ + "/a/b/c";
  VmDir dir = make();
  EXPECT_EQ(dir.path(), root_ + "/a/b/c/default#vm1");
  EXPECT_EQ(mode_of(root_ + "/a") & 07777, 0700u);
}

TEST_F(VmDirTest, CreateResolvesSymlinksInTheBaseDir) {
  ASSERT_EQ(::mkdir((root_ + "/real").c_str(), 0700), 0);
  ASSERT_EQ(::symlink((root_ + "/real").c_str(), (root_ + "/alias").c_str()), 0);
  VmDir dir;
  ASSERT_TRUE(VmDir::create(root_ + "/alias/", "ns", "vm1", &dir).ok());
  EXPECT_EQ(dir.path(), root_ + "/real/ns#vm1");
}

TEST_F(VmDirTest, CreateRejectsInvalidIdsAndCreatesNothing) {
  VmDir dir;
  Status s = VmDir::create(base_, "a#b", "vm1", &dir);
  EXPECT_EQ(s.code(), Code::invalid_argument);
  EXPECT_EQ(s.message().rfind("namespace \"a#b\": ", 0), 0u) << s.message();
  s = VmDir::create(base_, "default", "../x", &dir);
  EXPECT_EQ(s.code(), Code::invalid_argument);
  EXPECT_EQ(s.message(), "VM id \"../x\": must start with a letter or digit");
  EXPECT_FALSE(dir.valid());
  EXPECT_FALSE(exists(base_));
}

TEST_F(VmDirTest, CreateRejectsARelativeBaseDir) {
  VmDir dir;
  Status s = VmDir::create("tmp/base", "default", "vm1", &dir);
  EXPECT_EQ(s.code(), Code::invalid_argument);
  EXPECT_EQ(s.message(), "shim base dir \"tmp/base\" must be an absolute path");
}

TEST_F(VmDirTest, CreateFailsWhenTheBaseDirCannotBeCreated) {
  std::ofstream(root_ + "/file") << "x";
  VmDir dir;
  Status s = VmDir::create(root_ + "/file/sub", "default", "vm1", &dir);
  EXPECT_EQ(s.code(), Code::failed_precondition);
  EXPECT_EQ(s.message(), "create shim base dir " + root_ + "/file/sub: Not a directory");
  EXPECT_FALSE(dir.valid());
}

TEST_F(VmDirTest, CreateFailsWhenTheBaseDirIsAFile) {
  std::ofstream(base_) << "x";
  VmDir dir;
  Status s = VmDir::create(base_, "default", "vm1", &dir);
  EXPECT_EQ(s.code(), Code::failed_precondition);
  EXPECT_EQ(s.message(), "shim base dir " + base_ + " is not a directory");
}

TEST_F(VmDirTest, CreateOfAnExistingDirectoryIsAlreadyExistsAndLeavesItAlone) {
  VmDir first = make();
  std::ofstream(first.path() + "/keep") << "x";
  VmDir second;
  Status s = VmDir::create(base_, "default", "vm1", &second);
  EXPECT_EQ(s.code(), Code::already_exists);
  EXPECT_EQ(s.message(), "VM directory " + first.path() + " already exists");
  EXPECT_FALSE(second.valid());
  EXPECT_TRUE(exists(first.path() + "/keep"));
}

TEST_F(VmDirTest, CreateDoesNotFollowASymlinkPlantedAtTheVmPath) {
  ASSERT_EQ(::mkdir(base_.c_str(), 0700), 0);
  ASSERT_EQ(::mkdir((root_ + "/outside").c_str(), 0755), 0);
  std::string planted = base_ + "/default#vm1";
  ASSERT_EQ(::symlink((root_ + "/outside").c_str(), planted.c_str()), 0);
  ASSERT_EQ(::symlink((root_ + "/nowhere").c_str(), (base_ + "/default#vm2").c_str()), 0);
  for (const char* id : {"vm1", "vm2"}) {
    VmDir dir;
    Status s = VmDir::create(base_, "default", id, &dir);
    EXPECT_EQ(s.code(), Code::already_exists) << id;
  }
  EXPECT_TRUE(S_ISLNK(mode_of(planted)));
  EXPECT_EQ(mode_of(root_ + "/outside") & 07777, 0755u);
  EXPECT_FALSE(exists(root_ + "/nowhere"));
}

TEST_F(VmDirTest, DestructionRemovesTheDirectory) {
  std::string path;
  {
    VmDir dir = make();
    path = dir.path();
    std::ofstream(path + "/file") << "x";
  }
  EXPECT_FALSE(exists(path));
  EXPECT_TRUE(exists(base_));
}

TEST_F(VmDirTest, ReleaseKeepsTheDirectory) {
  std::string path;
  {
    VmDir dir = make();
    path = dir.path();
    dir.release();
    EXPECT_FALSE(dir.valid());
  }
  EXPECT_TRUE(exists(path));
}

TEST_F(VmDirTest, MoveTransfersOwnershipAndMoveAssignRemovesTheOldDirectory) {
  VmDir a = make("vm1");
  std::string path_a = a.path();
  VmDir b(std::move(a));
  EXPECT_FALSE(a.valid());
  EXPECT_EQ(b.path(), path_a);
  VmDir c = make("vm2");
  std::string path_c = c.path();
  c = std::move(b);
  EXPECT_FALSE(exists(path_c));
  EXPECT_TRUE(exists(path_a));
  EXPECT_EQ(c.path(), path_a);
}

TEST_F(VmDirTest, AdoptTakesOwnershipOfAnExistingDirectory) {
  std::string path;
  {
    VmDir created = make();
    path = created.path();
    created.release();
  }
  {
    VmDir adopted;
    ASSERT_TRUE(VmDir::adopt(base_, "default", "vm1", &adopted).ok());
    EXPECT_EQ(adopted.path(), path);
  }
  EXPECT_FALSE(exists(path));
}

TEST_F(VmDirTest, AdoptOfAMissingDirectoryIsNotFound) {
  ASSERT_EQ(::mkdir(base_.c_str(), 0700), 0);
  VmDir dir;
  Status s = VmDir::adopt(base_, "default", "vm1", &dir);
  EXPECT_EQ(s.code(), Code::not_found);
  EXPECT_EQ(s.message(), "VM directory " + base_ + "/default#vm1 does not exist");
}

TEST_F(VmDirTest, AdoptWithAMissingBaseDirIsNotFoundAndCreatesNothing) {
  VmDir dir;
  Status s = VmDir::adopt(base_, "default", "vm1", &dir);
  EXPECT_EQ(s.code(), Code::not_found);
  EXPECT_EQ(s.message(), "resolve shim base dir " + base_ + ": No such file or directory");
  EXPECT_FALSE(exists(base_));
}

TEST_F(VmDirTest, AdoptDoesNotFollowASymlinkAtTheVmPath) {
  ASSERT_EQ(::mkdir(base_.c_str(), 0700), 0);
  ASSERT_EQ(::mkdir((root_ + "/outside").c_str(), 0700), 0);
  ASSERT_EQ(::symlink((root_ + "/outside").c_str(), (base_ + "/default#vm1").c_str()), 0);
  VmDir dir;
  Status s = VmDir::adopt(base_, "default", "vm1", &dir);
  EXPECT_EQ(s.code(), Code::failed_precondition);
  EXPECT_EQ(s.message(), "VM directory " + base_ +
                             "/default#vm1 is not a directory (symlinks are not followed)");
  EXPECT_FALSE(dir.valid());
}

TEST_F(VmDirTest, AdoptRejectsInvalidIds) {
  VmDir dir;
  EXPECT_EQ(VmDir::adopt(base_, "", "vm1", &dir).code(), Code::invalid_argument);
  EXPECT_EQ(VmDir::adopt(base_, "default", "a/b", &dir).code(), Code::invalid_argument);
}

TEST_F(VmDirTest, NamesFollowFirecrackerContainerdsLayout) {
  VmDir dir = make();
  const std::string& p = dir.path();
  EXPECT_EQ(dir.address_path(), p + "/address");
  EXPECT_EQ(dir.log_fifo_path(), p + "/log");
  EXPECT_EQ(dir.vmm_socket_path(), p + "/firecracker.sock");
  EXPECT_EQ(dir.vsock_path(), p + "/firecracker.vsock");
  EXPECT_EQ(dir.vmm_log_fifo_path(), p + "/fc-logs.fifo");
  EXPECT_EQ(dir.metrics_fifo_path(), p + "/fc-metrics.fifo");
  EXPECT_EQ(dir.state_path(), p + "/shim-state.json");
  EXPECT_EQ(VmDir::relative("firecracker.sock"), "./firecracker.sock");
}

TEST_F(VmDirTest, WriteAddressWritesAPrivateFileAndReplacesIt) {
  VmDir dir = make();
  ASSERT_TRUE(dir.write_address("unix:///run/ember/s/abc").ok());
  EXPECT_EQ(read_file(dir.address_path()), "unix:///run/ember/s/abc");
  EXPECT_EQ(mode_of(dir.address_path()) & 07777, 0600u);
  ASSERT_TRUE(dir.write_address("unix:///other").ok());
  EXPECT_EQ(read_file(dir.address_path()), "unix:///other");
  EXPECT_FALSE(exists(dir.path() + "/.address.tmp"));
}

TEST_F(VmDirTest, WriteAddressFailureLeavesNoTemporaryFile) {
  VmDir dir = make();
  ASSERT_EQ(::mkdir(dir.address_path().c_str(), 0700), 0);
  Status s = dir.write_address("unix:///x");
  EXPECT_EQ(s.code(), Code::failed_precondition);
  EXPECT_EQ(s.message(),
            "rename " + dir.path() + "/.address.tmp to " + dir.address_path() + ": Is a directory");
  EXPECT_FALSE(exists(dir.path() + "/.address.tmp"));
}

TEST_F(VmDirTest, OperationsOnAnEmptyVmDirAreFailedPrecondition) {
  VmDir dir;
  EXPECT_EQ(dir.write_address("x").code(), Code::failed_precondition);
  EXPECT_EQ(dir.link("a", "/b").code(), Code::failed_precondition);
  EXPECT_EQ(dir.link_bundle("c1", "/b").code(), Code::failed_precondition);
  EXPECT_TRUE(dir.remove().ok());
}

TEST_F(VmDirTest, FifoOpensForWriteBeforeAnyReader) {
  VmDir dir = make();
  UniqueFd w;
  ASSERT_TRUE(dir.open_fifo_for_write(dir.log_fifo_path(), &w).ok());
  EXPECT_TRUE(S_ISFIFO(mode_of(dir.log_fifo_path())));
  EXPECT_EQ(mode_of(dir.log_fifo_path()) & 07777, 0600u);
  EXPECT_TRUE(::fcntl(w.get(), F_GETFD) & FD_CLOEXEC);
  EXPECT_TRUE(::fcntl(w.get(), F_GETFL) & O_NONBLOCK);
  ASSERT_EQ(::write(w.get(), "hi", 2), 2);  // no reader yet: no EPIPE, no block
  UniqueFd r(::open(dir.log_fifo_path().c_str(), O_RDONLY | O_NONBLOCK | O_CLOEXEC));
  ASSERT_TRUE(r);
  char buf[8];
  ASSERT_EQ(::read(r.get(), buf, sizeof(buf)), 2);
  EXPECT_EQ(std::string(buf, 2), "hi");
}

TEST_F(VmDirTest, FifoThatExistsIsReused) {
  VmDir dir = make();
  ASSERT_EQ(::mkfifo(dir.metrics_fifo_path().c_str(), 0600), 0);
  UniqueFd w;
  EXPECT_TRUE(dir.open_fifo_for_write(dir.metrics_fifo_path(), &w).ok());
  EXPECT_TRUE(w);
}

TEST_F(VmDirTest, FifoPathHoldingAFileOrSymlinkIsRefused) {
  VmDir dir = make();
  std::string file = dir.path() + "/file";
  std::ofstream(file) << "data";
  std::string fifo = dir.path() + "/real.fifo";
  ASSERT_EQ(::mkfifo(fifo.c_str(), 0600), 0);
  std::string link = dir.path() + "/link.fifo";
  ASSERT_EQ(::symlink(fifo.c_str(), link.c_str()), 0);
  for (const std::string& path : {file, link}) {
    UniqueFd w;
    Status s = dir.open_fifo_for_write(path, &w);
    EXPECT_EQ(s.code(), Code::failed_precondition);
    EXPECT_EQ(s.message(), path + " exists and is not a FIFO");
    EXPECT_FALSE(w);
  }
  EXPECT_EQ(read_file(file), "data");
}

TEST_F(VmDirTest, FifoInAMissingDirectoryIsNotFound) {
  VmDir dir = make();
  std::string path = dir.path() + "/missing/log";
  UniqueFd w;
  Status s = dir.open_fifo_for_write(path, &w);
  EXPECT_EQ(s.code(), Code::not_found);
  EXPECT_EQ(s.message(), "create FIFO " + path + ": No such file or directory");
}

TEST_F(VmDirTest, LinkBundlePointsTheContainerIdAtTheBundle) {
  VmDir dir = make();
  std::string bundle = root_ + "/bundle";
  ASSERT_EQ(::mkdir(bundle.c_str(), 0700), 0);
  ASSERT_TRUE(dir.link_bundle("c1", bundle).ok());
  EXPECT_EQ(link_target(dir.path() + "/c1"), bundle);
}

TEST_F(VmDirTest, LinkBundleRejectsAnInvalidContainerId) {
  VmDir dir = make();
  Status s = dir.link_bundle("../c1", root_);
  EXPECT_EQ(s.code(), Code::invalid_argument);
  EXPECT_EQ(s.message(), "container id \"../c1\": must start with a letter or digit");
}

TEST_F(VmDirTest, LinkBundleErrorsNameBothPaths) {
  VmDir dir = make();
  std::string link = dir.path() + "/c1";
  std::string missing = root_ + "/missing";
  Status s = dir.link_bundle("c1", missing);
  EXPECT_EQ(s.code(), Code::not_found);
  EXPECT_EQ(s.message(), "link " + link + " -> " + missing + ": bundle: No such file or directory");

  std::string file = root_ + "/file";
  std::ofstream(file) << "x";
  s = dir.link_bundle("c1", file);
  EXPECT_EQ(s.code(), Code::failed_precondition);
  EXPECT_EQ(s.message(), "link " + link + " -> " + file + ": bundle is not a directory");

  s = dir.link_bundle("c1", "bundle");
  EXPECT_EQ(s.code(), Code::invalid_argument);
  EXPECT_EQ(s.message(), "link " + link + " -> bundle: target must be an absolute path");

  ASSERT_TRUE(dir.link_bundle("c1", root_).ok());
  s = dir.link_bundle("c1", root_);
  EXPECT_EQ(s.code(), Code::already_exists);
  EXPECT_EQ(s.message(), "link " + link + " -> " + root_ + ": File exists");
}

TEST_F(VmDirTest, LinkMakesASymlinkWithoutCheckingTheTarget) {
  VmDir dir = make();
  ASSERT_TRUE(dir.link("rootfs", "/nonexistent/rootfs.ext4").ok());
  EXPECT_EQ(link_target(dir.path() + "/rootfs"), "/nonexistent/rootfs.ext4");
}

TEST_F(VmDirTest, LinkRejectsNamesThatAreNotPlainAndRelativeTargets) {
  VmDir dir = make();
  for (const char* name : {"", ".", "..", "a/b"}) {
    Status s = dir.link(name, "/t");
    EXPECT_EQ(s.code(), Code::invalid_argument) << name;
    EXPECT_EQ(s.message(), "link name \"" + std::string(name) + "\" in " + dir.path() +
                               " must be a plain file name");
  }
  Status s = dir.link("a", "t");
  EXPECT_EQ(s.code(), Code::invalid_argument);
  EXPECT_EQ(s.message(), "link " + dir.path() + "/a -> t: target must be an absolute path");
}

TEST_F(VmDirTest, RemoveDeletesNestedContentButNoSymlinkTarget) {
  std::string outside = root_ + "/outside";
  ASSERT_EQ(::mkdir(outside.c_str(), 0700), 0);
  std::ofstream(outside + "/precious") << "keep";
  VmDir dir = make();
  std::string p = dir.path();
  ASSERT_EQ(::mkdir((p + "/a").c_str(), 0700), 0);
  ASSERT_EQ(::mkdir((p + "/a/b").c_str(), 0700), 0);
  std::ofstream(p + "/a/b/file") << "x";
  std::ofstream(p + "/top") << "x";
  ASSERT_EQ(::mkfifo((p + "/a/fifo").c_str(), 0600), 0);
  ASSERT_EQ(::symlink(outside.c_str(), (p + "/dirlink").c_str()), 0);
  ASSERT_EQ(::symlink((outside + "/precious").c_str(), (p + "/a/filelink").c_str()), 0);
  ASSERT_TRUE(dir.link_bundle("c1", outside).ok());

  ASSERT_TRUE(dir.remove().ok());
  EXPECT_FALSE(dir.valid());
  EXPECT_FALSE(exists(p));
  EXPECT_EQ(read_file(outside + "/precious"), "keep");
  EXPECT_TRUE(dir.remove().ok());
}

TEST_F(VmDirTest, RemoveOfAnAlreadyDeletedDirectoryIsOk) {
  VmDir dir = make();
  ASSERT_EQ(::rmdir(dir.path().c_str()), 0);
  EXPECT_TRUE(dir.remove().ok());
  EXPECT_FALSE(dir.valid());
}

TEST_F(VmDirTest, RemoveLeavesASymlinkThatReplacedTheDirectory) {
  VmDir dir = make();
  std::string p = dir.path();
  std::string outside = root_ + "/outside";
  ASSERT_EQ(::mkdir(outside.c_str(), 0700), 0);
  std::ofstream(outside + "/precious") << "keep";
  ASSERT_EQ(::rmdir(p.c_str()), 0);
  ASSERT_EQ(::symlink(outside.c_str(), p.c_str()), 0);
  Status s = dir.remove();
  EXPECT_EQ(s.code(), Code::failed_precondition);
  EXPECT_EQ(s.message(), "remove " + p + ": not a directory (a symlink or file); left in place");
  EXPECT_EQ(read_file(outside + "/precious"), "keep");
  dir.release();
}

}  // namespace
}  // namespace ember::shimproc
