#pragma once
// The moving parts of the chaos test: client threads churning fccontrol calls
// over a small id space, a thread SIGKILLing random shims, and the gate that
// lets the test stop them all at a quiet point to check invariants.
#include <sys/types.h>

#include <chrono>
#include <condition_variable>
#include <functional>
#include <memory>
#include <mutex>
#include <random>
#include <string>
#include <vector>

#include "base/unique_fd.hpp"
#include "tests/e2e/chaos_ledger.hpp"
#include "tests/support/emberd_harness.hpp"

namespace ember::e2e {

// Participants call checkpoint() between steps; the controller pauses them
// all (each drains its own work first), checks, and resumes them.
class QuiesceGate {
 public:
  explicit QuiesceGate(int participants) : participants_(participants) {}

  // Participant: parks while a pause is requested (running before_park
  // first); false once finish() was called.
  bool checkpoint(const std::function<void()>& before_park);
  // Participant: waits up to d; false if cut short by a pause or the finish.
  bool pace(std::chrono::milliseconds d);

  // Controller: requests a pause and waits until every participant parked.
  bool pause(std::chrono::milliseconds timeout);
  void resume();
  // Controller: ends the participants' loops (wakes parked ones too).
  void finish();

 private:
  const int participants_;
  std::mutex mu_;
  std::condition_variable cv_;
  int parked_ = 0;         // guarded by mu_
  bool pause_ = false;     // guarded by mu_
  bool finished_ = false;  // guarded by mu_
};

struct ChurnSettings {
  std::vector<std::string> ids;  // the VM ids fought over
  std::chrono::milliseconds call_timeout{30000};
  int max_outstanding = 3;                 // calls in flight per connection
  int disconnect_per_mille = 25;           // steps that close the connection mid-call
  std::chrono::milliseconds max_pace{25};  // random pause between steps
};

// One client thread with its own connection (reopened after each deliberate
// disconnect). Violations it sees itself (a call never completing, a failed
// connect) go to `problems`.
class ChurnWorker {
 public:
  ChurnWorker(std::string socket, ChurnSettings settings, std::shared_ptr<CallLedger> ledger,
              QuiesceGate& gate, uint32_t seed);
  ~ChurnWorker();
  void run();  // until the gate finishes
  uint64_t disconnects() const { return disconnects_; }
  const std::vector<std::string>& problems() const { return problems_; }

 private:
  void step();
  void send(msg::Method m, const std::string& id, std::string payload, bool malformed);
  void disconnect_mid_call();
  // Waits until at most `limit` calls are pending (bounded); false on a hang.
  bool wait_outstanding(int limit);
  bool connect();

  // Shared with the completion callbacks, so that a client leaked after a
  // hang (see the destructor) cannot reach a destroyed worker.
  struct Pending {
    std::mutex mu;
    std::condition_variable cv;
    int outstanding = 0;      // guarded by mu
    bool abandoning = false;  // guarded by mu: the client is being closed
  };

  std::string socket_;
  ChurnSettings settings_;
  std::shared_ptr<CallLedger> ledger_;
  QuiesceGate& gate_;
  std::mt19937 rng_;
  std::shared_ptr<Pending> pending_ = std::make_shared<Pending>();
  std::unique_ptr<FcClient> client_;
  uint64_t disconnects_ = 0;
  std::vector<std::string> problems_;
};

// A shim the killer struck: its pidfd outlives the kill so the test can wait
// for the exit.
struct Kill {
  std::string vm_dir;
  pid_t pid = -1;
  UniqueFd pidfd;
};

// SIGKILLs a random shim of emberd (pid from shim-state.json, checked to be
// emberd's child through a pidfd, which also rules out pid reuse) every
// 0.2-0.8 s.
class ShimKiller {
 public:
  ShimKiller(const Emberd& emberd, QuiesceGate& gate, uint32_t seed)
      : emberd_(emberd), gate_(gate), rng_(seed) {}
  void run();  // until the gate finishes
  // The kills since the last call.
  std::vector<Kill> take_kills();
  uint64_t kills() const { return total_; }

 private:
  void strike();

  const Emberd& emberd_;
  QuiesceGate& gate_;
  std::mt19937 rng_;
  std::mutex mu_;
  std::vector<Kill> kills_;  // guarded by mu_
  uint64_t total_ = 0;       // written by run()'s thread; read after join
};

}  // namespace ember::e2e
