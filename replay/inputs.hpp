#pragma once
// The inputs of a journal, indexed once per replay: what each one is, which
// VM it concerns, and the recorded replies by rpc id. CAF-free.
#include <cstddef>
#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "messages/fccontrol_methods.hpp"
#include "replay/replay.hpp"

namespace ember::replay {

enum class InputKind { rpc, adopt, completion };

struct Input {
  size_t record = 0;  // index into Journal::records
  uint64_t seq = 0;
  int64_t mono = 0;  // nanoseconds since the header's start_mono_nanos
  InputKind kind = InputKind::rpc;
  std::string vm;       // "ns/id"; "" for an rpc whose payload names no VM
  size_t vm_index = 0;  // vm's index in Inputs::vms
  // rpc: the method (method_known false: not a method of the service).
  msg::Method method = msg::Method::get_vm_info;
  bool method_known = false;
  // completion: which incarnation of `vm` it belongs to, from 1 (the recorded
  // incarnation numbers count all VMs; this counts this VM's only).
  uint32_t ordinal = 0;
};

struct Inputs {
  std::vector<Input> list;
  std::vector<std::string> vms;          // every vm named, in order of appearance
  std::map<uint64_t, size_t> rpc_input;  // rpc_id -> index in list
  std::map<uint64_t, size_t> reply;      // rpc_id -> record index of its Reply
  std::vector<size_t> steps;             // record indexes of the Step records, in order
};

Inputs index_inputs(const Journal& journal);

// "CreateVM default/vm1" style descriptions for tables and traces.
std::string describe_input(const Journal& journal, const Input& in);
// "OK" or "NOT_FOUND: VM vm1 not found".
std::string code_and_message(int32_t code, const std::string& message);

}  // namespace ember::replay
