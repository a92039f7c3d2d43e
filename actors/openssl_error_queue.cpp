// A fix for libcaf_openssl 0.17 with OpenSSL 3 (docs/fleet.md#security-model):
// CAF never empties the thread's OpenSSL error queue, and SSL_get_error()
// reads that queue. An error one connection left there (a member killed
// without a TLS close_notify, a peer from another CA) made the next
// would-block read or write of any other connection on CAF's multiplexer
// thread look like a TLS failure, and CAF closed that healthy link too (a
// front lost every member when one died). OpenSSL's rule is that the queue
// be empty before each TLS I/O call; these wrappers, defined in the
// program, take precedence over libssl's for libcaf_openssl (ELF symbol
// interposition), empty it, and call libssl's own.
#include <dlfcn.h>
#include <openssl/err.h>
#include <openssl/ssl.h>

#include "actors/openssl_error_queue.hpp"

namespace {

template <class Fn>
Fn real(const char* name) {
  return reinterpret_cast<Fn>(::dlsym(RTLD_NEXT, name));
}

}  // namespace

extern "C" {

int SSL_read(SSL* ssl, void* buf, int num) {
  static const auto next = real<int (*)(SSL*, void*, int)>("SSL_read");
  ERR_clear_error();
  return next(ssl, buf, num);
}

int SSL_write(SSL* ssl, const void* buf, int num) {
  static const auto next = real<int (*)(SSL*, const void*, int)>("SSL_write");
  ERR_clear_error();
  return next(ssl, buf, num);
}

int SSL_connect(SSL* ssl) {
  static const auto next = real<int (*)(SSL*)>("SSL_connect");
  ERR_clear_error();
  return next(ssl);
}

int SSL_accept(SSL* ssl) {
  static const auto next = real<int (*)(SSL*)>("SSL_accept");
  ERR_clear_error();
  return next(ssl);
}

int SSL_do_handshake(SSL* ssl) {
  static const auto next = real<int (*)(SSL*)>("SSL_do_handshake");
  ERR_clear_error();
  return next(ssl);
}

}  // extern "C"

namespace ember::actors {

bool openssl_error_queue_fix_linked() {
  return true;
}

}  // namespace ember::actors
