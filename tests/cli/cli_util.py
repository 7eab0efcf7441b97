"""Helpers for the command-line tests: run graphrun, check one-line errors."""
import subprocess
import sys

SANITIZER_MARKS = ("AddressSanitizer", "LeakSanitizer", "runtime error:", "UndefinedBehaviorSanitizer")


def run(graphrun, *args, timeout=120, check=True):
    """Runs graphrun; with check, a non-zero exit fails the test with its stderr."""
    p = subprocess.run([graphrun, *map(str, args)], capture_output=True, text=True, timeout=timeout)
    for mark in SANITIZER_MARKS:
        if mark in p.stderr:
            fail(f"graphrun {' '.join(map(str, args))}: sanitizer report:\n{p.stderr[-3000:]}")
    if check and p.returncode != 0:
        fail(f"graphrun {' '.join(map(str, args))} exited {p.returncode}:\n{p.stderr[-3000:]}")
    return p


def expect_error(graphrun, args, expected, timeout=120):
    """graphrun must exit 2 with exactly one line `error: ...` containing `expected`."""
    try:
        p = run(graphrun, *args, timeout=timeout, check=False)
    except subprocess.TimeoutExpired:
        fail(f"graphrun {' '.join(map(str, args))} hung (> {timeout} s)")
    lines = p.stderr.strip().splitlines()
    problems = []
    if p.returncode != 2:
        problems.append(f"exit code {p.returncode}, want 2")
    if len(lines) != 1 or not lines[0].startswith("error: "):
        problems.append(f"stderr is not one 'error: ' line: {p.stderr[-2000:]!r}")
    elif expected not in lines[0]:
        problems.append(f"error does not contain {expected!r}: {lines[0]!r}")
    return problems


def fail(message):
    print("FAIL:", message)
    sys.exit(1)
