"""Scaling, latency and footprint of the memory backend (the breadth table of every
command against fakeredis is bench_breadth.py).

- scaling: CPU µs per call on a 1k vs a 1M collection (and 1 KB vs 1 MB strings),
  writes always of NEW members, medians of interleaved rounds;
- latency: wall-clock p99 and max per command while keys with short TTLs churn
  through a 1M-key database (what a caller waits, lock waits included), then the
  keys left dead after the churn stops;
- footprint: bytes retained per entry (tracemalloc) for 1M strings, hash fields,
  sorted set members and list elements, redipy memory vs fakeredis;
- with ``--server``: the Redis backend against raw redis-py on a Valkey it starts.

Run: python benchmarks/bench_core.py [--quick] [--server] [--only scaling,latency,footprint]
"""

from __future__ import annotations

import argparse
import gc
import os
import random
import statistics
import time
import tracemalloc
from collections.abc import Callable
from typing import Any

from common import median_us, table

import redipy

Call = Callable[[int], Any]




# ---- scaling ---------------------------------------------------------------------------

def fill(r: redipy.Redis, kind: str, key: str, size: int) -> None:
    x = r.execute_command
    for start in range(0, size, 10_000):
        stop = min(size, start + 10_000)
        if kind == "zset":
            args: list[Any] = []
            for j in range(start, stop):
                args += [j, f"m{j}"]
            x("ZADD", key, *args)
        elif kind == "hash":
            args = []
            for j in range(start, stop):
                args += [f"m{j}", "v"]
            x("HSET", key, *args)
        elif kind == "set":
            x("SADD", key, *[f"m{j}" for j in range(start, stop)])
        elif kind == "list":
            x("RPUSH", key, *[f"m{j}" for j in range(start, stop)])
        else:  # keyspace
            args = []
            for j in range(start, stop):
                args += [f"m{j}", "v"]
            x("MSET", *args)


def scaling_ops(r: redipy.Redis, size: int) -> dict[str, Call]:
    """Calls on collections of ``size`` members (each call on a new member for writes)."""
    tag = str(size)
    z, h, s, lst = f"z{tag}", f"h{tag}", f"s{tag}", f"l{tag}"
    rnd = random.Random(size)
    picks = [rnd.randrange(size) for _ in range(4096)]
    return {
        "ZADD new member": lambda i: r.zadd(z, {f"n{i}": i + 0.5}),
        "ZSCORE": lambda i: r.zscore(z, f"m{picks[i & 4095]}"),
        "ZRANK": lambda i: r.zrank(z, f"m{picks[i & 4095]}"),
        "ZRANGE 10 at a rank": lambda i: r.zrange(z, picks[i & 4095], picks[i & 4095] + 9),
        "ZRANGEBYSCORE 10": lambda i: r.zrangebyscore(z, picks[i & 4095], picks[i & 4095] + 9),
        "ZREM + ZADD": lambda i: (r.zrem(z, f"m{picks[i & 4095]}"),
                                  r.zadd(z, {f"m{picks[i & 4095]}": picks[i & 4095]})),
        "ZRANDMEMBER": lambda i: r.zrandmember(z),
        "HSET new field": lambda i: r.hset(h, {f"n{i}": "v"}),
        "HGET": lambda i: r.hget(h, f"m{picks[i & 4095]}"),
        "HDEL + HSET": lambda i: (r.hdel(h, f"m{picks[i & 4095]}"),
                                  r.hset(h, {f"m{picks[i & 4095]}": "v"})),
        "HRANDFIELD": lambda i: r.hrandfield(h),
        "SADD new member": lambda i: r.sadd(s, f"n{i}"),
        "SISMEMBER": lambda i: r.sismember(s, f"m{picks[i & 4095]}"),
        "SRANDMEMBER": lambda i: r.srandmember(s),
        "SPOP + SADD": lambda i: r.sadd(s, r.spop(s) or "x"),
        "SREM + SADD": lambda i: (r.srem(s, f"m{picks[i & 4095]}"),
                                  r.sadd(s, f"m{picks[i & 4095]}")),
        "SSCAN COUNT 10": lambda i: r.sscan(s, 0, count=10),
        "LPUSH + RPOP": lambda i: (r.lpush(lst, f"n{i}"), r.rpop(lst)),
        "LINDEX 0": lambda i: r.lindex(lst, 0),
        "SET new key": lambda i: r.set(f"n{tag}:{i}", "v"),
        "RANDOMKEY": lambda i: r.randomkey(),
        "DBSIZE": lambda i: r.dbsize(),
        "SCAN COUNT 10": lambda i: r.scan(0, count=10),
    }


def string_ops(r: redipy.Redis, size: int) -> dict[str, Call]:
    key = f"str{size}"
    r.set(key, "\x55" * size)
    mid = size // 2
    return {
        "APPEND 1 byte": lambda i: r.append(key, "x"),
        "SETRANGE 2 bytes": lambda i: r.setrange(key, mid, "ab"),
        "GETRANGE 10 bytes": lambda i: r.getrange(key, mid, mid + 9),
        "STRLEN": lambda i: r.strlen(key),
        "SETBIT": lambda i: r.setbit(key, mid * 8 + (i & 63), i & 1),
        "GETBIT": lambda i: r.getbit(key, mid * 8 + (i & 63)),
        "BITCOUNT 10-byte range": lambda i: r.bitcount(key, mid, mid + 9),
        "BITPOS in a 10-byte range": lambda i: r.bitpos(key, 0, mid, mid + 9),
    }


def scaling(quick: bool) -> list[list[str]]:
    small, big = 1_000, 1_000_000
    rows = []
    n, rounds = (300, 5) if quick else (1000, 9)
    r_small, r = redipy.Redis(), redipy.Redis()
    for client, size in ((r_small, small), (r, big)):
        for kind, key in (("zset", f"z{size}"), ("hash", f"h{size}"), ("set", f"s{size}"),
                          ("list", f"l{size}"), ("keys", "")):
            fill(client, kind, key, size)
    a, b = scaling_ops(r_small, small), scaling_ops(r, big)
    fns = {f"{k}|a": v for k, v in a.items()} | {f"{k}|b": v for k, v in b.items()}
    res = median_us(fns, n, rounds)
    for name in a:
        x, y = res[f"{name}|a"], res[f"{name}|b"]
        rows.append([name, f"{x:.2f}", f"{y:.2f}", f"{y / x:.2f}x"])
    rs = redipy.Redis()
    a, b = string_ops(rs, 1_000), string_ops(rs, 1_000_000)
    fns = {f"{k}|a": v for k, v in a.items()} | {f"{k}|b": v for k, v in b.items()}
    res = median_us(fns, n, rounds)
    for name in a:
        x, y = res[f"{name}|a"], res[f"{name}|b"]
        rows.append([f"{name} (1 KB vs 1 MB string)", f"{x:.2f}", f"{y:.2f}", f"{y / x:.2f}x"])
    return rows


# ---- latency ---------------------------------------------------------------------------

def latency(quick: bool) -> tuple[list[list[str]], list[str]]:
    """Per-command wall latency while short-TTL keys churn through a 1M-key database."""
    keys = 1_000_000
    r = redipy.Redis()
    x = r.execute_command
    for start in range(0, keys, 10_000):
        args: list[Any] = []
        for j in range(start, start + 10_000):
            args += [f"k:{j}", "v"]
        x("MSET", *args)
    for j in range(0, keys, 2):  # half of them with a long TTL, refreshed below
        x("PEXPIRE", f"k:{j}", 3_600_000 + j)
    rnd = random.Random(7)
    lat: dict[str, list[float]] = {}
    ops: list[tuple[str, Callable[[int], Any]]] = [
        ("SET PX 300 (churn)", lambda i: r.set(f"churn:{i}", "v", px=300)),
        ("GET", lambda i: r.get(f"k:{rnd.randrange(keys)}")),
        ("EXPIRE refresh", lambda i: r.pexpire(f"k:{rnd.randrange(keys // 2) * 2}",
                                               3_600_000 + i)),
        ("SET", lambda i: r.set(f"k:{rnd.randrange(keys)}", "w", keepttl=True)),
        ("HSET", lambda i: r.hset("h", {f"f{i % 1000}": "v"})),
        ("TTL", lambda i: r.ttl(f"k:{rnd.randrange(keys)}")),
    ]
    rare: list[tuple[str, Callable[[int], Any]]] = [
        ("DBSIZE", lambda i: r.dbsize()),
        ("RANDOMKEY", lambda i: r.randomkey()),
        ("SCAN COUNT 10", lambda i: r.scan(0, count=10)),
    ]
    seconds = 4.0 if quick else 15.0
    clock = time.perf_counter
    pauses: list[float] = []
    gc_start = [0.0]

    def on_gc(phase: str, info: dict[str, Any]) -> None:
        if phase == "start":
            gc_start[0] = clock()
        else:
            pauses.append(clock() - gc_start[0])

    gc.callbacks.append(on_gc)
    db = r._backend.db  # type: ignore[attr-defined]
    holds: list[float] = []  # the reaper's CPU per batch (it holds the lock meanwhile)
    reclaim = db.reclaim

    def timed_reclaim(budget: int = 20) -> int:
        c0 = time.thread_time()
        try:
            return int(reclaim(budget))
        finally:
            holds.append(time.thread_time() - c0)

    db.reclaim = timed_reclaim
    end = clock() + seconds
    i = 0
    cpu_clock = time.thread_time  # this thread's CPU: what a busy machine's scheduler adds
    cpu: dict[str, list[float]] = {}
    while clock() < end:
        for name, fn in ops:
            c0 = cpu_clock()
            t0 = clock()
            fn(i)
            lat.setdefault(name, []).append(clock() - t0)
            cpu.setdefault(name, []).append(cpu_clock() - c0)
        if i % 50 == 0:
            for name, fn in rare:
                c0 = cpu_clock()
                t0 = clock()
                fn(i)
                lat.setdefault(name, []).append(clock() - t0)
                cpu.setdefault(name, []).append(cpu_clock() - c0)
        i += 1
    gc.callbacks.remove(on_gc)
    churned = i
    time.sleep(1.0)  # the churn stops; dead keys should go without anyone touching them
    db.reclaim = reclaim
    with db.lock:
        now = db.clock()
        dead = sum(1 for when in db.expires.values() if when <= now)
    t0 = clock()
    size = r.dbsize()
    after = (clock() - t0) * 1e3
    rows = []
    for name, vals in lat.items():
        vals.sort()
        p99 = vals[min(len(vals) - 1, int(len(vals) * 0.99))]
        own = sorted(cpu[name])
        rows.append([name, f"{len(vals):,}", f"{statistics.median(vals) * 1e6:.1f}",
                     f"{p99 * 1e3:.3f}", f"{vals[-1] * 1e3:.2f}", f"{own[-1] * 1e3:.2f}"])
    notes = [f"{churned:,} churn keys set with PX 300 in {seconds:.0f} s over {keys:,} keys "
             f"(half with TTLs, refreshed throughout); 1 s after the churn stopped "
             f"{dead:,} expired keys were still stored; DBSIZE then took {after:.2f} ms "
             f"and answered {size:,}",
             f"the reaper's batches: {len(holds):,}, the longest {max(holds, default=0) * 1e3:.2f} "
             f"ms of CPU under the lock",
             f"garbage collections meanwhile: {len(pauses)}, the longest "
             f"{max(pauses, default=0) * 1e3:.2f} ms; a Python dict doubling its table "
             f"(at 1.4M keys) copies it in one go, like fakeredis's (Redis rehashes "
             f"incrementally)"]
    return rows, notes


# ---- footprint -------------------------------------------------------------------------

def footprint_of(build: Callable[[int], None], n: int) -> float:
    """Bytes per entry retained by ``build(n)`` (which must drop its own references)."""
    gc.collect()
    tracemalloc.start()
    before = tracemalloc.get_traced_memory()[0]
    build(n)
    gc.collect()
    after = tracemalloc.get_traced_memory()[0]
    tracemalloc.stop()
    return (after - before) / n


def builders(client: Any, typed_hset: Callable[[str, dict[str, str]], Any]
             ) -> dict[str, Callable[[int], None]]:
    def strings(n: int) -> None:
        for start in range(0, n, 1000):
            client.mset({f"key:{j}": f"value:{j}" for j in range(start, start + 1000)})

    def hash_fields(n: int) -> None:
        for start in range(0, n, 1000):
            typed_hset("hash", {f"field:{j}": f"value:{j}" for j in range(start, start + 1000)})

    def zset_members(n: int) -> None:
        for start in range(0, n, 1000):
            client.zadd("zset", {f"member:{j}": float(j) for j in range(start, start + 1000)})

    def list_elements(n: int) -> None:
        for start in range(0, n, 1000):
            client.rpush("list", *[f"item:{j}" for j in range(start, start + 1000)])

    return {"strings (key + value)": strings, "hash fields": hash_fields,
            "zset members": zset_members, "list elements": list_elements}


def footprint(quick: bool) -> tuple[list[list[str]], list[str]]:
    import fakeredis

    n = 200_000 if quick else 1_000_000
    rows = []
    for kind in ("strings (key + value)", "hash fields", "zset members", "list elements"):
        mem = redipy.Redis()
        m = footprint_of(builders(mem, mem.hset)[kind], n)
        del mem
        fake = fakeredis.FakeRedis(server=fakeredis.FakeServer(), decode_responses=True)
        f = footprint_of(builders(fake, lambda k, d, c=fake: c.hset(k, mapping=d))[kind], n)
        del fake
        gc.collect()
        rows.append([kind, f"{m:.0f}", f"{f:.0f}", f"{m / f:.2f}"])
    return rows, [f"{n:,} entries of each kind; keys like 'key:123', values like 'value:123'"]


# ---- Redis backend vs raw redis-py -------------------------------------------------------

def server_table(quick: bool) -> list[list[str]]:
    import redis as redis_py

    from tests.servers import start_server

    server = start_server("valkey")
    try:
        red = redipy.Redis(url=server.url)
        raw = redis_py.Redis(port=server.port, decode_responses=True)
        red.set("k", "v")
        n, rounds = (500, 3) if quick else (2000, 5)
        res = median_us({
            "redipy GET": lambda i: red.get("k"), "redis-py GET": lambda i: raw.get("k"),
            "redipy SET": lambda i: red.set("k", "v"), "redis-py SET": lambda i: raw.set("k", "v"),
        }, n, rounds)
        return [[cmd, f"{res['redipy ' + cmd]:.1f}", f"{res['redis-py ' + cmd]:.1f}",
                 f"{res['redis-py ' + cmd] / res['redipy ' + cmd]:.0%}"] for cmd in ("GET", "SET")]
    finally:
        server.stop()


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--quick", action="store_true", help="smaller and shorter (~1-2 minutes)")
    ap.add_argument("--server", action="store_true", help="also the Redis backend vs redis-py")
    ap.add_argument("--only", default="scaling,latency,footprint")
    opts = ap.parse_args()
    parts = set(opts.only.split(","))
    started = time.perf_counter()
    if "scaling" in parts:
        print(table("Scaling: CPU µs per call at 1k vs 1M members (strings: 1 KB vs 1 MB), "
                    "medians of interleaved rounds",
                    ["call", "1k", "1M", "1M / 1k"], scaling(opts.quick)))
    if "latency" in parts:
        rows, notes = latency(opts.quick)
        print(table("Latency under a TTL churn at 1M keys (wall clock; target: max <= 20 ms)",
                    ["command", "calls", "median µs", "p99 ms", "max ms", "max CPU ms"],
                    rows))
        load = os.getloadavg()[0]
        print(f"load average during the run: {load:.1f} on {os.cpu_count()} CPUs (the wall "
              "clock includes time the scheduler gave other processes; 'max CPU' is this "
              "thread's own time in the slowest call)")
        print("\n".join(notes))
    if "footprint" in parts:
        rows, notes = footprint(opts.quick)
        print(table("Footprint: bytes retained per entry (tracemalloc)",
                    ["entries", "redipy memory", "fakeredis", "redipy / fakeredis"], rows))
        print("\n".join(notes))
    if opts.server:
        print(table("Redis backend vs raw redis-py (CPU µs per call, loopback Valkey)",
                    ["command", "redipy", "redis-py", "redipy speed / redis-py"],
                    server_table(opts.quick)))
    print(f"({time.perf_counter() - started:.0f} s)")


if __name__ == "__main__":
    main()
