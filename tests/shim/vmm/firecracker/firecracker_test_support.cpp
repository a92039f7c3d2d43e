#include "tests/shim/vmm/firecracker/firecracker_test_support.hpp"

#include <dirent.h>
#include <poll.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <fstream>
#include <sstream>

#include "base/unique_fd.hpp"

namespace ember::fctest {
namespace {

void write_file(const std::string& path, const std::string& text, mode_t mode) {
  std::ofstream(path) << text;
  ::chmod(path.c_str(), mode);
}

std::vector<std::string> lines_of(const std::string& path) {
  std::vector<std::string> out;
  std::ifstream in(path);
  for (std::string line; std::getline(in, line);)
    out.push_back(line);
  return out;
}

}  // namespace

nlohmann::json Recorded::json() const {
  return body.empty() ? nlohmann::json() : nlohmann::json::parse(body);
}

FcTree::FcTree() {
  write_file(kernel(), "not really a kernel\n", 0644);
  write_file(rootfs(), std::string(4096, '\0'), 0644);
  ::mkdir(vm_dir().c_str(), 0700);
}

std::string FcTree::fake(const std::string& name, const std::string& extra) const {
  const std::string base = path() + "/" + name;
  const std::string sh = base + ".sh";
  write_file(sh,
             "#!/bin/sh\nprintf '%s\\n' \"$@\" > " + base +
                 ".args\nexec " FAKE_FIRECRACKER_BINARY " --record " + base +
                 ".record --pid-file " + base + ".pid " + extra + " \"$@\"\n",
             0755);
  return sh;
}

std::string FcTree::script(const std::string& name, const std::string& command) const {
  const std::string base = path() + "/" + name;
  const std::string sh = base + ".sh";
  write_file(sh, "#!/bin/sh\necho $$ > " + base + ".pid\n" + command + "\n", 0755);
  return sh;
}

std::vector<Recorded> FcTree::recorded(const std::string& name) const {
  std::vector<Recorded> out;
  for (const auto& line : lines_of(path() + "/" + name + ".record")) {
    const auto j = nlohmann::json::parse(line);
    out.push_back({j["method"].get<std::string>(), j["path"].get<std::string>(),
                   j["body"].get<std::string>()});
  }
  return out;
}

std::vector<std::string> FcTree::args(const std::string& name) const {
  return lines_of(path() + "/" + name + ".args");
}

pid_t FcTree::pid(const std::string& name) const {
  std::ifstream in(path() + "/" + name + ".pid");
  pid_t pid = -1;
  in >> pid;
  return in ? pid : -1;
}

std::vector<std::string> FcTree::vm_dir_entries() const {
  std::vector<std::string> out;
  DIR* d = ::opendir(vm_dir().c_str());
  if (d == nullptr) return out;
  while (const dirent* e = ::readdir(d)) {
    const std::string name = e->d_name;
    if (name != "." && name != "..") out.push_back(name);
  }
  ::closedir(d);
  std::sort(out.begin(), out.end());
  return out;
}

bool wait_gone(pid_t pid, std::chrono::milliseconds deadline) {
  if (pid <= 0) return false;
  UniqueFd pidfd(static_cast<int>(::syscall(SYS_pidfd_open, pid, 0)));
  if (!pidfd) return errno == ESRCH;
  pollfd p{pidfd.get(), POLLIN, 0};
  for (;;) {
    const int rc = ::poll(&p, 1, static_cast<int>(deadline.count()));
    if (rc < 0 && errno == EINTR) continue;
    return rc > 0;
  }
}

}  // namespace ember::fctest
