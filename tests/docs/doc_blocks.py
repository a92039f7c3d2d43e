"""The fenced blocks of docs/*.md and how each is tested (docs/README.md).

A block's info string says what it is: `console` (a transcript: `$ ` lines are
commands, the lines after them their output), `sh` or `bash` (commands), or
anything else that is not a shell (`text`, `yaml`, `ini`, `json`). HTML comment
lines directly above the opening fence carry the test's directives:
  <!-- illustrative: REASON -->   not run (REASON says why it cannot be)
  <!-- doc-test setup: CMDS -->    run before the block, output not checked
  <!-- doc-test emberd: BACKEND -->  the emberd the block runs against
                                      (hollow by default, or qemu)
"""
import dataclasses
import glob
import os
import re

SHELL_INFOS = {"sh", "bash", "console"}
FENCE = re.compile(r"^(\s*)(`{3,})(.*)$")
DIRECTIVE = re.compile(r"^\s*<!--\s*(illustrative|doc-test setup|doc-test emberd):\s*(.*?)\s*-->\s*$")


@dataclasses.dataclass
class Block:
    path: str
    line: int  # 1-based line of the opening fence
    info: str  # the info string's first word, "" when none
    body: list
    illustrative: str = ""  # the reason, when marked
    setup: list = dataclasses.field(default_factory=list)
    backend: str = ""

    def where(self):
        return f"{self.path}:{self.line}"

    def is_shell(self):
        return self.info in SHELL_INFOS


def parse(path):
    lines = open(path, encoding="utf-8").read().split("\n")
    blocks, i = [], 0
    while i < len(lines):
        m = FENCE.match(lines[i])
        if not m:
            i += 1
            continue
        indent, fence, info = m.group(1), m.group(2), m.group(3).strip()
        block = Block(path, i + 1, info.split()[0] if info else "", [])
        j = i - 1
        while j >= 0 and DIRECTIVE.match(lines[j]):
            kind, value = DIRECTIVE.match(lines[j]).groups()
            if kind == "illustrative":
                block.illustrative = value or "?"
            elif kind == "doc-test setup":
                block.setup.insert(0, value)
            else:
                block.backend = value
            j -= 1
        i += 1
        while i < len(lines) and not re.match(r"^\s*" + fence + r"\s*$", lines[i]):
            line = lines[i]
            block.body.append(line[len(indent):] if line.startswith(indent) else line)
            i += 1
        i += 1
        blocks.append(block)
    return blocks


def all_blocks(docs_dir):
    blocks = []
    for path in sorted(glob.glob(os.path.join(docs_dir, "*.md"))):
        blocks.extend(parse(path))
    return blocks


def problems(block):
    """Why a block breaks the convention; empty when it keeps it."""
    if not block.info:
        return ["a fence without an info string (console, sh, text, yaml, ...)"]
    if block.illustrative == "?":
        return ["<!-- illustrative: --> without a reason"]
    if block.info == "console" and not any(l.startswith("$ ") for l in block.body):
        return ["a console block without a `$ ` command line"]
    if block.backend not in ("", "hollow", "qemu"):
        return [f"doc-test emberd: unknown backend {block.backend!r}"]
    return []


def console_steps(body):
    """(command, expected output lines) for each `$ ` line of a transcript."""
    steps = []
    i = 0
    while i < len(body):
        if not body[i].startswith("$ "):
            i += 1
            continue
        cmd = body[i][2:]
        while cmd.endswith("\\") and i + 1 < len(body):
            i += 1
            cmd = cmd[:-1] + "\n" + body[i]
        i += 1
        out = []
        while i < len(body) and not body[i].startswith("$ "):
            out.append(body[i])
            i += 1
        while out and not out[-1].strip():
            out.pop()
        steps.append((cmd, out))
    return steps


# A number, or a duration such as 2m5s (an uptime), as the docs print them.
NUMBER = re.compile(r"-?\d+(?:\.\d+)?(?:[hm]\d+(?:\.\d+)?)*s?")
ELLIPSIS = re.compile(r"\.\.\.|…")


# A time's unit after its number: the same run prints 950 ms on one machine
# and 1.2 s on a slower one.
TIME_UNITS = ("ns", "µs", "us", "ms", "s")
TIME_UNIT = r"(?:ns|µs|us|ms|s)"


def _token_pattern(token, after=""):
    if token in TIME_UNITS and NUMBER.fullmatch(after):
        return TIME_UNIT
    parts = NUMBER.split(token)
    return NUMBER.pattern.join(re.escape(p) for p in parts)


def line_pattern(line):
    """An expected output line as a regex: `...`/`…` stand for anything, a
    number for any number (times, pids, sizes, an uptime such as 2m5s), a time
    unit after a number for any time unit, a run of blanks for any run.
    A line that is one bare number (an exit status) must match exactly."""
    text = line.strip()
    if re.fullmatch(r"\d+", text):
        return re.escape(text)
    pieces = []
    for piece in ELLIPSIS.split(text):
        words = piece.split()
        pat = r"\s+".join(
            _token_pattern(w, words[i - 1] if i else "") for i, w in enumerate(words))
        if piece[:1].isspace():
            pat = r"\s*" + pat
        if piece[-1:].isspace():
            pat += r"\s*"
        pieces.append(pat)
    return ".*".join(pieces)


def unmatched(expected, actual):
    """The first expected line not found, in order, in the actual output; None
    when all are (the doc may leave lines out, not change or reorder them)."""
    got = [l.strip() for l in actual.split("\n")]
    k = 0
    for line in expected:
        if not line.strip():
            continue
        pat = re.compile(line_pattern(line))
        while k < len(got) and not pat.fullmatch(got[k]):
            k += 1
        if k == len(got):
            return line
        k += 1
    return None
