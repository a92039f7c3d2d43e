#!/bin/sh
# The fleet's figures (docs/fleet.md), side by side in one run, over veth
# pairs between network namespaces this script makes (as root) and removes:
# a front in ember-b<pid>-c, members m1..m3 in ember-b<pid>-mN at
# 10.77.N.2:7100, hollow backend, certificates from deploy/fleet-certs.sh.
# One JSON object per line in OUT (load average before and after each step):
#   - creates/s straight to member m1 vs through the front across 3 members,
#     ROUNDS rounds alternating (per member the same 16 calls in flight);
#     then the same with each member (and its shims) held to BUDGET % of one
#     core by its own cpu cgroup (bench/lib/cpu_budget.sh), as three hosts of
#     equal size would be: m1 alone vs the three through the front;
#   - GetVMInfo of one VM via the front vs straight to its member,
#     interleaved in blocks of 100 (fleet_bench rpc); then again with the
#     client, the front, that member and its shim pinned to core 0; and
#     through one more process (a unix socket relay) and through a bare TLS
#     relay over the same veth (socat), instead of through the front;
#   - the floor under any front (hop_floor): bare bytes to an echo in m1's
#     namespace, straight vs through a relay process that only copies, onto
#     TCP and onto TLS over the same veth; then all of it on core 0;
#   - the front's RSS idle and with VMS hollow VMs placed (one shim each);
#   - time from a SIGKILLed front's restart (ready) until every member is up
#     and all VMS are placed again, twice.
#   bench/fleet.sh BUILD OUT.jsonl [VMS [ROUNDS [BUDGET]]]   (BUDGET: 40)
set -eu
BUILD=$(cd "$1" && pwd)
OUT=$2
VMS=${3:-3000}
ROUNDS=${4:-2}
BUDGET=${5:-40}
SRC=$(cd "$(dirname "$0")/.." && pwd)
. "$SRC/bench/lib/cpu_budget.sh"
TAG=ember-b$$
WORK=$(mktemp -d /tmp/ember-fleet-XXXXXX)
FRONT_PID=
MEMBER_PIDS=
RELAY_PIDS=

# procs_under DIR: the pids whose working directory is below DIR (the shims)
procs_under() {
  for d in /proc/[0-9]*; do
    case $(readlink "$d/cwd" 2>/dev/null) in "$1"/*) echo "${d#/proc/}" ;; esac
  done
}

cleanup() {
  for p in $FRONT_PID $MEMBER_PIDS $RELAY_PIDS; do kill -9 "$p" 2>/dev/null || true; done
  # the shims (their cwd is their VM dir below $WORK)
  for p in $(procs_under "$WORK"); do kill -9 "$p" 2>/dev/null || true; done
  for ns in c m1 m2 m3; do ip netns del "$TAG-$ns" 2>/dev/null || true; done
  for n in 1 2 3; do cpu_budget_remove "$TAG-m$n"; done
  rm -rf "$WORK"
}
trap cleanup EXIT INT TERM

ip netns add "$TAG-c"
ip -n "$TAG-c" link set lo up
for n in 1 2 3; do
  ip netns add "$TAG-m$n"
  ip -n "$TAG-m$n" link set lo up
  ip -n "$TAG-c" link add "veth$n" type veth peer name eth0 netns "$TAG-m$n"
  ip -n "$TAG-c" addr add "10.77.$n.1/24" dev "veth$n"
  ip -n "$TAG-c" link set "veth$n" up
  ip -n "$TAG-m$n" addr add "10.77.$n.2/24" dev eth0
  ip -n "$TAG-m$n" link set eth0 up
done
"$SRC/deploy/fleet-certs.sh" "$WORK/certs" front m1 m2 m3 >/dev/null

# write_config NAME ROLE_YAML: $WORK/NAME/ember.yaml
write_config() {
  mkdir -p "$WORK/$1"
  cat >"$WORK/$1/ember.yaml" <<YAML
socket: $WORK/$1/ember.sock
state_dir: $WORK/$1/s
shim_base_dir: $WORK/$1/vm
vmm:
  backend: hollow
limits:
  max_vms: 12000
log:
  level: warn
fleet:
$2  tls: {ca: $WORK/certs/ca.pem, cert: $WORK/certs/$1.pem, key: $WORK/certs/$1.key}
YAML
}
# start NAME NAMESPACE: prints emberd's pid once it is ready (ip netns exec
# execs emberd in place, so the pid is emberd's)
start() {
  rm -f "$WORK/$1/ready"
  mkfifo "$WORK/$1/ready"
  ip netns exec "$2" "$BUILD/bin/emberd" --config "$WORK/$1/ember.yaml" --ready-fd 3 \
    3>"$WORK/$1/ready" >>"$WORK/$1/emberd.log" 2>&1 &
  echo $!
  read -r _ <"$WORK/$1/ready"
}
members_yaml=
for n in 1 2 3; do
  write_config "m$n" "  role: member
  name: m$n
  listen: 10.77.$n.2:7100
"
  MEMBER_PIDS="$MEMBER_PIDS $(start "m$n" "$TAG-m$n")"
  members_yaml="$members_yaml    - {name: m$n, address: 10.77.$n.2:7100}
"
done
write_config front "  role: front
  members:
$members_yaml  report_interval_ms: 1000
  member_timeout_ms: 3000
"
FRONT_PID=$(start front "$TAG-c")

B="$BUILD/bin/fleet_bench"
FRONT=$WORK/front/ember.sock
M1=$WORK/m1/ember.sock
rss_kib() { awk '/^VmRSS/ {print $2}' "/proc/$1/status"; }
# pin_threads CPUS PID...: every thread of each PID on CPUS
pin_threads() {
  cpus=$1
  shift
  for p in "$@"; do
    for t in /proc/"$p"/task/*; do taskset -pc "$cpus" "${t##*/}" >/dev/null; done
  done
}
# record STEP CMD...: runs CMD (one JSON object on stdout), adds the step and
# the load average before and after, appends to OUT
record() {
  step=$1
  shift
  before=$(cat /proc/loadavg)
  result=$("$@")
  after=$(cat /proc/loadavg)
  printf '{"bench":"fleet","step":"%s","loadavg_before":"%s","loadavg_after":"%s","result":%s}\n' \
    "$step" "$before" "$after" "$result" | tee -a "$OUT"
}

record link-up "$B" placed --socket "$FRONT" -n 0 --timeout 120
printf '{"bench":"fleet","step":"front-rss-idle","loadavg":"%s","front_rss_kib":%s}\n' \
  "$(cat /proc/loadavg)" "$(rss_kib "$FRONT_PID")" | tee -a "$OUT"

per=$((VMS / 3))
[ "$per" -gt 300 ] && per=300
# create_rounds LABEL PREFIX: ROUNDS rounds of creates and stops, straight to
# m1 and through the front to the 3 members
create_rounds() {
  r=1
  while [ "$r" -le "$ROUNDS" ]; do
    record "create-direct-m1$1-r$r" "$B" create --socket "$M1" -n "$per" -c 16 --prefix "${2}d$r-"
    record "stop-direct-m1$1-r$r" "$B" stop --socket "$M1" -n "$per" -c 16 --prefix "${2}d$r-"
    record "create-front-3-members$1-r$r" "$B" create --socket "$FRONT" -n $((per * 3)) -c 48 \
      --prefix "${2}f$r-"
    record "stop-front$1-r$r" "$B" stop --socket "$FRONT" -n $((per * 3)) -c 48 --prefix "${2}f$r-"
    r=$((r + 1))
  done
}
create_rounds "" ""
n=1
for p in $MEMBER_PIDS; do
  cpu_budget "$TAG-m$n" "$p" "$BUDGET"
  n=$((n + 1))
done
create_rounds "-budget$BUDGET" b
for n in 1 2 3; do cpu_budget_lift "$TAG-m$n"; done

"$B" create --socket "$FRONT" -n 1 -c 1 --prefix rpcvm >/dev/null
for n in 1 2 3; do
  if "$B" rpc --socket "$FRONT" --member-socket "$WORK/m$n/ember.sock" --vm rpcvm0 -n 1 >/dev/null 2>&1; then
    record "rpc-front-vs-m$n" "$B" rpc --socket "$FRONT" --member-socket "$WORK/m$n/ember.sock" \
      --vm rpcvm0 -n 10000
    # The same with the client, the front, the member and its shim on one
    # core: no wake-up crosses cores (each costs tens of µs here), so what is
    # left is the work each path does.
    pids="$FRONT_PID $(echo $MEMBER_PIDS | cut -d' ' -f$n) $(procs_under "$WORK/m$n/vm")"
    pin_threads 0 $pids
    record "rpc-front-vs-m$n-one-core" taskset -c 0 "$B" rpc --socket "$FRONT" \
      --member-socket "$WORK/m$n/ember.sock" --vm rpcvm0 -n 10000
    pin_threads 0-$(($(nproc) - 1)) $pids
  fi
done
"$B" stop --socket "$FRONT" -n 1 -c 1 --prefix rpcvm >/dev/null

# Yardsticks for the front's added cost: the same calls through one more
# process and nothing else (a socat relay between two unix sockets), and
# through a bare TLS relay over the same veth (socat in the front's namespace
# and in m1's, the fleet's certificates), instead of through the front.
# relay CMD...: starts CMD (a socat) in the background, killed at the end
relay() {
  "$@" &
  RELAY_PIDS="$RELAY_PIDS $!"
}
# wait_sockets PATH...: until each is a socket, 5 s at most
wait_sockets() {
  for s in "$@"; do
    i=0
    while [ ! -S "$s" ] && [ "$i" -lt 100 ]; do
      sleep 0.05
      i=$((i + 1))
    done
  done
}
if command -v socat >/dev/null; then
  C=$WORK/certs
  relay socat "UNIX-LISTEN:$WORK/relay1.sock,fork" "UNIX-CONNECT:$M1"
  relay ip netns exec "$TAG-m1" socat "OPENSSL-LISTEN:7200,reuseaddr,fork,nodelay,cert=$C/m1.pem,key=$C/m1.key,cafile=$C/ca.pem,verify=1" \
    "UNIX-CONNECT:$M1"
  relay ip netns exec "$TAG-c" socat "UNIX-LISTEN:$WORK/relay.sock,fork" \
    "OPENSSL:10.77.1.2:7200,nodelay,cert=$C/front.pem,key=$C/front.key,cafile=$C/ca.pem,verify=1,commonname=m1"
  wait_sockets "$WORK/relay1.sock" "$WORK/relay.sock"
  "$B" create --socket "$M1" -n 1 -c 1 --prefix relayvm >/dev/null
  record "rpc-unix-relay-vs-m1" "$B" rpc --socket "$WORK/relay1.sock" --member-socket "$M1" \
    --vm relayvm0 -n 10000
  record "rpc-tls-relay-vs-m1" "$B" rpc --socket "$WORK/relay.sock" --member-socket "$M1" \
    --vm relayvm0 -n 10000
  "$B" stop --socket "$M1" -n 1 -c 1 --prefix relayvm >/dev/null
  # The floor under any front: bare bytes to an echo in m1's namespace
  # (socat PIPE), straight, through a relay that only copies, through one
  # that copies onto TCP over the same veth, and onto TLS over it, ended by
  # the echo itself (as a member would end a front's stream).
  relay ip netns exec "$TAG-m1" socat "UNIX-LISTEN:$WORK/echo.sock,fork" PIPE
  relay ip netns exec "$TAG-m1" socat TCP-LISTEN:7201,reuseaddr,fork,nodelay PIPE
  relay ip netns exec "$TAG-m1" socat "OPENSSL-LISTEN:7202,reuseaddr,fork,nodelay,cert=$C/m1.pem,key=$C/m1.key,cafile=$C/ca.pem,verify=1" PIPE
  relay socat "UNIX-LISTEN:$WORK/echo-relay.sock,fork" "UNIX-CONNECT:$WORK/echo.sock"
  relay ip netns exec "$TAG-c" socat "UNIX-LISTEN:$WORK/echo-tcp.sock,fork" TCP:10.77.1.2:7201,nodelay
  relay ip netns exec "$TAG-c" socat "UNIX-LISTEN:$WORK/echo-tls.sock,fork" \
    "OPENSSL:10.77.1.2:7202,nodelay,cert=$C/front.pem,key=$C/front.key,cafile=$C/ca.pem,verify=1,commonname=m1"
  wait_sockets "$WORK/echo.sock" "$WORK/echo-relay.sock" "$WORK/echo-tcp.sock" "$WORK/echo-tls.sock"
  sleep 0.2 # the TCP and TLS listeners in m1 have no socket file to wait for
  floor_paths="--path direct=$WORK/echo.sock --path relay=$WORK/echo-relay.sock
    --path relay-tcp-veth=$WORK/echo-tcp.sock --path relay-tls-veth=$WORK/echo-tls.sock"
  record hop-floor "$BUILD/bin/hop_floor" $floor_paths -n 10000
  # Again on one core, as the one-core GetVMInfo row: socat forks a process
  # per connection, which inherits its listener's core.
  pin_threads 0 $RELAY_PIDS
  record hop-floor-one-core taskset -c 0 "$BUILD/bin/hop_floor" $floor_paths -n 10000
  for p in $RELAY_PIDS; do
    kill "$p" 2>/dev/null || echo "fleet.sh: relay $p had already exited" >&2
  done
fi

record "create-front-$VMS" "$B" create --socket "$FRONT" -n "$VMS" -c 48 --prefix big
printf '{"bench":"fleet","step":"rss-with-vms","vms":%s,"loadavg":"%s","front_rss_kib":%s,"member_rss_kib":[%s]}\n' \
  "$VMS" "$(cat /proc/loadavg)" "$(rss_kib "$FRONT_PID")" \
  "$(for p in $MEMBER_PIDS; do printf '%s,' "$(rss_kib "$p")"; done | sed 's/,$//')" | tee -a "$OUT"
for k in 1 2; do
  kill -9 "$FRONT_PID"
  i=0
  while kill -0 "$FRONT_PID" 2>/dev/null && [ "$i" -lt 200 ]; do
    sleep 0.05
    i=$((i + 1))
  done
  exec_ns=$(date +%s%N)
  FRONT_PID=$(start front "$TAG-c")
  # seconds: from the front's ready; seconds_since_given_instant: from its exec
  record "rebuild-after-front-restart-$VMS-k$k" "$B" placed --socket "$FRONT" -n "$VMS" \
    --timeout 300 --poll-ms 10 --since-ns "$exec_ns"
  printf '{"bench":"fleet","step":"front-rss-rebuilt-k%s","vms":%s,"loadavg":"%s","front_rss_kib":%s}\n' \
    "$k" "$VMS" "$(cat /proc/loadavg)" "$(rss_kib "$FRONT_PID")" | tee -a "$OUT"
done
record "stop-front-$VMS" "$B" stop --socket "$FRONT" -n "$VMS" -c 48 --prefix big
