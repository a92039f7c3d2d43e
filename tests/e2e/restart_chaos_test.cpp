// Chaos, end to end: emberd SIGKILLed and restarted during churn (issue 12).
// Each round, 64 clients, each on its own connection and its own two VM ids,
// create and stop hollow VMs as fast as emberd answers; at a random moment
// emberd is SIGKILLed, and a new one started with the same config. Then:
//   - every VM whose CreateVM answered OK (and no StopVM since) answers
//     GetVMInfo, and StopVM stops it; one whose StopVM answered OK is gone;
//   - a call cut off by the kill may have taken effect or not, but nothing
//     in between: the VM answers GetVMInfo, or it is gone entirely;
//   - the registry equals the live shims: the ids answering GetVMInfo = the
//     VM directories = the ids of the live ember-shim processes (found by
//     their working directory, so a shim whose directory is gone is seen
//     too) - no ghost, no orphan; two socket files per VM, nothing else.
// About half the VMs are stopped after each check; the rest live on into the
// next round and are adopted again after the next kill.
//
// The same rounds with SIGTERM instead of SIGKILL test a replacement under
// load: emberd shuts down (exit 0) while the clients churn, and a new one
// takes over with the same guarantees.
//
// EMBER_CHAOS_RESTART_ROUNDS SIGKILL rounds (default 8) and
// EMBER_CHAOS_REPLACE_ROUNDS SIGTERM rounds (default 4): well under 30 s in
// all. EMBER_CHAOS_SEED replays a run's choices (not their timing).
#include <gtest/gtest.h>
#include <signal.h>
#include <unistd.h>

#include <atomic>
#include <cstdlib>
#include <iostream>
#include <map>
#include <mutex>
#include <random>
#include <set>
#include <thread>

#include "fccontrol.pb.h"
#include "tests/support/emberd_harness.hpp"
#include "tests/support/fc_requests.hpp"

namespace ember::e2e {
namespace {

using msg::Method;
using namespace std::chrono_literals;

constexpr int kClients = 64;
constexpr int kIdsPerClient = 2;

// What the clients know of one VM id.
struct IdTruth {
  bool created = false;  // the last completed CreateVM/StopVM was a CreateVM answered OK
  bool unknown = false;  // a call on it was cut off by the kill: either outcome is fine
};

struct Tally {
  std::atomic<uint64_t> calls{0}, creates_ok{0}, stops_ok{0}, cut_off{0}, busy{0};
  std::mutex mu;
  std::vector<std::string> violations;  // guarded by mu
  void violation(std::string v) {
    std::lock_guard<std::mutex> lock(mu);
    violations.push_back(std::move(v));
  }
};

// One client until emberd dies under it: toggles its ids between created and
// stopped, recording what each answer means in its own entries of `truth`.
void churn(const std::string& socket, std::vector<std::string> ids,
           std::map<std::string, IdTruth>& truth, Tally& tally, uint32_t seed) {
  std::mt19937 rng(seed);
  std::unique_ptr<FcClient> client;
  try {
    client = std::make_unique<FcClient>(socket);
  } catch (const std::exception&) {
    return;  // emberd died before we got in
  }
  for (;;) {
    const std::string& id = ids[rng() % ids.size()];
    IdTruth& t = truth.at(id);
    const Method m = t.created ? Method::stop_vm : Method::create_vm;
    auto r = m == Method::stop_vm ? client->call(m, with_id<StopVMRequest>(id), "default", 30s)
                                  : client->call(m, with_id<CreateVMRequest>(id), "default", 30s);
    ++tally.calls;
    if (r.status.code() == Code::unavailable) {
      // The kill: the call may or may not have taken effect.
      t.unknown = true;
      ++tally.cut_off;
      return;
    }
    if (r.status.ok()) {
      t.created = m == Method::create_vm;
      ++(t.created ? tally.creates_ok : tally.stops_ok);
    } else if (m == Method::create_vm && r.status.code() == Code::resource_exhausted) {
      ++tally.busy;  // max_concurrent_creates: 64 clients reach it
    } else {
      tally.violation(std::string(msg::method_name(m)) + " " + id + ": " + r.status.ToString());
      return;
    }
  }
}

// The number before `what` in emberd's recovery log line ("recovery: adopted
// 3 running VM(s), 0 failed; killed 2 shim(s) ..."); 0 without one.
uint64_t recovery_count(const std::string& log, const std::string& what) {
  auto line = log.find("recovery: adopted ");
  if (line == std::string::npos) return 0;
  auto end = log.find(what, line);
  if (end == std::string::npos || end == line) return 0;
  auto start = log.rfind(' ', end - 2);
  return std::strtoull(log.c_str() + start + 1, nullptr, 10);
}

// The VM id a live shim serves, from its working directory <base>/default#<id>.
std::string id_of_shim(pid_t pid) {
  char buf[4096];
  ssize_t n = ::readlink(("/proc/" + std::to_string(pid) + "/cwd").c_str(), buf, sizeof buf - 1);
  std::string cwd = n > 0 ? std::string(buf, static_cast<size_t>(n)) : std::string();
  const std::string deleted = " (deleted)";
  if (cwd.size() > deleted.size() &&
      cwd.compare(cwd.size() - deleted.size(), deleted.size(), deleted) == 0)
    cwd.resize(cwd.size() - deleted.size());
  return cwd.substr(cwd.find('#') + 1);
}

class RestartChaosTest : public ::testing::Test {
 public:
  void SetUp() override {
    for (int i = 0; i < kClients * kIdsPerClient; ++i)
      truth_["r" + std::to_string(i)] = IdTruth{};
  }

  // After a restart: what emberd answers against what the clients know, and
  // the registry against the directories and the live shims. Settles the
  // unknowns. Returns the ids that answer GetVMInfo.
  std::set<std::string> check(FcClient& checker, const std::string& when) {
    std::set<std::string> registered;
    for (auto& [id, t] : truth_) {
      auto r = checker.call(Method::get_vm_info, with_id<GetVMInfoRequest>(id), "default", 30s);
      if (t.unknown &&
          (r.status.code() == Code::failed_precondition || r.status.code() == Code::unavailable)) {
        // A StopVM cut off by the kill reached the shim, which is exiting
        // now: the new emberd removes the VM once it has.
        wait_gone(emberd_.vm_dir("default", id), 30s);
        r = checker.call(Method::get_vm_info, with_id<GetVMInfoRequest>(id), "default", 30s);
      }
      const bool ok = r.status.ok();
      if (!ok && r.status.code() != Code::not_found)
        ADD_FAILURE() << when << ": GetVMInfo " << id << ": " << r.status.ToString();
      if (!t.unknown && ok != t.created)
        ADD_FAILURE() << when << ": VM " << id << (t.created ? " was created" : " was stopped")
                      << " but GetVMInfo answers " << r.status.ToString();
      t = IdTruth{ok, false};
      if (ok) registered.insert(id);
    }
    std::set<std::string> dirs, shims;
    for (const auto& entry : list_dir(emberd_.vm_base_dir()))
      dirs.insert(entry.substr(entry.find('#') + 1));
    for (pid_t pid : processes_under(emberd_.root(), "ember-shim")) {
      const std::string id = id_of_shim(pid);
      // A shim killed at emberd's death (it was still starting) may not
      // have finished dying yet: only one that stays is an orphan.
      if (!registered.count(id) && wait_process_exit(pid, 10s)) continue;
      shims.insert(id);
    }
    EXPECT_EQ(registered, dirs) << when << ": VMs answering vs VM directories";
    EXPECT_EQ(registered, shims) << when << ": VMs answering vs live ember-shim processes";
    EXPECT_EQ(list_dir(emberd_.state_dir()).size(), 2 * registered.size())
        << when << ": socket files in state_dir";
    return registered;
  }

  // Stops each registered VM with probability 1/2 (all of them if `all`).
  void stop_some(FcClient& checker, const std::set<std::string>& registered, std::mt19937& rng,
                 bool all) {
    for (const auto& id : registered) {
      if (!all && rng() % 2 == 0) continue;
      auto r = checker.call(Method::stop_vm, with_id<StopVMRequest>(id), "default", 30s);
      EXPECT_TRUE(r.status.ok()) << "StopVM " << id << ": " << r.status.ToString();
      if (r.status.ok()) truth_[id].created = false;
    }
  }

  Emberd emberd_;
  std::map<std::string, IdTruth> truth_;
};

// The rounds: churn, emberd ended by `sig` at a random moment and replaced
// by a new one, check, stop some. Prints the figures.
void run_rounds(RestartChaosTest& t, int sig, const char* rounds_env, uint64_t default_rounds) {
  const uint64_t rounds = env_number(rounds_env, default_rounds);
  const auto seed = static_cast<uint32_t>(env_number("EMBER_CHAOS_SEED", std::random_device{}()));
  const std::string what = sig == SIGKILL ? "restart chaos (SIGKILL)" : "replacement (SIGTERM)";
  std::cout << what << ": " << rounds << " round(s), seed " << seed << std::endl;
  std::mt19937 rng(seed);
  Tally tally;
  uint64_t adopted = 0, killed = 0, removed = 0;
  const auto start = std::chrono::steady_clock::now();
  for (uint64_t round = 1; round <= rounds && !::testing::Test::HasFailure(); ++round) {
    std::vector<std::thread> clients;
    for (int c = 0; c < kClients; ++c) {
      std::vector<std::string> ids;
      for (int k = 0; k < kIdsPerClient; ++k)
        ids.push_back("r" + std::to_string(c * kIdsPerClient + k));
      clients.emplace_back(churn, t.emberd_.socket(), ids, std::ref(t.truth_), std::ref(tally),
                           seed + static_cast<uint32_t>(round * kClients + c));
    }
    // The signal lands at a random moment of the churn.
    std::this_thread::sleep_for(std::chrono::milliseconds(200 + rng() % 1800));
    const int rc = t.emberd_.stop(sig);
    if (sig == SIGTERM) {
      EXPECT_EQ(rc, 0) << "emberd's exit on SIGTERM";
    }
    for (auto& th : clients)
      th.join();
    t.emberd_.restart();
    const std::string log = t.emberd_.log();
    adopted += recovery_count(log, " running VM(s)");
    killed += recovery_count(log, " shim(s) of VMs never created");
    removed += recovery_count(log, " VM dir(s)");

    FcClient checker(t.emberd_.socket());
    const std::string when = "round " + std::to_string(round);
    std::set<std::string> registered = t.check(checker, when);
    std::cout << when << ": " << registered.size() << " VM(s) after the restart" << std::endl;
    t.stop_some(checker, registered, rng, /*all=*/round == rounds);
  }

  FcClient checker(t.emberd_.socket());
  t.stop_some(checker, t.check(checker, "end"), rng, /*all=*/true);
  EXPECT_TRUE(list_dir(t.emberd_.vm_base_dir()).empty());
  EXPECT_TRUE(list_dir(t.emberd_.state_dir()).empty());
  EXPECT_TRUE(processes_under(t.emberd_.root()).empty());
  for (size_t i = 0; i < tally.violations.size() && i < 20; ++i)
    ADD_FAILURE() << tally.violations[i];

  const auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(
                      std::chrono::steady_clock::now() - start)
                      .count();
  std::cout << what << " figures: " << rounds << " round(s) in " << ms / 1000.0 << " s, seed "
            << seed << ", " << tally.calls << " calls (" << tally.creates_ok << " CreateVM OK, "
            << tally.stops_ok << " StopVM OK, " << tally.busy << " RESOURCE_EXHAUSTED, "
            << tally.cut_off << " cut off by the signal); recoveries: " << adopted
            << " VM(s) adopted, " << killed << " shim(s) of VMs never created killed, " << removed
            << " VM dir(s) removed" << std::endl;
}

TEST_F(RestartChaosTest, SigkillDuringChurnLosesNothingAndLeavesNothing) {
  run_rounds(*this, SIGKILL, "EMBER_CHAOS_RESTART_ROUNDS", 8);
}

// Replacement under load: emberd gets SIGTERM (and exits 0) while the 64
// clients churn, and a new one takes over. Every call is answered (OK, or
// UNAVAILABLE "emberd is shutting down", or the connection closes under it);
// every VM created survives the replacement, every VM stopped stays gone.
TEST_F(RestartChaosTest, SigtermReplacementUnderLoadLosesNothing) {
  run_rounds(*this, SIGTERM, "EMBER_CHAOS_REPLACE_ROUNDS", 4);
}

}  // namespace
}  // namespace ember::e2e
