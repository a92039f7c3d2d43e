#!/bin/sh
# The profiles behind the "what dominates" findings of docs/benchmarks.md,
# against a private emberd (hollow). Needs perf (software events suffice).
#   bench/profile.sh BUILD_DIR OUT_DIR
set -eu
BUILD=$(cd "$1" && pwd)
OUT=$2
BIN=$BUILD/bin
mkdir -p "$OUT"
OUT=$(cd "$OUT" && pwd)
. "$(dirname "$0")/private_emberd.sh"
private_emberd_init profile
start_emberd "$BIN"
CTL="$BIN/emberctl --config $WORK/ember.yaml --json bench"
RPC="rpc --vms 1 -n 20000 --warmup 1000 --in-flight 1 --methods GetVMInfo --paths emberd"

uptime >"$OUT/load.txt"
# 1. emberd's CPU and context switches per forwarded call, per thread.
perf stat --per-thread -e task-clock,context-switches -p "$EMBERD_PID" -o "$OUT/rpc-perf-stat.txt" \
  -- $CTL $RPC >"$OUT/rpc-perf-stat.json"
# 2. Where that CPU goes (cpu-clock sampling: hardware counters are not available here).
perf record -q -e cpu-clock -F 4999 -p "$EMBERD_PID" -o "$WORK/rpc.data" -- $CTL $RPC >/dev/null
perf report -q -i "$WORK/rpc.data" --sort comm,dso --stdio >"$OUT/rpc-by-thread.txt" 2>/dev/null
perf report -q -i "$WORK/rpc.data" --sort sym --stdio 2>/dev/null | head -40 >"$OUT/rpc-by-symbol.txt"
# 3. CPU per create+stop cycle: emberd itself, and its reaped children (the shims).
before=$(awk '{print $14+$15, $16+$17}' "/proc/$EMBERD_PID/stat")
$CTL lifecycle -n 500 -c 16 >"$OUT/lifecycle-cpu.json"
after=$(awk '{print $14+$15, $16+$17}' "/proc/$EMBERD_PID/stat")
echo "$before $after $(getconf CLK_TCK)" | awk '{printf "per cycle (500 cycles): emberd %.2f ms CPU, shims %.2f ms CPU\n", ($3-$1)*1000/$5/500, ($4-$2)*1000/$5/500}' \
  >"$OUT/lifecycle-cpu.txt"
# 4. emberd's fds for one VM.
ls -l "/proc/$EMBERD_PID/fd" | awk '{print $9, $10, $11}' >"$WORK/fd0"
"$BIN"/emberctl --config "$WORK/ember.yaml" vm create fd-probe >/dev/null
ls -l "/proc/$EMBERD_PID/fd" | awk '{print $9, $10, $11}' >"$WORK/fd1"
"$BIN"/emberctl --config "$WORK/ember.yaml" vm stop fd-probe >/dev/null
diff "$WORK/fd0" "$WORK/fd1" | grep '^>' >"$OUT/fds-per-vm.txt" || true
# 5. ember-shim start-up: where its CPU goes, and exec + dynamic linking alone.
perf record -q -e cpu-clock -F 9999 -o "$WORK/shim.data" -- "$BIN/shim_startup" -n 100 >"$OUT/shim-startup.json"
perf report -q -i "$WORK/shim.data" --sort comm,dso --stdio 2>/dev/null | head -20 >"$OUT/shim-by-dso.txt"
for prog in "$BIN/ember-shim -help" "$BIN/emberctl --version" "/bin/true"; do
  echo "== $prog"
  perf stat -r 100 -e task-clock $prog 2>&1 >/dev/null | grep -E "task-clock|elapsed"
done >"$OUT/exec-cost.txt"
ldd "$BIN/ember-shim" | wc -l >"$OUT/shim-libraries.txt"
LD_DEBUG=statistics "$BIN/ember-shim" -help 2>&1 >/dev/null | grep -E "startup|relocation" >>"$OUT/shim-libraries.txt"
uptime >>"$OUT/load.txt"
echo "profiles in $OUT"
