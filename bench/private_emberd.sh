# Sourced by the bench scripts: a private emberd (hollow backend) in a
# temporary directory, started fresh per scenario so one's leftovers (heap,
# fds) do not show in the next.
#   . bench/private_emberd.sh; private_emberd_init NAME
#   start_emberd BIN_DIR; ...; stop_emberd
# Sets WORK (the directory, removed on exit) and EMBERD_PID; the config is
# $WORK/ember.yaml.

private_emberd_init() {
  WORK=$(mktemp -d "/tmp/ember-$1-XXXXXX")
  EMBERD_PID=
  trap private_emberd_cleanup EXIT INT TERM
  cat >"$WORK/ember.yaml" <<YAML
socket: $WORK/ember.sock
state_dir: $WORK/s
shim_base_dir: $WORK/vm
vmm:
  backend: hollow
YAML
  mkfifo "$WORK/ready"
}

private_emberd_cleanup() {
  if [ -n "$EMBERD_PID" ]; then
    kill "$EMBERD_PID" 2>/dev/null || true
    wait "$EMBERD_PID" 2>/dev/null || true
  fi
  rm -rf "$WORK"
}

# start_emberd BIN_DIR [LOG_NAME]: returns once emberd accepts calls (it
# writes "ready" to fd 3 then).
start_emberd() {
  "$1/emberd" --config "$WORK/ember.yaml" --ready-fd 3 3>"$WORK/ready" \
    >>"$WORK/${2:-emberd}.log" 2>&1 &
  EMBERD_PID=$!
  read -r _ <"$WORK/ready"
}

stop_emberd() {
  kill "$EMBERD_PID"
  wait "$EMBERD_PID" || true
  EMBERD_PID=
}
