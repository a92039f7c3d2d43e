#include <gtest/gtest.h>
#include <unistd.h>

#include <climits>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <optional>
#include <string>

#include "config/config.hpp"

namespace ember::config {
namespace {

// Saves an environment variable and puts it back afterwards.
class SavedEnv {
 public:
  explicit SavedEnv(const char* name) : name_(name) {
    if (const char* v = std::getenv(name)) value_ = v;
  }
  ~SavedEnv() {
    if (value_) {
      ::setenv(name_, value_->c_str(), 1);
    } else {
      ::unsetenv(name_);
    }
  }

 private:
  const char* name_;
  std::optional<std::string> value_;
};

class ResolveTest : public ::testing::Test {
 protected:
  void SetUp() override {
    char tmpl[] = "/tmp/ember-resolve-test-XXXXXX";
    ASSERT_NE(::mkdtemp(tmpl), nullptr);
    dir_ = tmpl;
    ::unsetenv("EMBER_CONFIG");
  }
  void TearDown() override { std::filesystem::remove_all(dir_); }

  std::string write(const std::string& name, const std::string& text) {
    std::string path = dir_ + "/" + name;
    std::ofstream(path) << text;
    return path;
  }

  SavedEnv saved_config_{"EMBER_CONFIG"};
  SavedEnv saved_xdg_{"XDG_RUNTIME_DIR"};
  std::string dir_;
};

TEST_F(ResolveTest, NoFileGivesTheDefaultsForThisUser) {
  ::setenv("XDG_RUNTIME_DIR", "/run/user/77", 1);
  Config c;
  ASSERT_TRUE(resolve("", "/opt/ember/bin/emberd", &c).ok());
  Config expected = defaults_for(::getuid(), "/run/user/77");
  EXPECT_EQ(c.socket, expected.socket);
  EXPECT_EQ(c.state_dir, expected.state_dir);
  EXPECT_EQ(c.shim_base_dir, expected.shim_base_dir);
  EXPECT_EQ(c.source, "");
}

TEST_F(ResolveTest, ShimBinaryDefaultsToTheRunningBinarysDirectory) {
  Config c;
  ASSERT_TRUE(resolve("", "/opt/ember/bin/emberd", &c).ok());
  EXPECT_EQ(c.shim_binary, "/opt/ember/bin/ember-shim");
}

TEST_F(ResolveTest, EmptySelfExeMeansProcSelfExe) {
  char buf[PATH_MAX];
  ssize_t n = ::readlink("/proc/self/exe", buf, sizeof(buf));
  ASSERT_GT(n, 0);
  std::string exe(buf, static_cast<size_t>(n));
  Config c;
  ASSERT_TRUE(resolve("", "", &c).ok());
  EXPECT_EQ(c.shim_binary, exe.substr(0, exe.rfind('/')) + "/ember-shim");
}

TEST_F(ResolveTest, RelativeSelfExeIsInvalidArgument) {
  Config c;
  Status s = resolve("", "bin/emberd", &c);
  EXPECT_EQ(s.code(), Code::invalid_argument);
  EXPECT_EQ(
      s.message(),
      "running binary path \"bin/emberd\" is not absolute: cannot place ember-shim beside it");
}

TEST_F(ResolveTest, ShimBinaryFromTheFileIsKept) {
  std::string path = write("a.yaml", "shim_binary: /usr/libexec/ember-shim\n");
  Config c;
  ASSERT_TRUE(resolve(path, "/opt/ember/bin/emberd", &c).ok());
  EXPECT_EQ(c.shim_binary, "/usr/libexec/ember-shim");
}

TEST_F(ResolveTest, CommandLinePathWinsOverTheEnvironment) {
  std::string cli = write("cli.yaml", "vm:\n  vcpus: 3\n");
  std::string env = write("env.yaml", "vm:\n  vcpus: 5\n");
  ::setenv("EMBER_CONFIG", env.c_str(), 1);
  Config c;
  ASSERT_TRUE(resolve(cli, "/bin/emberd", &c).ok());
  EXPECT_EQ(c.vm.vcpus, 3u);
  EXPECT_EQ(c.source, cli);
}

TEST_F(ResolveTest, EnvironmentPathIsUsedWithoutACommandLinePath) {
  std::string env = write("env.yaml", "vm:\n  vcpus: 5\n");
  ::setenv("EMBER_CONFIG", env.c_str(), 1);
  Config c;
  ASSERT_TRUE(resolve("", "/bin/emberd", &c).ok());
  EXPECT_EQ(c.vm.vcpus, 5u);
  EXPECT_EQ(c.source, env);
}

TEST_F(ResolveTest, EmptyEnvironmentPathMeansDefaults) {
  ::setenv("EMBER_CONFIG", "", 1);
  Config c;
  ASSERT_TRUE(resolve("", "/bin/emberd", &c).ok());
  EXPECT_EQ(c.source, "");
}

TEST_F(ResolveTest, MissingCommandLineFileIsNotFound) {
  Config c;
  Status s = resolve(dir_ + "/none.yaml", "/bin/emberd", &c);
  EXPECT_EQ(s.code(), Code::not_found);
  EXPECT_EQ(s.message(), dir_ + "/none.yaml: No such file or directory");
}

TEST_F(ResolveTest, MissingEnvironmentFileSaysWhereThePathCameFrom) {
  std::string path = dir_ + "/none.yaml";
  ::setenv("EMBER_CONFIG", path.c_str(), 1);
  Config c;
  Status s = resolve("", "/bin/emberd", &c);
  EXPECT_EQ(s.code(), Code::not_found);
  EXPECT_EQ(s.message(), path + ": No such file or directory (from $EMBER_CONFIG)");
}

TEST_F(ResolveTest, InvalidFileLeavesTheOutputUntouched) {
  std::string path = write("bad.yaml", "vm:\n  vcpus: 0\n");
  Config c;
  c.socket = "/untouched";
  Status s = resolve(path, "/bin/emberd", &c);
  EXPECT_EQ(s.code(), Code::invalid_argument);
  EXPECT_EQ(s.message(), path + ":2: vm.vcpus: must be between 1 and 32, got 0");
  EXPECT_EQ(c.socket, "/untouched");
}

}  // namespace
}  // namespace ember::config
