"""Start-up: wall and CPU time from exec to a PING answer, beside ``import redis``.

Each command runs as a fresh process (interleaved rounds, so a noisy neighbour hits every
row alike); the table shows the median and the best round. The shell must answer PING on
the memory backend in under 250 ms.

    .venv/bin/python benchmarks/bench_startup.py [--rounds N]
"""

from __future__ import annotations

import argparse
import os
import resource
import statistics
import subprocess
import sys
import time
from pathlib import Path

from common import table

from tests.servers import start_server

BIN = Path(sys.executable).parent


def timed(argv: list[str]) -> tuple[float, float]:
    """Wall and CPU seconds (user + system of the child) of one run of ``argv``."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.perf_counter()
    subprocess.run(argv, check=True, stdout=subprocess.DEVNULL, stdin=subprocess.DEVNULL,
                   env={**os.environ, "REDIPY_HISTFILE": ""})
    wall = time.perf_counter() - start
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return wall, cpu


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--rounds", type=int, default=15)
    opts = ap.parse_args()
    server = start_server("valkey")
    try:
        url = f"redis://127.0.0.1:{server.port}/0"
        cases = {
            'python -c "import redis"': [sys.executable, "-c", "import redis"],
            'python -c "import redipy"': [sys.executable, "-c", "import redipy"],
            "redipy-shell PING (memory)": [str(BIN / "redipy-shell"), "PING"],
            "redipy-shell -u URL PING": [str(BIN / "redipy-shell"), "-u", url, "PING"],
            "redis-cli -u URL PING": ["/usr/bin/redis-cli", "-u", url, "PING"],
        }
        runs: dict[str, list[tuple[float, float]]] = {name: [] for name in cases}
        for argv in cases.values():
            timed(argv)  # warm the page cache
        for _ in range(opts.rounds):
            for name, argv in cases.items():
                runs[name].append(timed(argv))
    finally:
        server.stop()
    rows = []
    for name, results in runs.items():
        walls = [w for w, _ in results]
        cpus = [c for _, c in results]
        rows.append([name, f"{statistics.median(walls) * 1000:.0f}",
                     f"{min(walls) * 1000:.0f}", f"{statistics.median(cpus) * 1000:.0f}"])
    print(table(f"Start-up to a PING answer ({opts.rounds} interleaved rounds)",
                ["command", "median ms", "best ms", "median CPU ms"], rows))


if __name__ == "__main__":
    main()
