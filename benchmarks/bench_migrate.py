"""Migration throughput: redipy.migrate vs the obvious redis-py copy loop vs SCAN+DUMP+RESTORE.

200k mixed keys (strings, lists, hashes, sets, sorted sets; a quarter with TTLs) are
copied memory -> server, server -> server and file -> server, all in one run so the
figures are comparable; read them as ratios (the machine may be shared).

Run: python benchmarks/bench_migrate.py [N]   (starts its own servers; each figure is
the best of BENCH_REPEAT=2 runs)
"""

from __future__ import annotations

import json
import os
import sys
import tempfile
import time
from collections.abc import Callable
from typing import Any

import redis
from common import fmt, table
from redipy.migrate import dump, load, migrate
from redipy.migrate.engine import Report

import redipy
from tests.servers import redis_binary, start_server

N = int(sys.argv[1]) if len(sys.argv) > 1 else 200_000
BATCH = 500
REPEAT = int(os.environ.get("BENCH_REPEAT", "2"))  # best of, against a noisy machine


def populate(port: int, n: int) -> None:
    """n keys, a fifth of each type, 3-12 elements per collection, every 4th with a TTL."""
    r = redis.Redis(port=port)
    p = r.pipeline(transaction=False)
    for i in range(n):
        k = f"key:{i}"
        size = 3 + i % 10
        t = i % 5
        if t == 0:
            p.set(k, f"value-{i}-" + "x" * (i % 40))
        elif t == 1:
            p.rpush(k, *[f"item-{j}" for j in range(size)])
        elif t == 2:
            p.hset(k, mapping={f"field-{j}": f"val-{i}-{j}" for j in range(size)})
        elif t == 3:
            p.sadd(k, *[f"member-{j}" for j in range(size)])
        else:
            p.zadd(k, {f"member-{j}": j * 1.25 for j in range(size)})
        if i % 4 == 0:
            p.pexpire(k, 3_600_000 + i)
        if i % 5000 == 4999:
            p.execute()
    p.execute()
    r.close()


# ---- the baselines ------------------------------------------------------------------


def _write_typed(pipe: Any, key: str, kind: str, val: Any, pttl: int) -> None:
    if kind == "string":
        pipe.set(key, val)
    elif kind == "list":
        pipe.rpush(key, *val)
    elif kind == "hash":
        pipe.hset(key, mapping=val)
    elif kind == "set":
        pipe.sadd(key, *val)
    elif kind == "zset":
        pipe.zadd(key, dict(val))
    if pttl > 0:
        pipe.pexpire(key, pttl)


def plain_server_copy(src_port: int, dst_port: int) -> int:
    """SCAN + pipelined TYPE/PTTL + pipelined per-type reads + pipelined writes (redis-py)."""
    src = redis.Redis(port=src_port, decode_responses=True)
    dst = redis.Redis(port=dst_port, decode_responses=True)
    copied = 0
    cursor = 0
    while True:
        cursor, keys = src.scan(cursor, count=BATCH)
        if keys:
            p = src.pipeline(transaction=False)
            for k in keys:
                p.type(k)
                p.pttl(k)
            meta = p.execute()
            p = src.pipeline(transaction=False)
            for i, k in enumerate(keys):
                kind = meta[2 * i]
                if kind == "string":
                    p.get(k)
                elif kind == "list":
                    p.lrange(k, 0, -1)
                elif kind == "hash":
                    p.hgetall(k)
                elif kind == "set":
                    p.smembers(k)
                else:
                    p.zrange(k, 0, -1, withscores=True)
            values = p.execute()
            w = dst.pipeline(transaction=False)
            for i, k in enumerate(keys):
                _write_typed(w, k, meta[2 * i], values[i], meta[2 * i + 1])
            w.execute()
            copied += len(keys)
        if cursor == 0:
            break
    src.close()
    dst.close()
    return copied


def dump_restore_copy(src_port: int, dst_port: int) -> int:
    """SCAN + pipelined DUMP/PTTL + pipelined RESTORE ... REPLACE (same server family)."""
    src = redis.Redis(port=src_port)
    dst = redis.Redis(port=dst_port)
    copied = 0
    cursor = 0
    while True:
        cursor, keys = src.scan(cursor, count=BATCH)
        if keys:
            p = src.pipeline(transaction=False)
            for k in keys:
                p.dump(k)
                p.pttl(k)
            got = p.execute()
            w = dst.pipeline(transaction=False)
            for i, k in enumerate(keys):
                payload, pttl = got[2 * i], got[2 * i + 1]
                if payload is not None:
                    w.restore(k, max(pttl, 0), payload, replace=True)
            w.execute()
            copied += len(keys)
        if cursor == 0:
            break
    src.close()
    dst.close()
    return copied


def plain_memory_copy(mem: redipy.Redis, dst_port: int) -> int:
    """The memory keyspace walked directly, written with redis-py pipelines."""
    from redipy.memory.structs import TYPE_NAMES

    db = mem.backend.db  # type: ignore[attr-defined]
    dst = redis.Redis(port=dst_port, decode_responses=True)
    keys = list(db.data)
    now = int(time.time() * 1000)
    for start in range(0, len(keys), BATCH):
        w = dst.pipeline(transaction=False)
        for k in keys[start:start + BATCH]:
            val = db.get(k)
            kind = TYPE_NAMES[type(val)]
            exp = db.expiry(k)
            if kind == "hash":
                val = dict(val.map)
            elif kind == "zset":
                val = list(val.scores.items())
            elif kind in ("list", "set"):
                val = list(val)
            _write_typed(w, k, kind, val, exp - now if exp else -1)
        w.execute()
    dst.close()
    return len(keys)


def plain_file_copy(path: str, dst_port: int) -> int:
    """json.loads line by line, written with redis-py pipelines."""
    dst = redis.Redis(port=dst_port, decode_responses=True)
    copied = 0
    now = int(time.time() * 1000)
    with open(path) as fh:
        fh.readline()
        w = dst.pipeline(transaction=False)
        for line in fh:
            rec = json.loads(line)
            if rec.get("trailer"):
                break
            exp = rec["pexpireat"]
            _write_typed(w, rec["key"], rec["type"], rec["value"], exp - now if exp else -1)
            copied += 1
            if copied % BATCH == 0:
                w.execute()
                w = dst.pipeline(transaction=False)
        w.execute()
    dst.close()
    return copied


# ---- running ----------------------------------------------------------------------------


def timed(fn: Callable[[], Any]) -> tuple[float, float, Any]:
    """Wall seconds, this process's CPU seconds (robust on a shared machine), result."""
    start, cpu = time.perf_counter(), time.process_time()
    out = fn()
    return time.perf_counter() - start, time.process_time() - cpu, out


def check(report: Report) -> None:
    if not report.ok:
        raise SystemExit(f"migration failed: {report.summary()}")


def main() -> None:
    kinds = ["valkey"] + (["redis"] if redis_binary() else [])
    source = start_server("valkey")
    targets = {kind: start_server(kind) for kind in kinds}
    workdir = tempfile.mkdtemp(prefix="redipy-bench-")
    snap = os.path.join(workdir, "snap.jsonl")
    try:
        print(f"populating {N:,} keys ...", flush=True)
        populate(source.port, N)
        src = redipy.Redis(url=source.url)
        check(dump(src, snap))
        mem = redipy.Redis()
        check(load(snap, mem))
        rows: list[list[str]] = []
        ratios: list[list[str]] = []
        for kind, target in targets.items():
            dst_url = target.url
            raw = redis.Redis(port=target.port)

            def run(label: str, fn: Callable[[], Any], raw: Any = raw,
                    kind: str = kind) -> float:
                secs = cpu = float("inf")
                for _ in range(REPEAT):
                    raw.flushall()
                    took, used, out = timed(fn)
                    if isinstance(out, Report):
                        check(out)
                    secs, cpu = min(secs, took), min(cpu, used)
                rate = N / secs
                rows.append([label, kind, f"{secs:.2f}", f"{cpu:.2f}", fmt(rate)])
                print(f"  {label:<42} -> {kind:<6} {fmt(rate):>9} keys/s", flush=True)
                return rate

            scen = {}
            scen["server -> server"] = (
                run("redipy migrate (server -> server)",
                    lambda: migrate(src, redipy.Redis(url=dst_url), batch=BATCH)),  # noqa: B023
                run("redis-py plain loop (server -> server)",
                    lambda: plain_server_copy(source.port, target.port)),  # noqa: B023
            )
            if kind == "valkey":
                dr = run("SCAN+DUMP+RESTORE (server -> server)",
                         lambda: dump_restore_copy(source.port, target.port))  # noqa: B023
                ratios.append(["server -> server vs DUMP/RESTORE", kind,
                               f"{scen['server -> server'][0] / dr:.2f}x"])
            scen["memory -> server"] = (
                run("redipy migrate (memory -> server)",
                    lambda: migrate(mem, redipy.Redis(url=dst_url), batch=BATCH)),  # noqa: B023
                run("redis-py plain loop (memory -> server)",
                    lambda: plain_memory_copy(mem, target.port)),  # noqa: B023
            )
            scen["file -> server"] = (
                run("redipy load (file -> server)",
                    lambda: load(snap, redipy.Redis(url=dst_url), batch=BATCH)),  # noqa: B023
                run("redis-py plain loop (file -> server)",
                    lambda: plain_file_copy(snap, target.port)),  # noqa: B023
            )
            for name, (ours, plain) in scen.items():
                ratios.append([f"{name} vs plain loop", kind, f"{ours / plain:.2f}x"])
                ratios.append([f"{name} vs 2x28k target", kind, f"{ours / 56_000:.2f}x"])
            raw.close()
        print(table(f"Migration throughput, {N:,} mixed keys (a quarter with TTLs)",
                    ["method", "target", "seconds", "client CPU s", "keys/s"], rows))
        print(table("Ratios (redipy / other; targets: >= 1.5x plain loop, >= 1.0x of 56k/s)",
                    ["comparison", "target", "ratio"], ratios))
    finally:
        source.stop()
        for srv in targets.values():
            srv.stop()


if __name__ == "__main__":
    main()
