#pragma once
// Helpers for the firecracker backend tests: a temporary tree with a kernel
// and a root drive file, stand-in firecracker programs (shell wrappers around
// fake-firecracker that record what they are sent), and readers for what
// they recorded.
#include <sys/types.h>

#include <chrono>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "tests/support/temp_tree.hpp"

namespace ember::fctest {

inline constexpr std::chrono::seconds kDeadline{60};

struct Recorded {
  std::string method;
  std::string path;
  std::string body;  // as sent
  // The body parsed (null for an empty body).
  nlohmann::json json() const;
};

// A test's files. Layout under tree.path(): vmlinux, rootfs.ext4, vm/ (the VM
// directory, 0700), and for each stand-in: <name>.sh, <name>.record (its
// requests), <name>.pid (its pid), <name>.args (its arguments, one a line).
class FcTree {
 public:
  FcTree();
  const std::string& path() const { return tree_.path(); }
  std::string kernel() const { return path() + "/vmlinux"; }
  std::string rootfs() const { return path() + "/rootfs.ext4"; }
  std::string vm_dir() const { return path() + "/vm"; }

  // A program that runs fake-firecracker with `extra` options added.
  std::string fake(const std::string& name = "fc", const std::string& extra = "") const;
  // A program that runs `command` (shell) instead, e.g. "exec sleep 600".
  std::string script(const std::string& name, const std::string& command) const;

  std::vector<Recorded> recorded(const std::string& name = "fc") const;
  std::vector<std::string> args(const std::string& name = "fc") const;
  // The stand-in's pid once it wrote it, else -1.
  pid_t pid(const std::string& name = "fc") const;
  // Names in the VM directory.
  std::vector<std::string> vm_dir_entries() const;

 private:
  shimtest::TempTree tree_;
};

// True once pid has exited (or was gone already); false at the deadline.
bool wait_gone(pid_t pid, std::chrono::milliseconds deadline = kDeadline);

}  // namespace ember::fctest
