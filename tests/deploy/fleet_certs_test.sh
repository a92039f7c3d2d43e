#!/usr/bin/env bash
# deploy/fleet-certs.sh: every certificate it makes verifies against its CA
# (and not against another fleet's), names NAME, keeps its key private, and a
# second run reuses the CA so the new member joins the same fleet.
set -euo pipefail
script=$1
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
fail() { echo "FAIL: $*" >&2; exit 1; }

"$script" "$tmp/fleet" front m1 m2 >/dev/null
ca_before=$(openssl x509 -in "$tmp/fleet/ca.pem" -noout -fingerprint)
"$script" "$tmp/fleet" m3 >"$tmp/second.out"
grep -q "reusing the CA" "$tmp/second.out" || fail "second run did not reuse the CA"
[ "$(openssl x509 -in "$tmp/fleet/ca.pem" -noout -fingerprint)" = "$ca_before" ] ||
  fail "the CA changed on the second run"
for name in front m1 m2 m3; do
  openssl verify -CAfile "$tmp/fleet/ca.pem" "$tmp/fleet/$name.pem" >/dev/null ||
    fail "$name.pem does not verify against ca.pem"
  openssl x509 -in "$tmp/fleet/$name.pem" -noout -subject | grep -q "CN *= *$name$" ||
    fail "$name.pem: CN is not $name"
  openssl x509 -in "$tmp/fleet/$name.pem" -noout -ext subjectAltName | grep -q "DNS:$name$" ||
    fail "$name.pem: subjectAltName is not DNS:$name"
  [ "$(stat -c %a "$tmp/fleet/$name.key")" = 600 ] || fail "$name.key is not 0600"
  # the key is the certificate's
  [ "$(openssl pkey -in "$tmp/fleet/$name.key" -pubout)" = \
    "$(openssl x509 -in "$tmp/fleet/$name.pem" -noout -pubkey)" ] || fail "$name.key is not $name.pem's"
done

"$script" "$tmp/other" m9 >/dev/null
if openssl verify -CAfile "$tmp/fleet/ca.pem" "$tmp/other/m9.pem" >/dev/null 2>&1; then
  fail "another fleet's certificate verified against this fleet's CA"
fi
if "$script" "$tmp/bad" "M_1" 2>"$tmp/bad.err"; then fail "a bad NAME was accepted"; fi
grep -q 'bad NAME "M_1"' "$tmp/bad.err" || fail "bad NAME message: $(cat "$tmp/bad.err")"
[ ! -e "$tmp/bad" ] || fail "a bad NAME left $tmp/bad behind"
echo "fleet_certs: OK"
