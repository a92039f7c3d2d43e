#include "metrics/exposition.hpp"

#include <cmath>
#include <cstdio>
#include <cstdlib>

namespace ember::metrics {
namespace {

// HELP text escapes only backslash and newline.
std::string escape_help(const std::string& s) {
  std::string out;
  for (char c : s) {
    if (c == '\\')
      out += "\\\\";
    else if (c == '\n')
      out += "\\n";
    else
      out += c;
  }
  return out;
}

void append_labels(std::string* out, const Labels& labels) {
  if (labels.empty()) return;
  *out += '{';
  bool first = true;
  for (const auto& [k, v] : labels) {
    if (!first) *out += ',';
    first = false;
    *out += k + "=\"" + escape_label_value(v) + "\"";
  }
  *out += '}';
}

}  // namespace

std::string format_value(double v) {
  if (std::isnan(v)) return "NaN";
  if (std::isinf(v)) return v > 0 ? "+Inf" : "-Inf";
  char buf[32];
  if (v == std::trunc(v) && std::fabs(v) < 1e15) {
    std::snprintf(buf, sizeof buf, "%.0f", v);
    return buf;
  }
  // The shortest of 15..17 digits that reads back as v: "0.1", not
  // "0.10000000000000001".
  for (int digits = 15; digits < 17; ++digits) {
    std::snprintf(buf, sizeof buf, "%.*g", digits, v);
    if (std::strtod(buf, nullptr) == v) return buf;
  }
  std::snprintf(buf, sizeof buf, "%.17g", v);
  return buf;
}

std::string escape_label_value(const std::string& v) {
  std::string out;
  for (char c : v) {
    if (c == '\\')
      out += "\\\\";
    else if (c == '"')
      out += "\\\"";
    else if (c == '\n')
      out += "\\n";
    else
      out += c;
  }
  return out;
}

void TextExposition::family(const std::string& name, const std::string& help, const char* type) {
  out_ += "# HELP " + name + " " + escape_help(help) + "\n";
  out_ += "# TYPE " + name + " " + type + "\n";
}

void TextExposition::sample(const std::string& name, const Labels& labels, double value) {
  out_ += name;
  append_labels(&out_, labels);
  out_ += " " + format_value(value) + "\n";
}

void TextExposition::histogram(const std::string& name, const Labels& labels,
                               const Histogram::Snapshot& h) {
  for (size_t i = 0; i < h.cumulative.size(); ++i) {
    Labels with_le = labels;
    double le = i < h.bounds.size() ? h.bounds[i] : INFINITY;
    with_le.emplace_back("le", format_value(le));
    sample(name + "_bucket", with_le, static_cast<double>(h.cumulative[i]));
  }
  sample(name + "_sum", labels, h.sum_seconds);
  sample(name + "_count", labels, static_cast<double>(h.count));
}

}  // namespace ember::metrics
