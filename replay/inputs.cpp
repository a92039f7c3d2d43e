#include "replay/inputs.hpp"

#include "messages/fccontrol_payloads.hpp"

namespace ember::replay {
namespace {

std::string vm_of(const std::string& ns, const std::string& id) {
  return ns + "/" + id;
}

void add_rpc(const journal::Rpc& rpc, Input* in) {
  in->kind = InputKind::rpc;
  in->method_known = msg::method_from_name(rpc.method(), &in->method);
  std::string id;
  if (in->method_known && msg::decode_vm_id(in->method, rpc.payload(), &id).ok())
    in->vm = vm_of(rpc.ns(), id);
}

}  // namespace

Inputs index_inputs(const Journal& journal) {
  Inputs out;
  // Incarnations of one VM follow each other (a new one only after the old
  // one went down), so first appearance order is their order.
  std::map<uint64_t, uint32_t> ordinal_of;  // recorded incarnation -> ordinal
  std::map<std::string, uint32_t> seen;     // vm -> incarnations so far
  std::map<std::string, size_t> vm_index;
  for (size_t i = 0; i < journal.records.size(); ++i) {
    const journal::Record& r = journal.records[i];
    Input in;
    in.record = i;
    in.seq = r.seq();
    in.mono = r.mono_nanos();
    switch (r.entry_case()) {
      case journal::Record::kRpc:
        add_rpc(r.rpc(), &in);
        out.rpc_input.emplace(r.rpc().rpc_id(), out.list.size());
        break;
      case journal::Record::kAdopt:
        in.kind = InputKind::adopt;
        in.vm = vm_of(r.adopt().ns(), r.adopt().vm_id());
        break;
      case journal::Record::kCompletion: {
        const journal::Completion& c = r.completion();
        in.kind = InputKind::completion;
        in.vm = vm_of(c.ns(), c.vm_id());
        auto [it, fresh] = ordinal_of.emplace(c.incarnation(), 0);
        if (fresh) it->second = ++seen[in.vm];
        in.ordinal = it->second;
        break;
      }
      case journal::Record::kReply:
        out.reply.emplace(r.reply().rpc_id(), i);
        continue;
      case journal::Record::kStep:
        out.steps.push_back(i);
        continue;
      default:
        continue;
    }
    auto [v, fresh] = vm_index.emplace(in.vm, out.vms.size());
    if (fresh) out.vms.push_back(in.vm);
    in.vm_index = v->second;
    out.list.push_back(std::move(in));
  }
  return out;
}

std::string code_and_message(int32_t code, const std::string& message) {
  std::string s = code_name(static_cast<Code>(code));
  if (!message.empty()) s += ": " + message;
  return s;
}

std::string describe_input(const Journal& journal, const Input& in) {
  const journal::Record& r = journal.records[in.record];
  switch (in.kind) {
    case InputKind::rpc:
      return "rpc " + std::to_string(r.rpc().rpc_id()) + " " + r.rpc().method() + " " +
             (in.vm.empty() ? r.rpc().ns() + "/?" : in.vm) + " conn " +
             std::to_string(r.rpc().connection());
    case InputKind::adopt:
      return "adopt " + in.vm + " pid " + std::to_string(r.adopt().pid());
    case InputKind::completion:
      break;
  }
  const journal::Completion& c = r.completion();
  std::string who = in.vm + "#" + std::to_string(in.ordinal) + " ";
  switch (c.event_case()) {
    case journal::Completion::kStarted:
      return who + "started " + code_and_message(c.started().code(), c.started().message()) +
             " pid " + std::to_string(c.started().pid());
    case journal::Completion::kShimReply:
      return who + "shim_reply call " + std::to_string(c.shim_reply().call_id()) + " " +
             code_and_message(c.shim_reply().code(), c.shim_reply().message());
    case journal::Completion::kShimExit:
      return who + "shim_exit code " + std::to_string(c.shim_exit().code()) + " signal " +
             std::to_string(c.shim_exit().signal());
    case journal::Completion::kTimer:
      return who + "timer " + std::to_string(c.timer().token());
    default:
      return who + "empty completion";
  }
}

}  // namespace ember::replay
