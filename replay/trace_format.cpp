#include "replay/trace_format.hpp"

#include <caf/actor_addr.hpp>
#include <caf/system_messages.hpp>
#include <caf/type_erased_tuple.hpp>

#include "messages/vm_protocol.hpp"
#include "replay/inputs.hpp"

namespace ember::replay {
namespace {

using namespace msg;

std::string reply_text(const RpcReply& r) {
  std::string s = code_and_message(r.code, r.message);
  if (!r.payload.empty()) s += " (" + std::to_string(r.payload.size()) + " B)";
  return s;
}

std::string call_text(const VmCall& c) {
  return std::string(method_name(c.method)) + " timeout " + std::to_string(c.timeout_ms) + " ms";
}

std::string reason_text(const caf::error& reason) {
  Method method;
  RpcReply outcome;
  if (read_vm_end_reason(reason, &method, &outcome))
    return std::string("ended with ") + method_name(method) + " " + reply_text(outcome);
  return reason ? caf::to_string(reason) : "normal";
}

// The actors' own messages; false for anything else.
bool describe_protocol(const caf::type_erased_tuple& m, std::string* out) {
  if (m.match_elements<rpc_atom, InboundRpc>()) {
    const auto& r = m.get_as<InboundRpc>(1);
    *out = std::string("rpc ") + method_name(r.method) + " ns " + r.ns;
  } else if (m.match_elements<call_atom, VmKey, VmCall>()) {
    const auto& k = m.get_as<VmKey>(1);
    *out = "call " + k.ns + "/" + k.id + " " + call_text(m.get_as<VmCall>(2));
  } else if (m.match_elements<call_atom, VmCall>()) {
    *out = "call " + call_text(m.get_as<VmCall>(1));
  } else if (m.match_elements<adopt_atom, VmKey, ShimRecord>()) {
    const auto& k = m.get_as<VmKey>(1);
    *out = "adopt " + k.ns + "/" + k.id + " pid " + std::to_string(m.get_as<ShimRecord>(2).pid);
  } else if (m.match_elements<adopt_atom, ShimRecord>()) {
    *out = "adopt pid " + std::to_string(m.get_as<ShimRecord>(1).pid);
  } else if (m.match_elements<RpcReply>()) {
    *out = "reply " + reply_text(m.get_as<RpcReply>(0));
  } else if (m.match_elements<started_atom, RpcReply, int32_t>()) {
    *out = "started " + reply_text(m.get_as<RpcReply>(1)) + " pid " +
           std::to_string(m.get_as<int32_t>(2));
  } else if (m.match_elements<shim_reply_atom, uint64_t, RpcReply>()) {
    *out = "shim_reply call " + std::to_string(m.get_as<uint64_t>(1)) + " " +
           reply_text(m.get_as<RpcReply>(2));
  } else if (m.match_elements<shim_exit_atom, ShimExit>()) {
    const auto& e = m.get_as<ShimExit>(1);
    *out = "shim_exit code " + std::to_string(e.code) + " signal " + std::to_string(e.signal);
  } else if (m.match_elements<timer_atom, uint64_t>()) {
    *out = "timer " + std::to_string(m.get_as<uint64_t>(1));
  } else {
    return false;
  }
  return true;
}

}  // namespace

std::string describe_message(const caf::type_erased_tuple& m, const NameOf& name_of) {
  std::string out;
  if (describe_protocol(m, &out)) return out;
  if (m.match_elements<caf::down_msg>()) {
    const auto& d = m.get_as<caf::down_msg>(0);
    return "down " + name_of(d.source) + " " + reason_text(d.reason);
  }
  if (m.match_elements<caf::exit_msg>()) {
    const auto& e = m.get_as<caf::exit_msg>(0);
    return "exit " + name_of(e.source) + " " + reason_text(e.reason);
  }
  if (m.match_elements<caf::error>()) return "error " + caf::to_string(m.get_as<caf::error>(0));
  if (m.match_elements<count_atom>()) return "count";
  if (m.match_elements<uint32_t>()) return "count " + std::to_string(m.get_as<uint32_t>(0));
  return m.stringify();
}

}  // namespace ember::replay
