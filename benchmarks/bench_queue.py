"""A work queue over BLPOP: one producer thread RPUSHes items, three consumer threads
BLPOP them (4 threads), on redipy's memory backend, fakeredis and a real server.

Run: python benchmarks/bench_queue.py   (starts its own valkey-server)
Every item must be consumed exactly once; items/s is the end-to-end rate. All figures
are from one run on this machine; read them as ratios (target: memory >= 10x fakeredis).
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from typing import Any

from common import fmt, table

import redipy

CONSUMERS = 3
STOP = "stop"


def run_queue(push: Callable[[str], Any], pop: Callable[[], Any], items: int) -> float:
    """Items per second through the queue; checks none is lost or duplicated."""
    got: list[list[str]] = [[] for _ in range(CONSUMERS)]

    def consume(slot: int) -> None:
        out = got[slot]
        while True:
            reply = pop()
            if reply is None:
                raise RuntimeError("queue stalled")
            value = reply[1]
            if value == STOP:
                return
            out.append(value)

    consumers = [threading.Thread(target=consume, args=(i,)) for i in range(CONSUMERS)]
    start = time.perf_counter()
    for thread in consumers:
        thread.start()

    def produce() -> None:
        for i in range(items):
            push(str(i))
        for _ in range(CONSUMERS):
            push(STOP)

    producer = threading.Thread(target=produce)
    producer.start()
    producer.join()
    for thread in consumers:
        thread.join()
    elapsed = time.perf_counter() - start
    seen = sorted(int(v) for chunk in got for v in chunk)
    if seen != list(range(items)):
        raise RuntimeError(f"lost or duplicated items: {len(seen)} of {items}")
    return items / elapsed


def main() -> None:
    import fakeredis

    from tests.servers import start_server

    server = start_server("valkey")
    try:
        mem = redipy.Redis()
        fake = fakeredis.FakeRedis(decode_responses=True)
        real = redipy.Redis(url=server.url)
        runs = [
            ("redipy memory", 100_000,
             lambda v: mem.rpush("q", v), lambda: mem.blpop("q", 5)),
            ("fakeredis", 10_000,
             lambda v: fake.rpush("q", v), lambda: fake.blpop(["q"], 5)),
            (f"redipy -> valkey {server.version()}", 20_000,
             lambda v: real.rpush("q", v), lambda: real.blpop("q", 5)),
        ]
        rates: dict[str, float] = {}
        rows = []
        for name, items, push, pop in runs:
            rates[name] = run_queue(push, pop, items)
        base = rates["fakeredis"]
        for name, items, _, _ in runs:
            rows.append([name, f"{items:,}", fmt(rates[name]), f"{rates[name] / base:.1f}x"])
        print(table(
            f"BLPOP work queue, 1 producer + {CONSUMERS} consumers "
            "(items/s; target: memory >= 10x fakeredis)",
            ["backend", "items", "items/s", "vs fakeredis"], rows))
        real.close()
    finally:
        server.stop()


if __name__ == "__main__":
    main()
