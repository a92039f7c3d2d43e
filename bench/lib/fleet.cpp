#include "bench/lib/fleet.hpp"

#include <cstdio>
#include <memory>

#include "bench/lib/progress.hpp"
#include "bench/lib/target.hpp"
#include "io/event_loop.hpp"
#include "messages/fccontrol_methods.hpp"
#include "messages/stop_status.hpp"

namespace ember::bench {
namespace {

CreateVMRequest request_of(const VmTemplate& vm) {
  CreateVMRequest req;
  if (vm.vcpus > 0 || vm.mem_mib > 0) {
    req.mutable_machinecfg()->set_vcpucount(vm.vcpus);
    req.mutable_machinecfg()->set_memsizemib(vm.mem_mib);
  }
  if (!vm.kernel.empty()) req.set_kernelimagepath(vm.kernel);
  if (!vm.kernel_args.empty()) req.set_kernelargs(vm.kernel_args);
  if (!vm.root_drive.empty()) req.mutable_rootdrive()->set_hostpath(vm.root_drive);
  req.set_timeoutseconds(vm.create_timeout_seconds);
  return req;
}

}  // namespace

Fleet::Fleet(Target& target, std::string id_prefix, const VmTemplate& vm, size_t capacity)
    : target_(target),
      prefix_(std::move(id_prefix)),
      proto_(request_of(vm)),
      create_timeout_(target.create_timeout(vm.create_timeout_seconds)),
      stop_timeout_(target.call_timeout()),
      state_(capacity, VmState::none) {}

Fleet::~Fleet() {
  if (live().empty()) return;
  RunStats st = stop_all(16, nullptr, nullptr);
  const auto left = live();
  if (!left.empty()) {
    std::fprintf(stderr, "warning: %zu VM(s) of this bench could not be stopped (first: %s: %s)\n",
                 left.size(), id(left.front()).c_str(), st.errors.first().ToString().c_str());
  }
}

void Fleet::create(size_t index, Done done) {
  CreateVMRequest req = proto_;
  req.set_vmid(id(index));
  const auto sent = Clock::now();
  target_.call(
      msg::method_name(msg::Method::create_vm), req, create_timeout_,
      [this, index, sent, done](ttrpc::CallResult r) {
        const auto took = Clock::now() - sent;
        const Code c = r.status.code();
        if (r.status.ok()) {
          state_[index] = VmState::alive;
        } else if (c == Code::deadline_exceeded || c == Code::unavailable || c == Code::cancelled) {
          // The server may still finish creating it.
          state_[index] = VmState::maybe;
        }
        done(r.status, took);
      });
}

void Fleet::stop(size_t index, Done done) {
  StopVMRequest req;
  req.set_vmid(id(index));
  const auto sent = Clock::now();
  target_.call(msg::method_name(msg::Method::stop_vm), req, stop_timeout_,
               [this, index, sent, done](ttrpc::CallResult r) {
                 const auto took = Clock::now() - sent;
                 const Code c = r.status.code();
                 const bool was_maybe = state_[index] == VmState::maybe;
                 // A forced stop leaves no VM either.
                 const bool forced = msg::is_forced_stop(r.status);
                 if (r.status.ok() || c == Code::not_found || forced) state_[index] = VmState::none;
                 // Stopping a VM whose create timed out is cleanup, not a failure.
                 done(c == Code::not_found && was_maybe ? Status::Ok() : r.status, took);
               });
}

std::vector<size_t> Fleet::live() const {
  std::vector<size_t> out;
  for (size_t i = 0; i < state_.size(); ++i)
    if (state_[i] != VmState::none) out.push_back(i);
  return out;
}

RunStats Fleet::stop_all(size_t concurrency, Progress* progress, Samples* latency) {
  auto todo = std::make_shared<std::vector<size_t>>(live());
  RunLimits limits;
  limits.count = todo->size();
  limits.concurrency = concurrency;
  if (progress != nullptr) progress->start("stop", todo->size());
  RunStats st = run_closed_loop(
      target_.loop(), limits,
      [this, todo, latency](size_t i, Finish finish) {
        stop((*todo)[i], [latency, finish](const Status& s, std::chrono::nanoseconds took) {
          if (s.ok() && latency != nullptr) latency->add(took);
          finish(s);
        });
      },
      progress);
  if (progress != nullptr) progress->finish();
  return st;
}

}  // namespace ember::bench
