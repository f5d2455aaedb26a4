#!/usr/bin/env python3
"""Runs the test command with a time limit, and explains a run that outlives it.

Usage: test-watchdog.py SECONDS COMMAND [ARGUMENT ...]

The command's output passes through unchanged. If the command is still running after SECONDS,
the watchdog prints the tests that started and never finished (from Swift Testing's
"◇ Test … started." and "✔/✘ Test … passed/failed" lines), the stacks of every thread of the
test process (through gdb, when it is installed), then stops the command and its children and
exits with 124. Its exit code is otherwise the command's.
"""
import os
import re
import shutil
import signal
import subprocess
import sys
import threading

ANSI = re.compile(r"\x1b\[[0-9;]*m")
STARTED = re.compile(r"^\S+ Test (.+?) started\.$")
ENDED = re.compile(r"^\S+ Test (.+?) (?:passed|failed|skipped|with \d+ test cases? (?:passed|failed))\b")


def main() -> int:
    limit = float(sys.argv[1])
    command = sys.argv[2:]
    process = subprocess.Popen(
        command, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, start_new_session=True
    )
    running: dict[str, None] = {}
    lock = threading.Lock()

    def relay() -> None:
        assert process.stdout is not None
        for raw in iter(process.stdout.readline, b""):
            sys.stdout.buffer.write(raw)
            sys.stdout.buffer.flush()
            line = ANSI.sub("", raw.decode("utf-8", "replace").rstrip("\n"))
            with lock:
                if match := STARTED.match(line):
                    running[match.group(1)] = None
                elif match := ENDED.match(line):
                    running.pop(match.group(1), None)

    reader = threading.Thread(target=relay, daemon=True)
    reader.start()
    try:
        status = process.wait(timeout=limit)
        reader.join(timeout=10)
        return status
    except subprocess.TimeoutExpired:
        pass

    print(f"\n==> the test run passed its time limit of {limit:.0f} s; stopping it", flush=True)
    stacks = []
    if shutil.which("gdb"):
        for pid in test_processes(process.pid):
            result = subprocess.run(
                ["gdb", "-p", str(pid), "-batch", "-ex", "thread apply all bt 25"],
                capture_output=True, text=True, timeout=120,
            )
            stacks.append((pid, result.stdout))
    os.killpg(process.pid, signal.SIGKILL)
    process.wait()
    for pid, text in stacks:
        frames = [line for line in text.splitlines() if line.startswith(("Thread ", "#"))]
        print(f"==> threads of test process {pid}:")
        print("\n".join(frames[:400]))
    with lock:
        names = list(running)
    print(f"==> {len(names)} tests started and never finished:")
    for name in names:
        print(f"    {name}")
    return 124


def test_processes(root: int) -> list[int]:
    """The test bundles (*.xctest) among the command's descendants."""
    found = []
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/cmdline", "rb") as handle:
                arguments = handle.read().split(b"\0")
            if os.getpgid(int(entry)) == root and any(a.endswith(b".xctest") for a in arguments):
                found.append(int(entry))
        except (OSError, ProcessLookupError):
            continue
    return found


if __name__ == "__main__":
    sys.exit(main())
