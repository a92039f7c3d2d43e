#!/bin/sh
# The journal's cost: `emberctl bench rpc` (GetVMInfo through emberd, 16 in
# flight) against one build's emberd with the journal off (no journal.path),
# on (recording to a file) and paused (configured, switched off with
# `emberctl journal off`: the taps' one branch), side by side in one run:
# rounds alternate off, on, paused, off, ... each on a fresh emberd (hollow
# backend) with the same client, so load and noise fall on all alike. Writes each round's JSON into
# OUT_DIR and prints (and writes to OUT_DIR/summary.json) the median over
# rounds of each series' calls/s, p50 and p99, and of emberd's CPU time per
# call (user + system during the bench command, VM set-up included: less
# sensitive to other load on the machine than calls/s), the cost in percent
# of both against "off", the journal's own counts (records written, dropped)
# from the "on" rounds, and the load average before and after.
#   bench/journal_cost.sh BUILD OUT_DIR [ROUNDS] [CALLS] [IN_FLIGHT]
set -eu
BUILD=$(cd "$1" && pwd)
OUT=$2
ROUNDS=${3:-7}
CALLS=${4:-20000}
IN_FLIGHT=${5:-16}
mkdir -p "$OUT"
OUT=$(cd "$OUT" && pwd)

. "$(dirname "$0")/private_emberd.sh"
private_emberd_init journal-cost
# Each mode's config, from the private emberd's: run_round copies one into
# place as $WORK/ember.yaml.
cp "$WORK/ember.yaml" "$WORK/off.yaml"
{ cat "$WORK/off.yaml"; printf 'journal:\n  path: %s/journal\n' "$WORK"; } >"$WORK/on.yaml"
CTL="$BUILD/bin/emberctl"
TICK=$(getconf CLK_TCK)
# cpu_ticks PID: user + system time of the process so far, in clock ticks.
cpu_ticks() { cut -d')' -f2 "/proc/$1/stat" | awk '{print $12 + $13}'; }

cp "$WORK/on.yaml" "$WORK/paused.yaml"

# run_round MODE ROUND: one bench rpc on a fresh emberd with MODE's config.
run_round() {
  rm -f "$WORK"/journal*
  cp "$WORK/$1.yaml" "$WORK/ember.yaml"
  start_emberd "$BUILD/bin" "emberd-$1"
  if [ "$1" = paused ]; then "$CTL" --config "$WORK/ember.yaml" journal off >/dev/null; fi
  before=$(cpu_ticks "$EMBERD_PID")
  "$CTL" --config "$WORK/ember.yaml" --json bench rpc --vms 10 -n "$CALLS" \
    --in-flight "$IN_FLIGHT" --methods GetVMInfo --paths emberd >"$OUT/rpc-$1-$2.json"
  after=$(cpu_ticks "$EMBERD_PID")
  awk -v t="$((after - before))" -v hz="$TICK" -v n="$CALLS" \
    'BEGIN { printf "{\"emberd_cpu_us_per_call\": %.2f}\n", t * 1000000 / hz / n }' \
    >"$OUT/cpu-$1-$2.json"
  "$CTL" --config "$WORK/ember.yaml" --json journal status >"$OUT/journal-$1-$2.json"
  stop_emberd
}

LOAD_BEFORE=$(cut -d' ' -f1-3 /proc/loadavg)
r=1
while [ "$r" -le "$ROUNDS" ]; do
  run_round off "$r"
  run_round on "$r"
  run_round paused "$r"
  r=$((r + 1))
done
LOAD_AFTER=$(cut -d' ' -f1-3 /proc/loadavg)

for f in "$OUT"/rpc-*.json; do
  mode=$(basename "$f" | cut -d- -f2)
  round=$(basename "$f" .json | cut -d- -f3)
  jq --arg mode "$mode" --argjson round "$round" \
    --slurpfile j "$OUT/journal-$mode-$round.json" --slurpfile c "$OUT/cpu-$mode-$round.json" \
    '.series[0] + $c[0] + {mode: $mode, round: $round, journal: $j[0]}' "$f"
done | jq -s --arg before "$LOAD_BEFORE" --arg after "$LOAD_AFTER" --argjson rounds "$ROUNDS" \
  --argjson calls "$CALLS" --argjson in_flight "$IN_FLIGHT" '
  def median: sort | if length % 2 == 1 then .[length / 2 | floor]
                     else (.[length / 2 - 1] + .[length / 2]) / 2 end;
  def series($m): map(select(.mode == $m))
    | {calls_per_second: (map(.calls_per_second) | median | floor),
       p50_us: (map(.latency_us.p50) | median),
       p99_us: (map(.latency_us.p99) | median),
       emberd_cpu_us_per_call: (map(.emberd_cpu_us_per_call) | median),
       failed: (map(.failed) | add),
       rounds: (sort_by(.round) | map(.calls_per_second | floor))};
  (series("off")) as $off | (series("on")) as $on | (series("paused")) as $paused |
  def cost($s): {calls_per_second: ((1 - $s.calls_per_second / $off.calls_per_second) * 1000
                                    | round / 10),
                 emberd_cpu_per_call: (($s.emberd_cpu_us_per_call / $off.emberd_cpu_us_per_call
                                        - 1) * 1000 | round / 10)};
  {scenario: "journal_cost", method: "GetVMInfo", path: "emberd", in_flight: $in_flight,
   calls_per_round: $calls, rounds: $rounds, load_before: $before, load_after: $after,
   off: $off, on: $on, paused: $paused,
   cost_percent: {on: cost($on), paused: cost($paused)},
   journal: {records_written: (map(select(.mode == "on") | .journal.RecordsWritten) | median),
             dropped: (map(select(.mode == "on") | .journal.Dropped) | add)}}' \
  | tee "$OUT/summary.json"
