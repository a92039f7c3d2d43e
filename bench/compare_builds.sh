#!/bin/sh
# Measures `emberctl bench rpc` against the emberd of two builds side by side
# in one run: rounds alternate old, new, old, new, ... each on a fresh emberd
# (hollow backend) with the same client (NEW's emberctl), so load and noise
# fall on both alike. Writes one JSON per round into OUT_DIR and prints the
# median over rounds of each series' p50, p99 and calls/s, with the load
# average before and after.
#   bench/compare_builds.sh OLD_BUILD NEW_BUILD OUT_DIR [ROUNDS] [CALLS]
set -eu
OLD=$(cd "$1" && pwd)
NEW=$(cd "$2" && pwd)
OUT=$3
ROUNDS=${4:-5}
CALLS=${5:-10000}
mkdir -p "$OUT"
OUT=$(cd "$OUT" && pwd)

. "$(dirname "$0")/private_emberd.sh"
private_emberd_init compare

# run_round LABEL BUILD ROUND: one bench rpc on a fresh emberd of BUILD.
run_round() {
  start_emberd "$2/bin" "emberd-$1"
  "$NEW/bin/emberctl" --config "$WORK/ember.yaml" --json bench rpc --vms 10 -n "$CALLS" \
    >"$OUT/rpc-$1-$3.json"
  stop_emberd
}

LOAD_BEFORE=$(cut -d' ' -f1-3 /proc/loadavg)
r=1
while [ "$r" -le "$ROUNDS" ]; do
  run_round old "$OLD" "$r"
  run_round new "$NEW" "$r"
  r=$((r + 1))
done
LOAD_AFTER=$(cut -d' ' -f1-3 /proc/loadavg)

# One row per (method, in_flight, path, build): medians over the rounds.
for f in "$OUT"/rpc-*.json; do
  b=$(basename "$f" | cut -d- -f2)
  jq --arg b "$b" '. + {build: $b}' "$f"
done | jq -s --arg before "$LOAD_BEFORE" --arg after "$LOAD_AFTER" --argjson rounds "$ROUNDS" '
  def median: sort | if length % 2 == 1 then .[length / 2 | floor]
                     else (.[length / 2 - 1] + .[length / 2]) / 2 end;
  {load_before: $before, load_after: $after, rounds: $rounds,
   series: ([.[] | .build as $b | .series[] | . + {build: $b}]
     | group_by([.method, .in_flight, .path, .build])
     | map({build: .[0].build, method: .[0].method, in_flight: .[0].in_flight,
            path: .[0].path,
            p50_us: (map(.latency_us.p50) | median),
            p99_us: (map(.latency_us.p99) | median),
            calls_per_second: (map(.calls_per_second) | median | floor)}))}' \
  | tee "$OUT/summary.json"
