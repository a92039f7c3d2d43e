#pragma once
// spdlog set-up from the config: level and text or JSON-lines output on stderr.
#include "base/status.hpp"

namespace ember::config {
struct LogSettings;
}

namespace ember {

// INVALID_ARGUMENT for an unknown level name.
Status setup_logging(const config::LogSettings& settings);

}  // namespace ember
