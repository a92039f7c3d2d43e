#pragma once
// The fleet's network (docs/fleet.md): CAF's middleman with libcaf_openssl.
// Include only from actor translation units and tests: it pulls in CAF headers.
#include <cstdint>
#include <string>

#include "base/status.hpp"
#include "messages/fleet_protocol.hpp"

namespace ember::config {
struct FleetTls;
}

namespace ember::actors {

// Loads the middleman and the OpenSSL manager into cfg, with the fleet's
// certificate, key and CA: every link then requires a peer certificate
// signed by that CA, in both directions (SSL_VERIFY_PEER |
// SSL_VERIFY_FAIL_IF_NO_PEER_CERT). Registers the fleet's message types.
void configure_fleet_tls(caf::actor_system_config& cfg, const config::FleetTls& tls);

// The production links: link_atom(host, port) connects with TLS and answers
// the member published there, or an error saying what failed (a TLS failure
// is fleet_link_refused). sys must have been configured by configure_fleet_tls.
msg::fleet_link_actor spawn_fleet_links(caf::actor_system& sys);

// Publishes member with TLS on host:port (host "" or "0.0.0.0": every IPv4
// address). The port bound, or UNAVAILABLE saying why (e.g. the port in use).
Status publish_fleet_member(const msg::fleet_member_actor& member, const std::string& host,
                            uint16_t port, uint16_t* bound);

}  // namespace ember::actors
