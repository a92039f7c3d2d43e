#!/usr/bin/env bash
# The main job on embedded defaults: builds ember and the guest image, starts
# emberd with its built-in configuration (qemu backend: real microVMs, KVM
# when usable, else TCG), takes three VMs through their whole lifecycle with
# emberctl, shows every answer and each guest's ready line, and stops emberd.
# EMBER_BUILD_DIR (default build) selects the build directory.
set -euo pipefail
cd "$(dirname "$0")/.."

build=${EMBER_BUILD_DIR:-build}
cmake -S . -B "$build" -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
cmake --build "$build" -j"$(nproc)" --target emberd ember-shim emberctl
./deploy/guest/build-guest.sh

emberd="$build/bin/emberd"
ctl="$build/bin/emberctl"
work=$(mktemp -d /tmp/ember-demo.XXXXXX)
mkfifo "$work/ready"

# Embedded defaults: no --config, no EMBER_CONFIG.
unset EMBER_CONFIG
"$emberd" --ready-fd 3 3>"$work/ready" 2>"$work/emberd.log" &
emberd_pid=$!
cleanup() {
  kill "$emberd_pid" 2>/dev/null || true
  wait "$emberd_pid" 2>/dev/null || true
  rm -rf "$work"
}
trap cleanup EXIT
if ! read -r _ <"$work/ready"; then
  echo "emberd failed to start:" >&2
  cat "$work/emberd.log" >&2
  exit 1
fi

run() {
  echo "\$ emberctl $*"
  "$ctl" "$@"
  echo
}

echo "== emberd is serving (pid $emberd_pid); three real microVMs through their lifecycle =="
for vm in demo-1 demo-2 demo-3; do
  run vm create "$vm" --vcpus 1 --mem 128 --balloon-mib 16 --balloon-deflate-on-oom
done
echo "== each guest's console ready line (the VMs boot concurrently) =="
for vm in demo-1 demo-2 demo-3; do
  run vm wait-ready "$vm"
done
run vm info demo-1
run vm pause demo-1
run vm resume demo-1
run vm metadata set demo-1 '{"role":"web","tags":{"tier":"front","env":"dev"}}'
run vm metadata update demo-1 '{"tags":{"env":null,"zone":"a"}}'
run vm metadata get demo-1
run vm balloon get demo-2
run vm balloon stats-interval demo-2 1
run vm balloon set demo-2 48
run vm balloon get demo-2
run vm balloon stats demo-2
run --json vm info demo-3
echo "== errors are precise =="
run vm create demo-1 || true
run vm info no-such-vm || true
for vm in demo-1 demo-2 demo-3; do
  run vm stop "$vm"
done
run vm info demo-1 || true

kill -TERM "$emberd_pid"
wait "$emberd_pid"
echo "== emberd log =="
cat "$work/emberd.log"
