#!/usr/bin/env bash
# The Debian package, end to end (docs/operations.md): build it with
# cpack; dpkg -i it; check the unit (systemd-analyze verify), the tmpfiles
# entry, the man pages and the bash completion as installed; run the installed
# emberd with the installed config, given a private socket and directories and
# the hollow backend so it clashes with nothing; create a VM with the installed
# emberctl; upgrade (dpkg -i again, then restart emberd as the postinst's
# try-restart does) and see the VM adopted; stop it; dpkg -r and dpkg -P, and
# check the package's files are gone.
# Usage: package_test.sh BUILD_DIR. Needs root (dpkg -i); exits 77 (skipped)
# without it. Leaves the system as it found it: the package is purged on exit.
set -euo pipefail
build=$(cd "$1" && pwd)
if [ "$(id -u)" -ne 0 ]; then
  echo "SKIP: dpkg -i needs root"
  exit 77
fi
# The package follows Debian's layout (/usr, /etc); a build configured for
# another prefix (an old build dir, -DCMAKE_INSTALL_PREFIX=/usr/local) makes
# a package this test does not describe.
prefix=$(sed -n 's/^CMAKE_INSTALL_PREFIX:PATH=//p' "$build/CMakeCache.txt")
if [ "$prefix" != /usr ]; then
  echo "SKIP: this build's CMAKE_INSTALL_PREFIX is $prefix; the Debian package is tested for /usr" \
    "(configure with -DCMAKE_INSTALL_PREFIX=/usr, the default)"
  exit 77
fi
if dpkg-query -W -f='${Status}' ember 2>/dev/null | grep -q 'ok installed'; then
  echo "FAIL: a package ember is installed already; this test installs and purges its own" \
    "(remove it with: dpkg -P ember)"
  exit 1
fi

tmp=$(mktemp -d /tmp/ember-pkg.XXXXXX)  # short: state_dir holds at most 32 bytes
emberd_pid=""
installed=""
cleanup() {
  [ -n "$emberd_pid" ] && kill -KILL "$emberd_pid" 2>/dev/null && wait "$emberd_pid" 2>/dev/null
  # Shims outlive emberd by design; the test's must not outlive the test.
  for state in "$tmp"/vm/*/shim-state.json; do
    [ -f "$state" ] || continue
    pid=$(sed -n 's/.*"pid": *\([0-9]*\).*/\1/p' "$state")
    [ -n "$pid" ] && kill -KILL -- "-$pid" 2>/dev/null
  done
  [ -n "$installed" ] && dpkg -P ember >/dev/null 2>&1
  rm -rf "$tmp"
}
trap cleanup EXIT
fail() {
  echo "FAIL: $*"
  exit 1
}
step() { echo "--- $*"; }

step "cpack -G DEB"
(cd "$build" && cpack -G DEB -B "$tmp/pkg" >"$tmp/cpack.log" 2>&1) || {
  cat "$tmp/cpack.log"
  fail "cpack"
}
deb=$(ls "$tmp"/pkg/ember_*.deb)
dpkg-deb --info "$deb" | grep -E 'Package|Version|Depends|Recommends'
[ "$(dpkg-deb --field "$deb" Package)" = ember ] || fail "package name"
dpkg-deb --ctrl-tarfile "$deb" | tar -xO ./conffiles | grep -qx /etc/ember/ember.yaml ||
  fail "/etc/ember/ember.yaml is not a conffile"

step "cmake --install (DESTDIR) installs what the package holds"
DESTDIR="$tmp/destdir" cmake --install "$build" >/dev/null
(cd "$tmp/destdir" && find . ! -type d | sed 's|^\.||' | sort) >"$tmp/install-files"
dpkg-deb -c "$deb" | awk '$1 !~ /^d/ {print substr($6, 2)}' | sort >"$tmp/deb-files"
diff "$tmp/install-files" "$tmp/deb-files" || fail "cmake --install and the .deb differ"

step "dpkg -i"
dpkg -i "$deb"
installed=yes
dpkg -L ember | sort >"$tmp/files"
for f in /usr/bin/emberd /usr/bin/ember-shim /usr/bin/ember-shim-firecracker /usr/bin/emberctl \
  /etc/ember/ember.yaml /lib/systemd/system/ember.service /usr/lib/tmpfiles.d/ember.conf \
  /usr/share/man/man8/emberd.8 /usr/share/man/man1/emberctl.1 /usr/share/man/man8/ember-shim.8 \
  /usr/share/bash-completion/completions/emberctl /usr/share/ember/guest/build-guest.sh \
  /usr/share/doc/ember/operations.md; do
  grep -qxF "$f" "$tmp/files" || fail "$f is not in the package"
  # Docs and man pages may be path-excluded by dpkg (minimal images): not checked on disk.
  case $f in /usr/share/man/* | /usr/share/doc/*) continue ;; esac
  [ -e "$f" ] || fail "$f is not installed"
done
[ -d /run/ember ] && [ -d /var/lib/ember ] || fail "postinst made no /run/ember, /var/lib/ember"

step "systemd-analyze verify"
grep -qx 'Type=notify' /lib/systemd/system/ember.service || fail "unit: Type=notify"
grep -qx 'KillMode=process' /lib/systemd/system/ember.service || fail "unit: KillMode=process"
grep -qx 'ExecStart=/usr/bin/emberd --config /etc/ember/ember.yaml' \
  /lib/systemd/system/ember.service || fail "unit: ExecStart"
# It also checks that the unit's Documentation= man pages open, where man is.
man_check=--man=yes
command -v man >/dev/null && man -w emberd >/dev/null 2>&1 || man_check=--man=no
systemd-analyze verify "$man_check" /lib/systemd/system/ember.service 2>&1 | tee "$tmp/verify.log"
[ "${PIPESTATUS[0]}" -eq 0 ] || fail "systemd-analyze verify"
if grep -q ember "$tmp/verify.log"; then fail "systemd-analyze verify has remarks on ember"; fi

step "tmpfiles.d"
systemd-tmpfiles --create --root="$tmp/root" /usr/lib/tmpfiles.d/ember.conf
[ "$(stat -c %a "$tmp/root/run/ember")" = 700 ] || fail "tmpfiles: /run/ember mode"
[ "$(stat -c %a "$tmp/root/var/lib/ember")" = 700 ] || fail "tmpfiles: /var/lib/ember mode"

step "man pages"
man_page() { dpkg-deb --fsys-tarfile "$deb" | tar -xO ".$1"; }
man_page /usr/share/man/man8/emberd.8 >"$tmp/emberd.8"
grep -q 'EXIT STATUS' "$tmp/emberd.8" || fail "emberd.8 has no EXIT STATUS"
grep -q 'ready\\-fd' "$tmp/emberd.8" || fail "emberd.8 lacks the flags"
man_page /usr/share/man/man1/emberctl.1 | grep -q 'Subcommands' || fail "emberctl.1 lacks the commands"

step "bash completion"
completions=$(bash -c 'source /usr/share/bash-completion/completions/emberctl
  COMP_WORDS=(emberctl vm cr); COMP_CWORD=2; _emberctl; echo "${COMPREPLY[*]}"')
[ "$completions" = create ] || fail "emberctl vm cr<TAB> gave '$completions'"

# The installed config with a private socket and directories: every other
# line as installed.
private_config() {
  local backend=$1 kernel=$2
  sed -e "s|^socket: .*|socket: $tmp/ember.sock|" -e "s|^state_dir: .*|state_dir: $tmp/s|" \
    -e "s|^shim_base_dir: .*|shim_base_dir: $tmp/vm|" -e "s|^  backend: .*|  backend: $backend|" \
    -e "s|^  kernel_image: .*|  kernel_image: $kernel|" /etc/ember/ember.yaml >"$tmp/ember.yaml"
  for line in "socket: $tmp/ember.sock" "state_dir: $tmp/s" "shim_base_dir: $tmp/vm" \
    "  backend: $backend" "  kernel_image: $kernel"; do
    grep -qxF "$line" "$tmp/ember.yaml" || fail "the installed config has no '$line' line to set"
  done
}

step "installed emberd refuses a missing guest kernel at start"
private_config qemu "$tmp/no-vmlinux"
set +e
timeout 60 /usr/bin/emberd --config "$tmp/ember.yaml" 2>"$tmp/refused.log"
rc=$?
set -e
cat "$tmp/refused.log"
[ "$rc" -eq 2 ] || fail "emberd without its guest kernel exited $rc, not 2"
grep -q "vm.kernel_image $tmp/no-vmlinux: No such file or directory" "$tmp/refused.log" ||
  fail "no message naming vm.kernel_image"

# Starts the installed emberd; returns once it serves (--ready-fd on a fifo:
# the read ends at "ready", or at EOF if emberd exits first).
start_emberd() {
  rm -f "$tmp/ready"
  mkfifo "$tmp/ready"
  /usr/bin/emberd --config "$tmp/ember.yaml" --ready-fd 3 3>"$tmp/ready" 2>>"$tmp/emberd.log" &
  emberd_pid=$!
  local line=""
  read -r -t 60 line <"$tmp/ready" || true
  [ "$line" = ready ] || {
    cat "$tmp/emberd.log"
    fail "emberd did not become ready"
  }
}
stop_emberd() {
  kill -TERM "$emberd_pid"
  local rc=0
  wait "$emberd_pid" || rc=$?
  emberd_pid=""
  [ "$rc" -eq 0 ] || fail "emberd exited $rc after SIGTERM"
}
ctl() { /usr/bin/emberctl --address "$tmp/ember.sock" "$@"; }

step "installed emberd and emberctl: one VM"
private_config hollow /var/cache/ember/guest/vmlinux
start_emberd
ctl vm create pkgvm
ctl vm info pkgvm | tee "$tmp/info"
grep -q "$tmp/vm/default#pkgvm" "$tmp/info" || fail "vm info does not name the VM directory"
shim=$(sed -n 's/.*"pid": *\([0-9]*\).*/\1/p' "$tmp/vm/default#pkgvm/shim-state.json")
[ -n "$shim" ] && kill -0 "$shim" || fail "no shim running for pkgvm"
[ "$(readlink "/proc/$shim/exe")" = /usr/bin/ember-shim ] || fail "the shim is not the installed one"

step "upgrade: dpkg -i again with the VM running, then restart emberd"
dpkg -i "$deb"
stop_emberd
kill -0 "$shim" || fail "the VM's shim died with emberd"
start_emberd
grep -q "adopted 1 running VM" "$tmp/emberd.log" || fail "the new emberd did not adopt the VM"
ctl vm info pkgvm >/dev/null || fail "the VM is not served after the upgrade"
ctl vm stop pkgvm
[ ! -e "$tmp/vm/default#pkgvm" ] || fail "the VM directory outlived StopVM"
stop_emberd

step "dpkg -r, dpkg -P"
dpkg -r ember
while read -r f; do
  [ -d "$f" ] && continue # shared directories (/usr/bin) stay
  if [ "$f" = /etc/ember/ember.yaml ]; then
    [ -e "$f" ] || fail "dpkg -r removed the conffile (only a purge should)"
  elif [ -e "$f" ]; then
    fail "$f is still there after dpkg -r"
  fi
done <"$tmp/files"
dpkg -P ember
installed=""
[ ! -e /etc/ember/ember.yaml ] || fail "dpkg -P left /etc/ember/ember.yaml"
dpkg-query -W ember >/dev/null 2>&1 && fail "dpkg still knows the package"
echo "PASS"
