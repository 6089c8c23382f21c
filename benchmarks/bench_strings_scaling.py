"""String and bitmap commands at 1 KB vs 1 MB on the memory backend.

Redis addresses bytes in place, so these cost O(1) or O(size of the range), not
O(size of the value); the memory backend must too (issue #14: within 2x at 1 MB of
the 1 KB cost). Each row runs the command through the typed API (``r.setbit(...)``,
text boundary included) on a value of each size; rounds are interleaved (every op and
size once per round), each timing is CPU time over a batch, and the table shows the
median per operation over the rounds.

Run: python benchmarks/bench_strings_scaling.py [rounds]
"""

from __future__ import annotations

import argparse
import statistics
import time
from collections.abc import Callable

from common import table

import redipy

SIZES = {"1 KB": 1024, "1 MB": 1024 * 1024}
BATCH = 2000


def _ops(r: redipy.Redis, size: int) -> dict[str, Callable[[int], object]]:
    mid = size // 2
    bit = mid * 8
    return {
        "SETBIT": lambda i: r.setbit("k", bit + (i & 63), i & 1),
        "GETBIT": lambda i: r.getbit("k", bit + (i & 63)),
        "SETRANGE": lambda i: r.setrange("k", mid + (i & 63), "abcdefgh"),
        "GETRANGE": lambda i: r.getrange("k", mid, mid + 99),
        "APPEND": lambda i: r.append("k", "0123456789"),
        "STRLEN": lambda i: r.strlen("k"),
        "BITCOUNT range": lambda i: r.bitcount("k", mid, mid + 99),
        "BITPOS range": lambda i: r.bitpos("k", 1, mid, mid + 99),
    }


def _batch(r: redipy.Redis, size: int, name: str) -> float:
    """CPU seconds per operation of one batch on a freshly written value of ``size``."""
    r.set_value("k", "x" * size)
    if name == "BITPOS range":
        r.set_value("k", "\0" * size)  # no 1 bit before the range's end: the full scan
    op = _ops(r, size)[name]
    start = time.process_time()
    for i in range(BATCH):
        op(i)
    return (time.process_time() - start) / BATCH


def main(rounds: int = 7) -> None:
    r = redipy.Redis()
    names = list(_ops(r, 1))
    samples: dict[tuple[str, str], list[float]] = {
        (name, label): [] for name in names for label in SIZES}
    for _ in range(rounds):
        for name in names:
            for label, size in SIZES.items():
                samples[(name, label)].append(_batch(r, size, name))
    rows = []
    worst = 0.0
    for name in names:
        small = statistics.median(samples[(name, "1 KB")]) * 1e6
        big = statistics.median(samples[(name, "1 MB")]) * 1e6
        worst = max(worst, big / small)
        rows.append([name, f"{small:.2f}", f"{big:.2f}", f"{big / small:.2f}x"])
    print(table(f"string commands, us per op (CPU, median of {rounds} interleaved rounds "
                f"of {BATCH})", ["command", "1 KB", "1 MB", "1 MB / 1 KB"], rows))
    print(f"\nworst ratio: {worst:.2f}x (target: <= 2x)")


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=(__doc__ or "").split("\n\n", 1)[0])
    parser.add_argument("rounds", nargs="?", type=int, default=7, help="rounds (default 7)")
    main(parser.parse_args().rounds)
