#!/usr/bin/env python3
"""The size rules of ember's production code: no file over 400 lines, no
function body over 60 lines. Production code is every .cpp/.hpp outside
tests/. A function is a brace block opened at the end of a line that reads as
a function head: `name(...) [const] [override] [noexcept] [-> type] {`
(control statements and lambdas excluded). Prints each breach and exits 1 if
there is one.

    check_limits.py SOURCE_DIR"""
import os
import re
import subprocess
import sys

MAX_FILE_LINES = 400
MAX_FUNCTION_LINES = 60

HEAD = re.compile(r'\)\s*(const)?\s*(override)?\s*(noexcept)?\s*(->\s*[\w:<>,* ]+)?\s*\{\s*$')
CONTROL = re.compile(r'\s*(if|for|while|switch|else|do|catch)\b')
LAMBDA = re.compile(r'\[[^\]]*\]\s*\(')


def code_of(line):
    line = re.sub(r'"(\\.|[^"\\])*"', '""', line)
    line = re.sub(r"'(\\.|[^'\\])'", "''", line)
    return re.sub(r'//.*', '', line)


def breaches(path):
    with open(path, encoding='utf-8') as f:
        lines = f.read().split('\n')
    found = []
    if len(lines) > MAX_FILE_LINES:
        found.append(f'{path}: {len(lines)} lines (limit {MAX_FILE_LINES})')
    stack = []
    for number, line in enumerate(lines, 1):
        code = code_of(line)
        is_head = HEAD.search(code) and not CONTROL.match(code) and not LAMBDA.search(code)
        for ch in code:
            if ch == '{':
                stack.append((bool(is_head), number))
            elif ch == '}' and stack:
                head, start = stack.pop()
                if head and number - start > MAX_FUNCTION_LINES:
                    found.append(f'{path}:{start}: function of {number - start} lines '
                                 f'(limit {MAX_FUNCTION_LINES})')
    return found


def source_files():
    """The tracked .cpp/.hpp files; outside a git checkout, every one below
    the root except in build directories."""
    try:
        return subprocess.run(['git', 'ls-files', '*.cpp', '*.hpp'], check=True,
                              capture_output=True, text=True).stdout.split()
    except (OSError, subprocess.CalledProcessError):
        found = []
        for top, dirs, names in os.walk('.'):
            dirs[:] = [d for d in dirs if not d.startswith(('build', '.'))]
            found += [os.path.join(top, n)[2:] for n in names if n.endswith(('.cpp', '.hpp'))]
        return found


def main():
    root = sys.argv[1]
    os.chdir(root)
    files = source_files()
    found = []
    for path in files:
        if not path.startswith('tests/') and os.path.exists(path):
            found += breaches(path)
    for line in found:
        print(line)
    print(f'{len(files)} files checked, {len(found)} over the limits')
    return 1 if found else 0


if __name__ == '__main__':
    sys.exit(main())
