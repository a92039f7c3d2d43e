#include "tests/e2e/chaos_ledger.hpp"

namespace ember::e2e {

using msg::Method;

std::string unexpected_outcome(Method m, const std::string& id, bool malformed, const Status& s) {
  switch (s.code()) {
    case Code::ok:
    case Code::not_found:
    case Code::failed_precondition:
    case Code::unavailable:
      return {};
    case Code::already_exists:
      if (m == Method::create_vm) return {};
      break;
    case Code::invalid_argument:
      if (malformed) return {};
      break;
    case Code::internal:
      if (m == Method::stop_vm &&
          (s.message() == "forcefully terminated VM " + id ||
           s.message() == "shim of VM " + id + " exited without answering StopVM (signal 9)"))
        return {};
      break;
    default:
      break;
  }
  return std::string(msg::method_name(m)) + " " + id + (malformed ? " (malformed)" : "") +
         " ended with " + s.ToString();
}

uint64_t CallLedger::sent(Method m, std::string id, bool malformed) {
  std::lock_guard<std::mutex> lock(mu_);
  calls_.push_back(Entry{m, std::move(id), malformed});
  return calls_.size() - 1;
}

void CallLedger::completed(uint64_t call, const Status& s, bool abandoned) {
  std::lock_guard<std::mutex> lock(mu_);
  ++completions_;
  Entry& e = calls_.at(call);
  if (++e.completions > 1) {
    violations_.push_back("call #" + std::to_string(call) + " (" + msg::method_name(e.method) +
                          " " + e.id + ") completed " + std::to_string(e.completions) + " times");
  }
  if (abandoned) ++abandoned_;
  ++outcomes_[{msg::method_name(e.method), code_name(s.code())}];
  std::string why = unexpected_outcome(e.method, e.id, e.malformed, s);
  if (!why.empty()) violations_.push_back("call #" + std::to_string(call) + ": " + why);
}

CallLedger::Summary CallLedger::summary() const {
  std::lock_guard<std::mutex> lock(mu_);
  Summary out;
  out.sent = calls_.size();
  out.completed = completions_;
  out.abandoned = abandoned_;
  out.outcomes = outcomes_;
  out.violations = violations_;
  for (size_t i = 0; i < calls_.size(); ++i) {
    if (calls_[i].completions == 0) {
      ++out.never_completed;
      out.violations.push_back("call #" + std::to_string(i) + " (" +
                               msg::method_name(calls_[i].method) + " " + calls_[i].id +
                               ") never completed");
    }
  }
  return out;
}

}  // namespace ember::e2e
