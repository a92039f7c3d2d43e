#pragma once
// QemuVmTest: one real ember-shim with the qemu backend in its own temporary
// tree, the guest image as its default kernel, and helpers to reach the VM.
#include <sys/types.h>

#include <gtest/gtest.h>

#include <chrono>
#include <set>
#include <string>

#include "fccontrol.pb.h"
#include "tests/shim/vmm/qemu/qemu_guest.hpp"
#include "tests/support/shim_harness.hpp"

namespace ember::shimtest {

class QemuVmTest : public ::testing::Test {
 protected:
  static constexpr uint32_t kMemoryMib = 256;

  void SetUp() override {
    if (!qemu_installed()) {
      GTEST_SKIP() << "qemu-system-x86_64 is not installed (apt-get install qemu-system-x86)";
    }
    Status s = guest_kernel(&kernel_);
    ASSERT_TRUE(s.ok()) << s.ToString();
    ShimOptions opts;
    opts.config_yaml = qemu_config_yaml(kernel_, kMemoryMib);
    s = shim_.start(opts);
    ASSERT_TRUE(s.ok()) << s.ToString();
    before_ = vm_files();
  }

  // Calls a fccontrol method with a deadline, so a hung shim fails the test.
  Status call(const std::string& method, const google::protobuf::MessageLite& req,
              google::protobuf::MessageLite* resp = nullptr) {
    ttrpc::CallOptions opts;
    opts.timeout = std::chrono::seconds(kBootDeadline);
    return shim_.call(method, req, resp, opts);
  }
  template <class Req>
  Status call_vm(const std::string& method, google::protobuf::MessageLite* resp = nullptr) {
    Req req;
    req.set_vmid("vm1");
    return call(method, req, resp);
  }

  static CreateVMRequest create_request(bool balloon) {
    CreateVMRequest req;
    req.set_vmid("vm1");
    if (balloon) {
      req.mutable_balloondevice()->set_deflateonoom(true);
      req.mutable_balloondevice()->set_statspollingintervals(1);
    }
    return req;
  }

  // The shim's only child, or -1.
  pid_t qemu_pid() const {
    auto kids = child_pids(shim_.pid());
    return kids.size() == 1 ? kids[0] : -1;
  }

  // Waits for the guest-ready file the backend writes when the guest's ready
  // marker appears on its console.
  ::testing::AssertionResult guest_ready() const {
    if (wait_for_file(file("guest-ready"), kBootDeadline)) return ::testing::AssertionSuccess();
    return ::testing::AssertionFailure() << "no guest-ready in " << dir();
  }

  // The VM dir's entries but the shim's own state file (written while the
  // test starts, and removed when the shim exits) and the VM's record, which
  // stays for emberd's tombstone (console.log(.1), guest-ready, vmm-exit).
  std::set<std::string> vm_files() const {
    auto names = dir_entries(dir());
    for (const char* record :
         {"shim-state.json", "console.log", "console.log.1", "guest-ready", "vmm-exit"})
      names.erase(record);
    return names;
  }

  // True when the VM dir holds exactly what it held before CreateVM.
  ::testing::AssertionResult nothing_left() const {
    const auto now = vm_files();
    if (now == before_) return ::testing::AssertionSuccess();
    std::string names;
    for (const auto& n : now)
      names += " " + n;
    return ::testing::AssertionFailure() << "VM dir holds:" << names;
  }

  std::string dir() const { return shim_.vm_dir().path(); }
  std::string file(const std::string& name) const { return dir() + "/" + name; }

  std::string kernel_;
  ShimUnderTest shim_;
  std::set<std::string> before_;  // vm_files() before CreateVM
};

}  // namespace ember::shimtest
