#!/usr/bin/env python3
"""Every shell example in docs/ runs as written, or is marked illustrative
(the convention: docs/README.md#examples).

  docs_examples_test.py --check DOCS_DIR
      Fails for a fence with no info string or a directive without a reason;
      lists which shell blocks run and which are illustrative.
  docs_examples_test.py --run DOCS_DIR BIN_DIR
      Runs every shell block that is not illustrative, in the order of each
      file, against a real emberd (BIN_DIR's emberd, ember-shim, emberctl) that
      uses the built-in default paths (/run/ember/ember.sock, /var/lib/ember):
      inside a private mount and network namespace (unshare) whose /run,
      /tmp, /var/lib and /var/log are fresh tmpfs, so the examples run
      literally and nothing touches the host's. Needs root; exits 77 (skipped)
      without it. One emberd per file (hollow, or qemu where a block says so),
      started afresh for each file.
"""
import os
import subprocess
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import doc_blocks  # noqa: E402
from emberd_runner import EmberdRunner, run_shell  # noqa: E402

SKIP = 77


def check(docs_dir):
    blocks = doc_blocks.all_blocks(docs_dir)
    bad = [(b, p) for b in blocks for p in doc_blocks.problems(b)]
    for b, p in bad:
        print(f"FAIL {b.where()}: {p}")
    shell = [b for b in blocks if b.is_shell()]
    illustrative = [b for b in shell if b.illustrative]
    for b in illustrative:
        print(f"illustrative {b.where()}: {b.illustrative}")
    print(f"{len(blocks)} blocks: {len(shell) - len(illustrative)} shell blocks run by "
          f"--run, {len(illustrative)} illustrative, {len(blocks) - len(shell)} not shell")
    return 1 if bad else 0


def run_console(block, cwd, env):
    for cmd, expected in doc_blocks.console_steps(block.body):
        code, out = run_shell(cmd, cwd, env)
        # An error is printed as "error: CODE: ..." or, with --json, {"code": ...}.
        wants_error = any(l.startswith(("error:", '{"code":')) for l in expected)
        if wants_error != (code != 0) and "echo $?" not in cmd:
            return f"`{cmd}` exited {code}:\n{out}"
        missing = doc_blocks.unmatched(expected, out)
        if missing is not None:
            return f"`{cmd}`: no output line matches\n  {missing}\ngot:\n{out}"
    return None


def run_block(block, cwd, env):
    for cmd in block.setup:
        code, out = run_shell(cmd, cwd, env)
        if code != 0:
            return f"setup `{cmd}` exited {code}:\n{out}"
    if block.info == "console":
        return run_console(block, cwd, env)
    code, out = run_shell("\n".join(block.body), cwd, env, errexit=True)
    return None if code == 0 else f"exited {code}:\n{out}"


def run_all(docs_dir, bin_dir):
    by_file = {}  # read before the namespace's fresh /tmp hides a docs dir there
    for b in doc_blocks.all_blocks(docs_dir):
        if b.is_shell() and not b.illustrative:
            by_file.setdefault(b.path, []).append(b)
    runner = EmberdRunner(bin_dir)
    failures, ran, skipped = [], 0, 0
    for path, blocks in by_file.items():
        cwd = runner.fresh_file(os.path.basename(path))
        for b in blocks:
            backend = b.backend or "hollow"
            if backend == "qemu" and not runner.guest_image():
                print(f"SKIP {b.where()}: no guest image (deploy/guest/build-guest.sh)")
                skipped += 1
                continue
            runner.use(backend)
            print(f"run {b.where()} ({b.info}, {backend})", flush=True)
            why = run_block(b, cwd, runner.env)
            ran += 1
            if why:
                failures.append(b)
                print(f"FAIL {b.where()}: {why}\n--- emberd log (tail):\n{runner.log_tail(8)}")
    runner.close()
    print(f"{ran} blocks run, {len(failures)} failed, {skipped} skipped (no guest image)")
    return 1 if failures else 0


def main():
    if len(sys.argv) == 3 and sys.argv[1] == "--check":
        return check(sys.argv[2])
    if len(sys.argv) == 4 and sys.argv[1] == "--run":
        if os.geteuid() != 0:
            print("SKIP: the private namespaces need root")
            return SKIP
        return subprocess.call(["unshare", "--mount", "--net", "--propagation", "private",
                                sys.executable, __file__, "--inner"] + sys.argv[2:])
    if len(sys.argv) == 4 and sys.argv[1] == "--inner":
        return run_all(os.path.abspath(sys.argv[2]), os.path.abspath(sys.argv[3]))
    print(__doc__)
    return 2


if __name__ == "__main__":
    sys.exit(main())
