#include "shimproc/shim_state.hpp"

#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cstdlib>
#include <string>

#include "base/files.hpp"

namespace ember::shimproc {
namespace {

class ShimStateTest : public ::testing::Test {
 protected:
  void SetUp() override {
    char tmpl[] = "/tmp/ember-shim-state-XXXXXX";
    ASSERT_NE(::mkdtemp(tmpl), nullptr);
    dir_ = tmpl;
    state_.pid = 1234;
    state_.start_time = 987654321ULL;
    state_.ns = "ns1";
    state_.id = "vm1";
    state_.address = "/run/containerd/containerd.sock";
    state_.shim_socket = "/run/ember/s/abc";
    state_.fccontrol_socket = "/run/ember/s/abc-fccontrol";
    state_.backend = "hollow";
  }
  void TearDown() override { ::rmdir(dir_.c_str()); }

  std::string dir_;
  ShimState state_;
};

TEST_F(ShimStateTest, RoundTripsThroughJson) {
  ShimState back;
  ASSERT_TRUE(from_json(to_json(state_), &back).ok());
  EXPECT_EQ(back.pid, state_.pid);
  EXPECT_EQ(back.start_time, state_.start_time);
  EXPECT_EQ(back.ns, state_.ns);
  EXPECT_EQ(back.id, state_.id);
  EXPECT_EQ(back.address, state_.address);
  EXPECT_EQ(back.shim_socket, state_.shim_socket);
  EXPECT_EQ(back.fccontrol_socket, state_.fccontrol_socket);
  EXPECT_EQ(back.backend, state_.backend);
}

TEST_F(ShimStateTest, ReadsTheSocketUnderItsOldNameTaskSocket) {
  std::string old = to_json(state_);
  const std::string key = "\"shim_socket\"";
  ASSERT_NE(old.find(key), std::string::npos);
  old.replace(old.find(key), key.size(), "\"task_socket\"");
  ShimState back;
  ASSERT_TRUE(from_json(old, &back).ok());
  EXPECT_EQ(back.shim_socket, state_.shim_socket);
}

TEST_F(ShimStateTest, RefusesIncompleteOrMalformedState) {
  ShimState back;
  EXPECT_EQ(from_json("not json", &back).code(), Code::invalid_argument);
  EXPECT_EQ(from_json("[]", &back).code(), Code::invalid_argument);
  Status s = from_json(R"({"pid": 1})", &back);
  EXPECT_EQ(s.code(), Code::invalid_argument);
  EXPECT_NE(s.message().find("start_time"), std::string::npos) << s.message();
  EXPECT_EQ(from_json(R"({"pid": "x"})", &back).code(), Code::invalid_argument);
}

TEST_F(ShimStateTest, WritesTheFileWithMode0600AndRemovesItOnDestruction) {
  const std::string path = dir_ + "/shim-state.json";
  {
    ShimStateFile file;
    ASSERT_TRUE(file.write(path, state_).ok());
    struct stat st;
    ASSERT_EQ(::stat(path.c_str(), &st), 0);
    EXPECT_EQ(st.st_mode & 07777, 0600u);
    ShimState back;
    ASSERT_TRUE(from_json(read_file(path).value_or(""), &back).ok());
    EXPECT_EQ(back.id, "vm1");
    EXPECT_NE(::access((path + ".tmp").c_str(), F_OK), 0);
  }
  EXPECT_NE(::access(path.c_str(), F_OK), 0);
}

TEST_F(ShimStateTest, AFailedWriteNamesThePathAndLeavesNothing) {
  const std::string path = dir_ + "/missing/shim-state.json";
  ShimStateFile file;
  Status s = file.write(path, state_);
  EXPECT_EQ(s.code(), Code::not_found);  // ENOENT: the directory is missing
  EXPECT_NE(s.message().find(path + ".tmp"), std::string::npos) << s.message();
}

TEST_F(ShimStateTest, AFailedRenameRemovesTheTemporaryFile) {
  const std::string path = dir_ + "/shim-state.json";
  ASSERT_EQ(::mkdir(path.c_str(), 0700), 0);
  const std::string inner = path + "/x";
  ASSERT_EQ(::mkdir(inner.c_str(), 0700), 0);  // rename onto a non-empty dir fails
  {
    ShimStateFile file;
    Status s = file.write(path, state_);
    EXPECT_EQ(s.code(), Code::failed_precondition);  // EISDIR: a directory is in the way
    EXPECT_NE(s.message().find("rename"), std::string::npos) << s.message();
  }
  EXPECT_NE(::access((path + ".tmp").c_str(), F_OK), 0);
  ::rmdir(inner.c_str());
  ::rmdir(path.c_str());
}

}  // namespace
}  // namespace ember::shimproc
