#pragma once
// containerd identifier rules for VM ids, namespaces and container ids:
// non-empty, at most 76 characters, ^[A-Za-z0-9]+(?:[._-](?:[A-Za-z0-9]+))*$.
#include <string_view>

#include "base/status.hpp"

namespace ember {

// OK, or INVALID_ARGUMENT naming `what` ("VM id", "namespace") and the reason.
Status validate_identifier(std::string_view id, std::string_view what);

}  // namespace ember
