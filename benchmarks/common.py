"""Shared helpers for the benchmark scripts: timing and table printing."""

from __future__ import annotations

import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))


def ops_per_sec(fn: Callable[[int], None], n: int, *, repeat: int = 3) -> float:
    """Best of ``repeat`` runs of ``fn(n)`` (which performs n operations), in ops/s."""
    best = float("inf")
    for _ in range(repeat):
        start = time.perf_counter()
        fn(n)
        best = min(best, time.perf_counter() - start)
    return n / best


def table(title: str, header: list[str], rows: list[list[str]]) -> str:
    widths = [max(len(str(c)) for c in col) for col in zip(header, *rows)]
    line = "| " + " | ".join(h.ljust(w) for h, w in zip(header, widths)) + " |"
    sep = "| " + " | ".join("-" * w for w in widths) + " |"
    body = ["| " + " | ".join(str(c).ljust(w) for c, w in zip(row, widths)) + " |" for row in rows]
    return "\n".join([f"\n{title}\n", line, sep, *body])


def fmt(value: float) -> str:
    if value >= 100:
        return f"{value:,.0f}"
    return f"{value:.2f}"


def median_us(fns: dict[str, Callable[[int], Any]], n: int, rounds: int) -> dict[str, float]:
    """Median CPU µs per call of each ``fn(i)``, the functions interleaved per round (the
    order rotating), each round going on with new ``i`` (new members, not the same ones)."""
    samples: dict[str, list[float]] = {k: [] for k in fns}
    base = dict.fromkeys(fns, 0)
    names = list(fns)
    for r in range(rounds):
        for name in names[r % len(names):] + names[:r % len(names)]:
            fn, start = fns[name], base[name]
            base[name] = start + n
            t0 = time.process_time()
            for i in range(start, start + n):
                fn(i)
            samples[name].append((time.process_time() - t0) / n * 1e6)
    return {k: statistics.median(v) for k, v in samples.items()}
