#include "shimproc/tombstone_record.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <cerrno>
#include <nlohmann/json.hpp>

#include "base/files.hpp"
#include "base/unique_fd.hpp"
#include "base/utf8_text.hpp"
#include "shimproc/launch_contract.hpp"

namespace ember::shimproc {
namespace {

// The last max_bytes of a regular file ("" if missing or unreadable).
std::string file_tail(const std::string& path, size_t max_bytes) {
  UniqueFd fd(::open(path.c_str(), O_RDONLY | O_CLOEXEC | O_NOFOLLOW | O_NONBLOCK));
  struct stat st {};
  if (!fd || ::fstat(fd.get(), &st) != 0 || !S_ISREG(st.st_mode) || max_bytes == 0) return {};
  const size_t size = static_cast<size_t>(st.st_size);
  const size_t n = size < max_bytes ? size : max_bytes;
  std::string out(n, '\0');
  size_t got = 0;
  while (got < n) {
    const ssize_t r =
        ::pread(fd.get(), out.data() + got, n - got, static_cast<off_t>(size - n + got));
    if (r < 0 && errno == EINTR) continue;
    if (r <= 0) break;
    got += static_cast<size_t>(r);
  }
  out.resize(got);
  return out;
}

// Unix ms of a file's last change; 0 when it does not exist.
int64_t mtime_ms(const std::string& path) {
  struct stat st {};
  if (::lstat(path.c_str(), &st) != 0) return 0;
  return int64_t{st.st_mtim.tv_sec} * 1000 + st.st_mtim.tv_nsec / 1000000;
}

bool exists(const std::string& path) {
  struct stat st {};
  return ::lstat(path.c_str(), &st) == 0;
}

nlohmann::json time_or_null(int64_t ms) {
  return ms > 0 ? nlohmann::json(utc_time(ms)) : nlohmann::json(nullptr);
}

}  // namespace

std::string utc_time(int64_t unix_ms) {
  const time_t secs = static_cast<time_t>(unix_ms / 1000);
  struct tm tm {};
  ::gmtime_r(&secs, &tm);
  char buf[32];
  const size_t n = ::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%S", &tm);
  char ms[8];
  ::snprintf(ms, sizeof ms, ".%03dZ", static_cast<int>(unix_ms % 1000));
  return std::string(buf, n) + ms;
}

std::string console_tail(const std::string& vm_dir, size_t max_bytes) {
  std::string tail = file_tail(vm_dir + "/" + kConsoleLogFile, max_bytes);
  if (tail.size() < max_bytes)
    tail = file_tail(vm_dir + "/" + kConsoleOldLogFile, max_bytes - tail.size()) + tail;
  return tail;
}

bool make_tombstone(const std::string& vm_dir, const TombstoneFacts& facts, size_t tail_bytes,
                    std::string* out) {
  const bool has_console = exists(vm_dir + "/" + kConsoleLogFile);
  if (facts.end.only_with_console && !has_console) return false;
  const std::string tail = console_tail(vm_dir, tail_bytes);
  std::string vmm_exit;
  (void)read_file(vm_dir + "/" + kVmmExitFile, &vmm_exit);
  while (!vmm_exit.empty() && vmm_exit.back() == '\n')
    vmm_exit.pop_back();
  const int64_t created =
      facts.created_ms > 0 ? facts.created_ms : mtime_ms(vm_dir + "/" + kStateFile);
  nlohmann::ordered_json j = {
      {"namespace", facts.key.ns},
      {"id", facts.key.id},
      {"backend", facts.backend},
      {"cause", facts.end.cause},
      {"detail", facts.end.detail},
      {"shim_exit", facts.end.shim_exited
                        ? nlohmann::ordered_json{{"code", facts.end.shim_exit.code},
                                                 {"signal", facts.end.shim_exit.signal}}
                        : nlohmann::ordered_json(nullptr)},
      {"vmm_exit",
       vmm_exit.empty() ? nlohmann::ordered_json(nullptr) : nlohmann::ordered_json(vmm_exit)},
      {"created", time_or_null(created)},
      {"ready", time_or_null(mtime_ms(vm_dir + "/" + kGuestReadyFile))},
      {"exited", time_or_null(facts.exited_ms)},
      {"has_console", has_console},
      {"console_tail_bytes", tail.size()},
      {"console_tail", valid_utf8(tail)},
  };
  *out = j.dump(2, ' ', false, nlohmann::ordered_json::error_handler_t::replace) + "\n";
  return true;
}

msg::VmEnd with_boot_failure(msg::VmEnd end, const std::string& reason) {
  if (reason.empty()) return end;
  end.detail = reason + "; then " + end.cause + (end.detail.empty() ? "" : ": " + end.detail);
  end.cause = "boot-watchdog";
  return end;
}

}  // namespace ember::shimproc
