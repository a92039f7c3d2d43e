#!/usr/bin/env bash
# Boots the guest image once in a QEMU microvm (TCG) and checks it end to end:
# the ready marker on the console, the devices and the metadata through the
# agent port, QMP, then a graceful shutdown through the ACPI power button
# (QMP system_powerdown) after which QEMU must exit 0 on its own.
# Prints timings; exits non-zero on any failure. See docs/guest-image.md.
#
# Usage: boot-check.sh [--dir GUESTDIR] [--no-disk] [--timeout SECONDS] [--keep]
#   GUESTDIR is where build-guest.sh wrote the image (same default).
#   --no-disk boots without a drive and checks that nothing is mounted.
#   --timeout bounds each wait (default 60 s); --keep keeps the run directory.
#
# Host tools, installed with apt-get when missing (list them in
# deploy/install-deps.sh): qemu-system-x86 (qemu-system-x86_64), socat (QMP
# and agent sockets), e2fsprogs (mkfs.ext4 for the test drive).
set -euo pipefail

readonly -A TOOL_PACKAGE=([qemu-system-x86_64]=qemu-system-x86 [socat]=socat [mkfs.ext4]=e2fsprogs)
readonly AGENT_PORT=org.ember.agent.0
readonly MEMORY_MIB=128
export PATH="$PATH:/usr/sbin:/sbin"
export LC_ALL=C

say() { echo "boot-check: $*"; }
fail() {
  echo "boot-check: FAIL: $*" >&2
  if [ -n "${run:-}" ]; then
    [ ! -s "$run/console.log" ] || { echo "--- console (last 20 lines)"; tail -n 20 "$run/console.log"; } >&2
    [ ! -s "$run/qemu.stderr" ] || { echo "--- qemu stderr"; cat "$run/qemu.stderr"; } >&2
  fi
  exit 1
}

usage() {
  sed -n '8,11s/^# \{0,1\}//p' "${BASH_SOURCE[0]}"
}

as_root() {
  if [ "$(id -u)" -eq 0 ]; then
    "$@"
  elif command -v sudo >/dev/null; then
    sudo "$@"
  else
    fail "need root to run: $*"
  fi
}

ensure_tools() {
  local tool missing=()
  for tool in "${!TOOL_PACKAGE[@]}"; do
    command -v "$tool" >/dev/null || missing+=("${TOOL_PACKAGE[$tool]}")
  done
  [ ${#missing[@]} -gt 0 ] || return 0
  say "installing ${missing[*]}"
  as_root apt-get update -q >/dev/null
  DEBIAN_FRONTEND=noninteractive as_root apt-get install -y -q \
    --no-install-recommends "${missing[@]}" >/dev/null
}

now_us() { now=${EPOCHREALTIME/[.,]/}; }
ms_since() { echo $(((${EPOCHREALTIME/[.,]/} - $1) / 1000)); }

# Reads one line from fd $1 into `line` (CR stripped) before the absolute
# deadline $2 (microseconds); fails on timeout or end of stream.
read_line() {
  local fd=$1 deadline=$2 left
  now_us
  left=$((deadline - now))
  [ "$left" -gt 0 ] || return 1
  IFS= read -r -t "$((left / 1000000)).$(printf '%06d' $((left % 1000000)))" -u "$fd" line || return 1
  line=${line%$'\r'}
}

deadline_in() {
  now_us
  deadline=$((now + timeout_s * 1000000))
}

# --- agent: one command per line, answered by its output and "__RC=<code>"

agent_run() {
  local cmd=$1
  agent_out=""
  printf '%s\n' "$cmd" >&"${AGENT[1]}"
  deadline_in
  while read_line "${AGENT[0]}" "$deadline"; do
    # Output without a final newline runs into the marker: split on it.
    case "$line" in
      *__RC=*)
        [ -z "${line%__RC=*}" ] || agent_out+="${agent_out:+$'\n'}${line%__RC=*}"
        agent_rc=${line##*__RC=}
        return 0
        ;;
    esac
    agent_out+="${agent_out:+$'\n'}$line"
  done
  fail "agent gave no answer to '$cmd' within ${timeout_s}s"
}

# Runs $2 in the guest and fails with $1 unless it prints exactly $3.
agent_expect() {
  local what=$1 cmd=$2 want=$3
  agent_run "$cmd"
  if [ "$agent_rc" != 0 ] || [ "$agent_out" != "$want" ]; then
    fail "$what: '$cmd' gave rc=$agent_rc output '$agent_out', want '$want'"
  fi
}

# --- QMP: JSON lines; events may arrive before a command's return

qmp_cmd() {
  printf '%s\n' "$1" >&"${QMP[1]}"
  deadline_in
  while read_line "${QMP[0]}" "$deadline"; do
    case "$line" in
      '{"return"'* | '{"error"'*)
        qmp_reply=$line
        return 0
        ;;
      *'"event"'*) qmp_events+=("$line") ;;
    esac
  done
  fail "no QMP reply to $1 within ${timeout_s}s"
}

cleanup() {
  # Only processes this script started, by pid.
  [ -z "${tail_pid:-}" ] || kill "$tail_pid" 2>/dev/null || true
  if [ -n "${qemu_pid:-}" ]; then
    # timeout(1) passes the TERM on and KILLs 5 s later: the wait is bounded.
    kill "$qemu_pid" 2>/dev/null || true
    wait "$qemu_pid" 2>/dev/null || true
  fi
  if [ -n "${run:-}" ]; then
    if [ "$keep" -eq 1 ]; then say "run directory kept: $run"; else rm -rf "$run"; fi
  fi
}

main() {
  local dir="" disk=1
  timeout_s=60
  keep=0
  while [ $# -gt 0 ]; do
    case "$1" in
      --dir)
        [ $# -ge 2 ] || fail "--dir needs a directory"
        dir=$2
        shift
        ;;
      --no-disk) disk=0 ;;
      --timeout)
        [[ ${2:-} =~ ^[1-9][0-9]*$ ]] || fail "--timeout needs a positive integer"
        timeout_s=$2
        shift
        ;;
      --keep) keep=1 ;;
      -h | --help)
        usage
        exit 0
        ;;
      *)
        usage >&2
        exit 2
        ;;
    esac
    shift
  done
  if [ -z "$dir" ]; then
    if [ -n "${EMBER_GUEST_DIR:-}" ]; then
      dir=$EMBER_GUEST_DIR
    elif [ "$(id -u)" -eq 0 ]; then
      dir=/var/cache/ember/guest
    else
      dir=${XDG_CACHE_HOME:-$HOME/.cache}/ember/guest
    fi
  fi
  local file
  for file in vmlinuz initrd.gz manifest; do
    [ -f "$dir/$file" ] || fail "no $file in ${dir}: run deploy/guest/build-guest.sh"
  done
  # Resolve the image link once so kernel and initrd come from one build.
  dir=$(readlink -f "$dir")
  local want_mods
  want_mods=$(sed -n 's/^modules=//p' "$dir/manifest" | wc -w)

  ensure_tools
  trap cleanup EXIT
  run=$(mktemp -d "${TMPDIR:-/tmp}/ember-boot-check.XXXXXX")
  local token metadata
  token="ember-check-$$-$RANDOM"
  metadata="{\"check\":\"$token\"}"
  printf '%s' "$metadata" >"$run/metadata.json"
  local drive_args=() want_virtio=3
  if [ "$disk" -eq 1 ]; then
    mkdir "$run/disk"
    echo "$token" >"$run/disk/ember-check"
    truncate -s 8M "$run/disk.ext4"
    mkfs.ext4 -q -F -d "$run/disk" "$run/disk.ext4" || fail "mkfs.ext4 failed"
    # shellcheck disable=SC2054 # commas belong to QEMU's option syntax
    drive_args=(-drive "id=vda,file=$run/disk.ext4,format=raw,if=none,readonly=on"
      -device virtio-blk-device,drive=vda)
    want_virtio=4
  fi

  # Under TCG the guest reads the host TSC; microvm has no other clock to
  # calibrate it against, so pass its rate (see notes/qemu-vmm.md).
  local tsc_khz
  tsc_khz=$(awk '/^cpu MHz/ { printf "%d", $4 * 1000; exit }' /proc/cpuinfo)
  [ -n "$tsc_khz" ] || fail "no 'cpu MHz' in /proc/cpuinfo"
  local append="console=ttyS0 panic=-1 quiet tsc_early_khz=$tsc_khz tsc=reliable"
  append+=" cryptomgr.notests ember.ip=10.0.2.15/24 ember.gw=10.0.2.2"
  # shellcheck disable=SC2054 # commas belong to QEMU's option syntax
  local qemu_args=(
    -M microvm -accel tcg -cpu qemu64,+arat -m "${MEMORY_MIB}M" -smp 1
    -nodefaults -no-user-config -display none -no-reboot
    -kernel "$dir/vmlinuz" -initrd "$dir/initrd.gz" -append "$append"
    -qmp "unix:$run/qmp.sock,server=on,wait=off"
    -chardev "file,id=con,path=$run/console.log" -serial chardev:con
    "${drive_args[@]}"
    -device virtio-balloon-device,id=balloon0,deflate-on-oom=on,free-page-reporting=on
    -netdev user,id=n0 -device virtio-net-device,netdev=n0
    -device virtio-serial-device,id=vser0
    -chardev "socket,id=agent,path=$run/agent.sock,server=on,wait=off"
    -device "virtserialport,bus=vser0.0,chardev=agent,name=$AGENT_PORT"
    -fw_cfg "name=opt/org.ember/metadata,file=$run/metadata.json"
  )

  # QEMU runs under timeout(1) so it cannot outlive a stuck check.
  local started
  started=${EPOCHREALTIME/[.,]/}
  : >"$run/console.log"
  timeout -k 5 $((3 * timeout_s)) qemu-system-x86_64 "${qemu_args[@]}" 2>"$run/qemu.stderr" &
  qemu_pid=$!
  say "QEMU started (pid $qemu_pid), waiting for EMBER-GUEST-READY"

  # The marker: follow the console log until it appears or QEMU ends.
  local con_fd marker=""
  exec {con_fd}< <(exec tail --pid="$qemu_pid" -F -n +1 "$run/console.log" 2>/dev/null)
  tail_pid=$!
  deadline_in
  while read_line "$con_fd" "$deadline"; do
    case "$line" in *EMBER-GUEST-READY*)
      marker=${line#*EMBER-GUEST-READY}
      break
      ;;
    esac
  done
  local ready_ms
  ready_ms=$(ms_since "$started")
  kill "$tail_pid" 2>/dev/null || true
  exec {con_fd}<&-
  tail_pid=""
  if [ -z "$marker" ]; then
    kill -0 "$qemu_pid" 2>/dev/null || fail "QEMU ended before EMBER-GUEST-READY"
    fail "no EMBER-GUEST-READY within ${timeout_s}s"
  fi
  [[ $marker =~ ^\ uptime=([0-9.]+)\ mods=([0-9]+)\ virtio=([0-9]+)$ ]] ||
    fail "malformed marker: EMBER-GUEST-READY$marker"
  local uptime=${BASH_REMATCH[1]} mods=${BASH_REMATCH[2]} virtio=${BASH_REMATCH[3]}
  say "ready after ${ready_ms} ms: guest uptime=${uptime}s mods=$mods virtio=$virtio"
  grep -q 'EMBER-GUEST-WARN' "$run/console.log" && fail "guest warned: $(grep -a EMBER-GUEST-WARN "$run/console.log")"
  [ "$mods" = "$want_mods" ] || fail "guest loaded $mods modules, manifest lists $want_mods"
  [ "$virtio" = "$want_virtio" ] || fail "guest sees $virtio virtio devices, want $want_virtio"

  # Devices and metadata, asked through the agent port.
  coproc AGENT { exec socat - "UNIX-CONNECT:$run/agent.sock"; }
  local agent_started
  agent_started=${EPOCHREALTIME/[.,]/}
  agent_expect "agent" "echo pong" pong
  say "agent: first answer after $(ms_since "$agent_started") ms"
  agent_started=${EPOCHREALTIME/[.,]/}
  agent_expect "agent" "echo pong" pong
  say "agent: round trip $(ms_since "$agent_started") ms"
  agent_expect "agent port name" "cat /sys/class/virtio-ports/*/name" "$AGENT_PORT"
  agent_expect "balloon driver" "ls /sys/bus/virtio/drivers/virtio_balloon | grep -c '^virtio'" 1
  agent_expect "metadata" "cat /run/ember/metadata" "$metadata"
  agent_expect "eth0" "ip -o -4 addr show eth0 | awk '{ print \$4 }'" 10.0.2.15/24
  if [ "$disk" -eq 1 ]; then
    agent_expect "drive" "awk '\$1 == \"/dev/vda\" { print \$2, \$3, substr(\$4, 1, 2) }' /proc/mounts" "/mnt ext4 ro"
    agent_expect "drive content" "cat /mnt/ember-check" "$token"
    say "drive: /dev/vda mounted read-only at /mnt, content read back"
  else
    agent_expect "no drive" "grep -c ' /mnt ' /proc/mounts || true" 0
    say "no drive: nothing mounted at /mnt"
  fi
  say "agent: port $AGENT_PORT, balloon bound, metadata and eth0 as passed"
  local agent_in=${AGENT[1]}
  exec {agent_in}>&-
  wait "$AGENT_PID" 2>/dev/null || true

  # QMP: capabilities, status, balloon, then the power button.
  qmp_events=()
  coproc QMP { exec socat - "UNIX-CONNECT:$run/qmp.sock"; }
  deadline_in
  read_line "${QMP[0]}" "$deadline" || fail "no QMP greeting"
  case "$line" in '{"QMP":'*) ;; *) fail "unexpected QMP greeting: $line" ;; esac
  qmp_cmd '{"execute":"qmp_capabilities"}'
  [ "$qmp_reply" = '{"return": {}}' ] || fail "qmp_capabilities: $qmp_reply"
  qmp_cmd '{"execute":"query-status"}'
  [[ $qmp_reply == *'"status": "running"'* ]] || fail "query-status: $qmp_reply"
  qmp_cmd '{"execute":"query-balloon"}'
  [ "$qmp_reply" = "{\"return\": {\"actual\": $((MEMORY_MIB << 20))}}" ] || fail "query-balloon: $qmp_reply"
  say "QMP: running, balloon actual=$((MEMORY_MIB << 20))"

  local powerdown_at shutdown_ms="" shutdown=""
  powerdown_at=${EPOCHREALTIME/[.,]/}
  qmp_cmd '{"execute":"system_powerdown"}'
  [ "$qmp_reply" = '{"return": {}}' ] || fail "system_powerdown: $qmp_reply"
  deadline_in
  local event
  for event in "${qmp_events[@]}"; do
    [[ $event == *'"event": "SHUTDOWN"'* ]] && shutdown=$event
  done
  while [ -z "$shutdown" ] && read_line "${QMP[0]}" "$deadline"; do
    [[ $line == *'"event": "SHUTDOWN"'* ]] && shutdown=$line
  done
  [ -n "$shutdown" ] || fail "no SHUTDOWN event within ${timeout_s}s of system_powerdown"
  shutdown_ms=$(ms_since "$powerdown_at")
  [[ $shutdown == *'"guest": true, "reason": "guest-shutdown"'* ]] || fail "unexpected shutdown: $shutdown"
  local rc=0
  wait "$qemu_pid" || rc=$?
  qemu_pid=""
  local exit_ms
  exit_ms=$(ms_since "$powerdown_at")
  local qmp_in=${QMP[1]}
  exec {qmp_in}>&-
  wait "$QMP_PID" 2>/dev/null || true
  [ "$rc" -eq 0 ] || fail "QEMU exited with $rc after system_powerdown"
  if [ -e "$run/qmp.sock" ] || [ -e "$run/agent.sock" ]; then
    fail "QEMU left socket files behind"
  fi
  say "powerdown: SHUTDOWN guest-shutdown after ${shutdown_ms} ms, QEMU exited 0 after ${exit_ms} ms"
  say "OK (total $(ms_since "$started") ms)"
}

main "$@"
