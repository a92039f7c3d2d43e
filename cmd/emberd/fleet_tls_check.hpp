#pragma once
// The fleet's TLS files checked at start (docs/config.md#fleet-one-api-over-many-hosts).
// libcaf_openssl reads them only when a link is made, and a file it cannot
// load there throws on CAF's network thread (emberd would end at its first
// link); so emberd loads them once before it serves.
#include "base/status.hpp"
#include "config/config.hpp"

namespace ember {

// fleet.tls.ca and fleet.tls.cert hold PEM certificates, fleet.tls.key a PEM
// private key (not encrypted) that is the certificate's, and the CA signed
// the certificate. FAILED_PRECONDITION naming the key and the problem.
Status check_fleet_tls_files(const config::FleetTls& tls);

}  // namespace ember
