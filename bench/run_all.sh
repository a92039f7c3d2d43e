#!/bin/sh
# Runs every benchmark of docs/benchmarks.md against a private emberd (hollow
# backend) and writes one JSON file per run into OUT_DIR.
#   bench/run_all.sh BUILD_DIR OUT_DIR [quick]
# "quick" uses small counts (a smoke test of the script, not a measurement).
# With EMBER_BENCH_KERNEL=<guest kernel> (initrd.gz beside it, see
# docs/guest-image.md) it also boots 10 real QEMU VMs (`bench boot`).
set -eu
BUILD=$(cd "$1" && pwd)
OUT=$2
QUICK=${3:-}
BIN=$BUILD/bin
mkdir -p "$OUT"
OUT=$(cd "$OUT" && pwd)

. "$(dirname "$0")/private_emberd.sh"
private_emberd_init bench

CTL="$BIN/emberctl --config $WORK/ember.yaml --json bench"
if [ "$QUICK" = quick ]; then
  N=20; CALLS=200; VMS=20; ECHO=2000; SHIMS=10
else
  N=1000; CALLS=10000; VMS=1000; ECHO=100000; SHIMS=200
fi

{ nproc; grep -m1 'model name' /proc/cpuinfo; grep MemTotal /proc/meminfo; uname -r; uptime; } \
  >"$OUT/machine.txt"
"$BIN/ttrpc_echo" -n "$ECHO" >"$OUT/ttrpc_echo.json"
"$BIN/shim_startup" -n "$SHIMS" >"$OUT/shim_startup.json"
run() {  # run NAME SCENARIO ARGS...: one scenario on a fresh emberd
  name=$1
  shift
  start_emberd "$BIN"
  $CTL "$@" >"$OUT/$name.json"
  stop_emberd
}
for c in 1 4 16 64; do
  run "lifecycle_c$c" lifecycle -n "$N" -c "$c"
done
run rpc rpc --vms 10 -n "$CALLS"
run stop_latency stop-latency -n 200
run stop_latency_c16 stop-latency -n 200 -c 16
run scale scale --vms "$VMS" -c 64 --samples 20
if [ -n "${EMBER_BENCH_KERNEL:-}" ]; then
  cat >>"$WORK/ember.yaml" <<YAML
vm:
  kernel_image: $EMBER_BENCH_KERNEL
YAML
  sed -i 's/backend: hollow/backend: qemu/' "$WORK/ember.yaml"
  run boot boot --vms 10
fi
uptime >>"$OUT/machine.txt"
echo "results in $OUT"
