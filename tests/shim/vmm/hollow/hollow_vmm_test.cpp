#include "shim/vmm/hollow/hollow_vmm.hpp"

#include <gtest/gtest.h>

#include <chrono>
#include <functional>
#include <future>
#include <memory>

#include "io/event_loop.hpp"
#include "shim/vmm/balloon.hpp"

namespace ember::shim::hollow {
namespace {

class HollowVmmTest : public ::testing::Test {
 protected:
  void SetUp() override {
    loop_.start_thread();
    on_loop([this] { vmm_ = std::make_unique<HollowVmm>(loop_, "vm1"); });
  }
  void TearDown() override {
    on_loop([this] { vmm_.reset(); });
  }

  // Runs fn on the loop thread and waits for it.
  void on_loop(std::function<void()> fn) {
    std::promise<void> done;
    loop_.post([&] {
      fn();
      done.set_value();
    });
    ASSERT_EQ(done.get_future().wait_for(std::chrono::seconds(60)), std::future_status::ready);
  }

  // Starts op on the loop thread and waits for its completion, which must
  // not run inside the call.
  Status run(std::function<void(Vmm::Done)> op) {
    std::promise<Status> result;
    auto returned = std::make_shared<bool>(false);
    loop_.post([&, returned] {
      op([&, returned](Status s) {
        EXPECT_TRUE(*returned) << "completion ran inside the call";
        result.set_value(s);
      });
      *returned = true;
    });
    auto f = result.get_future();
    if (f.wait_for(std::chrono::seconds(60)) != std::future_status::ready) {
      return Status::DeadlineExceeded("no completion");
    }
    return f.get();
  }

  Status create(std::optional<BalloonDevice> balloon) {
    VmSpec spec;
    spec.vm_id = "vm1";
    spec.memory_mib = 256;
    spec.balloon = balloon;
    return run([this, spec](Vmm::Done d) { vmm_->create(spec, std::move(d)); });
  }
  Status stats(BalloonStats* out) {
    return run([this, out](Vmm::Done d) {
      vmm_->balloon_stats([out, d](Status s, BalloonStats st) {
        *out = st;
        d(s);
      });
    });
  }

  io::EventLoop loop_;
  std::unique_ptr<HollowVmm> vmm_;
};

TEST_F(HollowVmmTest, PausesAndResumes) {
  ASSERT_TRUE(create(std::nullopt).ok());
  EXPECT_TRUE(run([this](Vmm::Done d) { vmm_->pause(std::move(d)); }).ok());
  EXPECT_TRUE(vmm_->paused());
  EXPECT_TRUE(run([this](Vmm::Done d) { vmm_->pause(std::move(d)); }).ok()) << "idempotent";
  EXPECT_TRUE(run([this](Vmm::Done d) { vmm_->resume(std::move(d)); }).ok());
  EXPECT_FALSE(vmm_->paused());
}

TEST_F(HollowVmmTest, RefusesEverythingBeforeCreate) {
  Status s = run([this](Vmm::Done d) { vmm_->pause(std::move(d)); });
  EXPECT_EQ(s.code(), Code::failed_precondition);
  EXPECT_EQ(s.message(), "VM vm1 is not created");
}

TEST_F(HollowVmmTest, CreatesOnlyOnce) {
  ASSERT_TRUE(create(std::nullopt).ok());
  EXPECT_EQ(create(std::nullopt).code(), Code::already_exists);
}

TEST_F(HollowVmmTest, StopsCleanlyUnlessPaused) {
  ASSERT_TRUE(create(std::nullopt).ok());
  EXPECT_TRUE(run([this](Vmm::Done d) { vmm_->stop(std::chrono::seconds(1), std::move(d)); }).ok());
  Status s = run([this](Vmm::Done d) { vmm_->resume(std::move(d)); });
  EXPECT_EQ(s.code(), Code::failed_precondition);
  EXPECT_EQ(s.message(), "VM vm1 is stopped");
}

// Issue 14: a paused VM is resumed and shut down gracefully (no longer forced).
TEST_F(HollowVmmTest, StoppingAPausedVmResumesItAndStopsCleanly) {
  ASSERT_TRUE(create(std::nullopt).ok());
  ASSERT_TRUE(run([this](Vmm::Done d) { vmm_->pause(std::move(d)); }).ok());
  Status s = run([this](Vmm::Done d) { vmm_->stop(std::chrono::seconds(1), std::move(d)); });
  EXPECT_TRUE(s.ok()) << s.ToString();
}

TEST_F(HollowVmmTest, KeepsTheBalloonTargetAndIntervalAndSynthesizesStats) {
  ASSERT_TRUE(create(BalloonDevice{16, false, 1}).ok());
  EXPECT_EQ(vmm_->balloon_amount_mib(), 16);
  EXPECT_EQ(vmm_->balloon_interval_s(), 1);
  ASSERT_TRUE(run([this](Vmm::Done d) { vmm_->update_balloon(64, std::move(d)); }).ok());
  ASSERT_TRUE(
      run([this](Vmm::Done d) { vmm_->update_balloon_stats_interval(9, std::move(d)); }).ok());
  EXPECT_EQ(vmm_->balloon_amount_mib(), 64);
  EXPECT_EQ(vmm_->balloon_interval_s(), 9);
  BalloonStats st;
  ASSERT_TRUE(stats(&st).ok());
  const BalloonStats expected = synthesized_balloon_stats(256, 64);
  EXPECT_EQ(st.target_mib, expected.target_mib);
  EXPECT_EQ(st.total_memory, expected.total_memory);
  EXPECT_EQ(st.free_memory, expected.free_memory);
}

TEST_F(HollowVmmTest, RefusesInvalidBalloonValuesAndKeepsTheOldOnes) {
  ASSERT_TRUE(create(BalloonDevice{16, false, 1}).ok());
  EXPECT_EQ(run([this](Vmm::Done d) { vmm_->update_balloon(257, std::move(d)); }).code(),
            Code::invalid_argument);
  EXPECT_EQ(
      run([this](Vmm::Done d) { vmm_->update_balloon_stats_interval(-1, std::move(d)); }).code(),
      Code::invalid_argument);
  EXPECT_EQ(vmm_->balloon_amount_mib(), 16);
  EXPECT_EQ(vmm_->balloon_interval_s(), 1);
}

TEST_F(HollowVmmTest, BalloonCallsWithoutADeviceAreFailedPrecondition) {
  ASSERT_TRUE(create(std::nullopt).ok());
  Status s = run([this](Vmm::Done d) { vmm_->update_balloon(1, std::move(d)); });
  EXPECT_EQ(s.code(), Code::failed_precondition);
  EXPECT_EQ(s.message(), "VM vm1 has no balloon device");
  BalloonStats st;
  EXPECT_EQ(stats(&st).code(), Code::failed_precondition);
}

TEST_F(HollowVmmTest, DropsCompletionsPendingWhenItIsDestroyed) {
  ASSERT_TRUE(create(std::nullopt).ok());
  bool ran = false;
  on_loop([&] {
    vmm_->pause([&ran](Status) { ran = true; });
    vmm_.reset();
  });
  on_loop([] {});  // the posted completion had its turn
  EXPECT_FALSE(ran);
}

}  // namespace
}  // namespace ember::shim::hollow
