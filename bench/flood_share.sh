#!/bin/bash
# The others' latency under a fast flood, with limits.connection.share_in_flight
# on and off, side by side: ROUNDS rounds, each starts a fresh private emberd
# per setting (alternating, so drifting machine load hits both alike).
#   bench/flood_share.sh BUILD_DIR OUT.jsonl [ROUNDS] [CALLS]
# Each line of OUT.jsonl: {"share_in_flight":..,"loadavg":"..","result":<bench flood JSON>}.
# bench/flood_share_summary.py OUT.jsonl prints the table of docs/reliability.md.
set -euo pipefail
BUILD=$1 OUT=$2 ROUNDS=${3:-5} CALLS=${4:-10000}
. "$(dirname "$0")/private_emberd.sh"
: >"$OUT"
for round in $(seq "$ROUNDS"); do
  for share in true false; do
    private_emberd_init flood-share
    printf 'limits:\n  connection:\n    share_in_flight: %s\n' "$share" >>"$WORK/ember.yaml"
    start_emberd "$BUILD/bin"
    load=$(cut -d' ' -f1-3 /proc/loadavg)
    result=$("$BUILD/bin/emberctl" --config "$WORK/ember.yaml" --json bench flood \
      -n "$CALLS" --warmup 1000 --floods fast)
    printf '{"round":%d,"share_in_flight":%s,"loadavg":"%s","result":%s}\n' \
      "$round" "$share" "$load" "$result" >>"$OUT"
    stop_emberd
    private_emberd_cleanup
    trap - EXIT INT TERM
  done
done
