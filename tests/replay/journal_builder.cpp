#include "tests/replay/journal_builder.hpp"

#include <google/protobuf/io/coded_stream.h>
#include <google/protobuf/io/zero_copy_stream_impl_lite.h>

#include <fstream>

#include "fccontrol.pb.h"

namespace ember::replaytest {
namespace {

template <class Request>
std::string request_for(const std::string& vm_id) {
  Request req;
  req.set_vmid(vm_id);
  return req.SerializeAsString();
}

std::string payload_for(const std::string& method, const std::string& vm_id) {
  if (method == "CreateVM") return request_for<CreateVMRequest>(vm_id);
  if (method == "StopVM") return request_for<StopVMRequest>(vm_id);
  if (method == "PauseVM") return request_for<PauseVMRequest>(vm_id);
  return request_for<GetVMInfoRequest>(vm_id);
}

void append_delimited(const google::protobuf::MessageLite& m, std::string* out) {
  google::protobuf::io::StringOutputStream stream(out);
  google::protobuf::io::CodedOutputStream coded(&stream);
  coded.WriteVarint32(static_cast<uint32_t>(m.ByteSizeLong()));
  m.SerializeToCodedStream(&coded);
}

}  // namespace

JournalBuilder::JournalBuilder() {
  journal::Header& h = journal_.header;
  h.set_format_version(1);
  h.set_ember_version("test");
  h.set_config_digest("0");
  h.set_start_unix_nanos(1700000000000000000);
  h.set_start_mono_nanos(1000000000);
  h.mutable_settings()->set_max_vms(100);
  h.mutable_settings()->set_max_concurrent_creates(100);
  h.mutable_settings()->set_stop_vm_seconds(5);
  h.mutable_settings()->set_create_vm_seconds(60);
}

journal::Record& JournalBuilder::add() {
  journal::Record& r = journal_.records.emplace_back();
  r.set_seq(journal_.records.size());
  mono_ += 1000;  // a microsecond between records
  r.set_mono_nanos(mono_);
  return r;
}

journal::Completion& JournalBuilder::completion(uint64_t incarnation, const std::string& vm_id) {
  journal::Completion* c = add().mutable_completion();
  c->set_incarnation(incarnation);
  c->set_ns("default");
  c->set_vm_id(vm_id);
  return *c;
}

uint64_t JournalBuilder::rpc(const std::string& method, const std::string& vm_id, uint64_t conn,
                             int64_t timeout_ms, const std::string& ns) {
  journal::Rpc* r = add().mutable_rpc();
  uint64_t id = next_rpc_++;
  r->set_rpc_id(id);
  r->set_connection(conn);
  r->set_stream_id(static_cast<uint32_t>(2 * id + 1));
  r->set_ns(ns);
  r->set_method(method);
  r->set_payload(payload_for(method, vm_id));
  r->set_timeout_nano(timeout_ms * 1000000);
  return id;
}

void JournalBuilder::reply(uint64_t rpc_id, Code code, const std::string& message,
                           const std::string& payload) {
  journal::Reply* r = add().mutable_reply();
  r->set_rpc_id(rpc_id);
  r->set_code(static_cast<int32_t>(code));
  r->set_message(message);
  r->set_payload(payload);
}

void JournalBuilder::adopt(const std::string& vm_id, int32_t pid) {
  journal::Adopt* a = add().mutable_adopt();
  a->set_ns("default");
  a->set_vm_id(vm_id);
  a->set_pid(pid);
  a->set_start_time(12345);
  a->set_shim_socket("/run/ember/s/" + vm_id);
  a->set_fccontrol_socket("/run/ember/s/" + vm_id + ".fc");
}

void JournalBuilder::step(journal::Step::Role role, uint64_t actor, uint64_t sender, uint64_t kind,
                          const std::string& vm_id) {
  journal_.header.set_steps(true);
  journal::Step* s = add().mutable_step();
  s->set_role(role);
  s->set_actor(actor);
  s->set_sender(sender);
  s->set_kind(kind);
  if (vm_id.empty()) return;
  s->set_ns("default");
  s->set_vm_id(vm_id);
}

void JournalBuilder::started(uint64_t incarnation, const std::string& vm_id, Code code,
                             int32_t pid) {
  journal::Started* s = completion(incarnation, vm_id).mutable_started();
  s->set_code(static_cast<int32_t>(code));
  s->set_pid(pid);
}

void JournalBuilder::shim_reply(uint64_t incarnation, const std::string& vm_id, uint64_t call_id,
                                Code code, const std::string& payload) {
  journal::ShimReply* r = completion(incarnation, vm_id).mutable_shim_reply();
  r->set_call_id(call_id);
  r->set_code(static_cast<int32_t>(code));
  r->set_payload(payload);
}

void JournalBuilder::shim_exit(uint64_t incarnation, const std::string& vm_id, int32_t code) {
  completion(incarnation, vm_id).mutable_shim_exit()->set_code(code);
}

bool JournalBuilder::write(const std::string& path) const {
  std::string bytes;
  append_delimited(journal_.header, &bytes);
  for (const journal::Record& r : journal_.records)
    append_delimited(r, &bytes);
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out << bytes;
  return static_cast<bool>(out.flush());
}

JournalBuilder lifecycle_journal(Code info_code) {
  JournalBuilder b;
  uint64_t create = b.rpc("CreateVM", "vm1", 1, 70000);
  b.started(1, "vm1");
  b.shim_reply(1, "vm1", 1);
  b.reply(create, Code::ok);
  b.advance_ms(10);
  uint64_t info = b.rpc("GetVMInfo", "vm1", 1, 30000);
  b.shim_reply(1, "vm1", 2, Code::ok, "info-vm1");
  b.reply(info, info_code, info_code == Code::ok ? "" : "VM vm1 not found",
          info_code == Code::ok ? "info-vm1" : "");
  b.advance_ms(10);
  uint64_t stop = b.rpc("StopVM", "vm1", 1, 30000);
  b.shim_reply(1, "vm1", 3);
  b.shim_exit(1, "vm1");
  b.reply(stop, Code::ok);
  return b;
}

JournalBuilder recreate_journal() {
  JournalBuilder b;
  for (uint64_t inc = 1; inc <= 2; ++inc) {
    uint64_t create = b.rpc("CreateVM", "vm1", inc);
    b.started(inc, "vm1");
    b.shim_reply(inc, "vm1", 1);
    b.reply(create, Code::ok);
    uint64_t stop = b.rpc("StopVM", "vm1", inc);
    b.shim_reply(inc, "vm1", 2);
    b.shim_exit(inc, "vm1");
    b.reply(stop, Code::ok);
  }
  return b;
}

JournalBuilder fleet_journal(int vms, int infos) {
  JournalBuilder b;
  auto id = [](int i) { return "vm" + std::to_string(i); };
  std::vector<uint64_t> rpcs(static_cast<size_t>(vms));
  for (int i = 0; i < vms; ++i)
    rpcs[static_cast<size_t>(i)] = b.rpc("CreateVM", id(i), static_cast<uint64_t>(i + 1));
  for (int i = 0; i < vms; ++i) {
    auto inc = static_cast<uint64_t>(i + 1);
    b.started(inc, id(i));
    b.shim_reply(inc, id(i), 1);
    b.reply(rpcs[static_cast<size_t>(i)], Code::ok);
  }
  for (int k = 0; k < infos; ++k) {
    for (int i = 0; i < vms; ++i)
      rpcs[static_cast<size_t>(i)] = b.rpc("GetVMInfo", id(i), static_cast<uint64_t>(i + 1));
    for (int i = 0; i < vms; ++i) {
      auto call = static_cast<uint64_t>(k + 2);
      b.shim_reply(static_cast<uint64_t>(i + 1), id(i), call, Code::ok, "info-" + id(i));
      b.reply(rpcs[static_cast<size_t>(i)], Code::ok, "", "info-" + id(i));
    }
  }
  for (int i = 0; i < vms; ++i) {
    auto inc = static_cast<uint64_t>(i + 1);
    uint64_t stop = b.rpc("StopVM", id(i), inc);
    b.shim_reply(inc, id(i), static_cast<uint64_t>(infos + 2));
    b.shim_exit(inc, id(i));
    b.reply(stop, Code::ok);
  }
  return b;
}

}  // namespace ember::replaytest
