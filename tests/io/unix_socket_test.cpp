// bind_listener / connect_unix on real paths.
#include <fcntl.h>
#include <gtest/gtest.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>

#include <cstring>
#include <fstream>

#include "base/files.hpp"
#include "io/unix_socket.hpp"
#include "test_util.hpp"

namespace ember::io {
namespace {

using ember::testing::TempDir;

mode_t mode_of(const std::string& path) {
  struct stat st;
  if (::lstat(path.c_str(), &st) != 0) return 0;
  return st.st_mode;
}

TEST(UnixSocketTest, BindsWithMode0600AndCreatesParentDirs0700) {
  TempDir dir;
  std::string path = dir / "a/b/ctl.sock";
  BoundSocket s;
  ASSERT_TRUE(bind_listener(path, &s).ok());
  EXPECT_TRUE(s.valid());
  EXPECT_EQ(s.path(), path);
  EXPECT_TRUE(S_ISSOCK(mode_of(path)));
  EXPECT_EQ(mode_of(path) & 07777, 0600u);
  EXPECT_EQ(mode_of(dir / "a/b") & 07777, 0700u);
  EXPECT_EQ(mode_of(dir / "a") & 07777, 0700u);
  EXPECT_TRUE(S_ISDIR(mode_of(dir / "a")));

  // Close-on-exec, and a connect works.
  EXPECT_TRUE(::fcntl(s.fd(), F_GETFD) & FD_CLOEXEC);
  UniqueFd c;
  ASSERT_TRUE(connect_unix(path, &c).ok());
  EXPECT_TRUE(::fcntl(c.get(), F_GETFD) & FD_CLOEXEC);

  s.reset();
  EXPECT_FALSE(s.valid());
  EXPECT_EQ(mode_of(path), 0u) << "reset() unlinks the file";
}

TEST(UnixSocketTest, DestructorUnlinksAndMoveTransfersOwnership) {
  TempDir dir;
  std::string path = dir / "s.sock";
  {
    BoundSocket a;
    ASSERT_TRUE(bind_listener(path, &a).ok());
    BoundSocket b(std::move(a));
    EXPECT_FALSE(a.valid());
    EXPECT_EQ(a.path(), "");
    EXPECT_TRUE(b.valid());
    UniqueFd fd = b.take_fd();
    EXPECT_TRUE(fd.valid());
    EXPECT_FALSE(b.valid());
    EXPECT_TRUE(S_ISSOCK(mode_of(path))) << "take_fd leaves the file";
  }
  EXPECT_EQ(mode_of(path), 0u);
}

TEST(UnixSocketTest, StaleSocketFileIsReplaced) {
  TempDir dir;
  std::string path = dir / "stale.sock";
  {
    // Bound, never listening, then closed without unlinking: a stale file.
    UniqueFd fd(::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0));
    sockaddr_un addr{};
    addr.sun_family = AF_UNIX;
    std::strcpy(addr.sun_path, path.c_str());
    ASSERT_EQ(::bind(fd.get(), reinterpret_cast<sockaddr*>(&addr), sizeof(addr)), 0);
  }
  ASSERT_TRUE(S_ISSOCK(mode_of(path)));
  BoundSocket s;
  Status st = bind_listener(path, &s);
  ASSERT_TRUE(st.ok()) << st.ToString();
  UniqueFd c;
  EXPECT_TRUE(connect_unix(path, &c).ok());
}

TEST(UnixSocketTest, LiveSocketIsNotStolen) {
  TempDir dir;
  std::string path = dir / "live.sock";
  BoundSocket first;
  ASSERT_TRUE(bind_listener(path, &first).ok());
  BoundSocket second;
  Status st = bind_listener(path, &second);
  EXPECT_EQ(st.code(), Code::already_exists);
  EXPECT_NE(st.message().find(path), std::string::npos) << st.message();
  EXPECT_FALSE(second.valid());
  // The first listener still owns the path.
  UniqueFd c;
  EXPECT_TRUE(connect_unix(path, &c).ok());
  EXPECT_TRUE(S_ISSOCK(mode_of(path)));
}

TEST(UnixSocketTest, NonSocketFileIsFailedPrecondition) {
  TempDir dir;
  std::string path = dir / "file";
  std::ofstream(path) << "precious";
  BoundSocket s;
  EXPECT_EQ(bind_listener(path, &s).code(), Code::failed_precondition);
  EXPECT_EQ(read_file(path), "precious");

  ASSERT_EQ(::mkdir((dir / "d").c_str(), 0700), 0);
  EXPECT_EQ(bind_listener(dir / "d", &s).code(), Code::failed_precondition);
}

TEST(UnixSocketTest, PathLengthLimit) {
  TempDir dir;
  std::string base = dir.path() + "/";
  std::string ok_path = base + std::string(107 - base.size(), 'p');
  ASSERT_EQ(ok_path.size(), 107u);
  BoundSocket s;
  Status st = bind_listener(ok_path, &s);
  EXPECT_TRUE(st.ok()) << st.ToString();
  UniqueFd c;
  EXPECT_TRUE(connect_unix(ok_path, &c).ok());

  std::string long_path = base + std::string(108 - base.size(), 'p');
  BoundSocket s2;
  EXPECT_EQ(bind_listener(long_path, &s2).code(), Code::invalid_argument);
  EXPECT_EQ(connect_unix(long_path, &c).code(), Code::invalid_argument);
  EXPECT_EQ(bind_listener("", &s2).code(), Code::invalid_argument);
}

TEST(UnixSocketTest, ConnectErrors) {
  TempDir dir;
  UniqueFd c;
  EXPECT_EQ(connect_unix(dir / "missing.sock", &c).code(), Code::not_found);
  EXPECT_FALSE(c.valid());
}

}  // namespace
}  // namespace ember::io
