// Chaos, end to end: a real emberd (hollow backend, real shims) under churn
// from several clients fighting over a few VM ids, while a killer SIGKILLs
// random shims and clients drop their connections with calls pending.
//
// Checked at quiet points during the run and at the end: every call got
// exactly one reply with an explainable code (chaos_ledger.hpp lists them);
// VMs answering GetVMInfo = VM directories = live shims (emberd's children),
// two socket files per VM, no zombie. At the end, after stopping what is
// left: nothing remains and emberd's fd count is back at its baseline.
//
// Runs EMBER_CHAOS_SECONDS (default 75) seconds; EMBER_CHAOS_SEED replays a
// run's choices (the seed is printed; the timing of course differs).
#include <gtest/gtest.h>
#include <poll.h>
#include <sys/wait.h>

#include <algorithm>
#include <cstdlib>
#include <iostream>
#include <random>
#include <set>
#include <thread>

#include "base/files.hpp"
#include "fccontrol.pb.h"
#include "tests/e2e/chaos_ledger.hpp"
#include "tests/e2e/chaos_workers.hpp"
#include "tests/support/emberd_harness.hpp"
#include "tests/support/fc_requests.hpp"

namespace ember::e2e {
namespace {

using msg::Method;
using namespace std::chrono_literals;

constexpr int kWorkers = 4;
constexpr std::chrono::seconds kSettle{60};  // bound for any one cleanup to show

// What emberd and the OS say exists, taken while nothing moves.
struct Census {
  std::set<std::string> registered;  // ids answering GetVMInfo with OK
  std::set<std::string> dirs;        // ids with a VM directory
  std::set<pid_t> dir_shims;         // pids recorded in those directories
  std::set<pid_t> live_children;     // emberd's children, zombies excluded
  std::set<pid_t> zombies;           // emberd's children in state Z
  size_t state_entries = 0;          // files in state_dir
  std::vector<std::string> problems;
};

class ChaosTest : public ::testing::Test {
 protected:
  void SetUp() override {
    for (int i = 0; i < 6; ++i)
      ids_.push_back("c" + std::to_string(i));
  }

  ttrpc::CallResult call(Method m, const std::string& payload) {
    return checker_.call(m, payload, "default", 30s);
  }

  // Waits until the struck shims exited and emberd removed their VM dirs
  // (unless the id has a new VM since, which only an orphaned call can do).
  void settle(std::vector<Kill> kills) {
    for (auto& k : kills) {
      pollfd p{k.pidfd.get(), POLLIN, 0};
      EXPECT_EQ(::poll(&p, 1, static_cast<int>(kSettle.count() * 1000)), 1)
          << "killed shim " << k.pid << " did not exit";
      pid_t now = shim_pid_of(k.vm_dir);
      if (now == k.pid || now == -1) wait_gone(k.vm_dir, kSettle);
    }
  }

  Census census() {
    Census c;
    for (const auto& id : ids_) {
      auto r = call(Method::get_vm_info, with_id<GetVMInfoRequest>(id));
      if (r.status.code() == Code::failed_precondition || r.status.code() == Code::unavailable) {
        // Stopping, or its shim just died: let that finish, then ask again.
        wait_gone(emberd_.vm_dir("default", id), kSettle);
        r = call(Method::get_vm_info, with_id<GetVMInfoRequest>(id));
      }
      if (r.status.ok()) {
        c.registered.insert(id);
      } else if (r.status.code() != Code::not_found) {
        c.problems.push_back("GetVMInfo " + id + ": " + r.status.ToString());
      }
    }
    for (const auto& entry : list_dir(emberd_.vm_base_dir())) {
      c.dirs.insert(entry.substr(entry.find('#') + 1));
      c.dir_shims.insert(shim_pid_of(emberd_.vm_base_dir() + "/" + entry));
    }
    for (pid_t child : children_of(emberd_.pid()))
      (process_state(child) == 'Z' ? c.zombies : c.live_children).insert(child);
    c.state_entries = list_dir(emberd_.state_dir()).size();
    return c;
  }

  static bool consistent(const Census& c) {
    return c.registered == c.dirs && c.dir_shims == c.live_children && c.zombies.empty() &&
           c.state_entries == 2 * c.dirs.size() && c.problems.empty();
  }

  // A census at a quiet point: a shim killed just before it may still be
  // being cleaned up (its calls answered UNAVAILABLE, its dir going), so a
  // few censuses a short while apart are taken until one is consistent.
  Census settled_census() {
    Census c = census();
    for (int i = 0; i < 20 && !consistent(c); ++i) {
      std::this_thread::sleep_for(std::chrono::milliseconds(100));
      c = census();
    }
    return c;
  }

  void expect_consistent(const Census& c, const std::string& when) {
    EXPECT_EQ(c.registered, c.dirs) << when << ": VMs answering vs VM directories";
    EXPECT_EQ(c.dir_shims, c.live_children) << when << ": shims recorded vs emberd's children";
    EXPECT_TRUE(c.zombies.empty()) << when << ": zombie children of emberd";
    EXPECT_EQ(c.state_entries, 2 * c.dirs.size()) << when << ": socket files in state_dir";
    EXPECT_TRUE(c.problems.empty())
        << when << ": " << (c.problems.empty() ? "" : c.problems.front());
  }

  // Stops every VM left; rounds repeat while a sweep still finds one.
  void stop_everything() {
    for (int round = 0; round < 3; ++round) {
      bool found = false;
      for (const auto& id : ids_) {
        auto r = call(Method::stop_vm, with_id<StopVMRequest>(id));
        found = found || r.status.code() != Code::not_found;
        EXPECT_TRUE(r.status.ok() || r.status.code() == Code::not_found ||
                    r.status.code() == Code::failed_precondition ||
                    r.status.message() == "forcefully terminated VM " + id)
            << "StopVM " << id << ": " << r.status.ToString();
        wait_gone(emberd_.vm_dir("default", id), kSettle);
      }
      if (!found) return;
    }
  }

  // Connections the clients closed are closed by emberd when it reads their
  // EOF; each round trip here gives its I/O thread that turn.
  size_t fds_after_settling(size_t baseline) {
    size_t n = open_fds(emberd_.pid()).size();
    for (int i = 0; i < 200 && n != baseline; ++i) {
      call(Method::get_vm_info, with_id<GetVMInfoRequest>("ghost"));
      n = open_fds(emberd_.pid()).size();
    }
    return n;
  }

  // emberd journals the whole run; the journal must replay without a
  // divergence (issue 10). Large enough never to rotate.
  static EmberdOptions journaling(const std::string& dir) {
    EmberdOptions o;
    o.extra_yaml = "journal:\n  path: " + dir + "/journal\n  max_bytes: 4294967296\n";
    return o;
  }
  // `emberctl replay sim` of the journal: its exit code and output.
  std::pair<int, std::string> replay_journal() {
    std::string out = journal_dir_.path() + "/replay.txt";
    std::string cmd = std::string(EMBERCTL_PATH) + " replay sim " + journal_dir_.path() +
                      "/journal >" + out + " 2>&1";
    int rc = std::system(cmd.c_str());
    // EMBER_CHAOS_KEEP_JOURNAL=DIR keeps a copy of the journal to study.
    if (const char* keep = std::getenv("EMBER_CHAOS_KEEP_JOURNAL"))
      std::system(("cp -r " + journal_dir_.path() + "/. " + keep).c_str());
    return {WIFEXITED(rc) ? WEXITSTATUS(rc) : -1, read_file(out).value_or("")};
  }

  TempDir journal_dir_;
  Emberd emberd_{journaling(journal_dir_.path())};
  FcClient checker_{emberd_.socket()};
  std::vector<std::string> ids_;
};

// Owns the chaos threads: however the test ends, they are finished and joined.
struct Crew {
  explicit Crew(QuiesceGate& g) : gate(g) {}
  ~Crew() {
    gate.finish();
    for (auto& t : threads)
      t.join();
  }
  QuiesceGate& gate;
  std::vector<std::thread> threads;
};

TEST_F(ChaosTest, ChurnKillsAndDisconnectsKeepEveryInvariant) {
  const auto duration = std::chrono::seconds(env_number("EMBER_CHAOS_SECONDS", 75));
  const auto seed = static_cast<uint32_t>(env_number("EMBER_CHAOS_SEED", std::random_device{}()));
  std::cout << "chaos: " << duration.count() << " s, seed " << seed << std::endl;

  // Baseline after one VM cycle (first use allocates lasting fds), with only
  // the checker connected.
  ASSERT_TRUE(call(Method::create_vm, with_id<CreateVMRequest>("warm")).status.ok());
  ASSERT_TRUE(call(Method::stop_vm, with_id<StopVMRequest>("warm")).status.ok());
  const auto baseline_fds = open_fds(emberd_.pid());

  ChurnSettings settings;
  settings.ids = ids_;
  auto ledger = std::make_shared<CallLedger>();
  QuiesceGate gate(kWorkers + 1);
  std::vector<std::unique_ptr<ChurnWorker>> workers;
  for (int i = 0; i < kWorkers; ++i)
    workers.push_back(
        std::make_unique<ChurnWorker>(emberd_.socket(), settings, ledger, gate, seed + i));
  ShimKiller killer(emberd_, gate, seed + kWorkers);
  uint64_t checkpoints = 0;
  {
    Crew crew(gate);
    for (auto& w : workers)
      crew.threads.emplace_back([&w] { w->run(); });
    crew.threads.emplace_back([&killer] { killer.run(); });

    // Quiet points: halfway through a default run, every minute of a long one.
    const auto start = std::chrono::steady_clock::now();
    const auto every = std::min<std::chrono::seconds>(duration / 2, 60s);
    for (auto next = start + every; next + every / 2 <= start + duration; next += every) {
      std::this_thread::sleep_until(next);
      ASSERT_TRUE(gate.pause(120s)) << "the churn did not quiesce";
      settle(killer.take_kills());
      Census c = settled_census();
      std::cout << "checkpoint " << ++checkpoints << ": " << c.registered.size() << " VM(s), "
                << c.live_children.size() << " shim(s)" << std::endl;
      expect_consistent(c, "checkpoint " + std::to_string(checkpoints));
      gate.resume();
    }
    std::this_thread::sleep_until(start + duration);
    ASSERT_TRUE(gate.pause(120s)) << "the churn did not quiesce at the end";
  }  // finished and joined
  settle(killer.take_kills());
  stop_everything();

  Census end = settled_census();
  expect_consistent(end, "end");
  EXPECT_TRUE(end.registered.empty());
  EXPECT_TRUE(end.live_children.empty());
  EXPECT_TRUE(list_dir(emberd_.vm_base_dir()).empty());
  EXPECT_TRUE(list_dir(emberd_.state_dir()).empty());
  EXPECT_EQ(fds_after_settling(baseline_fds.size()), baseline_fds.size())
      << "baseline:\n"
      << describe_fds(baseline_fds) << "now:\n"
      << describe_fds(open_fds(emberd_.pid()));

  // Everything the actors saw is on disk once emberd has exited.
  EXPECT_EQ(emberd_.stop(SIGTERM), 0);
  // The journal replays in sim with no divergence: every recorded reply is
  // reproduced, because sim follows the actors' recorded steps (issue 10).
  auto [replay_rc, replay_out] = replay_journal();
  EXPECT_EQ(replay_rc, 0) << replay_out.substr(0, 4000);
  EXPECT_NE(replay_out.find(" 0 divergences"), std::string::npos) << replay_out.substr(0, 4000);
  EXPECT_EQ(replay_out.find("dropped"), std::string::npos) << replay_out.substr(0, 4000);
  auto line = replay_out.find(" inputs replayed, ");
  if (line != std::string::npos) {
    auto begin = replay_out.rfind('\n', line);
    begin = begin == std::string::npos ? 0 : begin + 1;
    std::cout << "replay sim of the chaos journal: "
              << replay_out.substr(begin, replay_out.find('\n', line) - begin) << "\n";
  }

  auto summary = ledger->summary();
  uint64_t disconnects = 0;
  for (auto& w : workers) {
    disconnects += w->disconnects();
    for (const auto& p : w->problems())
      ADD_FAILURE() << "client: " << p;
  }
  EXPECT_EQ(summary.completed, summary.sent);
  EXPECT_EQ(summary.never_completed, 0u);
  for (size_t i = 0; i < summary.violations.size() && i < 20; ++i)
    ADD_FAILURE() << summary.violations[i];
  EXPECT_TRUE(summary.violations.empty()) << summary.violations.size() << " violation(s)";

  std::cout << "chaos figures: " << duration.count() << " s, seed " << seed << ", " << summary.sent
            << " calls sent, " << summary.completed << " completed, " << killer.kills()
            << " shims killed, " << disconnects << " disconnects (" << summary.abandoned
            << " calls pending), " << checkpoints << " mid-run checkpoint(s)\n";
  for (const auto& [key, n] : summary.outcomes)
    std::cout << "  " << key.first << " " << key.second << ": " << n << "\n";
  std::cout << std::flush;
}

}  // namespace
}  // namespace ember::e2e
