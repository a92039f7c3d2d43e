#include "tests/e2e/qemu_chaos_parts.hpp"

#include <poll.h>
#include <signal.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <algorithm>
#include <nlohmann/json.hpp>
#include <sstream>

#include "base/files.hpp"
#include "fccontrol.pb.h"
#include "tests/shim/vmm/qemu/qemu_guest.hpp"
#include "tests/support/fc_requests.hpp"

namespace ember::e2e {

using msg::Method;
using namespace std::chrono_literals;

namespace {

constexpr auto kCallTimeout = 30s;
constexpr auto kCleanupBound = 60s;  // for a struck VM's processes, dir and sockets to go

template <class Req>
std::string metadata_request(const std::string& id, const std::string& json) {
  Req r;
  r.set_vmid(id);
  r.set_metadata(json);
  return r.SerializeAsString();
}

pid_t parent_of(pid_t pid) {
  const std::string stat = read_file("/proc/" + std::to_string(pid) + "/stat").value_or("");
  auto close = stat.rfind(')');
  if (close == std::string::npos) return -1;
  std::istringstream rest(stat.substr(close + 2));
  char state;
  pid_t parent = -1;
  rest >> state >> parent;
  return parent;
}

std::string exe_of(pid_t pid) {
  char buf[4096];
  ssize_t n = ::readlink(("/proc/" + std::to_string(pid) + "/exe").c_str(), buf, sizeof buf - 1);
  return n > 0 ? std::string(buf, static_cast<size_t>(n)) : std::string("?");
}

bool readable_within(int fd, std::chrono::milliseconds bound) {
  pollfd p{fd, POLLIN, 0};
  return ::poll(&p, 1, static_cast<int>(bound.count())) == 1;
}

}  // namespace

// --- StopFlag, VmBook, Tally -------------------------------------------------

void StopFlag::stop() {
  std::lock_guard<std::mutex> lock(mu_);
  stopped_ = true;
  cv_.notify_all();
}

bool StopFlag::wait_for(std::chrono::milliseconds d) {
  std::unique_lock<std::mutex> lock(mu_);
  return !cv_.wait_for(lock, d, [&] { return stopped_; });
}

VmBook::VmBook(const std::vector<std::string>& ids) {
  for (const auto& id : ids)
    vms_[id];
}

VmRecord VmBook::get(const std::string& id) {
  std::lock_guard<std::mutex> lock(mu_);
  return vms_.at(id);
}

void VmBook::set_up(const std::string& id) {
  std::lock_guard<std::mutex> lock(mu_);
  vms_.at(id).up = true;
}

std::string VmBook::hold_random(const std::vector<std::string>& candidates, std::mt19937& rng) {
  std::lock_guard<std::mutex> lock(mu_);
  std::vector<std::string> up;
  for (const auto& id : candidates)
    if (vms_.at(id).up && !vms_.at(id).held) up.push_back(id);
  if (up.empty()) return {};
  std::uniform_int_distribution<size_t> pick(0, up.size() - 1);
  const std::string id = up[pick(rng)];
  VmRecord& r = vms_.at(id);
  r.held = true;
  ++r.generation;
  return id;
}

void VmBook::release(const std::string& id) {
  std::lock_guard<std::mutex> lock(mu_);
  VmRecord& r = vms_.at(id);
  r.up = false;
  r.held = false;
}

void Tally::count(Method m, const Status& s) {
  ++outcomes[{msg::method_name(m), code_name(s.code())}];
}

void Tally::violation(std::string what) {
  violations.push_back(std::move(what));
}

// --- QemuClient --------------------------------------------------------------

QemuClient::QemuClient(const Emberd& emberd, VmBook& book, std::vector<std::string> ids,
                       uint32_t seed)
    : client_(emberd.socket()), book_(book), ids_(std::move(ids)), rng_(seed) {}

void QemuClient::run(StopFlag& stop) {
  std::uniform_int_distribution<size_t> pick(0, ids_.size() - 1);
  std::uniform_int_distribution<int> pace(0, 20);
  while (stop.wait_for(std::chrono::milliseconds(pace(rng_))))
    step(ids_[pick(rng_)]);
}

void QemuClient::create(const std::string& id) {
  ++creates_;
  auto r = client_.call(Method::create_vm, small_vm_request(id), "default", kCallTimeout);
  ++calls_;
  tally_.count(Method::create_vm, r.status);
  if (r.status.ok()) {
    book_.set_up(id);
  } else {
    tally_.violation("CreateVM " + id + " of a free id: " + r.status.ToString());
  }
}

void QemuClient::step(const std::string& id) {
  const VmRecord before = book_.get(id);
  if (!before.up && !before.held) return create(id);
  const std::string n = std::to_string(calls_ % 100);
  std::pair<Method, std::string> calls[] = {
      {Method::get_vm_info, with_id<GetVMInfoRequest>(id)},
      {Method::pause_vm, with_id<PauseVMRequest>(id)},
      {Method::resume_vm, with_id<ResumeVMRequest>(id)},
      {Method::set_vm_metadata,
       metadata_request<SetVMMetadataRequest>(id, R"({"n":)" + n + R"(,"tags":["a"]})")},
      {Method::update_vm_metadata,
       metadata_request<UpdateVMMetadataRequest>(id, R"({"k":)" + n + "}")},
      {Method::get_vm_metadata, with_id<GetVMMetadataRequest>(id)},
  };
  std::uniform_int_distribution<size_t> which(0, std::size(calls) - 1);
  auto& [method, payload] = calls[which(rng_)];
  auto r = client_.call(method, payload, "default", kCallTimeout);
  ++calls_;
  tally_.count(method, r.status);
  const VmRecord after = book_.get(id);
  const bool struck = before.held || after.held || after.generation != before.generation;
  const Code c = r.status.code();
  const bool went =
      c == Code::not_found || c == Code::unavailable || c == Code::failed_precondition;
  if (r.status.ok() || (struck && went)) return;
  tally_.violation(std::string(msg::method_name(method)) + " " + id +
                   (struck ? " (struck)" : " (untouched)") + ": " + r.status.ToString());
}

// --- QemuKiller --------------------------------------------------------------

QemuKiller::QemuKiller(const Emberd& emberd, VmBook& book, std::vector<std::string> victims,
                       uint32_t seed)
    : emberd_(emberd),
      checker_(emberd.socket()),
      book_(book),
      victims_(std::move(victims)),
      rng_(seed) {}

void QemuKiller::run(StopFlag& stop) {
  std::uniform_int_distribution<int> pause_ms(500, 2000);
  while (stop.wait_for(std::chrono::milliseconds(pause_ms(rng_)))) {
    const std::string id = book_.hold_random(victims_, rng_);
    if (id.empty()) continue;
    strike(id);
    book_.release(id);
  }
}

void QemuKiller::strike(const std::string& id) {
  const std::string dir = emberd_.vm_dir("default", id);
  Struck s;
  s.id = id;
  s.shim = shim_pid_of(dir);
  s.shim_fd.reset(static_cast<int>(::syscall(SYS_pidfd_open, s.shim, 0)));
  if (s.shim <= 0 || !s.shim_fd.valid() || parent_of(s.shim) != emberd_.pid())
    return tally_.violation(id + " is up but has no live shim of emberd (pid " +
                            std::to_string(s.shim) + ")");
  const auto qemus = shimtest::child_pids(s.shim);
  if (qemus.size() != 1)
    return tally_.violation(id + ": shim " + std::to_string(s.shim) + " has " +
                            std::to_string(qemus.size()) + " children, not one QEMU");
  s.qemu = qemus[0];
  // The stray check finds processes by working directory: QEMU must show there.
  const auto below = processes_under(emberd_.root());
  if (std::find(below.begin(), below.end(), s.qemu) == below.end())
    tally_.violation(id + ": QEMU " + std::to_string(s.qemu) + " is not below emberd's root");
  s.qemu_fd.reset(static_cast<int>(::syscall(SYS_pidfd_open, s.qemu, 0)));
  const auto state =
      nlohmann::json::parse(read_file(dir + "/shim-state.json").value_or(""), nullptr, false);
  for (const char* socket : {"shim_socket", "fccontrol_socket"}) {
    if (state.is_discarded() || !state.contains(socket))
      return tally_.violation(id + ": shim-state.json without " + socket);
    s.sockets.push_back(state[socket].get<std::string>());
  }
  std::uniform_int_distribution<int> coin(0, 1);
  const bool kill_qemu = coin(rng_) == 1;
  s.what = kill_qemu ? "its QEMU" : "its shim";
  if (::syscall(SYS_pidfd_send_signal, (kill_qemu ? s.qemu_fd : s.shim_fd).get(), SIGKILL, nullptr,
                0) != 0)
    return tally_.violation(id + ": SIGKILL failed");
  ++(kill_qemu ? qemu_kills_ : shim_kills_);
  check_gone(s);
}

void QemuKiller::check_gone(const Struck& s) {
  const std::string after = "after SIGKILL of " + s.what + " of " + s.id;
  const auto killed = std::chrono::steady_clock::now();
  if (!readable_within(s.shim_fd.get(), kCleanupBound))
    tally_.violation(after + ": shim " + std::to_string(s.shim) + " still runs");
  if (!s.qemu_fd.valid() || !readable_within(s.qemu_fd.get(), kCleanupBound))
    tally_.violation(after + ": QEMU " + std::to_string(s.qemu) + " still runs");
  if (!wait_gone(emberd_.vm_dir("default", s.id), kCleanupBound))
    tally_.violation(after + ": the VM dir is still there");
  slowest_ = std::max(slowest_, std::chrono::duration_cast<std::chrono::milliseconds>(
                                    std::chrono::steady_clock::now() - killed));
  // emberd removes the VM dir last (ShimHost::remove_all): no socket outlives it.
  for (const auto& socket : s.sockets)
    if (path_exists(socket)) tally_.violation(after + ": socket " + socket + " is still there");
  auto r =
      checker_.call(Method::get_vm_info, with_id<GetVMInfoRequest>(s.id), "default", kCallTimeout);
  if (r.status.code() != Code::not_found)
    tally_.violation(after + ": GetVMInfo answers " + r.status.ToString());
  check_no_stray_process(after);
}

void QemuKiller::check_no_stray_process(const std::string& after) {
  for (pid_t child : children_of(emberd_.pid()))
    if (process_state(child) == 'Z')
      tally_.violation(after + ": zombie child " + std::to_string(child) + " of emberd");
  // A shim is emberd's child; its QEMU is a shim's child. Anything else
  // below emberd's root (an orphaned QEMU, reparented) was left behind.
  for (pid_t p : processes_under(emberd_.root())) {
    const pid_t parent = parent_of(p);
    if (p == emberd_.pid() || parent == emberd_.pid() || parent_of(parent) == emberd_.pid())
      continue;
    if (!process_alive(p)) continue;  // exited since the scan
    tally_.violation(after + ": stray process " + std::to_string(p) + " (" + exe_of(p) +
                     ", parent " + std::to_string(parent) + ")");
  }
}

}  // namespace ember::e2e
