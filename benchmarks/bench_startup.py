"""Start-up: wall and CPU time from exec to a PING answer or a usable prompt, beside
``import redis``.

Each case runs as a fresh process, in interleaved rounds (a noisy neighbour hits every
row alike); the table shows the median and, in brackets, the best run. Two ways Python
finds the code:

- *bytecode*: compiled modules cached, as after ``pip install`` (the children get a
  cache of their own, ``PYTHONPYCACHEPREFIX`` in a temporary directory, filled by a
  first untimed run);
- *source*: ``PYTHONDONTWRITEBYTECODE=1`` in a checkout without ``__pycache__`` (an
  editable install run that way compiles redipy's modules at every start; site-packages
  such as redis-py keep the bytecode pip wrote).

The prompt rows drive ``redipy-shell`` in a pseudo-terminal, answer prompt_toolkit's
cursor-position request as a terminal does, and stop the clock when the prompt is drawn;
their CPU time is read from ``/proc/PID/stat`` at that moment (10 ms ticks). The shell
must reach a PING answer or its prompt on the memory backend in under 250 ms.

    .venv/bin/python benchmarks/bench_startup.py [--rounds N]
"""

from __future__ import annotations

import argparse
import os
import pty
import re
import resource
import select
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from common import table

from tests.servers import start_server

BIN = Path(sys.executable).parent
TICK = os.sysconf("SC_CLK_TCK")
ESCAPES = re.compile(rb"\x1b\[[0-9;?]*[A-Za-z]")


def timed(argv: list[str], env: dict[str, str]) -> tuple[float, float]:
    """Wall and CPU seconds (user + system of the child) of one run of ``argv``."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.perf_counter()
    subprocess.run(argv, check=True, stdout=subprocess.DEVNULL, stdin=subprocess.DEVNULL,
                   env=env)
    wall = time.perf_counter() - start
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return wall, cpu


def _cpu_of(pid: int) -> float:
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / TICK  # utime, stime


def to_prompt(argv: list[str], env: dict[str, str], marker: bytes) -> tuple[float, float]:
    """Wall and CPU seconds from exec until ``marker`` (the prompt) is on the terminal."""
    start = time.perf_counter()
    pid, fd = pty.fork()
    if pid == 0:  # pragma: no cover - the child
        os.execve(argv[0], argv, {**env, "TERM": "xterm"})
    shown: tuple[float, float] | None = None
    seen = b""
    try:
        while shown is None:
            ready, _, _ = select.select([fd], [], [], 30)
            if not ready:
                raise TimeoutError(f"no prompt: {seen[-200:]!r}")
            data = os.read(fd, 65536)
            seen += data
            if b"\x1b[6n" in data:  # a terminal answers the cursor-position request
                os.write(fd, b"\x1b[1;1R")
            if marker in ESCAPES.sub(b"", seen):
                shown = (time.perf_counter() - start, _cpu_of(pid))
        os.write(fd, b"\x04")  # Ctrl-D leaves
        while True:
            ready, _, _ = select.select([fd], [], [], 10)
            if not ready or not os.read(fd, 65536):
                break
    except OSError:  # the child closed the terminal
        pass
    finally:
        os.close(fd)
        os.waitpid(pid, 0)
    assert shown is not None
    return shown


TARGET_MS = 250
"""Issue 21: a PING answer or a usable prompt on memory in under 250 ms."""

TARGETED = ("redipy-shell PING (memory)", "redipy-shell prompt (memory)")


def _cell(seconds: list[float]) -> str:
    """``median (best)`` in ms."""
    return f"{statistics.median(seconds) * 1000:.0f} ({min(seconds) * 1000:.0f})"


def _load() -> str:
    one, five, fifteen = os.getloadavg()
    return f"{one:.1f} {five:.1f} {fifteen:.1f}"


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--rounds", type=int, default=15)
    opts = ap.parse_args()
    base = {k: v for k, v in os.environ.items()
            if k not in ("PYTHONDONTWRITEBYTECODE", "PYTHONPYCACHEPREFIX")}
    base["REDIPY_HISTFILE"] = ""
    load_before = _load()
    root = Path(__file__).resolve().parent.parent
    if any(any((root / part).rglob("__pycache__")) for part in ("redipy", "repl", "migrate")):
        print(f"note: {root} has __pycache__ directories; the source rows read them")
    server = start_server("valkey")
    with tempfile.TemporaryDirectory(prefix="bench-pyc-") as cache:
        modes = {"bytecode": {**base, "PYTHONPYCACHEPREFIX": cache},
                 "source": {**base, "PYTHONDONTWRITEBYTECODE": "1"}}
        try:
            url = f"redis://127.0.0.1:{server.port}/0"
            label = f"127.0.0.1:{server.port}>".encode()
            shell = str(BIN / "redipy-shell")
            py = sys.executable
            cases = {
                'python -c "import redis"': ([py, "-c", "import redis"], None),
                'python -c "import redipy"': ([py, "-c", "import redipy"], None),
                "import redipy; Redis().ping()": (
                    [py, "-c", "import redipy; redipy.Redis().ping()"], None),
                "redipy-shell PING (memory)": ([shell, "PING"], None),
                "redipy-shell prompt (memory)": ([shell], b"memory>"),
                "redipy-shell -u URL PING": ([shell, "-u", url, "PING"], None),
                "redipy-shell -u URL prompt": ([shell, "-u", url], label),
                "redis-cli -u URL PING": (["/usr/bin/redis-cli", "-u", url, "PING"], None),
            }

            def once(argv: list[str], marker: bytes | None,
                     env: dict[str, str]) -> tuple[float, float]:
                return timed(argv, env) if marker is None else to_prompt(argv, env, marker)

            runs: dict[tuple[str, str], list[tuple[float, float]]] = {
                (name, mode): [] for name in cases for mode in modes}
            for argv, marker in cases.values():  # fill the bytecode cache, warm the disk
                for env in modes.values():
                    once(argv, marker, env)
            for _ in range(opts.rounds):
                for name, (argv, marker) in cases.items():
                    for mode, env in modes.items():
                        runs[name, mode].append(once(argv, marker, env))
        finally:
            server.stop()
    header = ["command"]
    for mode in modes:
        header += [f"{mode} wall ms", f"{mode} CPU ms"]
    rows = []
    for name in cases:
        row = [name]
        for mode in modes:
            row += [_cell([w for w, _ in runs[name, mode]]),
                    _cell([c for _, c in runs[name, mode]])]
        rows.append(row)
    print(table(f"Start-up: median (best) of {opts.rounds} interleaved rounds, load average "
                f"{load_before} before and {_load()} after, on {os.cpu_count()} cores",
                header, rows))
    print()
    for name in TARGETED:
        for mode in modes:
            wall = statistics.median(w for w, _ in runs[name, mode]) * 1000
            cpu = statistics.median(c for _, c in runs[name, mode]) * 1000
            verdict = "under" if wall < TARGET_MS else "NOT under"
            print(f"{name}, {mode}: median {wall:.0f} ms wall ({cpu:.0f} ms CPU), "
                  f"{verdict} the {TARGET_MS} ms target")


if __name__ == "__main__":
    main()
