#include "cmd/emberctl/bench_report.hpp"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <ostream>

namespace ember::bench {
namespace {

// Display width: "µ" is two bytes but one column.
size_t width(const std::string& s) {
  size_t n = 0;
  for (unsigned char c : s)
    if ((c & 0xC0) != 0x80) ++n;
  return n;
}

void pad(std::ostream& out, size_t n) {
  for (size_t i = 0; i < n; ++i)
    out << ' ';
}

void print_table(const ReportTable& t, std::ostream& out) {
  std::vector<size_t> w(t.columns.size(), 0);
  for (size_t c = 0; c < t.columns.size(); ++c)
    w[c] = width(t.columns[c]);
  for (const auto& row : t.rows)
    for (size_t c = 0; c < row.size() && c < w.size(); ++c)
      w[c] = std::max(w[c], width(row[c]));
  auto line = [&](const std::vector<std::string>& cells) {
    for (size_t c = 0; c < w.size(); ++c) {
      const std::string& cell = c < cells.size() ? cells[c] : std::string();
      if (c > 0) out << "  ";
      if (c == 0) {
        out << cell;
        if (c + 1 < w.size()) pad(out, w[c] - width(cell));
      } else {
        pad(out, w[c] - width(cell));
        out << cell;
      }
    }
    out << '\n';
  };
  if (!t.title.empty()) out << t.title << '\n';
  line(t.columns);
  for (const auto& row : t.rows)
    line(row);
}

}  // namespace

void print_report(const Report& report, bool json, std::ostream& out) {
  if (json) {
    out << report.json.dump(-1, ' ', false, nlohmann::ordered_json::error_handler_t::replace)
        << '\n';
    out.flush();
    return;
  }
  bool first = true;
  for (const auto& t : report.tables) {
    if (!first) out << '\n';
    first = false;
    print_table(t, out);
  }
  if (!report.notes.empty()) out << '\n';
  for (const auto& n : report.notes)
    out << n << '\n';
  out.flush();
}

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
