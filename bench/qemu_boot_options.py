#!/usr/bin/env python3
"""Boot time of the ember guest under QEMU with different start-up options.

Runs qemu-system-x86_64 directly (no emberd, no shim) with the command line
the shim builds (shim/vmm/qemu/qemu_command.cpp, TCG branch), one variant at a
time, and times each boot from exec to the guest's ready line
(EMBER-GUEST-READY) on the serial console (read from QEMU's stdout, so no
polling), and QEMU's CPU time (utime + stime) at that moment, which host
load distorts less than wall time. Variants run round robin so a change in
host load hits them all. Prints one line per variant: wall median, min, max
and CPU median in ms, and the load average.

Usage: bench/qemu_boot_options.py [--runs 5] [--guest DIR] [VARIANT...]
  DIR: vmlinuz + initrd.gz (deploy/guest/build-guest.sh; default
  /var/cache/ember/guest). VARIANT names are those of VARIANTS below;
  default: all. The pvh variant needs DIR/vmlinux (see --make-pvh).
"""
import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time

MARKER = b"EMBER-GUEST-READY"


def tsc_khz():
    with open("/proc/cpuinfo") as f:
        for line in f:
            if line.startswith("cpu MHz"):
                return int(float(line.split(":")[1]) * 1000)
    return 0


def shim_args(guest, run_dir, kernel=None, machine="microvm", accel="tcg,tb-size=32",
              cpu="qemu64,+arat", extra_append="", pci=False, extra=()):
    """The shim's TCG command line (qemu_command.cpp), console on stdout."""
    append = "console=ttyS0 panic=-1 tsc_early_khz=%d tsc=reliable cryptomgr.notests" % tsc_khz()
    if extra_append:
        append += " " + extra_append
    dev = "pci" if pci else "device"
    args = ["qemu-system-x86_64", "-name", "bench", "-M", machine, "-accel", accel, "-cpu", cpu,
            "-m", "128M", "-smp", "1", "-nodefaults", "-no-user-config", "-display", "none",
            "-no-reboot", "-kernel", kernel or os.path.join(guest, "vmlinuz"),
            "-initrd", os.path.join(guest, "initrd.gz"), "-append", append,
            "-qmp", "unix:%s/qmp.sock,server=on,wait=off" % run_dir,
            "-serial", "stdio",
            "-device", "virtio-serial-%s,id=vser0" % dev,
            "-chardev", "socket,id=agent,path=%s/agent.sock,server=on,wait=off" % run_dir,
            "-device", "virtserialport,bus=vser0.0,chardev=agent,name=org.ember.agent.0",
            "-fw_cfg", "name=opt/org.ember/vm-id,string=bench",
            "-device", "virtio-balloon-%s,id=balloon0,deflate-on-oom=on,free-page-reporting=on"
            % dev]
    return args + list(extra)


VARIANTS = {
    "shim": {},
    "quiet": {"extra_append": "quiet"},
    "loglevel1": {"extra_append": "loglevel=1"},
    "quiet-nokaslr": {"extra_append": "quiet nokaslr"},
    "quiet-mitigations-off": {"extra_append": "quiet mitigations=off"},
    "quiet-pvh": {"extra_append": "quiet", "pvh": True},
    "cpu-max": {"cpu": "max"},
    "tcg-multi": {"accel": "tcg,tb-size=32,thread=multi"},
    "tb-default": {"accel": "tcg"},
    "q35": {"machine": "q35", "pci": True},
}


def cpu_ms(pid):
    with open("/proc/%d/stat" % pid) as f:
        fields = f.read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) * 1000 / os.sysconf("SC_CLK_TCK")


def boot_ms(guest, variant, timeout):
    """(wall ms, QEMU CPU ms) from exec to the ready line."""
    opts = dict(VARIANTS[variant])
    kernel = os.path.join(guest, "vmlinux") if opts.pop("pvh", False) else None
    with tempfile.TemporaryDirectory(prefix="qemu-boot-") as run_dir:
        args = shim_args(guest, run_dir, kernel=kernel, **opts)
        start = time.monotonic()
        p = subprocess.Popen(args, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                             stderr=subprocess.PIPE)
        took = None
        try:
            for line in p.stdout:
                if MARKER in line:
                    took = ((time.monotonic() - start) * 1000, cpu_ms(p.pid))
                    break
                if time.monotonic() - start > timeout:
                    break
        finally:
            p.kill()
            err = p.communicate()[1]
        if took is None:
            sys.exit("%s: no %s (%s)" % (variant, MARKER.decode(), err.decode().strip()))
        return took


def make_pvh(guest):
    """DIR/vmlinux: the ELF inside vmlinuz (LZ4), which QEMU boots through PVH."""
    data = open(os.path.join(guest, "vmlinuz"), "rb").read()
    off = data.find(b"\x02\x21\x4c\x18")  # LZ4 legacy frame magic
    out = subprocess.run(["lz4", "-dc"], input=data[off:], stdout=subprocess.PIPE,
                         stderr=subprocess.DEVNULL).stdout
    with open(os.path.join(guest, "vmlinux"), "wb") as f:
        f.write(out)


def main():
    ap = argparse.ArgumentParser(description=__doc__,
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--runs", type=int, default=5)
    ap.add_argument("--guest", default="/var/cache/ember/guest")
    ap.add_argument("--timeout", type=float, default=120)
    ap.add_argument("--make-pvh", metavar="DIR", help="write DIR/vmlinux from DIR/vmlinuz, exit")
    ap.add_argument("variants", nargs="*", default=list(VARIANTS))
    a = ap.parse_args()
    if a.make_pvh:
        make_pvh(a.make_pvh)
        return
    for v in a.variants:
        if v not in VARIANTS:
            sys.exit("unknown variant %s; known: %s" % (v, " ".join(VARIANTS)))
    load_before = open("/proc/loadavg").read().split()[:3]
    times = {v: [] for v in a.variants}
    cpu = {v: [] for v in a.variants}
    for _ in range(a.runs):
        for v in a.variants:
            wall, used = boot_ms(a.guest, v, a.timeout)
            times[v].append(wall)
            cpu[v].append(used)
    load_after = open("/proc/loadavg").read().split()[:3]
    print("variant                 median_ms  min_ms  max_ms  cpu_median_ms  runs")
    for v in a.variants:
        t = times[v]
        print("%-22s %10.0f %7.0f %7.0f %14.0f %5d" %
              (v, statistics.median(t), min(t), max(t), statistics.median(cpu[v]), len(t)))
    print("load average before %s, after %s" % (" ".join(load_before), " ".join(load_after)))


if __name__ == "__main__":
    main()
