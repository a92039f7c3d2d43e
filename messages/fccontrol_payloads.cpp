#include "messages/fccontrol_payloads.hpp"

#include "fccontrol.pb.h"

namespace ember::msg {
namespace {

template <class Request>
Status decode_as(const std::string& payload, std::string* vm_id) {
  Request req;
  if (!req.ParseFromString(payload)) {
    return Status::InvalidArgument("cannot decode " + req.GetTypeName());
  }
  *vm_id = req.vmid();
  return Status::Ok();
}

}  // namespace

Status decode_vm_id(Method method, const std::string& payload, std::string* vm_id) {
  switch (method) {
    case Method::create_vm:
      return decode_as<CreateVMRequest>(payload, vm_id);
    case Method::pause_vm:
      return decode_as<PauseVMRequest>(payload, vm_id);
    case Method::resume_vm:
      return decode_as<ResumeVMRequest>(payload, vm_id);
    case Method::stop_vm:
      return decode_as<StopVMRequest>(payload, vm_id);
    case Method::get_vm_info:
      return decode_as<GetVMInfoRequest>(payload, vm_id);
    case Method::set_vm_metadata:
      return decode_as<SetVMMetadataRequest>(payload, vm_id);
    case Method::update_vm_metadata:
      return decode_as<UpdateVMMetadataRequest>(payload, vm_id);
    case Method::get_vm_metadata:
      return decode_as<GetVMMetadataRequest>(payload, vm_id);
    case Method::get_balloon_config:
      return decode_as<GetBalloonConfigRequest>(payload, vm_id);
    case Method::update_balloon:
      return decode_as<UpdateBalloonRequest>(payload, vm_id);
    case Method::get_balloon_stats:
      return decode_as<GetBalloonStatsRequest>(payload, vm_id);
    case Method::update_balloon_stats:
      return decode_as<UpdateBalloonStatsRequest>(payload, vm_id);
  }
  return Status::Unimplemented("unknown method");
}

uint32_t stop_timeout_seconds(const std::string& stop_vm_payload) {
  StopVMRequest req;
  req.ParseFromString(stop_vm_payload);
  return req.timeoutseconds();
}

uint32_t create_timeout_seconds(const std::string& create_vm_payload) {
  CreateVMRequest req;
  return req.ParseFromString(create_vm_payload) ? req.timeoutseconds() : 0;
}

uint32_t create_memory_mib(const std::string& create_vm_payload) {
  CreateVMRequest req;
  return req.ParseFromString(create_vm_payload) ? req.machinecfg().memsizemib() : 0;
}

std::string stop_vm_payload(const std::string& vm_id, uint32_t timeout_seconds) {
  StopVMRequest req;
  req.set_vmid(vm_id);
  req.set_timeoutseconds(timeout_seconds);
  return req.SerializeAsString();
}

}  // namespace ember::msg
