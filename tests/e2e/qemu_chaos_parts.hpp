#pragma once
// The moving parts of the QEMU chaos test: the book of which QEMU VM ids are
// up or being struck, the client that keeps using them and re-creates the
// dead ones, and the killer that SIGKILLs a VM's QEMU or its shim and checks
// that everything of that VM went.
#include <sys/types.h>

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <map>
#include <mutex>
#include <random>
#include <string>
#include <utility>
#include <vector>

#include "messages/fccontrol_methods.hpp"
#include "tests/support/emberd_harness.hpp"

namespace ember::e2e {

// Ends the run: threads pace themselves with wait_for and stop when told.
class StopFlag {
 public:
  void stop();
  // Waits d; false if the run ended (at once or during the wait).
  bool wait_for(std::chrono::milliseconds d);

 private:
  std::mutex mu_;
  std::condition_variable cv_;
  bool stopped_ = false;  // guarded by mu_
};

// What the client and the killer know of each QEMU VM id.
struct VmRecord {
  bool up = false;          // its CreateVM answered OK, and it was not struck since
  bool held = false;        // struck: the killer checks its cleanup; nobody re-creates it
  uint64_t generation = 0;  // strikes so far
};

class VmBook {
 public:
  explicit VmBook(const std::vector<std::string>& ids);
  VmRecord get(const std::string& id);
  void set_up(const std::string& id);
  // Killer: one of `candidates` that is up and not held, now held; "" if none.
  std::string hold_random(const std::vector<std::string>& candidates, std::mt19937& rng);
  // Killer: its cleanup was checked; it is down and free to be re-created.
  void release(const std::string& id);

 private:
  std::mutex mu_;
  std::map<std::string, VmRecord> vms_;  // guarded by mu_
};

// Outcomes and violations seen by one thread (read after it was joined).
struct Tally {
  std::map<std::pair<std::string, std::string>, uint64_t> outcomes;  // (method, code)
  std::vector<std::string> violations;
  void count(msg::Method m, const Status& s);
  void violation(std::string what);
};

// One connection using every id in turn (GetVMInfo, Pause, Resume, metadata)
// and re-creating each victim the killer released. A call on an id that no
// strike touched between its send and its reply must answer OK; on a struck
// one, OK or a code saying the VM went (NOT_FOUND, UNAVAILABLE,
// FAILED_PRECONDITION). A CreateVM of a released id must answer OK: the id
// is reusable.
class QemuClient {
 public:
  QemuClient(const Emberd& emberd, VmBook& book, std::vector<std::string> ids, uint32_t seed);
  void run(StopFlag& stop);
  const Tally& tally() const { return tally_; }
  uint64_t calls() const { return calls_; }
  uint64_t creates() const { return creates_; }

 private:
  void step(const std::string& id);
  void create(const std::string& id);

  FcClient client_;
  VmBook& book_;
  std::vector<std::string> ids_;
  std::mt19937 rng_;
  Tally tally_;
  uint64_t calls_ = 0;
  uint64_t creates_ = 0;
};

// Every 0.5-2 s: holds an up victim, SIGKILLs its QEMU (the shim's child) or
// its shim, and checks, each bounded: the shim and QEMU exited, the VM dir
// and both sockets are gone, GetVMInfo answers NOT_FOUND, no zombie
// child of emberd, and no process below emberd's root that is not a shim of
// emberd or a shim's child (no orphaned QEMU). Then releases the id for
// re-creation.
class QemuKiller {
 public:
  QemuKiller(const Emberd& emberd, VmBook& book, std::vector<std::string> victims, uint32_t seed);
  void run(StopFlag& stop);
  const Tally& tally() const { return tally_; }
  uint64_t qemu_kills() const { return qemu_kills_; }
  uint64_t shim_kills() const { return shim_kills_; }
  // Longest time from a kill to the VM dir gone.
  std::chrono::milliseconds slowest_cleanup() const { return slowest_; }

 private:
  void strike(const std::string& id);
  // A struck VM, pinned by pidfds taken before the kill.
  struct Struck {
    std::string id, what;
    pid_t shim = -1, qemu = -1;
    UniqueFd shim_fd, qemu_fd;
    std::vector<std::string> sockets;  // from its shim-state.json
  };
  void check_gone(const Struck& s);
  void check_no_stray_process(const std::string& after);

  const Emberd& emberd_;
  FcClient checker_;
  VmBook& book_;
  std::vector<std::string> victims_;
  std::mt19937 rng_;
  Tally tally_;
  uint64_t qemu_kills_ = 0;
  uint64_t shim_kills_ = 0;
  std::chrono::milliseconds slowest_{0};
};

}  // namespace ember::e2e
