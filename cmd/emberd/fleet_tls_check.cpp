#include "cmd/emberd/fleet_tls_check.hpp"

#include <openssl/err.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <openssl/x509_vfy.h>

#include <cstdio>
#include <memory>
#include <string>

namespace ember {
namespace {

struct FileCloser {
  void operator()(FILE* f) const { std::fclose(f); }
};
struct X509Free {
  void operator()(X509* x) const { X509_free(x); }
};
struct KeyFree {
  void operator()(EVP_PKEY* k) const { EVP_PKEY_free(k); }
};
struct StoreFree {
  void operator()(X509_STORE* s) const { X509_STORE_free(s); }
};
struct StoreCtxFree {
  void operator()(X509_STORE_CTX* c) const { X509_STORE_CTX_free(c); }
};
using X509Ptr = std::unique_ptr<X509, X509Free>;

Status bad(const char* key, const std::string& path, const std::string& why) {
  ERR_clear_error();
  return Status::FailedPrecondition(std::string(key) + " " + path + ": " + why);
}

Status read_certificate(const char* key, const std::string& path, X509Ptr* out) {
  std::unique_ptr<FILE, FileCloser> f(std::fopen(path.c_str(), "re"));
  if (!f) return bad(key, path, "cannot open it");
  out->reset(PEM_read_X509(f.get(), nullptr, nullptr, nullptr));
  if (!*out) return bad(key, path, "not a PEM certificate");
  return Status::Ok();
}

}  // namespace

Status check_fleet_tls_files(const config::FleetTls& tls) {
  X509Ptr ca, cert;
  if (Status s = read_certificate("fleet.tls.ca", tls.ca, &ca); !s.ok()) return s;
  if (Status s = read_certificate("fleet.tls.cert", tls.cert, &cert); !s.ok()) return s;
  std::unique_ptr<FILE, FileCloser> f(std::fopen(tls.key.c_str(), "re"));
  if (!f) return bad("fleet.tls.key", tls.key, "cannot open it");
  // No passphrase callback: an encrypted key fails here rather than prompting.
  std::unique_ptr<EVP_PKEY, KeyFree> pkey(PEM_read_PrivateKey(
      f.get(), nullptr, [](char*, int, int, void*) { return 0; }, nullptr));
  if (!pkey) return bad("fleet.tls.key", tls.key, "not an unencrypted PEM private key");
  if (X509_check_private_key(cert.get(), pkey.get()) != 1)
    return bad("fleet.tls.key", tls.key, "not the private key of fleet.tls.cert " + tls.cert);
  std::unique_ptr<X509_STORE, StoreFree> store(X509_STORE_new());
  std::unique_ptr<X509_STORE_CTX, StoreCtxFree> ctx(X509_STORE_CTX_new());
  if (!store || !ctx || X509_STORE_add_cert(store.get(), ca.get()) != 1 ||
      X509_STORE_CTX_init(ctx.get(), store.get(), cert.get(), nullptr) != 1)
    return bad("fleet.tls.cert", tls.cert, "cannot check it against fleet.tls.ca");
  if (X509_verify_cert(ctx.get()) != 1)
    return bad("fleet.tls.cert", tls.cert,
               std::string("not valid for fleet.tls.ca ") + tls.ca + ": " +
                   X509_verify_cert_error_string(X509_STORE_CTX_get_error(ctx.get())));
  return Status::Ok();
}

}  // namespace ember
