// The front's production links (docs/fleet.md): each member is reached with
// libcaf_openssl's middleman over TLS, both sides presenting certificates
// signed by the fleet CA. One connector (an openssl middleman actor) per
// member address: its TCP connect blocks its own thread, so a silent host
// (a partition) holds up only its own link, never the others.
#include <caf/actor_system.hpp>
#include <caf/io/basp_broker.hpp>
#include <caf/io/middleman.hpp>
#include <caf/io/middleman_actor.hpp>
#include <caf/node_id.hpp>
#include <caf/openssl/manager.hpp>
#include <caf/openssl/middleman_actor.hpp>
#include <caf/openssl/publish.hpp>
#include <caf/send.hpp>
#include <caf/stateful_actor.hpp>
#include <caf/typed_event_based_actor.hpp>
#include <caf/typed_response_promise.hpp>

#include <map>
#include <memory>
#include <set>
#include <string>
#include <vector>

#include "actors/fleet.hpp"
#include "actors/fleet_links.hpp"
#include "config/config.hpp"

namespace ember::actors {
namespace {

using Promise = caf::typed_response_promise<msg::fleet_member_actor>;

struct Endpoint {
  caf::io::middleman_actor connector;
  std::vector<Promise> waiting;  // link requests for it while one connect runs
};

struct LinksState {
  caf::actor basp;  // the middleman's BASP broker: every connector hands it the connection
  std::map<std::string, Endpoint> endpoints;  // by "host:port"
  // Shared with the exit hook: the connectors ignore exit messages from
  // links, so they are killed explicitly when this actor ends.
  std::shared_ptr<std::vector<caf::io::middleman_actor>> connectors =
      std::make_shared<std::vector<caf::io::middleman_actor>>();
  static inline const char* name = "fleet-links";
};

using Self = msg::fleet_link_actor::stateful_pointer<LinksState>;

std::string where(const std::string& host, uint16_t port) {
  return (host.find(':') != std::string::npos ? "[" + host + "]" : host) + ":" +
         std::to_string(port);
}

// What failed, in words. A TLS failure on either side closes the connection
// before CAF's own handshake ends: CAF reports nothing more precise (its
// OpenSSL error text goes only to its own log, compiled out in Debian's
// build), so the two causes a fleet can have are named.
caf::error link_failure(caf::actor_system& sys, const std::string& to, const caf::error& e) {
  if (e == caf::sec::disconnect_during_handshake)
    return fleet_link_refused("TLS handshake with " + to +
                              " failed: its certificate is not signed by the fleet CA "
                              "(fleet.tls.ca), or it refused ours");
  if (e == caf::sec::incompatible_versions || e == caf::sec::incompatible_application_ids)
    return fleet_link_refused(to + " speaks another CAF protocol: " + sys.render(e));
  return caf::make_error(caf::sec::cannot_connect_to_node,
                         "cannot connect to " + to + ": " + sys.render(e));
}

void answer_all(Self self, const std::string& key, const caf::error& e,
                const msg::fleet_member_actor& member) {
  auto it = self->state.endpoints.find(key);
  if (it == self->state.endpoints.end()) return;
  std::vector<Promise> waiting = std::move(it->second.waiting);
  it->second.waiting.clear();
  for (auto& rp : waiting) {
    if (e)
      rp.deliver(e);
    else
      rp.deliver(member);
  }
}

caf::io::middleman_actor connector_for(Self self, const std::string& key) {
  Endpoint& ep = self->state.endpoints[key];
  if (!ep.connector) {
    ep.connector = caf::openssl::make_middleman_actor(self->system(), self->state.basp);
    self->state.connectors->push_back(ep.connector);
  }
  return ep.connector;
}

// Asks the member's connector, unless a connect to it already runs (then
// this request waits for that one).
void link(Self self, const std::string& host, uint16_t port, Promise rp) {
  const std::string key = where(host, port);
  Endpoint& ep = self->state.endpoints[key];
  ep.waiting.push_back(std::move(rp));
  if (ep.waiting.size() > 1) return;
  auto& sys = self->system();
  const std::set<std::string> expected = sys.message_types<msg::fleet_member_actor>();
  self->request(connector_for(self, key), caf::infinite, caf::connect_atom::value, host, port)
      .then(
          [self, key, expected](caf::node_id&, caf::strong_actor_ptr& ptr,
                                std::set<std::string>& ifs) {
            if (!ptr)
              return answer_all(self, key, fleet_link_refused("nothing is published at " + key),
                                {});
            if (ifs != expected)
              return answer_all(self, key,
                                fleet_link_refused(key + " is not an ember fleet member of this "
                                                         "version (its interface differs)"),
                                {});
            answer_all(self, key, caf::error{}, caf::actor_cast<msg::fleet_member_actor>(ptr));
          },
          [self, key](caf::error& e) {
            answer_all(self, key, link_failure(self->system(), key, e), {});
          });
}

msg::fleet_link_actor::behavior_type links_behavior(Self self, caf::actor basp) {
  self->state.basp = std::move(basp);
  self->attach_functor([connectors = self->state.connectors] {
    for (auto& c : *connectors)
      caf::anon_send_exit(c, caf::exit_reason::kill);
  });
  return {
      [self](msg::link_atom, std::string& host, uint16_t port) -> Promise {
        Promise rp = self->make_response_promise<msg::fleet_member_actor>();
        link(self, host, port, rp);
        return rp;
      },
  };
}

}  // namespace

msg::fleet_link_actor spawn_fleet_links(caf::actor_system& sys) {
  caf::actor basp = sys.middleman().named_broker<caf::io::basp_broker>(caf::atom("BASP"));
  return sys.spawn(links_behavior, std::move(basp));
}

}  // namespace ember::actors

namespace ember::actors {

void configure_fleet_tls(caf::actor_system_config& cfg, const config::FleetTls& tls) {
  cfg.load<caf::io::middleman>();
  cfg.load<caf::openssl::manager>();
  cfg.openssl_certificate = tls.cert;
  cfg.openssl_key = tls.key;
  cfg.openssl_cafile = tls.ca;
  msg::add_fleet_message_types(cfg);
}

Status publish_fleet_member(const msg::fleet_member_actor& member, const std::string& host,
                            uint16_t port, uint16_t* bound) {
  auto& sys = member.home_system();
  caf::expected<uint16_t> r =
      caf::openssl::publish(member, port, host.empty() ? nullptr : host.c_str(), true);
  if (!r)
    return Status::Unavailable("cannot publish the fleet member on " + where(host, port) + ": " +
                               sys.render(r.error()));
  *bound = *r;
  return Status::Ok();
}

}  // namespace ember::actors
