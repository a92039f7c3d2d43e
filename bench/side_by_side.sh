#!/bin/sh
# The scenarios of issue 11's final table, for two builds side by side, rounds
# alternating (each on a fresh private emberd), then bench rpc through
# compare_builds.sh, ttrpc_echo, and a 5,000-VM ramp on NEW. Load averages
# are written before, between and after.
#   bench/side_by_side.sh OLD_BUILD NEW_BUILD OUT_DIR [ROUNDS]
set -eu
OLD=$(cd "$1" && pwd)
NEW=$(cd "$2" && pwd)
OUT=$3
ROUNDS=${4:-3}
cd "$(dirname "$0")/.."
mkdir -p "$OUT"
cat /proc/loadavg >"$OUT/load-before.txt"
r=1
while [ "$r" -le "$ROUNDS" ]; do
  for b in old new; do
    B=$OLD
    [ "$b" = new ] && B=$NEW
    bench/scenario_on.sh "$B" "$OUT/stop16-$b-$r.json" stop-latency -n 320 -c 16
    bench/scenario_on.sh "$B" "$OUT/stop1-$b-$r.json" stop-latency -n 200 -c 1
    bench/scenario_on.sh "$B" "$OUT/life64-$b-$r.json" lifecycle -n 1000 -c 64
  done
  r=$((r + 1))
done
cat /proc/loadavg >"$OUT/load-mid.txt"
"$NEW/bin/ttrpc_echo" -n 50000 >"$OUT/echo.json"
bench/compare_builds.sh "$OLD" "$NEW" "$OUT/rpc" "$ROUNDS" 10000 >"$OUT/compare.txt" 2>&1
bench/scenario_on.sh "$NEW" "$OUT/scale5k.json" scale --vms 5000 -c 64 --samples 10
cat /proc/loadavg >"$OUT/load-after.txt"
