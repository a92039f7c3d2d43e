#include "tests/e2e/chaos_workers.hpp"

#include <signal.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <sstream>

#include "base/files.hpp"
#include "fccontrol.pb.h"
#include "io/ttrpc/ttrpc.hpp"

namespace ember::e2e {

using msg::Method;

// --- QuiesceGate -------------------------------------------------------------

bool QuiesceGate::checkpoint(const std::function<void()>& before_park) {
  std::unique_lock<std::mutex> lock(mu_);
  while (pause_ && !finished_) {
    lock.unlock();
    if (before_park) before_park();
    lock.lock();
    if (!pause_ || finished_) break;
    ++parked_;
    cv_.notify_all();
    cv_.wait(lock, [&] { return !pause_ || finished_; });
    --parked_;
  }
  return !finished_;
}

bool QuiesceGate::pace(std::chrono::milliseconds d) {
  std::unique_lock<std::mutex> lock(mu_);
  return !cv_.wait_for(lock, d, [&] { return pause_ || finished_; });
}

bool QuiesceGate::pause(std::chrono::milliseconds timeout) {
  std::unique_lock<std::mutex> lock(mu_);
  pause_ = true;
  cv_.notify_all();
  return cv_.wait_for(lock, timeout, [&] { return parked_ == participants_; });
}

void QuiesceGate::resume() {
  std::lock_guard<std::mutex> lock(mu_);
  pause_ = false;
  cv_.notify_all();
}

void QuiesceGate::finish() {
  std::lock_guard<std::mutex> lock(mu_);
  finished_ = true;
  cv_.notify_all();
}

// --- ChurnWorker -------------------------------------------------------------

namespace {

template <class Req>
std::string with_id(const std::string& id) {
  Req r;
  r.set_vmid(id);
  return r.SerializeAsString();
}

template <class Req>
std::string metadata_request(const std::string& id, const std::string& json) {
  Req r;
  r.set_vmid(id);
  r.set_metadata(json);
  return r.SerializeAsString();
}

std::string create_request(const std::string& id) {
  CreateVMRequest r;
  r.set_vmid(id);
  r.mutable_machinecfg()->set_vcpucount(1);
  r.mutable_machinecfg()->set_memsizemib(128);
  return r.SerializeAsString();
}

}  // namespace

ChurnWorker::ChurnWorker(std::string socket, ChurnSettings settings,
                         std::shared_ptr<CallLedger> ledger, QuiesceGate& gate, uint32_t seed)
    : socket_(std::move(socket)),
      settings_(std::move(settings)),
      ledger_(std::move(ledger)),
      gate_(gate),
      rng_(seed) {}

ChurnWorker::~ChurnWorker() {
  // A client with calls that never completed stays alive (leaked): closing
  // it would complete them now and hide nothing, but its loop may be wedged.
  std::lock_guard<std::mutex> lock(pending_->mu);
  if (client_ && pending_->outstanding > 0) (void)client_.release();
}

bool ChurnWorker::connect() {
  try {
    client_ = std::make_unique<FcClient>(socket_);
    return true;
  } catch (const std::exception& e) {
    problems_.push_back(std::string("reconnect failed: ") + e.what());
    return false;
  }
}

void ChurnWorker::run() {
  connect();
  auto drain = [this] { wait_outstanding(0); };
  while (gate_.checkpoint(drain)) {
    step();
    std::uniform_int_distribution<int> pace(0, static_cast<int>(settings_.max_pace.count()));
    gate_.pace(std::chrono::milliseconds(pace(rng_)));
  }
  if (wait_outstanding(0) && client_) {
    client_->raw().close();
    client_.reset();
  }
}

bool ChurnWorker::wait_outstanding(int limit) {
  std::unique_lock<std::mutex> lock(pending_->mu);
  // Every call ends by its deadline at the latest; the margin is for a
  // loaded machine. Not ending by then is a hang.
  auto bound = settings_.call_timeout + std::chrono::seconds(30);
  if (pending_->cv.wait_for(lock, bound, [&] { return pending_->outstanding <= limit; }))
    return true;
  problems_.push_back(std::to_string(pending_->outstanding) + " call(s) still pending " +
                      std::to_string(bound.count()) + " ms after their deadline");
  return false;
}

void ChurnWorker::send(Method m, const std::string& id, std::string payload, bool malformed) {
  uint64_t call = ledger_->sent(m, id, malformed);
  {
    std::lock_guard<std::mutex> lock(pending_->mu);
    ++pending_->outstanding;
  }
  ttrpc::CallOptions opts;
  opts.timeout = settings_.call_timeout;
  opts.metadata = {{ttrpc::kNamespaceKey, "default"}};
  client_->raw().call(msg::kFirecrackerService, msg::method_name(m), std::move(payload),
                      std::move(opts),
                      [ledger = ledger_, pending = pending_, call](ttrpc::CallResult r) {
                        bool abandoned;
                        {
                          std::lock_guard<std::mutex> lock(pending->mu);
                          abandoned = pending->abandoning;
                        }
                        ledger->completed(call, r.status, abandoned);
                        std::lock_guard<std::mutex> lock(pending->mu);
                        --pending->outstanding;
                        pending->cv.notify_all();
                      });
}

void ChurnWorker::step() {
  if (!client_ && !connect()) return;
  std::uniform_int_distribution<int> per_mille(0, 999);
  if (per_mille(rng_) < settings_.disconnect_per_mille) {
    disconnect_mid_call();
    return;
  }
  if (!wait_outstanding(settings_.max_outstanding - 1)) return;
  std::uniform_int_distribution<size_t> pick(0, settings_.ids.size() - 1);
  const std::string& id = settings_.ids[pick(rng_)];
  std::uniform_int_distribution<int> percent(0, 99);
  int op = percent(rng_);
  std::string n = std::to_string(percent(rng_));
  if (op < 25) {
    send(Method::create_vm, id, create_request(id), false);
  } else if (op < 45) {
    send(Method::stop_vm, id, with_id<StopVMRequest>(id), false);
  } else if (op < 55) {
    send(Method::pause_vm, id, with_id<PauseVMRequest>(id), false);
  } else if (op < 65) {
    send(Method::resume_vm, id, with_id<ResumeVMRequest>(id), false);
  } else if (op < 75) {
    send(Method::get_vm_info, id, with_id<GetVMInfoRequest>(id), false);
  } else if (op < 83) {
    send(Method::set_vm_metadata, id,
         metadata_request<SetVMMetadataRequest>(id, R"({"n":)" + n + R"(,"tags":["a","b"]})"),
         false);
  } else if (op < 91) {
    std::string patch = op % 2 ? R"({"n":null,"k)" + n + R"(":{"x":1}})" : R"({"n":)" + n + "}";
    send(Method::update_vm_metadata, id, metadata_request<UpdateVMMetadataRequest>(id, patch),
         false);
  } else if (op < 97) {
    send(Method::get_vm_metadata, id, with_id<GetVMMetadataRequest>(id), false);
  } else if (op % 2) {
    send(Method::set_vm_metadata, id, metadata_request<SetVMMetadataRequest>(id, R"({"a":)"), true);
  } else {
    send(Method::update_vm_metadata, id, metadata_request<UpdateVMMetadataRequest>(id, "[1]"),
         true);
  }
}

void ChurnWorker::disconnect_mid_call() {
  // A few calls, then the connection goes with them pending.
  std::uniform_int_distribution<int> count(1, 3);
  std::uniform_int_distribution<size_t> pick(0, settings_.ids.size() - 1);
  for (int i = count(rng_); i > 0; --i) {
    const std::string& id = settings_.ids[pick(rng_)];
    switch (i % 3) {
      case 0:
        send(Method::create_vm, id, create_request(id), false);
        break;
      case 1:
        send(Method::stop_vm, id, with_id<StopVMRequest>(id), false);
        break;
      default:
        send(Method::get_vm_info, id, with_id<GetVMInfoRequest>(id), false);
    }
  }
  {
    std::lock_guard<std::mutex> lock(pending_->mu);
    pending_->abandoning = true;
  }
  client_->raw().close();
  bool drained = wait_outstanding(0);
  {
    std::lock_guard<std::mutex> lock(pending_->mu);
    pending_->abandoning = false;
  }
  ++disconnects_;
  if (!drained) {
    (void)client_.release();  // see the destructor
    return;
  }
  client_.reset();
  connect();
}

// --- ShimKiller --------------------------------------------------------------

namespace {

pid_t parent_pid(pid_t pid) {
  const std::string stat = read_file("/proc/" + std::to_string(pid) + "/stat").value_or("");
  auto close = stat.rfind(')');
  if (close == std::string::npos) return -1;
  std::istringstream rest(stat.substr(close + 2));
  char state;
  pid_t parent = -1;
  rest >> state >> parent;
  return parent;
}

}  // namespace

void ShimKiller::run() {
  std::uniform_int_distribution<int> pause_ms(200, 800);
  while (gate_.checkpoint(nullptr)) {
    if (gate_.pace(std::chrono::milliseconds(pause_ms(rng_)))) strike();
  }
}

void ShimKiller::strike() {
  auto entries = list_dir(emberd_.vm_base_dir());
  if (entries.empty()) return;
  std::uniform_int_distribution<size_t> pick(0, entries.size() - 1);
  std::string dir = emberd_.vm_base_dir() + "/" + entries[pick(rng_)];
  pid_t pid = shim_pid_of(dir);
  if (pid <= 0) return;
  // The pidfd pins this very process: if it is emberd's (live) child, it is
  // a shim, and the signal cannot reach a process that reused the pid.
  UniqueFd pidfd(static_cast<int>(::syscall(SYS_pidfd_open, pid, 0)));
  if (!pidfd.valid() || parent_pid(pid) != emberd_.pid() || process_state(pid) == 'Z') return;
  if (::syscall(SYS_pidfd_send_signal, pidfd.get(), SIGKILL, nullptr, 0) != 0) return;
  std::lock_guard<std::mutex> lock(mu_);
  kills_.push_back(Kill{dir, pid, std::move(pidfd)});
  ++total_;
}

std::vector<Kill> ShimKiller::take_kills() {
  std::lock_guard<std::mutex> lock(mu_);
  std::vector<Kill> out;
  out.swap(kills_);
  return out;
}

}  // namespace ember::e2e
