#!/usr/bin/env bash
# fleet-certs.sh DIR NAME...: the fleet's certificates (docs/fleet.md), with the
# openssl CLI. Makes DIR/ca.pem and DIR/ca.key (the fleet CA) unless they are
# there already (then the CA is reused, so new members join the same fleet),
# and for each NAME DIR/NAME.pem and DIR/NAME.key: an EC P-256 key and a
# certificate signed by the CA, with CN and subjectAltName DNS:NAME. The front's
# name is "front". Keys are 0600. An existing NAME.pem/NAME.key is replaced.
set -euo pipefail

usage() {
  echo "usage: $0 DIR NAME..." >&2
  echo "  NAME: 1 to 63 of a-z, 0-9 and - (a member's fleet.name, or front)" >&2
  exit 2
}
[ $# -ge 2 ] || usage
dir=$1
shift
for name in "$@"; do
  [[ $name =~ ^[a-z0-9-]{1,63}$ ]] || { echo "$0: bad NAME \"$name\"" >&2; usage; }
done
days=${EMBER_FLEET_CERT_DAYS:-825}

mkdir -p "$dir"
umask 077
if [ -f "$dir/ca.pem" ] && [ -f "$dir/ca.key" ]; then
  echo "fleet-certs: reusing the CA in $dir"
else
  openssl req -x509 -new -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes \
    -keyout "$dir/ca.key" -out "$dir/ca.pem" -days "$days" -subj "/CN=ember fleet CA" \
    -addext "basicConstraints=critical,CA:TRUE" -addext "keyUsage=critical,keyCertSign,cRLSign" \
    2>/dev/null
  chmod 0644 "$dir/ca.pem"
  echo "fleet-certs: made the fleet CA $dir/ca.pem"
fi

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
for name in "$@"; do
  openssl req -new -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes \
    -keyout "$work/$name.key" -out "$work/$name.csr" -subj "/CN=$name" 2>/dev/null
  printf 'subjectAltName=DNS:%s\nbasicConstraints=CA:FALSE\nkeyUsage=critical,digitalSignature\nextendedKeyUsage=serverAuth,clientAuth\n' \
    "$name" >"$work/$name.ext"
  openssl x509 -req -in "$work/$name.csr" -CA "$dir/ca.pem" -CAkey "$dir/ca.key" \
    -CAcreateserial -CAserial "$work/ca.srl" -days "$days" -extfile "$work/$name.ext" \
    -out "$work/$name.pem" 2>/dev/null
  chmod 0644 "$work/$name.pem"
  mv "$work/$name.key" "$dir/$name.key"
  mv "$work/$name.pem" "$dir/$name.pem"
  echo "fleet-certs: $dir/$name.pem, $dir/$name.key"
done
