// QemuVmm's operations on a running VM: pause/resume, balloon, stop.
#include <signal.h>

#include <spdlog/spdlog.h>

#include "shim/vmm/balloon.hpp"
#include "shim/vmm/qemu/qemu_balloon.hpp"
#include "shim/vmm/qemu/qemu_process.hpp"
#include "shim/vmm/qemu/qemu_vmm.hpp"
#include "shim/vmm/qemu/qmp_client.hpp"

namespace ember::shim::qemu {

void QemuVmm::execute(const std::string& command, Json args,
                      std::function<void(Status, const Json&)> reply) {
  if (!qmp_) {
    later([this, command, reply] {
      reply(Status::Unavailable("VM " + vm_id_ + " has no QMP connection for " + command), Json());
    });
    return;
  }
  qmp_->execute(command, std::move(args), guarded(std::move(reply)));
}

void QemuVmm::run_steps(std::vector<Step> steps, Done done) {
  if (steps.empty()) {
    done(Status::Ok());
    return;
  }
  Step first = steps.front();
  steps.erase(steps.begin());
  execute(first.first, first.second, [this, steps, done](Status s, const Json&) {
    if (!s.ok()) {
      done(s);
      return;
    }
    run_steps(steps, done);
  });
}

Status QemuVmm::check_running() const {
  switch (state_) {
    case State::running:
      return Status::Ok();
    case State::idle:
      return Status::FailedPrecondition("VM " + vm_id_ + " is not created");
    case State::starting:
      return Status::FailedPrecondition("VM " + vm_id_ + " is still starting");
    case State::stopping:
      return Status::FailedPrecondition("VM " + vm_id_ + " is stopping");
    case State::exited:
      break;
  }
  if (boot_failed())
    return Status::FailedPrecondition("VM " + vm_id_ + " failed to boot: " + boot_failure_);
  return Status::FailedPrecondition("VM " + vm_id_ + " has exited");
}

Status QemuVmm::check_balloon() const {
  Status s = check_running();
  if (s.ok() && !has_balloon_) {
    s = Status::FailedPrecondition("VM " + vm_id_ + " has no balloon device");
  }
  return s;
}

void QemuVmm::change_run_state(const char* command, const char* want, Done done) {
  Status s = check_running();
  if (!s.ok()) {
    later([done, s] { done(s); });
    return;
  }
  const std::string cmd = command;
  const std::string wanted = want;
  execute(cmd, Json(), [this, cmd, wanted, done](Status s, const Json&) {
    if (!s.ok()) {
      done(s);
      return;
    }
    execute("query-status", Json(), [this, cmd, wanted, done](Status s, const Json& r) {
      if (s.ok() && qmp_run_status(r) != wanted) {
        s = Status::Internal("VM " + vm_id_ + " is " + qmp_run_status(r) + " after " + cmd +
                             ", not " + wanted);
      }
      done(s);
    });
  });
}

void QemuVmm::pause(Done done) {
  change_run_state("stop", "paused", std::move(done));
}

void QemuVmm::resume(Done done) {
  change_run_state("cont", "running", std::move(done));
}

void QemuVmm::update_balloon(int64_t amount_mib, Done done) {
  Status s = check_balloon();
  if (s.ok()) s = check_balloon_amount(amount_mib, memory_mib_);
  if (!s.ok()) {
    later([done, s] { done(s); });
    return;
  }
  execute("balloon", {{"value", qemu_balloon_value(memory_mib_, amount_mib)}},
          [this, amount_mib, done](Status s, const Json&) {
            if (s.ok()) balloon_target_mib_ = amount_mib;
            done(s);
          });
}

void QemuVmm::balloon_stats(StatsDone done) {
  Status s = check_balloon();
  if (!s.ok()) {
    later([done, s] { done(s, BalloonStats()); });
    return;
  }
  execute("query-balloon", Json(), [this, done](Status s, const Json& balloon) {
    if (!s.ok()) {
      done(s, BalloonStats());
      return;
    }
    execute("qom-get", {{"path", kQemuBalloonPath}, {"property", "guest-stats"}},
            [this, balloon, done](Status s, const Json& guest) {
              BalloonStats stats;
              if (s.ok()) {
                s = qemu_balloon_stats(memory_mib_, balloon_target_mib_, balloon, guest, &stats);
              }
              done(s, stats);
            });
  });
}

void QemuVmm::update_balloon_stats_interval(int64_t seconds, Done done) {
  Status s = check_balloon();
  if (s.ok()) s = check_balloon_interval(seconds);
  if (!s.ok()) {
    later([done, s] { done(s); });
    return;
  }
  execute("qom-set",
          {{"path", kQemuBalloonPath},
           {"property", "guest-stats-polling-interval"},
           {"value", seconds}},
          [done](Status s, const Json&) { done(s); });
}

void QemuVmm::stop(std::chrono::seconds timeout, Done done) {
  if (state_ == State::exited) {  // gone already: nothing left to stop
    later([done] { done(Status::Ok()); });
    return;
  }
  Status s = check_running();
  if (!s.ok()) {
    later([done, s] { done(s); });
    return;
  }
  state_ = State::stopping;
  stop_done_ = std::move(done);
  forced_ = false;
  powerdown_on_ready_ = false;
  cancel_timer(&boot_timer_);  // a stop within the boot is bounded by its own timeout
  const long total_ms = static_cast<long>(timeout.count()) * 1000;
  quit_timer_ = loop_.after(total_ms * 6 / 10, guarded([this] {
                              quit_timer_ = 0;
                              spdlog::warn("the guest did not power off in time: quit");
                              send_quit();
                            }));
  kill_timer_ = loop_.after(total_ms * 9 / 10, guarded([this] {
                              kill_timer_ = 0;
                              spdlog::warn("qemu did not quit in time: SIGKILL");
                              kill_now();
                            }));
  execute("query-status", Json(), [this](Status s, const Json& r) { on_stop_status(s, r); });
}

// A guest shuts down gracefully only when it runs and its power-button
// watcher does: a paused VM is resumed first, a booting guest waited for.
// Only the quit and kill timers force it.
void QemuVmm::on_stop_status(const Status& s, const Json& r) {
  if (state_ != State::stopping) return;
  const std::string status = s.ok() ? qmp_run_status(r) : std::string();
  if (status == "paused") {
    spdlog::info("VM is paused: resuming it to shut it down");
    execute("cont", Json(), [this](Status s, const Json&) {
      if (state_ != State::stopping) return;
      if (!s.ok()) {
        spdlog::warn("cannot resume the VM to stop it ({}): killing it", s.ToString());
        kill_now();
        return;
      }
      execute("query-status", Json(), [this](Status s, const Json& r) { on_stop_status(s, r); });
    });
    return;
  }
  if (status != "running") {
    // A broken guest (QMP failing, internal-error, ...) cannot react to the power button.
    spdlog::info("VM is {}: killing it", s.ok() ? status : s.message());
    kill_now();
    return;
  }
  if (!guest_ready_) {
    // Before its watcher runs, the guest ignores the power button.
    spdlog::info("guest not ready yet: powering it down once it is");
    powerdown_on_ready_ = true;
    return;
  }
  powerdown();
}

void QemuVmm::powerdown() {
  execute("system_powerdown", Json(), [this](Status s, const Json&) {
    if (state_ != State::stopping || s.ok()) return;
    spdlog::warn("system_powerdown failed: {}", s.ToString());
    send_quit();
  });
}

void QemuVmm::send_quit() {
  if (state_ != State::stopping) return;
  cancel_timer(&quit_timer_);
  forced_ = true;
  // A failed quit is left to the kill timer.
  execute("quit", Json(), [](Status s, const Json&) {
    if (!s.ok()) spdlog::debug("quit: {}", s.ToString());
  });
}

void QemuVmm::kill_now() {
  if (!process_.valid() || process_.reaped()) return;
  cancel_timer(&quit_timer_);
  cancel_timer(&kill_timer_);
  forced_ = true;
  process_.signal(SIGKILL);  // an error means it is gone already
}

bool QemuVmm::metadata(MetadataOp op, const std::string& json, MetadataDone done) {
  Status s;
  if (op == MetadataOp::set) s = guest_metadata_.set(json);
  if (op == MetadataOp::update) s = guest_metadata_.update(json);
  std::string text = guest_metadata_.get();
  if (s.ok() && op != MetadataOp::get && mmds_) mmds_->set_document(text);
  later([s, text = std::move(text), done = std::move(done)] { done(s, s.ok() ? text : ""); });
  return true;
}

}  // namespace ember::shim::qemu
