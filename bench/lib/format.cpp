#include "bench/lib/format.hpp"

#include <cmath>
#include <cstdio>

namespace ember::bench {

std::string format_us(double us) {
  char buf[32];
  const double a = std::fabs(us);
  if (a < 1000.0) {
    std::snprintf(buf, sizeof buf, "%.1f µs", us);
  } else if (a < 1e6) {
    std::snprintf(buf, sizeof buf, "%.2f ms", us / 1e3);
  } else {
    std::snprintf(buf, sizeof buf, "%.2f s", us / 1e6);
  }
  return buf;
}

std::string format_number(double v, int decimals) {
  char buf[64];
  std::snprintf(buf, sizeof buf, "%.*f", decimals, std::fabs(v));
  std::string digits(buf);
  const size_t point = digits.find('.');
  std::string whole = digits.substr(0, point);
  const std::string frac = point == std::string::npos ? "" : digits.substr(point);
  std::string grouped;
  for (size_t i = 0; i < whole.size(); ++i) {
    if (i > 0 && (whole.size() - i) % 3 == 0) grouped += ',';
    grouped += whole[i];
  }
  return (v < 0 ? "-" : "") + grouped + frac;
}

std::vector<std::string> latency_columns(const std::string& first) {
  return {first, "count", "p50", "p99", "max"};
}

std::vector<std::string> latency_row(const std::string& name, const Summary& s) {
  return {name, format_number(static_cast<double>(s.count)), format_us(s.p50_us),
          format_us(s.p99_us), format_us(s.max_us)};
}

std::string format_kib(long kib) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.1f MiB", static_cast<double>(kib) / 1024.0);
  return buf;
}

}  // namespace ember::bench
