#pragma once
// emberd's metrics (docs/operations-metrics.md): the counters, made only when
// metrics.listen is set, and the endpoint that serves them.
#include <memory>

#include "base/status.hpp"
#include "metrics/ember_metrics.hpp"
#include "metrics/metrics_server.hpp"

namespace ember {
namespace config {
struct Config;
}
namespace journal {
class JournalWriter;
}

// Null when metrics.listen is empty: then nothing is counted. journal (may be
// null) must outlive the result: its drops are read at each scrape.
std::unique_ptr<metrics::Metrics> make_metrics(const config::Config& cfg,
                                               const journal::JournalWriter* journal);
// Serves counters (which must outlive *out) on metrics.listen. Errors name
// the address.
Status start_metrics_server(const config::Config& cfg, const metrics::Metrics& counters,
                            std::unique_ptr<metrics::MetricsServer>* out);

}  // namespace ember
