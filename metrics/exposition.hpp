#pragma once
// TextExposition: writes metric families in the Prometheus text format 0.0.4
// (https://prometheus.io/docs/instrumenting/exposition_formats/): a HELP and a
// TYPE line per family, then its samples. Pure string work, no I/O.
#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include "metrics/histogram.hpp"

namespace ember::metrics {

using Labels = std::vector<std::pair<std::string, std::string>>;

// The Content-Type of the text this writes.
inline constexpr const char* kTextContentType = "text/plain; version=0.0.4; charset=utf-8";

class TextExposition {
 public:
  // type: "counter", "gauge" or "histogram". Every sample written until the
  // next family belongs to this one.
  void family(const std::string& name, const std::string& help, const char* type);
  void sample(const std::string& name, const Labels& labels, double value);
  // name_bucket{...,le="..."} per bucket, then name_sum and name_count.
  void histogram(const std::string& name, const Labels& labels, const Histogram::Snapshot& h);

  const std::string& text() const { return out_; }

 private:
  std::string out_;
};

// A sample value or "le" bound as Prometheus writes it: integers without a
// fraction, others with enough digits to round-trip, +Inf/-Inf/NaN by name.
std::string format_value(double v);
// A label value with \, " and newline escaped.
std::string escape_label_value(const std::string& v);

}  // namespace ember::metrics
