#include "shim/vm_events.hpp"

#include "events.pb.h"
#include "shim/event_publisher.hpp"

namespace ember::shim {

void publish_vm_event(EventPublisher& publisher, VmEvent event, const std::string& vm_id) {
  if (event == VmEvent::started) {
    VMStart start;
    start.set_vmid(vm_id);
    publisher.publish(kVmStartTopic, start);
  } else {
    VMStop stop;
    stop.set_vmid(vm_id);
    publisher.publish(kVmStopTopic, stop);
  }
}

}  // namespace ember::shim
