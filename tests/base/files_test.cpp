#include "base/files.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <gtest/gtest.h>

#include <cstdlib>
#include <string>

namespace ember {
namespace {

class ReadFileTest : public ::testing::Test {
 protected:
  void SetUp() override {
    char tmpl[] = "/tmp/ember-files-test-XXXXXX";
    ASSERT_NE(::mkdtemp(tmpl), nullptr);
    dir_ = tmpl;
  }
  void TearDown() override {
    for (const char* name : {"/file", "/empty", "/fifo", "/big", "/secret"})
      ::unlink((dir_ + name).c_str());
    ::rmdir(dir_.c_str());
  }
  void write(const std::string& name, const std::string& text, mode_t mode = 0600) {
    const std::string path = dir_ + "/" + name;
    const int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, mode);
    ASSERT_GE(fd, 0);
    ASSERT_EQ(::write(fd, text.data(), text.size()), static_cast<ssize_t>(text.size()));
    ::close(fd);
  }
  std::string dir_;
};

TEST_F(ReadFileTest, ReadsTheWholeFileIncludingNulBytes) {
  const std::string text("line one\nline\0two\n", 18);
  write("file", text);
  std::string out = "stale";
  ASSERT_TRUE(read_file(dir_ + "/file", &out).ok());
  EXPECT_EQ(out, text);
}

TEST_F(ReadFileTest, ReadsAFileLargerThanOneBuffer) {
  std::string text;
  for (int i = 0; i < 20000; ++i)
    text += std::to_string(i) + "\n";
  ASSERT_GT(text.size(), 64u * 1024);
  write("big", text);
  EXPECT_EQ(read_file(dir_ + "/big"), text);
}

TEST_F(ReadFileTest, AnEmptyFileIsAnEmptyString) {
  write("empty", "");
  std::optional<std::string> out = read_file(dir_ + "/empty");
  ASSERT_TRUE(out.has_value());
  EXPECT_EQ(*out, "");
}

TEST_F(ReadFileTest, AMissingFileIsNotFoundNamingThePath) {
  std::string out = "stale";
  Status s = read_file(dir_ + "/absent", &out);
  EXPECT_EQ(s.code(), Code::not_found);
  EXPECT_EQ(s.message(), dir_ + "/absent: No such file or directory");
  EXPECT_EQ(out, "");
  EXPECT_FALSE(read_file(dir_ + "/absent").has_value());
}

TEST_F(ReadFileTest, AnUnreadableFileIsPermissionDenied) {
  if (::geteuid() == 0) GTEST_SKIP() << "root reads a 0000 file";
  write("secret", "x", 0000);
  std::string out;
  Status s = read_file(dir_ + "/secret", &out);
  EXPECT_EQ(s.code(), Code::permission_denied);
  EXPECT_EQ(s.message(), dir_ + "/secret: Permission denied");
}

TEST_F(ReadFileTest, ADirectoryOrFifoIsNotARegularFile) {
  std::string out;
  Status s = read_file(dir_, &out);
  EXPECT_EQ(s.code(), Code::invalid_argument);
  EXPECT_EQ(s.message(), dir_ + ": not a regular file");
  // A FIFO without a writer: refused at once, not waited on.
  const std::string fifo = dir_ + "/fifo";
  ASSERT_EQ(::mkfifo(fifo.c_str(), 0600), 0);
  s = read_file(fifo, &out);
  EXPECT_EQ(s.code(), Code::invalid_argument);
  EXPECT_EQ(s.message(), fifo + ": not a regular file");
}

TEST_F(ReadFileTest, ReadsProcFilesWhoseSizeIsZero) {
  std::optional<std::string> status = read_file("/proc/self/status");
  ASSERT_TRUE(status.has_value());
  EXPECT_NE(status->find("\nPid:"), std::string::npos);
}

}  // namespace
}  // namespace ember
