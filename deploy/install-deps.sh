#!/usr/bin/env bash
# Installs every build and run dependency of ember from Debian bookworm.
# Idempotent: packages already present are left alone. Needs root (or sudo).
set -euo pipefail

packages=(
  cmake ninja-build g++ pkg-config
  libcaf-dev libprotobuf-dev protobuf-compiler
  # the fleet (docs/fleet.md): libcaf_openssl's TLS links, and
  # deploy/fleet-certs.sh (openssl CLI)
  libssl-dev openssl
  libspdlog-dev libyaml-cpp-dev libgtest-dev libgmock-dev
  libasio-dev nlohmann-json3-dev libcli11-dev libcurl4-openssl-dev
  # emberd's metrics endpoint (HTTP server; tests scrape with its client)
  libcpp-httplib-dev
  clang libclang-rt-14-dev
  # real VMs: the VMM, and what deploy/guest/build-guest.sh needs
  qemu-system-x86 kmod cpio lz4 socat e2fsprogs
  # tests/e2e/containerd_events_test: containerd and ctr (started by the test
  # with a private config; the package's own service is not used)
  containerd
  # tests/e2e/metrics_test: promtool checks a scrape; a real prometheus
  # (started by the test on loopback; the package's own service is not used)
  prometheus
  # network tests: a namespace with a tap (ip), pinging the guest from it
  iproute2 iputils-ping
  # benchmark plots (bench/plot.sh, bench/report.sh)
  gnuplot-nox jq
  # tests/style (size limits of production code)
  python3
  # emberd's sd_notify (Type=notify); the .deb (cpack -G DEB: dpkg-shlibdeps),
  # its man pages, and tests/package (systemd-analyze verify, systemd-tmpfiles)
  libsystemd-dev dpkg-dev help2man systemd
)

missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
done
if [ ${#missing[@]} -eq 0 ]; then
  exit 0
fi

SUDO=""
[ "$(id -u)" -eq 0 ] || SUDO=sudo
echo "install-deps: installing ${missing[*]}"
$SUDO apt-get update -q
DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -q --no-install-recommends "${missing[@]}"
