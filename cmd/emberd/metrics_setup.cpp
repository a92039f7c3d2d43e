#include "cmd/emberd/metrics_setup.hpp"

#include <spdlog/spdlog.h>

#include <string>
#include <vector>

#include "config/config.hpp"
#include "config/listen_address.hpp"
#include "journal/journal_writer.hpp"
#include "messages/fccontrol_methods.hpp"

namespace ember {

std::unique_ptr<metrics::Metrics> make_metrics(const config::Config& cfg,
                                               const journal::JournalWriter* journal) {
  if (cfg.metrics.listen.empty()) return nullptr;
  std::vector<std::string> methods;
  for (int i = 0; i < msg::kMethodCount; ++i)
    methods.emplace_back(msg::method_name(static_cast<msg::Method>(i)));
  auto counters =
      std::make_unique<metrics::Metrics>(std::move(methods), config::to_string(cfg.vmm.backend));
  if (journal != nullptr)
    counters->set_journal_drops([journal] { return journal->stats().dropped; });
  return counters;
}

Status start_metrics_server(const config::Config& cfg, const metrics::Metrics& counters,
                            std::unique_ptr<metrics::MetricsServer>* out) {
  config::ListenAddress where;
  if (Status s = config::parse_listen_address(cfg.metrics.listen, &where); !s.ok())
    return Status::InvalidArgument("metrics.listen: " + s.message());
  Status s = metrics::MetricsServer::start(
      where, [&counters] { return counters.render(); }, out);
  if (s.ok()) spdlog::info("metrics: serving Prometheus text on {}/metrics", (*out)->describe());
  return s;
}

}  // namespace ember
