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

WORK=$(mktemp -d /tmp/ember-bench-XXXXXX)
EMBERD_PID=
cleanup() {
  if [ -n "$EMBERD_PID" ]; then
    kill "$EMBERD_PID" 2>/dev/null || true
    wait "$EMBERD_PID" 2>/dev/null || true
  fi
  rm -rf "$WORK"
}
trap cleanup EXIT INT TERM

cat > "$WORK/ember.yaml" <<YAML
socket: $WORK/ember.sock
state_dir: $WORK/s
shim_base_dir: $WORK/vm
vmm:
  backend: hollow
YAML

# A fresh emberd per scenario, so one's leftovers (heap, fds) do not show in
# the next. It writes "ready" to fd 3 once it accepts connections.
mkfifo "$WORK/ready"
start_emberd() {
  "$BIN/emberd" --config "$WORK/ember.yaml" --ready-fd 3 3>"$WORK/ready" \
    >>"$WORK/emberd.log" 2>&1 &
  EMBERD_PID=$!
  read -r _ <"$WORK/ready"
}
stop_emberd() {
  kill "$EMBERD_PID"
  wait "$EMBERD_PID" || true
  EMBERD_PID=
}

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
  start_emberd
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
