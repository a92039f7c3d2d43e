#include "shim/vmm/qemu/qemu_reporting.hpp"

#include <unistd.h>

#include <chrono>
#include <iterator>
#include <sstream>
#include <vector>

#include <nlohmann/json.hpp>

#include "base/files.hpp"

namespace ember::shim::qemu {

Status QemuReporting::open(io::EventLoop& loop, const VmSpec& spec,
                           std::unique_ptr<QemuReporting>* out) {
  std::unique_ptr<QemuReporting> r(new QemuReporting(loop));
  Status s;
  if (!spec.log_fifo.empty()) s = VmmFifo::open("LogFifoPath", spec.log_fifo, &r->log_);
  if (s.ok() && !spec.metrics_fifo.empty()) {
    s = VmmFifo::open("MetricsFifoPath", spec.metrics_fifo, &r->metrics_);
  }
  if (!s.ok()) return s;  // r removes what it made
  *out = std::move(r);
  return Status::Ok();
}

QemuReporting::~QemuReporting() {
  ended();
}

void QemuReporting::log(const std::string& line) {
  if (log_) log_->write_line(line);
}

void QemuReporting::running(pid_t pid) {
  pid_ = pid;
  sample();
}

void QemuReporting::ended() {
  if (timer_ != 0) loop_.cancel_watch(timer_);
  timer_ = 0;
  pid_ = -1;
}

void QemuReporting::sample() {
  timer_ = 0;
  if (!metrics_ || pid_ < 0) return;
  const std::string line = metrics_sample(pid_);
  if (!line.empty()) metrics_->write_line(line);
  timer_ = loop_.after(kMetricsPeriodMs, [this] { sample(); });
}

std::string QemuReporting::metrics_sample(pid_t pid) {
  const std::string proc = "/proc/" + std::to_string(pid);
  const auto stat = read_file(proc + "/stat");
  const auto statm = read_file(proc + "/statm");
  if (!stat || !statm) return "";
  // Fields after the command name, which ends at the last ')': state is
  // field 3, utime 14, stime 15, num_threads 20.
  std::istringstream in(stat->substr(stat->rfind(')') + 2));
  std::vector<std::string> f((std::istream_iterator<std::string>(in)),
                             std::istream_iterator<std::string>());
  if (f.size() < 18) return "";
  const long tick = ::sysconf(_SC_CLK_TCK);
  const auto ms = [tick](const std::string& ticks) { return std::stoll(ticks) * 1000 / tick; };
  long long resident = 0;
  std::istringstream(*statm) >> resident >> resident;
  const auto now = std::chrono::duration_cast<std::chrono::milliseconds>(
      std::chrono::system_clock::now().time_since_epoch());
  nlohmann::json j = {{"utc_timestamp_ms", now.count()},
                      {"vmm",
                       {{"pid", pid},
                        {"utime_ms", ms(f[11])},
                        {"stime_ms", ms(f[12])},
                        {"rss_kib", resident * (::sysconf(_SC_PAGESIZE) / 1024)},
                        {"threads", std::stoll(f[17])}}}};
  return j.dump();
}

}  // namespace ember::shim::qemu
