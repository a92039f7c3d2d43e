#include "tests/replay/live/test_journal.hpp"

#include <google/protobuf/io/coded_stream.h>
#include <google/protobuf/io/zero_copy_stream_impl_lite.h>

#include <fstream>

#include "fccontrol.pb.h"

namespace ember::replay::live::test {

TestJournal::TestJournal() {
  journal::Header header;
  header.set_format_version(1);
  header.set_ember_version("test");
  header.set_start_mono_nanos(1'000'000'000);
  append(header);
  header_size_ = bytes_.size();
}

void TestJournal::append(const google::protobuf::MessageLite& message) {
  google::protobuf::io::StringOutputStream stream(&bytes_);
  google::protobuf::io::CodedOutputStream coded(&stream);
  coded.WriteVarint32(static_cast<uint32_t>(message.ByteSizeLong()));
  message.SerializeWithCachedSizes(&coded);
}

void TestJournal::add(journal::Record& record, std::chrono::milliseconds at) {
  record.set_seq(next_seq_++);
  record.set_mono_nanos(std::chrono::nanoseconds(at).count());
  append(record);
}

uint64_t TestJournal::rpc(std::chrono::milliseconds at, const std::string& ns,
                          const std::string& method, const std::string& payload,
                          std::chrono::nanoseconds timeout) {
  journal::Record record;
  journal::Rpc* rpc = record.mutable_rpc();
  rpc->set_rpc_id(next_rpc_id_++);
  rpc->set_connection(1);
  rpc->set_stream_id(static_cast<uint32_t>(2 * rpc->rpc_id() - 1));
  rpc->set_ns(ns);
  rpc->set_method(method);
  rpc->set_payload(payload);
  rpc->set_timeout_nano(timeout.count());
  add(record, at);
  return rpc->rpc_id();
}

void TestJournal::reply(std::chrono::milliseconds at, uint64_t rpc_id, Code code,
                        const std::string& message) {
  journal::Record record;
  journal::Reply* reply = record.mutable_reply();
  reply->set_rpc_id(rpc_id);
  reply->set_code(static_cast<int32_t>(code));
  reply->set_message(message);
  add(record, at);
}

bool TestJournal::write(const std::string& path) const {
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out << bytes_;
  return static_cast<bool>(out.flush());
}

std::string create_vm(const std::string& id) {
  CreateVMRequest r;
  r.set_vmid(id);
  r.mutable_machinecfg()->set_vcpucount(1);
  r.mutable_machinecfg()->set_memsizemib(128);
  return r.SerializeAsString();
}

template <class Request>
std::string with_id(const std::string& id) {
  Request r;
  r.set_vmid(id);
  return r.SerializeAsString();
}

std::string get_vm_info(const std::string& id) {
  return with_id<GetVMInfoRequest>(id);
}
std::string get_vm_metadata(const std::string& id) {
  return with_id<GetVMMetadataRequest>(id);
}
std::string stop_vm(const std::string& id) {
  return with_id<StopVMRequest>(id);
}

std::string set_vm_metadata(const std::string& id, const std::string& json) {
  SetVMMetadataRequest r;
  r.set_vmid(id);
  r.set_metadata(json);
  return r.SerializeAsString();
}

}  // namespace ember::replay::live::test
