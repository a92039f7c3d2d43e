"""The emberd the doc examples run against, inside the private namespaces that
docs_examples_test.py --run entered (its docstring says why)."""
import os
import shutil
import signal
import subprocess
import tempfile

CONFIG = "/run/ember-docs/ember.yaml"
LOG = "/run/ember-docs/emberd.log"
GUEST = "/var/cache/ember/guest"
# What the docs assume of the server: the hollow backend unless a block asks
# for qemu (a real guest), the journal of docs/replay.md and the metrics
# endpoint of docs/operations.md. Sockets and directories are the built-in
# defaults of a root emberd.
CONFIG_YAML = """vmm:
  backend: {backend}
journal:
  path: /var/log/ember/journal
metrics:
  listen: 127.0.0.1:9464
"""
COMMAND_SECONDS = 180


def run_shell(script, cwd, env, errexit=False):
    """Runs script with bash -o pipefail (and -e when errexit), stdout and
    stderr together; returns (exit status, output). Bounded by COMMAND_SECONDS
    (its process group is killed then)."""
    args = ["bash", "-o", "pipefail"] + (["-e"] if errexit else []) + ["-c", script]
    proc = subprocess.Popen(args, cwd=cwd, env=env, stdout=subprocess.PIPE,
                            stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL,
                            start_new_session=True)
    try:
        out, _ = proc.communicate(timeout=COMMAND_SECONDS)
    except subprocess.TimeoutExpired:
        os.killpg(proc.pid, signal.SIGKILL)
        out, _ = proc.communicate()
        return 124, out.decode(errors="replace") + f"\n(killed after {COMMAND_SECONDS} s)"
    return proc.returncode, out.decode(errors="replace")


class EmberdRunner:
    def __init__(self, bin_dir):
        self.bin_dir = bin_dir
        self.proc = None
        self.backend = None
        subprocess.run(["ip", "link", "set", "lo", "up"], check=True)
        for d in ("/run", "/var/lib", "/var/log"):
            subprocess.run(["mount", "-t", "tmpfs", "-o", "mode=0755", "docs-test", d], check=True)
        os.makedirs(os.path.dirname(CONFIG))
        self.work = tempfile.mkdtemp(prefix="ember-docs-")  # the host's /tmp: removed in stop()
        self.env = dict(os.environ, EMBER_CONFIG=CONFIG,
                        PATH=bin_dir + ":" + os.environ.get("PATH", "/usr/bin:/bin"))
        self.env.pop("XDG_RUNTIME_DIR", None)

    def guest_image(self):
        return os.path.exists(os.path.join(GUEST, "vmlinux"))

    def fresh_file(self, name):
        """A new emberd with no VMs, empty state and journal, and a new
        working directory for the blocks of one docs file."""
        self.stop()
        for d in ("/run/ember", "/var/lib/ember", "/var/log/ember"):
            shutil.rmtree(d, ignore_errors=True)
            os.makedirs(d)
        cwd = os.path.join(self.work, name)
        os.makedirs(cwd)
        return cwd

    def use(self, backend):
        if self.proc and self.backend == backend:
            return
        self.stop()
        with open(CONFIG, "w") as f:
            f.write(CONFIG_YAML.format(backend=backend))
        read_end, write_end = os.pipe()
        log = open(LOG, "ab")
        self.proc = subprocess.Popen(
            [os.path.join(self.bin_dir, "emberd"), "--stop-vms-on-exit", "--ready-fd", str(write_end)],
            env=self.env, stdout=log, stderr=log, stdin=subprocess.DEVNULL,
            pass_fds=(write_end,), start_new_session=True)
        os.close(write_end)
        log.close()
        with os.fdopen(read_end, "rb") as r:
            ready = r.read()
        if ready != b"ready\n":
            raise RuntimeError(f"emberd did not start:\n{self.log_tail()}")
        self.backend = backend

    def close(self):
        self.stop()
        shutil.rmtree(self.work, ignore_errors=True)

    def stop(self):
        """SIGTERM: emberd stops its VMs (--stop-vms-on-exit), then exits."""
        if not self.proc:
            return
        self.proc.send_signal(signal.SIGTERM)
        try:
            self.proc.wait(timeout=COMMAND_SECONDS)
        except subprocess.TimeoutExpired:
            os.killpg(self.proc.pid, signal.SIGKILL)
            self.proc.wait()
        self.proc = None

    def log_tail(self, lines=20):
        try:
            return "".join(open(LOG, errors="replace").readlines()[-lines:])
        except OSError:
            return ""
