#!/bin/sh
# One `emberctl bench` scenario against a fresh private emberd (hollow
# backend, limits.max_vms 10000) of BUILD, its JSON written to OUT. Run it
# for two builds in alternation to compare them side by side, e.g.
#   for r in 1 2; do
#     bench/scenario_on.sh OLD /tmp/stop-old-$r.json stop-latency -n 200 -c 1
#     bench/scenario_on.sh NEW /tmp/stop-new-$r.json stop-latency -n 200 -c 1
#   done
#   bench/scenario_on.sh BUILD OUT SCENARIO [ARGS...]
set -eu
BUILD=$(cd "$1" && pwd)
OUT=$2
shift 2

. "$(dirname "$0")/private_emberd.sh"
private_emberd_init scenario
printf 'limits:\n  max_vms: 10000\n' >>"$WORK/ember.yaml"
start_emberd "$BUILD/bin"
"$BUILD/bin/emberctl" --config "$WORK/ember.yaml" --json bench "$@" >"$OUT"
stop_emberd
