#include "shimproc/shim_log_level.hpp"

namespace ember::shimproc {
namespace {

// The next space-separated token of *rest, consumed.
std::string_view next_token(std::string_view* rest) {
  const auto start = rest->find_first_not_of(' ');
  if (start == std::string_view::npos) return {};
  const auto end = rest->find(' ', start);
  std::string_view token = rest->substr(start, end - start);
  *rest = end == std::string_view::npos ? std::string_view() : rest->substr(end);
  return token;
}

}  // namespace

spdlog::level::level_enum shim_line_level(std::string_view line) {
  std::string_view rest = line;
  next_token(&rest);  // the time
  const std::string_view level = next_token(&rest);
  if (next_token(&rest).substr(0, 11) != "ember-shim[") return spdlog::level::info;
  for (auto l : {spdlog::level::trace, spdlog::level::debug, spdlog::level::info,
                 spdlog::level::warn, spdlog::level::err, spdlog::level::critical}) {
    if (level == spdlog::level::to_string_view(l)) return l;
  }
  return spdlog::level::info;
}

}  // namespace ember::shimproc
