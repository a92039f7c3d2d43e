#include "replay/live/live_plan.hpp"

#include <map>
#include <unordered_map>
#include <utility>

#include "journal/journal_reader.hpp"
#include "messages/fccontrol_methods.hpp"
#include "messages/fccontrol_payloads.hpp"

namespace ember::replay::live {
namespace {

// Where a Reply record stood in the journal, to order it against Rpc records.
struct ReplyAt {
  uint64_t position = 0;  // index of the record in the file
  RecordedReply reply;
};

// The VM a call addresses, as the frontend would decode it; "" when the
// payload does not decode or the method is not fccontrol's (such a call got
// an error reply without reaching any VM, so it orders against nothing real).
std::string vm_of(const journal::Rpc& rpc) {
  msg::Method method;
  std::string id;
  if (!msg::method_from_name(rpc.method(), &method)) return id;
  if (!msg::decode_vm_id(method, rpc.payload(), &id).ok()) id.clear();
  return id;
}

PlannedCall planned(const journal::Record& record) {
  const journal::Rpc& rpc = record.rpc();
  PlannedCall call;
  call.seq = record.seq();
  call.rpc_id = rpc.rpc_id();
  call.sent_nanos = record.mono_nanos();
  call.ns = rpc.ns();
  call.vm_id = vm_of(rpc);
  call.method = rpc.method();
  call.payload = rpc.payload();
  call.timeout_nano = rpc.timeout_nano();
  return call;
}

// Links each call to the previous call of its VM, and attaches the replies.
void link(const std::vector<uint64_t>& rpc_positions,
          std::unordered_map<uint64_t, ReplyAt>& replies, LivePlan* plan) {
  std::map<std::pair<std::string, std::string>, std::size_t> last_of_vm;
  for (std::size_t i = 0; i < plan->calls.size(); ++i) {
    PlannedCall& call = plan->calls[i];
    auto reply = replies.find(call.rpc_id);
    if (reply != replies.end()) call.recorded = reply->second.reply;
    auto [last, first] = last_of_vm.try_emplace({call.ns, call.vm_id}, i);
    if (first) continue;
    call.previous = last->second;
    auto prev_reply = replies.find(plan->calls[call.previous].rpc_id);
    call.after_answer =
        prev_reply != replies.end() && prev_reply->second.position < rpc_positions[i];
    last->second = i;
  }
  plan->vm_count = last_of_vm.size();
}

}  // namespace

Status read_live_plan(const std::string& path, LivePlan* out) {
  journal::JournalReader reader;
  if (Status st = reader.open(path); !st.ok()) return st;
  LivePlan plan;
  plan.path = path;
  std::vector<uint64_t> rpc_positions;
  std::unordered_map<uint64_t, ReplyAt> replies;
  journal::Record record;
  for (uint64_t position = 0;; ++position) {
    bool end = false;
    if (Status st = reader.next(&record, &end); !st.ok()) return st;
    if (end) break;
    plan.dropped_records += record.dropped_before();
    if (record.has_rpc()) {
      plan.calls.push_back(planned(record));
      plan.calls.back().replies_before = replies.size();
      rpc_positions.push_back(position);
    } else if (record.has_reply()) {
      const journal::Reply& r = record.reply();
      replies[r.rpc_id()] = ReplyAt{position, RecordedReply{r.code(), r.message()}};
    }
  }
  link(rpc_positions, replies, &plan);
  *out = std::move(plan);
  return Status::Ok();
}

}  // namespace ember::replay::live
