#pragma once
// The chaos test's book of calls: every call sent is entered before it goes
// out and completed from its callback. At the end each entry must have been
// completed exactly once, with a code the chaos can explain.
#include <cstdint>
#include <map>
#include <mutex>
#include <string>
#include <utility>
#include <vector>

#include "base/status.hpp"
#include "messages/fccontrol_methods.hpp"

namespace ember::e2e {

// Codes a call may end with while VMs are created, stopped and killed under it
// (all methods):
//   OK; NOT_FOUND (no such VM, or it went away); FAILED_PRECONDITION (the VM
//   is stopping, or the shim is not in a state for it); UNAVAILABLE (its shim
//   was killed or stopped during the call, or we closed the connection).
// Per method, in addition:
//   CreateVM: ALREADY_EXISTS.
//   StopVM: INTERNAL "forcefully terminated VM <id>" (the stop
//     timeout) and INTERNAL "shim of VM <id> exited without answering StopVM
//     (signal 9)" (the killer struck during the stop).
//   Deliberately malformed metadata: INVALID_ARGUMENT (and only for those).
// Anything else fails the test, DEADLINE_EXCEEDED included: every call has a
// deadline far above what a hollow VM needs, so reaching it means a hang.
// Returns "" when expected, else why not.
std::string unexpected_outcome(msg::Method m, const std::string& id, bool malformed,
                               const Status& s);

class CallLedger {
 public:
  // Enters a call about to be sent; returns its number.
  uint64_t sent(msg::Method m, std::string id, bool malformed);
  // Its completion (any thread); abandoned: pending when its client closed.
  void completed(uint64_t call, const Status& s, bool abandoned);

  struct Summary {
    uint64_t sent = 0;
    uint64_t completed = 0;  // completions, duplicates included
    uint64_t never_completed = 0;
    uint64_t abandoned = 0;  // pending when their client disconnected
    std::map<std::pair<std::string, std::string>, uint64_t> outcomes;  // (method, code)
    std::vector<std::string> violations;  // duplicates, unexpected codes
  };
  Summary summary() const;

 private:
  struct Entry {
    msg::Method method;
    std::string id;
    bool malformed;
    int completions = 0;
  };
  mutable std::mutex mu_;
  std::vector<Entry> calls_;                                          // guarded by mu_
  uint64_t completions_ = 0;                                          // guarded by mu_
  uint64_t abandoned_ = 0;                                            // guarded by mu_
  std::map<std::pair<std::string, std::string>, uint64_t> outcomes_;  // guarded by mu_
  std::vector<std::string> violations_;                               // guarded by mu_
};

}  // namespace ember::e2e
