#!/bin/busybox sh
# PID 1 of the ember guest (copied to /init of the initramfs by build-guest.sh).
# Brings up the virtio devices, mounts the data drive, starts the power-button
# watcher and the agent, prints the ready marker, then keeps a shell on the
# console. Anything that fails here is reported on the console and skipped: the
# guest must still reach the marker so the host can see what is missing.
# shellcheck shell=ash

/bin/busybox --install -s /bin
export PATH=/bin HOME=/ TERM=vt100

mount -t proc proc /proc
mount -t sysfs sysfs /sys
mount -t devtmpfs devtmpfs /dev
mkdir -p /run/ember

warn() { echo "EMBER-GUEST-WARN $*"; }

# The value of `key=value` on the kernel command line, or nothing.
cmdline_value() {
  read -r cmdline </proc/cmdline
  for word in $cmdline; do
    case "$word" in "$1="*) echo "${word#*=}"; return ;; esac
  done
}

# Modules in dependency order, as build-guest.sh resolved them.
mods=0
while read -r mod; do
  if insmod "/lib/modules/$mod" 2>/dev/null; then
    mods=$((mods + 1))
  else
    warn "insmod $mod failed"
  fi
done </lib/modules/order

# DriveMounts (shim/drive_request.hpp): one kernel argument per drive,
# ember.mount=<device>:<path>:<type>:<options>, mounted before the ready
# marker. An empty type lets mount detect it. Each is reported on the
# console: EMBER-GUEST-MOUNT <device> <path> ok, or a warning; the ready
# marker then ends with mounts=<mounted>/<asked>.
mounts_asked=0 mounts_done=0
mount_drives() {
  read -r cmdline </proc/cmdline
  for word in $cmdline; do
    case "$word" in ember.mount=*) ;; *) continue ;; esac
    old_ifs=$IFS
    IFS=:
    # shellcheck disable=SC2086
    set -- ${word#ember.mount=}
    IFS=$old_ifs
    dev=/dev/$1 path=$2 type=$3 opts=$4
    mounts_asked=$((mounts_asked + 1))
    if mkdir -p "$path" && mount ${type:+-t "$type"} ${opts:+-o "$opts"} "$dev" "$path"; then
      echo "EMBER-GUEST-MOUNT $dev $path ok"
      mounts_done=$((mounts_done + 1))
    else
      warn "mount $dev at $path failed"
    fi
  done
}

# The data drive: read-only, so many VMs can share one image file; unless
# vda is a DriveMount (no root drive), mounted by mount_drives instead.
read -r cmdline </proc/cmdline
case " $cmdline " in
  *" ember.mount=vda:"*) ;;
  *) if [ -b /dev/vda ]; then mount -o ro /dev/vda /mnt || warn "mount /dev/vda failed"; fi ;;
esac
mount_drives

# Boot-time metadata from QEMU's fw_cfg (-fw_cfg name=opt/org.ember/...).
fwcfg=/sys/firmware/qemu_fw_cfg/by_name/opt/org.ember
if [ -d "$fwcfg" ]; then
  for entry in "$fwcfg"/*; do
    [ -r "$entry/raw" ] && cat "$entry/raw" >"/run/ember/${entry##*/}"
  done
fi

# Prefix length of a dotted netmask (255.255.255.0 -> 24).
mask_bits() {
  bits=0
  for octet in $(echo "$1" | tr . ' '); do
    case "$octet" in
      255) bits=$((bits + 8)) ;; 254) bits=$((bits + 7)) ;; 252) bits=$((bits + 6)) ;;
      248) bits=$((bits + 5)) ;; 240) bits=$((bits + 4)) ;; 224) bits=$((bits + 3)) ;;
      192) bits=$((bits + 2)) ;; 128) bits=$((bits + 1)) ;;
    esac
  done
  echo "$bits"
}

# The MMDS device's MAC (shim/vmm/qemu/qemu_command.hpp, kMmdsGuestMac).
mmds_mac=06:00:a9:fe:a9:fe

# The first ethernet device that is not the MMDS one.
first_ethernet() {
  for net in /sys/class/net/eth*; do
    [ -e "$net" ] || continue
    [ "$(cat "$net/address")" = "$mmds_mac" ] && continue
    echo "${net##*/}"
    return
  done
  echo eth0
}

# MMDS (AllowMMDS with the qemu backend): 169.254.169.254 is on-link
# through the device with the MMDS MAC, a network of its own.
mmds_up() {
  for net in /sys/class/net/eth*; do
    [ "$(cat "$net/address" 2>/dev/null)" = "$mmds_mac" ] || continue
    dev=${net##*/}
    if ! { ip link set "$dev" up && ip addr add 169.254.169.2/24 dev "$dev"; }; then
      warn "MMDS device $dev failed"
    fi
  done
}

# The kernel's ip= (as firecracker-containerd writes it for an IPConfig:
# client::gateway:netmask:hostname:device:off:dns0:dns1:ntp). This kernel has
# no IP autoconfiguration and loads virtio_net as a module, so /init applies
# it. An empty device means the only (first) ethernet device.
ip_from_cmdline() {
  old_ifs=$IFS
  IFS=:
  # shellcheck disable=SC2086
  set -- $1
  IFS=$old_ifs
  client=$1 gw=$3 mask=$4 dev=${6:-$(first_ethernet)} dns0=$8 dns1=$9
  if [ -z "$client" ] || [ -z "$mask" ]; then
    warn "ip= without address or netmask"
    return
  fi
  [ -e "/sys/class/net/$dev" ] || { warn "ip= names $dev, which does not exist"; return; }
  addr="$client/$(mask_bits "$mask")"
  if ! { ip link set "$dev" up && ip addr add "$addr" dev "$dev"; }; then
    warn "$dev $addr failed"
  fi
  [ -n "$gw" ] && { ip route add default via "$gw" dev "$dev" || warn "route via $gw failed"; }
  mkdir -p /etc
  : >/etc/resolv.conf
  for ns in $dns0 $dns1; do echo "nameserver $ns" >>/etc/resolv.conf; done
}

# Network: loopback always; eth0 only when the command line gives an address:
# the kernel's ip= (static, from CreateVM's IPConfig), else ember.ip/ember.gw.
ip link set lo up
mmds_up
kernel_ip=$(cmdline_value ip)
addr=$(cmdline_value ember.ip)
if [ -n "$kernel_ip" ]; then
  ip_from_cmdline "$kernel_ip"
elif [ -n "$addr" ] && [ -e /sys/class/net/eth0 ]; then
  if ! { ip link set eth0 up && ip addr add "$addr" dev eth0; }; then
    warn "eth0 $addr failed"
  fi
  gw=$(cmdline_value ember.gw)
  [ -n "$gw" ] && { ip route add default via "$gw" || warn "route via $gw failed"; }
fi

# Power button (QMP system_powerdown arrives as an ACPI power-button press).
# The event device is opened here, before the marker, so a press that comes
# right after the marker is queued for the watcher instead of lost.
watching=
for input in /sys/class/input/event*; do
  [ "$(cat "$input/device/name" 2>/dev/null)" = "Power Button" ] || continue
  exec 4<"/dev/input/${input##*/}"
  (
    dd bs=24 count=1 <&4 >/dev/null 2>&1  # one struct input_event: the press
    sync
    umount /mnt 2>/dev/null
    poweroff -f
  ) &
  exec 4<&-
  watching=1
  break
done
[ -n "$watching" ] || warn "no power button: system_powerdown will be ignored"

# Agent on a virtio-serial port: each line read is run by sh, its output sent
# back, then "__RC=<exit code>". Prefers the port named org.ember.agent.0,
# else the first port. read() gives EOF while no host client is connected, so
# the port is reopened after a short pause.
agent_port=
for port in /sys/class/virtio-ports/vport*; do
  [ -e "$port" ] || continue
  [ -n "$agent_port" ] || agent_port="/dev/${port##*/}"
  if [ "$(cat "$port/name" 2>/dev/null)" = org.ember.agent.0 ]; then
    agent_port="/dev/${port##*/}"
    break
  fi
done
if [ -n "$agent_port" ]; then
  (
    while :; do
      exec 3<>"$agent_port" || exit 1
      while read -r cmd <&3; do
        sh -c "$cmd" </dev/null >&3 2>&1
        echo "__RC=$?" >&3
      done
      exec 3>&-
      sleep 0.5
    done
  ) &
fi

virtio=0
for dev in /sys/bus/virtio/devices/*; do
  [ -e "$dev" ] && virtio=$((virtio + 1))
done
read -r uptime _ </proc/uptime
mounts=
[ "$mounts_asked" -gt 0 ] && mounts=" mounts=$mounts_done/$mounts_asked"
echo "EMBER-GUEST-READY uptime=$uptime mods=$mods virtio=$virtio$mounts"

while :; do
  setsid cttyhack sh
done
