#include "journal/journal_encoder.hpp"

#include <google/protobuf/io/coded_stream.h>

namespace ember::journal {
namespace {

void set_reply(const msg::RpcReply& in, int32_t* code, std::string* message, std::string* payload) {
  *code = in.code;
  message->assign(in.message);
  payload->assign(in.payload);
}

Completion* completion(Record* r, const entry::Incarnation& of) {
  Completion* c = r->mutable_completion();
  c->set_incarnation(of.number);
  c->mutable_ns()->assign(of.key->ns);
  c->mutable_vm_id()->assign(of.key->id);
  return c;
}

}  // namespace

// Fills the scratch Record of each kind; every field of the kind is set.
struct RecordEncoder::Filler {
  Scratch& scratch;

  Record* operator()(const entry::Rpc& e) const {
    Rpc* r = scratch.rpc.mutable_rpc();
    r->set_rpc_id(e.rpc_id);
    r->set_connection(e.connection);
    r->set_stream_id(e.stream_id);
    r->mutable_ns()->assign(e.ns);
    r->mutable_method()->assign(msg::method_name(e.method));
    r->mutable_payload()->assign(e.payload);
    r->set_timeout_nano(e.timeout_nano);
    return &scratch.rpc;
  }
  Record* operator()(const entry::Reply& e) const {
    Reply* r = scratch.reply.mutable_reply();
    r->set_rpc_id(e.rpc_id);
    int32_t code = 0;
    set_reply(e.reply, &code, r->mutable_message(), r->mutable_payload());
    r->set_code(code);
    return &scratch.reply;
  }
  Record* operator()(const entry::Adopt& e) const {
    Adopt* a = scratch.adopt.mutable_adopt();
    a->mutable_ns()->assign(e.key.ns);
    a->mutable_vm_id()->assign(e.key.id);
    a->set_pid(e.shim.pid);
    a->set_start_time(e.shim.start_time);
    a->mutable_shim_socket()->assign(e.shim.shim_socket);
    a->mutable_fccontrol_socket()->assign(e.shim.fccontrol_socket);
    return &scratch.adopt;
  }
  Record* operator()(const entry::Started& e) const {
    Started* s = completion(&scratch.started, e.of)->mutable_started();
    s->set_code(e.code);
    s->mutable_message()->assign(e.message);
    s->set_pid(e.pid);
    return &scratch.started;
  }
  Record* operator()(const entry::ShimReplied& e) const {
    ShimReply* s = completion(&scratch.shim_reply, e.of)->mutable_shim_reply();
    s->set_call_id(e.call_id);
    int32_t code = 0;
    set_reply(e.reply, &code, s->mutable_message(), s->mutable_payload());
    s->set_code(code);
    return &scratch.shim_reply;
  }
  Record* operator()(const entry::ShimExited& e) const {
    ShimExit* s = completion(&scratch.shim_exit, e.of)->mutable_shim_exit();
    s->set_code(e.exit.code);
    s->set_signal(e.exit.signal);
    return &scratch.shim_exit;
  }
  Record* operator()(const entry::TimerFired& e) const {
    completion(&scratch.timer, e.of)->mutable_timer()->set_token(e.token);
    return &scratch.timer;
  }
};

const Record& RecordEncoder::encode(const entry::Numbered& e) {
  Record* r = std::visit(Filler{scratch_}, e.what);
  r->set_seq(e.seq);
  r->set_mono_nanos(e.mono_nanos);
  r->set_dropped_before(e.dropped_before);
  return *r;
}

size_t RecordEncoder::delimited_size(const Record& r) {
  const size_t size = r.ByteSizeLong();  // caches the sizes append() uses
  return google::protobuf::io::CodedOutputStream::VarintSize32(static_cast<uint32_t>(size)) + size;
}

void RecordEncoder::append(const Record& r, std::string* out) {
  const size_t size = static_cast<size_t>(r.GetCachedSize());
  uint8_t prefix[5];
  uint8_t* end = google::protobuf::io::CodedOutputStream::WriteVarint32ToArray(
      static_cast<uint32_t>(size), prefix);
  out->append(reinterpret_cast<const char*>(prefix), static_cast<size_t>(end - prefix));
  const size_t at = out->size();
  out->resize(at + size);
  r.SerializeWithCachedSizesToArray(reinterpret_cast<uint8_t*>(&(*out)[at]));
}

}  // namespace ember::journal
