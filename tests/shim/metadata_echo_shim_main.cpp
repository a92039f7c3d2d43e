// metadata-echo-shim: a stand-in for ember-shim under the launch contract
// that answers every fccontrol call with OK, and GetVMInfo with the ttrpc
// metadata of that call in SocketPath ("key=value" lines), so a test can see
// what emberd forwards to a shim. It exits once its StopVM reply is out.
#include <string>

#include "fccontrol.pb.h"
#include "io/event_loop.hpp"
#include "io/ttrpc/ttrpc.hpp"
#include "messages/fccontrol_methods.hpp"
#include "shim/launch.hpp"
#include "shim/shim_args.hpp"

namespace {

using namespace ember;

std::string metadata_lines(const ttrpc::Metadata& md) {
  std::string out;
  for (const auto& [key, value] : md)
    out += key + "=" + value + "\n";
  return out;
}

void answer(msg::Method method, const std::string& vm_id, ttrpc::Request req, ttrpc::Responder r,
            io::EventLoop& loop) {
  if (method == msg::Method::stop_vm)
    return (void)r.reply(Status::Ok(), "", [&loop] { loop.stop(); });
  if (method != msg::Method::get_vm_info) return (void)r.reply(Status::Ok(), "");
  GetVMInfoResponse info;
  info.set_vmid(vm_id);
  info.set_socketpath(metadata_lines(req.metadata));
  r.reply(Status::Ok(), info.SerializeAsString());
}

}  // namespace

int main(int argc, char** argv) {
  shim::ShimArgs args;
  shim::Launch launch;
  Status s = shim::parse_shim_args(std::vector<std::string>(argv + 1, argv + argc), &args);
  if (s.ok()) s = shim::take_launch(args, &launch);
  if (!s.ok()) return 2;
  io::EventLoop loop;
  ttrpc::Server server(loop);
  for (int m = 0; m < msg::kMethodCount; ++m) {
    const auto method = static_cast<msg::Method>(m);
    server.add_method(msg::kFirecrackerService, msg::method_name(method),
                      [method, id = launch.vm_id, &loop](ttrpc::Request req, ttrpc::Responder r) {
                        answer(method, id, std::move(req), std::move(r), loop);
                      });
  }
  if (!server.adopt(std::move(launch.fccontrol_socket)).ok()) return 1;
  loop.run();
  return 0;
}
