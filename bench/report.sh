#!/bin/sh
# Markdown tables from the JSON files of bench/run_all.sh (needs jq), for
# docs/benchmarks.md:  bench/report.sh RESULTS_DIR
set -eu
IN=$1
us() {
  echo 'def ms: (if . < 0 then -. else . end) as $a |
    if $a >= 1000000 then "\(. / 10000 | round / 100) s"
    elif $a >= 1000 then "\(. / 10 | round / 100) ms"
    else "\(. * 10 | round / 10) µs" end;'
}

echo "### ttrpc_echo"
echo
echo "| connections | in flight | requests/s | p50 | p99 |"
echo "|---:|---:|---:|---:|---:|"
jq -r "$(us)"' .results[] | "| \(.connections) | \(.in_flight) | \(.requests_per_second | round) | \(.latency_us.p50 | ms) | \(.latency_us.p99 | ms) |"' \
  "$IN/ttrpc_echo.json"
echo

echo "### shim_startup"
echo
echo "| rounds | p50 | p90 | p99 | max |"
echo "|---:|---:|---:|---:|---:|"
jq -r "$(us)"' "| \(.rounds) | \(.exec_to_serving_us.p50 | ms) | \(.exec_to_serving_us.p90 | ms) | \(.exec_to_serving_us.p99 | ms) | \(.exec_to_serving_us.max | ms) |"' \
  "$IN/shim_startup.json"
echo

echo "### lifecycle"
echo
echo "| C | cycles | cycles/s | CreateVM p50 | p99 | max | StopVM p50 | p99 | max |"
echo "|---:|---:|---:|---:|---:|---:|---:|---:|---:|"
for c in 1 4 16 64; do
  jq -r "$(us)"' "| \(.params.concurrency) | \(.cycles.completed) | \(.cycles_per_second * 10 | round / 10) | \(.create_us.p50 | ms) | \(.create_us.p99 | ms) | \(.create_us.max | ms) | \(.stop_us.p50 | ms) | \(.stop_us.p99 | ms) | \(.stop_us.max | ms) |"' \
    "$IN/lifecycle_c$c.json"
done
echo

echo "### rpc"
echo
echo "| method | in flight | path | p50 | p99 | calls/s |"
echo "|---|---:|---|---:|---:|---:|"
jq -r "$(us)"' .series[] | "| \(.method) | \(.in_flight) | \(.path) | \(.latency_us.p50 | ms) | \(.latency_us.p99 | ms) | \(.calls_per_second | round) |"' \
  "$IN/rpc.json"
echo
echo "| method | in flight | emberd adds, p50 | p99 |"
echo "|---|---:|---:|---:|"
jq -r "$(us)"' .emberd_added_us[] | "| \(.method) | \(.in_flight) | \(.p50 | ms) | \(.p99 | ms) |"' "$IN/rpc.json"
echo

echo "### stop-latency"
echo
echo "| stops in flight | interval | count | p50 | p99 | max |"
echo "|---:|---|---:|---:|---:|---:|"
for f in stop_latency stop_latency_c16; do
  jq -r "$(us)"' .params.concurrency as $c |
    ["shim exit → StopVM reply", .exit_to_reply_us], ["StopVM sent → shim exit", .stop_to_exit_us],
    ["StopVM sent → reply", .stop_call_us] |
    "| \($c) | \(.[0]) | \(.[1].count) | \(.[1].p50 | ms) | \(.[1].p99 | ms) | \(.[1].max | ms) |"' "$IN/$f.json"
done
echo

echo "### scale"
echo
jq -r "$(us)"' "| phase | VMs | seconds | VMs/s | p50 | p99 |",
  "|---|---:|---:|---:|---:|---:|",
  "| create all | \(.vms.created) | \(.create.seconds * 100 | round / 100) | \(.create.per_second | round) | \(.create.latency_us.p50 | ms) | \(.create.latency_us.p99 | ms) |",
  "| stop all | \(.vms.stopped) | \(.stop.seconds * 100 | round / 100) | \(.stop.per_second | round) | \(.stop.latency_us.p50 | ms) | \(.stop.latency_us.p99 | ms) |",
  "",
  "| emberd | VMs | RSS | open fds |",
  "|---|---:|---:|---:|",
  (.emberd | ["before", .before], ["all alive", .alive], ["after stop", .after] |
    "| \(.[0]) | \(.[1].vms) | \(.[1].rss_kib / 1024 * 10 | round / 10) MiB | \(.[1].fds) |"),
  "",
  "Per VM while alive: \(.emberd.per_vm.fds) fds, \(.emberd.per_vm.rss_kib * 10 | round / 10) KiB RSS."' \
  "$IN/scale.json"

if [ -f "$IN/boot.json" ]; then
  echo
  echo "### boot"
  echo
  echo "| VMs at once | ready | all ready after | CreateVM p50 | CreateVM → guest-ready p50 | p99 | StopVM p50 |"
  echo "|---:|---:|---:|---:|---:|---:|---:|"
  jq -r "$(us)"' "| \(.params.concurrency) | \(.vms.ready) | \(.all_ready_seconds * 10 | round / 10) s | \(.create_us.p50 | ms) | \(.ready_us.p50 | ms) | \(.ready_us.p99 | ms) | \(.stop_us.p50 | ms) |"' "$IN/boot.json"
fi
