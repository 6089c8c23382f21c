"""Every command of the table on the memory backend vs fakeredis, typed and raw.

For each workload (benchmarks/breadth_workloads.py) both clients get the same setup
and the same sequence of calls; redipy's typed method, redipy's ``execute_command``,
fakeredis's (redis-py's) typed method and its ``execute_command`` run in interleaved
batches, the order rotating every round. Each batch is timed in CPU time
(``time.process_time``) and a row shows the median over rounds, never the best.

Run: python benchmarks/bench_breadth.py [--quick] [--only CMD,CMD...]
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from collections.abc import Callable
from typing import Any

from breadth_workloads import NOT_MEASURED, Work, workloads
from common import table

import redipy
from redipy.commands import COMMANDS

TARGET = 15.0


def clients() -> tuple[Any, Any]:
    import fakeredis

    return redipy.Redis(), fakeredis.FakeRedis(server=fakeredis.FakeServer(),
                                               decode_responses=True)


def call_of(work: Work, client: Any, mode: str, is_redipy: bool) -> Callable[[Any], Any] | None:
    if mode == "raw":
        x = client.execute_command
        if work.raw is not None:
            raw = work.raw
            return lambda a: raw(x, a)
        return lambda a: x(*a)
    typed = work.rtyped if (is_redipy and work.rtyped is not None) else work.typed
    if typed is None:
        return None
    return lambda a: typed(client, a)


def measure(work: Work, rounds: int, batch: int) -> dict[str, float | str]:
    """Median CPU µs per call for each of the four (client, mode) pairs."""
    mem, fake = clients()
    n = work.n or batch
    lanes: list[tuple[str, Any, Callable[[Any], Any]]] = []
    out: dict[str, float | str] = {}
    if work.setup is not None:
        for cname, client in (("redipy", mem), ("fake", fake)):
            try:
                work.setup(client.execute_command)
            except Exception as err:
                out[f"{cname} typed"] = out[f"{cname} raw"] = f"error: {str(err)[:32]}"
    for cname, client in (("redipy", mem), ("fake", fake)):
        for mode in ("typed", "raw"):
            fn = call_of(work, client, mode, cname == "redipy")
            if f"{cname} {mode}" in out:
                continue
            if fn is None:
                out[f"{cname} {mode}"] = "-"
            else:
                lanes.append((f"{cname} {mode}", client, fn))
    base = {id(mem): 0, id(fake): 0}
    samples: dict[str, list[float]] = {name: [] for name, _, _ in lanes}

    def batch_of(client: Any, fn: Callable[[Any], Any], count: int) -> float:
        start = base[id(client)]
        base[id(client)] = start + count
        x = client.execute_command
        argvs = [work.argv(i) for i in range(start, start + count)]
        if work.single:
            spent = 0.0
            for i, a in enumerate(argvs, start):
                if work.prep is not None:
                    work.prep(x, i, 1)
                t0 = time.process_time()
                fn(a)
                spent += time.process_time() - t0
            return spent / count
        if work.prep is not None:
            work.prep(x, start, count)
        t0 = time.process_time()
        for a in argvs:
            fn(a)
        return (time.process_time() - t0) / count

    for name, client, fn in lanes:  # warm-up, and the first error shows here
        try:
            batch_of(client, fn, min(n, 10))
        except Exception as err:
            out[name] = f"error: {str(err)[:32]}"
    lanes = [lane for lane in lanes if not isinstance(out.get(lane[0]), str)]
    for r in range(rounds):
        shift = r % len(lanes) if lanes else 0
        for name, client, fn in lanes[shift:] + lanes[:shift]:
            samples[name].append(batch_of(client, fn, n))
    for name, _, _ in lanes:
        out[name] = statistics.median(samples[name]) * 1e6
    mem.close()
    return out


def ratio(fast: float | str, slow: float | str) -> float | None:
    if isinstance(fast, str) or isinstance(slow, str) or fast <= 0:
        return None
    return slow / fast


def cell(v: float | str) -> str:
    return v if isinstance(v, str) else f"{v:.2f}"


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--quick", action="store_true", help="fewer rounds and calls (~1 minute)")
    ap.add_argument("--only", default="", help="comma-separated command names")
    ap.add_argument("--verbose", action="store_true", help="time each workload (stderr)")
    ap.add_argument("--json", default="", help="also write the rows to this file")
    opts = ap.parse_args()
    rounds, batch = (3, 100) if opts.quick else (7, 300)
    only = {c.strip().upper() for c in opts.only.split(",") if c.strip()}
    rows: list[list[str]] = []
    worst: tuple[float, str] = (float("inf"), "")
    under: list[str] = []
    covered: set[str] = set()
    started = time.perf_counter()
    for work in workloads():
        if only and work.cmd not in only:
            continue
        covered.add(work.cmd)
        t_work = time.perf_counter()
        res = measure(work, rounds, batch)
        if opts.verbose:
            print(f"{work.cmd} {work.what}: {time.perf_counter() - t_work:.1f} s", file=sys.stderr)
        rt = ratio(res["redipy typed"], res["fake typed"])
        rr = ratio(res["redipy raw"], res["fake raw"])
        label = f"{work.cmd} {work.what}".strip()
        for r in (rt, rr):
            if r is not None:
                if r < worst[0]:
                    worst = (r, label)
                if r < TARGET and label not in under:
                    under.append(label)
        rows.append([
            work.cmd, work.what,
            cell(res["redipy typed"]), cell(res["fake typed"]),
            f"{rt:.1f}x" if rt is not None else "-",
            cell(res["redipy raw"]), cell(res["fake raw"]),
            f"{rr:.1f}x" if rr is not None else "-",
        ])
    if opts.json:
        import json

        with open(opts.json, "w") as fh:
            json.dump(rows, fh)
    print(table(
        f"Every command, memory backend vs fakeredis (CPU µs per call, median of {rounds} "
        f"interleaved rounds; target >= {TARGET:.0f}x)",
        ["command", "workload", "redipy typed", "fakeredis typed", "typed ratio",
         "redipy execute_command", "fakeredis execute_command", "raw ratio"], rows))
    print(f"\nworst row: {worst[1]} at {worst[0]:.1f}x; {len(under)} of {len(rows)} rows under "
          f"{TARGET:.0f}x{': ' + ', '.join(under) if under else ''}")
    if not only:
        missing = sorted(set(COMMANDS) - covered - set(NOT_MEASURED))
        print("not measured: " + "; ".join(f"{k} ({v})" for k, v in NOT_MEASURED.items()))
        if missing:
            print("table commands without a workload: " + ", ".join(missing))
    print(f"({time.perf_counter() - started:.0f} s)")


if __name__ == "__main__":
    main()
