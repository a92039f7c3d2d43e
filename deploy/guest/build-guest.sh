#!/usr/bin/env bash
# Builds the ember guest image from Debian packages only: the kernel of
# linux-image-cloud-amd64 (vmlinuz, and vmlinux: the ELF inside it, which QEMU
# boots through PVH and Firecracker requires) and a busybox initramfs (initrd.gz) holding
# the virtio, vsock and power-button modules and deploy/guest/init.sh as /init.
# The packages are fetched with `apt-get download` and unpacked with `dpkg -x`,
# never installed. See docs/guest-image.md.
#
# Usage: build-guest.sh [--force] [--out DIR]
#   DIR defaults to $EMBER_GUEST_DIR, else /var/cache/ember/guest for root,
#   else ${XDG_CACHE_HOME:-$HOME/.cache}/ember/guest. It receives vmlinuz,
#   vmlinux, initrd.gz and manifest. Nothing is done when the manifest matches the
#   current inputs, unless --force.
#
# Layout: DIR is a symlink to DIR.images/<build id>. A build is staged in a new
# directory there and published by replacing the symlink (rename(2)), so a
# reader that resolves DIR once (readlink -f) gets the old image or the new
# one, never a mix or half a file. The previous image is kept, older ones are
# removed. Builds are serialised by a lock file beside DIR.
#
# Host tools, installed with apt-get when missing (list them in
# deploy/install-deps.sh): kmod (depmod, modprobe: dependency lookup only),
# cpio and lz4. Also used, all essential in Debian: apt, dpkg, gzip, coreutils,
# util-linux (flock).
set -euo pipefail

readonly KERNEL_META=linux-image-cloud-amd64
readonly BUSYBOX_PACKAGE=busybox-static
# Modules the guest loads; their dependencies are added in load order.
readonly MODULES=(
  virtio_mmio virtio_pci virtio_blk virtio_balloon virtio_net virtio_console
  vmw_vsock_virtio_transport button evdev qemu_fw_cfg
)
readonly -A TOOL_PACKAGE=([depmod]=kmod [modprobe]=kmod [cpio]=cpio [lz4]=lz4)

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
readonly here
readonly init_template="$here/init.sh"
export PATH="$PATH:/usr/sbin:/sbin"
export LC_ALL=C

say() { echo "build-guest: $*"; }
die() {
  echo "build-guest: error: $*" >&2
  exit 1
}

usage() {
  sed -n '8,12s/^# \{0,1\}//p' "${BASH_SOURCE[0]}"
}

# Runs a command as root: directly, through sudo, or fails saying why.
as_root() {
  if [ "$(id -u)" -eq 0 ]; then
    "$@"
  elif command -v sudo >/dev/null; then
    sudo "$@"
  else
    die "need root to run: $*"
  fi
}

ensure_tools() {
  local tool missing=()
  for tool in "${!TOOL_PACKAGE[@]}"; do
    command -v "$tool" >/dev/null || missing+=("${TOOL_PACKAGE[$tool]}")
  done
  [ ${#missing[@]} -gt 0 ] || return 0
  mapfile -t missing < <(printf '%s\n' "${missing[@]}" | sort -u)
  say "installing ${missing[*]}"
  as_root apt-get update -q >/dev/null
  DEBIAN_FRONTEND=noninteractive as_root apt-get install -y -q \
    --no-install-recommends "${missing[@]}" >/dev/null
}

# Sets kernel_pkg, kernel_ver, busybox_ver from one apt-cache call (each call
# rebuilds apt's cache in memory when it is not kept on disk: seconds).
read_apt_lists() {
  local record
  record=$(apt-cache show --no-all-versions "$KERNEL_META" "$BUSYBOX_PACKAGE" 2>/dev/null |
    awk '/^Package:/ { pkg = $2 }
         pkg == meta && /^Depends:/ { print "dep", $0 }
         pkg == busybox && /^Version:/ { print "busybox", $2 }' \
      meta="$KERNEL_META" busybox="$BUSYBOX_PACKAGE") || true
  # Depends: linux-image-6.1.0-56-cloud-amd64 (= 6.1.192-2)
  kernel_pkg=$(sed -n 's/^dep .*\(linux-image-[0-9][^ ,]*\).*/\1/p' <<<"$record" | head -n1)
  kernel_ver=$(sed -n "s/^dep .*$kernel_pkg (= \([^)]*\)).*/\1/p" <<<"$record" | head -n1)
  busybox_ver=$(sed -n 's/^busybox //p' <<<"$record" | head -n1)
  if [ -n "$kernel_pkg" ] && [ -z "$kernel_ver" ]; then
    kernel_ver=$(apt-cache show --no-all-versions "$kernel_pkg" 2>/dev/null |
      sed -n 's/^Version: //p' | head -n1)
  fi
}

# Sets kernel_pkg, kernel_ver, kernel_rel, busybox_ver, refreshing the apt
# lists once when the packages are unknown.
resolve_packages() {
  local attempt
  for attempt in 1 2; do
    read_apt_lists
    if [ -n "$kernel_ver" ] && [ -n "$busybox_ver" ]; then
      kernel_rel=${kernel_pkg#linux-image-}
      return 0
    fi
    [ "$attempt" -eq 1 ] || break
    say "$KERNEL_META or $BUSYBOX_PACKAGE unknown to apt: running apt-get update"
    as_root apt-get update -q >/dev/null || break
  done
  die "cannot resolve $KERNEL_META and $BUSYBOX_PACKAGE with apt-cache (run apt-get update)"
}

# Everything the image is made from; the manifest starts with exactly this.
inputs() {
  cat <<EOF
# ember guest image: inputs
format=1
kernel_package=$kernel_pkg
kernel_version=$kernel_ver
kernel_release=$kernel_rel
busybox_package=$BUSYBOX_PACKAGE
busybox_version=$busybox_ver
modules_requested=${MODULES[*]}
init_sha256=$(sha256sum <"$init_template" | cut -d' ' -f1)
builder_sha256=$(sha256sum <"${BASH_SOURCE[0]}" | cut -d' ' -f1)
EOF
}

up_to_date() {
  [ -s "$out/vmlinuz" ] && [ -s "$out/vmlinux" ] && [ -s "$out/initrd.gz" ] &&
    [ -f "$out/manifest" ] &&
    [ "$(sed '/^# outputs$/,$d' "$out/manifest")" = "$(inputs)" ]
}

# Downloads and unpacks both packages under $work.
fetch_packages() {
  mkdir "$work/debs"
  # apt fetches as the _apt user when it can write the target directory.
  if [ "$(id -u)" -eq 0 ] && id _apt >/dev/null 2>&1; then
    chmod 0755 "$work"
    chown _apt "$work/debs"
  fi
  (cd "$work/debs" && apt-get download -qq "$kernel_pkg=$kernel_ver" \
    "$BUSYBOX_PACKAGE=$busybox_ver") || die "apt-get download failed"
  local deb
  for deb in "$work/debs/${kernel_pkg}"_*.deb; do dpkg -x "$deb" "$work/kernel"; done
  for deb in "$work/debs/${BUSYBOX_PACKAGE}"_*.deb; do dpkg -x "$deb" "$work/busybox"; done
  [ -f "$work/kernel/boot/vmlinuz-$kernel_rel" ] || die "$kernel_pkg has no boot/vmlinuz-$kernel_rel"
  [ -x "$work/busybox/bin/busybox" ] || die "$BUSYBOX_PACKAGE has no bin/busybox"
  # Newer Debian ships modules under usr/lib; depmod -b looks in lib.
  if [ ! -d "$work/kernel/lib/modules" ] && [ -d "$work/kernel/usr/lib/modules" ]; then
    ln -s usr/lib "$work/kernel/lib"
  fi
  [ -d "$work/kernel/lib/modules/$kernel_rel" ] || die "$kernel_pkg has no lib/modules/$kernel_rel"
}

# Copies MODULES and their dependencies into $1/lib/modules and writes the
# load order to $1/lib/modules/order; sets module_list.
collect_modules() {
  local root=$1 mod path name
  local -A seen=()
  module_list=()
  # The package ships no modules.dep (its postinst would make it).
  depmod -b "$work/kernel" "$kernel_rel"
  mkdir -p "$root/lib/modules"
  for mod in "${MODULES[@]}"; do
    local deps
    deps=$(modprobe -d "$work/kernel" -S "$kernel_rel" --show-depends "$mod") ||
      die "module $mod not found in $kernel_pkg"
    while read -r path; do
      name=${path##*/}
      case "$name" in *.ko) ;; *) die "module $path: only uncompressed .ko is supported" ;; esac
      [ -z "${seen[$name]:-}" ] || continue
      seen[$name]=1
      cp "$path" "$root/lib/modules/$name"
      module_list+=("${name%.ko}")
      echo "$name" >>"$root/lib/modules/order"
    done < <(awk '$1 == "insmod" { print $2 }' <<<"$deps")
  done
}

# Writes $2, the kernel's ELF image, from the bzImage $1, whose payload
# Debian compresses with LZ4 (a legacy frame: lz4 reads past its end and
# fails after writing all of it, so the ELF header is what is checked). QEMU
# boots the ELF through PVH, skipping the bzImage's real-mode set-up and
# self-decompression: 27% less wall time per boot under TCG
# (docs/benchmarks.md, bench/qemu_boot_options.py).
extract_vmlinux() {
  local off
  off=$(LC_ALL=C grep -obUaP '\x02\x21\x4c\x18' "$1" | head -1 | cut -d: -f1) || true
  [ -n "$off" ] || die "$1 has no LZ4 payload"
  tail -c +$((off + 1)) "$1" | lz4 -dc >"$2" 2>/dev/null || true
  [ "$(head -c 4 "$2" | od -An -c | tr -d ' ')" = 177ELF ] || die "no ELF kernel inside $1"
}

# Builds the image into the (new, empty) directory $1.
build_image() {
  local image=$1 root="$work/root"
  fetch_packages
  mkdir -p "$root"/{bin,dev,proc,sys,mnt,tmp,run}
  cp "$work/busybox/bin/busybox" "$root/bin/busybox"
  install -m 0755 "$init_template" "$root/init"
  collect_modules "$root"
  # Fixed owner, order and mtimes: the same inputs give the same initrd.gz.
  find "$root" -exec touch -h -d @0 {} +
  (cd "$root" && find . -print0 | sort -z |
    cpio --null -o -H newc -R 0:0 --reproducible --quiet | gzip -9n) >"$image/initrd.gz"
  cp "$work/kernel/boot/vmlinuz-$kernel_rel" "$image/vmlinuz"
  [ "$(dd if="$image/vmlinuz" bs=1 skip=514 count=4 2>/dev/null)" = HdrS ] ||
    die "vmlinuz-$kernel_rel is not a bzImage"
  extract_vmlinux "$image/vmlinuz" "$image/vmlinux"
  {
    inputs
    echo "# outputs"
    echo "build_date=$(date -u +%Y-%m-%dT%H:%M:%SZ)"
    echo "modules=${module_list[*]}"
    echo "vmlinuz_bytes=$(stat -c %s "$image/vmlinuz")"
    echo "vmlinux_bytes=$(stat -c %s "$image/vmlinux")"
    echo "initrd_bytes=$(stat -c %s "$image/initrd.gz")"
    echo "initrd_sha256=$(sha256sum <"$image/initrd.gz" | cut -d' ' -f1)"
  } >"$image/manifest"
  chmod 0644 "$image"/*
  chmod 0755 "$image"
  sync "$image"/*
}

# Points $out at the image directory $1 in one rename, then removes every
# image but this one and the one it replaces.
publish() {
  local image=$1 previous="" link dir
  if [ -L "$out" ]; then
    previous=$(readlink "$out")
  elif [ -d "$out" ]; then
    # A plain directory from elsewhere: set it aside with the other images.
    previous="$name.images/$(basename "$(mktemp -u "$images/old.XXXXXX")")"
    mv -T "$out" "$parent/$previous"
  elif [ -e "$out" ]; then
    die "$out exists and is not a directory"
  fi
  link=$(mktemp -u "$parent/.$name.link.XXXXXX")
  ln -s "$name.images/${image##*/}" "$link"
  mv -T "$link" "$out"
  for dir in "$images"/*; do
    [ "$dir" = "$image" ] || [ "$name.images/${dir##*/}" = "$previous" ] || rm -rf "$dir"
  done
}

main() {
  local force=0
  out=""
  while [ $# -gt 0 ]; do
    case "$1" in
      --force) force=1 ;;
      --out)
        [ $# -ge 2 ] || die "--out needs a directory"
        out=$2
        shift
        ;;
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
  if [ -z "$out" ]; then
    if [ -n "${EMBER_GUEST_DIR:-}" ]; then
      out=$EMBER_GUEST_DIR
    elif [ "$(id -u)" -eq 0 ]; then
      out=/var/cache/ember/guest
    else
      out=${XDG_CACHE_HOME:-$HOME/.cache}/ember/guest
    fi
  fi
  [ -f "$init_template" ] || die "missing $init_template"
  mkdir -p "$(dirname "$out")"
  parent=$(cd "$(dirname "$out")" && pwd)
  name=$(basename "$out")
  out="$parent/$name"
  images="$parent/$name.images"
  if [ -e "$out" ] && [ ! -L "$out" ] && [ ! -d "$out" ]; then
    die "$out exists and is not a directory"
  fi

  ensure_tools
  resolve_packages
  local lock_fd
  exec {lock_fd}>"$parent/.$name.lock"
  flock "$lock_fd"
  if [ "$force" -eq 0 ] && up_to_date; then
    say "up to date: $out ($kernel_pkg $kernel_ver, $BUSYBOX_PACKAGE $busybox_ver); --force rebuilds"
    return 0
  fi

  local started=$SECONDS image
  work=$(mktemp -d "${TMPDIR:-/tmp}/ember-guest.XXXXXX")
  mkdir -p "$images"
  image=$(mktemp -d "$images/$(date -u +%Y%m%dT%H%M%SZ).XXXXXX")
  trap 'rm -rf "$work" "${image:-}"' EXIT
  say "building $out from $kernel_pkg $kernel_ver and $BUSYBOX_PACKAGE $busybox_ver"
  build_image "$image"
  publish "$image"
  image=""
  say "done in $((SECONDS - started)) s: $out -> $(readlink "$out")"
  say "vmlinuz $(stat -c %s "$out/vmlinuz") bytes, vmlinux $(stat -c %s "$out/vmlinux") bytes, initrd.gz $(stat -c %s "$out/initrd.gz") bytes, ${#module_list[@]} modules"
}

main "$@"
