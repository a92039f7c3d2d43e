// remove_tree at the fd limit: what a CreateVM that failed with EMFILE needs
// to leave nothing behind.
#include "base/remove_tree.hpp"

#include <fcntl.h>
#include <gtest/gtest.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <string>
#include <vector>

#include "base/spare_fds.hpp"

namespace ember {
namespace {

std::string make_temp_dir() {
  char tmpl[] = "/tmp/ember-remove-tree-XXXXXX";
  return ::mkdtemp(tmpl) != nullptr ? tmpl : "";
}

void touch(const std::string& path) {
  int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_CLOEXEC, 0600);
  if (fd >= 0) ::close(fd);
}

// In a child (the limit and the filled fd table are its own): runs body with
// every fd slot taken; the child's exit code is body's.
int at_fd_limit(int (*body)(const std::string&), const std::string& dir) {
  pid_t pid = ::fork();
  if (pid == 0) {
    rlimit rl{64, 64};
    if (::setrlimit(RLIMIT_NOFILE, &rl) != 0) ::_exit(90);
    reserve_spare_fds();
    while (::open("/dev/null", O_RDONLY | O_CLOEXEC) >= 0) {
    }
    if (errno != EMFILE) ::_exit(91);
    ::_exit(body(dir));
  }
  int status = 0;
  ::waitpid(pid, &status, 0);
  return WIFEXITED(status) ? WEXITSTATUS(status) : 100 + WTERMSIG(status);
}

int remove_it(const std::string& dir) {
  Status s = remove_tree(dir);
  if (!s.ok()) return 1;
  struct stat st {};
  return ::lstat(dir.c_str(), &st) == 0 ? 2 : 0;
}

TEST(RemoveTreeTest, EmptyDirectoryGoesAtTheFdLimit) {
  std::string dir = make_temp_dir();
  ASSERT_FALSE(dir.empty());
  EXPECT_EQ(at_fd_limit(remove_it, dir), 0);
  ::rmdir(dir.c_str());
}

TEST(RemoveTreeTest, PopulatedDirectoryGoesAtTheFdLimit) {
  // A VM directory after its shim started: files, a FIFO, a symlink, and one
  // level of subdirectory.
  std::string dir = make_temp_dir();
  ASSERT_FALSE(dir.empty());
  touch(dir + "/address");
  touch(dir + "/shim-state.json");
  ASSERT_EQ(::mkfifo((dir + "/log").c_str(), 0600), 0);
  ASSERT_EQ(::symlink("/nonexistent", (dir + "/link").c_str()), 0);
  ASSERT_EQ(::mkdir((dir + "/sub").c_str(), 0700), 0);
  touch(dir + "/sub/file");
  EXPECT_EQ(at_fd_limit(remove_it, dir), 0);
  EXPECT_TRUE(remove_tree(dir).ok());
}

}  // namespace
}  // namespace ember
