"""Streams on redipy's memory backend against fakeredis, through each one's typed API.

- per command: CPU µs per call, medians of interleaved rounds: XADD, XRANGE of 10
  (random spot of a 10k stream), XREADGROUP of 10 new entries + XACK of them, XPENDING
  (summary of a 100-entry PEL);
- a work queue: 1 producer XADDs, 3 consumers XREADGROUP (COUNT 10, BLOCK) and XACK,
  every item acknowledged exactly once: items/s by the wall clock, and items per CPU
  second of the whole process (all threads; on a loaded machine the wall clock mostly
  measures how often the scheduler runs us);
- scaling (memory only): XADD and XRANGE of 10 on a 1k vs a 1M-entry stream.

Run: python benchmarks/bench_streams.py [--quick]
Targets: memory >= 15x fakeredis on every row; at 1M within 2x of at 1k.
"""

from __future__ import annotations

import argparse
import random
import statistics
import threading
import time
from collections.abc import Callable
from typing import Any

from common import fmt, median_us, table

import redipy

Call = Callable[[int], Any]
CONSUMERS = 3




def fill(client: Any, key: str, count: int) -> None:
    for i in range(count):
        client.xadd(key, {"n": str(i), "payload": "x" * 20}, id=f"{i + 1}-0")


def command_rows(mem: redipy.Redis, fake: Any, n: int, rounds: int) -> list[list[str]]:
    rows: list[list[str]] = []
    backends = {"memory": mem, "fakeredis": fake}
    for client in backends.values():
        fill(client, "r10k", 10_000)
        fill(client, "rg", 10 * n * rounds + 10)
        client.xgroup_create("rg", "g", id="0")
        fill(client, "pend", 100)
        client.xgroup_create("pend", "g", id="0")
        client.xreadgroup("g", "c", {"pend": ">"})
    rnd = random.Random(1)
    spots = [f"{rnd.randint(1, 9_990)}-0" for _ in range(n * rounds)]

    def cases(c: Any) -> dict[str, Call]:
        def xadd(i: int) -> Any:
            return c.xadd("w", {"n": str(i), "payload": "x" * 20})

        def xrange10(i: int) -> Any:
            return c.xrange("r10k", spots[i], "+", count=10)

        def readack(i: int) -> Any:
            got = c.xreadgroup("g", "c", {"rg": ">"}, count=10)
            return c.xack("rg", "g", *(sid for sid, _ in got[0][1]))

        def pending(i: int) -> Any:
            return c.xpending("pend", "g")

        return {"XADD": xadd, "XRANGE of 10": xrange10,
                "XREADGROUP of 10 + XACK": readack, "XPENDING (summary)": pending}

    per = {name: cases(client) for name, client in backends.items()}
    for row in per["memory"]:
        got = median_us({name: per[name][row] for name in backends}, n, rounds)
        ratio = got["fakeredis"] / got["memory"]
        rows.append([row, f"{got['memory']:.1f}", f"{got['fakeredis']:.1f}", f"{ratio:.1f}x"])
    return rows


def work_queue(client: Any, items: int) -> tuple[float, float]:
    """Items per second and per CPU second through a stream work queue; every item
    acked once, none lost."""
    client.xgroup_create("jobs", "workers", id="0", mkstream=True)
    done: list[list[str]] = [[] for _ in range(CONSUMERS)]
    finished = threading.Event()

    def consume(slot: int) -> None:
        out = done[slot]
        name = f"c{slot}"
        while True:
            got = client.xreadgroup("workers", name, {"jobs": ">"}, count=10, block=200)
            if not got or not got[0][1]:
                if finished.is_set():
                    return
                continue
            ids = []
            for sid, fields in got[0][1]:
                out.append(fields["n"])
                ids.append(sid)
            client.xack("jobs", "workers", *ids)

    threads = [threading.Thread(target=consume, args=(i,)) for i in range(CONSUMERS)]
    start = time.perf_counter()
    cpu = time.process_time()
    for thread in threads:
        thread.start()
    for i in range(items):
        client.xadd("jobs", {"n": str(i)})
    while sum(len(chunk) for chunk in done) < items:
        time.sleep(0.001)
    elapsed = time.perf_counter() - start
    cpu = time.process_time() - cpu
    finished.set()
    for thread in threads:
        thread.join()
    seen = sorted(int(v) for chunk in done for v in chunk)
    if seen != list(range(items)):
        raise RuntimeError(f"lost or duplicated items: {len(seen)} of {items}")
    if client.xpending("jobs", "workers")["pending"]:
        raise RuntimeError("entries left pending")
    return items / elapsed, items / cpu


def scaling_rows(n: int, rounds: int, big: int) -> list[list[str]]:
    small_r, big_r = redipy.Redis(), redipy.Redis()
    fill(small_r, "s", 1_000)
    fill(big_r, "s", big)
    rnd = random.Random(2)
    spots_small = [f"{rnd.randint(1, 990)}-0" for _ in range(n * rounds)]
    spots_big = [f"{rnd.randint(1, big - 10)}-0" for _ in range(n * rounds)]
    rows = []
    got = median_us({
        "1k": lambda i: small_r.xadd("s", {"n": "1", "payload": "x" * 20}),
        "1M": lambda i: big_r.xadd("s", {"n": "1", "payload": "x" * 20}),
    }, n, rounds)
    rows.append(["XADD", f"{got['1k']:.2f}", f"{got['1M']:.2f}", f"{got['1M'] / got['1k']:.2f}x"])
    got = median_us({
        "1k": lambda i: small_r.xrange("s", spots_small[i], "+", count=10),
        "1M": lambda i: big_r.xrange("s", spots_big[i], "+", count=10),
    }, n, rounds)
    rows.append(["XRANGE of 10", f"{got['1k']:.2f}", f"{got['1M']:.2f}",
                 f"{got['1M'] / got['1k']:.2f}x"])
    return rows


def main() -> None:
    import fakeredis

    parser = argparse.ArgumentParser()
    parser.add_argument("--quick", action="store_true")
    opts = parser.parse_args()
    n, rounds = (200, 3) if opts.quick else (1_000, 7)
    big = 100_000 if opts.quick else 1_000_000

    mem = redipy.Redis()
    fake = fakeredis.FakeRedis(decode_responses=True)
    print(table("Stream commands: CPU µs per call (median of interleaved rounds; "
                "target >= 15x fakeredis)",
                ["command", "memory µs", "fakeredis µs", "memory vs fakeredis"],
                command_rows(mem, fake, n, rounds)))

    items_mem, items_fake = (5_000, 1_000) if opts.quick else (30_000, 3_000)
    rates = []
    for _ in range(3 if not opts.quick else 1):  # interleaved runs, median
        rates.append((work_queue(redipy.Redis(), items_mem),
                      work_queue(fakeredis.FakeRedis(decode_responses=True), items_fake)))
    mem_rate = statistics.median(r[0][0] for r in rates)
    fake_rate = statistics.median(r[1][0] for r in rates)
    mem_cpu = statistics.median(r[0][1] for r in rates)
    fake_cpu = statistics.median(r[1][1] for r in rates)
    print(table(f"Stream work queue: 1 producer, {CONSUMERS} consumers, XREADGROUP COUNT 10 "
                "+ XACK (median of runs)",
                ["backend", "items", "items/s", "vs fakeredis", "items per CPU s",
                 "vs fakeredis (CPU)"],
                [["redipy memory", f"{items_mem:,}", fmt(mem_rate),
                  f"{mem_rate / fake_rate:.1f}x", fmt(mem_cpu), f"{mem_cpu / fake_cpu:.1f}x"],
                 ["fakeredis", f"{items_fake:,}", fmt(fake_rate), "1.0x", fmt(fake_cpu),
                  "1.0x"]]))

    print(table(f"Scaling on memory: CPU µs per call at 1k vs {big:,} entries "
                "(target: within 2x)",
                ["command", "1k µs", f"{big:,} µs", "ratio"],
                scaling_rows(n, rounds, big)))


if __name__ == "__main__":
    main()
