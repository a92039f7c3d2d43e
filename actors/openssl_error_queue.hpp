#pragma once
// See openssl_error_queue.cpp: why every TLS I/O call of libcaf_openssl
// starts with an empty OpenSSL error queue.
namespace ember::actors {

// Referenced by configure_fleet_tls so that the wrappers are linked into
// every program that runs the fleet (an unreferenced object of a static
// library would be left out). Always true.
bool openssl_error_queue_fix_linked();

}  // namespace ember::actors
