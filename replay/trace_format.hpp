#pragma once
// How the trace shows a message between emberd's actors: one short line with
// no address, pid or wall time in it, so the same journal traces the same
// bytes every time. Replay translation units only (CAF).
#include <caf/fwd.hpp>

#include <functional>
#include <string>

namespace ember::replay {

using NameOf = std::function<std::string(const caf::actor_addr&)>;

std::string describe_message(const caf::type_erased_tuple& m, const NameOf& name_of);

}  // namespace ember::replay
