#include "bench/lib/report.hpp"

#include <algorithm>
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

}  // namespace ember::bench
