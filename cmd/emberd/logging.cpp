#include "cmd/emberd/logging.hpp"

#include <spdlog/pattern_formatter.h>
#include <spdlog/sinks/stdout_sinks.h>
#include <spdlog/spdlog.h>

#include <chrono>
#include <ctime>
#include <memory>
#include <nlohmann/json.hpp>

#include "cmd/emberd/log_fields.hpp"
#include "config/config.hpp"

namespace ember {
namespace {

// One JSON object per line: {"ts": ..., "level": ..., "msg": ...}, plus "ns",
// "id" and "pid" when the message is about a VM or is a shim's own line
// (log_fields.hpp), whose "ts" and "level" are then the shim's. The message
// is escaped by nlohmann::json, which a pattern string cannot do.
class JsonFormatter final : public spdlog::formatter {
 public:
  void format(const spdlog::details::log_msg& m, spdlog::memory_buf_t& dest) override {
    auto t = std::chrono::system_clock::to_time_t(m.time);
    auto us =
        std::chrono::duration_cast<std::chrono::microseconds>(m.time.time_since_epoch()).count() %
        1000000;
    std::tm tm{};
    gmtime_r(&t, &tm);
    char ts[64];
    std::snprintf(ts, sizeof ts, "%04d-%02d-%02dT%02d:%02d:%02d.%06lldZ", tm.tm_year + 1900,
                  tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec,
                  static_cast<long long>(us));
    const LogFields f = log_fields(std::string_view(m.payload.data(), m.payload.size()));
    nlohmann::ordered_json j{
        {"ts", f.ts.empty() ? std::string(ts) : f.ts},
        {"level",
         f.level.empty() ? std::string(spdlog::level::to_string_view(m.level).data()) : f.level},
        {"msg", f.msg}};
    if (!f.ns.empty()) {
      j["ns"] = f.ns;
      j["id"] = f.id;
      j["source"] = f.source;
    }
    if (f.pid != 0) j["pid"] = f.pid;
    auto s = j.dump(-1, ' ', false, nlohmann::ordered_json::error_handler_t::replace);
    dest.append(s.data(), s.data() + s.size());
    dest.push_back('\n');
  }
  std::unique_ptr<spdlog::formatter> clone() const override {
    return std::make_unique<JsonFormatter>();
  }
};

}  // namespace

Status setup_logging(const config::LogSettings& settings) {
  auto level = spdlog::level::from_str(settings.level);
  if (level == spdlog::level::off && settings.level != "off")
    return Status::InvalidArgument("unknown log level " + settings.level);
  auto logger =
      std::make_shared<spdlog::logger>("ember", std::make_shared<spdlog::sinks::stderr_sink_mt>());
  if (settings.format == config::LogFormat::json)
    logger->set_formatter(std::make_unique<JsonFormatter>());
  else
    logger->set_pattern("%Y-%m-%dT%H:%M:%S.%f %^%l%$ %v");
  logger->set_level(level);
  logger->flush_on(spdlog::level::info);
  spdlog::set_default_logger(logger);
  return Status::Ok();
}

}  // namespace ember
