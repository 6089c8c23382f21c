"""Migration throughput: redipy.migrate vs the obvious redis-py copy loop vs the servers'
own SCAN + MIGRATE COPY REPLACE KEYS.

N mixed keys (strings, lists, hashes, sets, sorted sets; a quarter with TTLs) are copied
server -> server (same family: Valkey 8.1 -> Valkey 8.1, Redis 7.0 -> Redis 7.0; with
MIGRATE, and with typed records as for servers whose payloads differ), memory ->
server and file -> server, onto Valkey and Redis 7. Every method of a target runs once
per round, the rounds interleave them, and each figure is the median of the rounds.
Besides wall time it takes the CPU seconds of this process (the migration's client
side) and of the servers (INFO cpu): on a shared machine the wall time of a copy
depends on who else runs, its CPU time much less.

Run: python benchmarks/bench_migrate.py [N] [ROUNDS] [KINDS]   (starts its own servers;
KINDS is a comma-separated list of tests.servers kinds, default ``valkey,redis``: Valkey
8.1 and Redis 7.0; ``valkey9`` is Valkey 9.1)
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
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

_ARGS = argparse.ArgumentParser(description=__doc__.split("\n\n", 1)[0])
_ARGS.add_argument("n", nargs="?", type=int, default=200_000, help="keys (default 200000)")
_ARGS.add_argument("rounds", nargs="?", type=int, default=3, help="rounds (default 3)")
_ARGS.add_argument("kinds", nargs="?", default=None,
                   help="server kinds, comma-separated (default valkey,redis; valkey9)")
_OPTS = _ARGS.parse_args() if __name__ == "__main__" else _ARGS.parse_args([])
N: int = _OPTS.n
ROUNDS: int = _OPTS.rounds
KINDS: list[str] | None = _OPTS.kinds.split(",") if _OPTS.kinds else None
BATCH = 500


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


def migrate_command_copy(src_port: int, dst_port: int) -> int:
    """The servers' own copy: SCAN pages, one MIGRATE ... COPY REPLACE KEYS per page."""
    src = redis.Redis(port=src_port)
    copied = 0
    cursor = 0
    while True:
        cursor, keys = src.scan(cursor, count=BATCH)
        if keys:
            src.execute_command("MIGRATE", "127.0.0.1", dst_port, "", 0, 60_000, "COPY",
                                "REPLACE", "KEYS", *keys)
            copied += len(keys)
        if cursor == 0:
            break
    src.close()
    return copied


# ---- running ----------------------------------------------------------------------------


def server_cpu(ports: list[int]) -> float:
    total = 0.0
    for port in ports:
        r = redis.Redis(port=port)
        info = r.info("cpu")
        r.close()
        total += float(info["used_cpu_user"]) + float(info["used_cpu_sys"])
    return total


def check(out: Any) -> None:
    if isinstance(out, Report) and not out.ok:
        raise SystemExit(f"migration failed: {out.summary()}")
    if isinstance(out, int) and out != N:
        raise SystemExit(f"copied {out} keys, not {N}")


def measure(fn: Callable[[], Any], ports: list[int]) -> tuple[float, float, float]:
    """Wall seconds, this process's CPU seconds, the servers' CPU seconds."""
    s0 = server_cpu(ports)
    start, cpu = time.perf_counter(), time.process_time()
    out = fn()
    wall, used = time.perf_counter() - start, time.process_time() - cpu
    check(out)
    return wall, used, server_cpu(ports) - s0


def main() -> None:
    kinds = KINDS or ["valkey"] + (["redis"] if redis_binary() else [])
    sources = {kind: start_server(kind) for kind in kinds}
    targets = {kind: start_server(kind) for kind in kinds}
    workdir = tempfile.mkdtemp(prefix="redipy-bench-")
    snap = os.path.join(workdir, "snap.jsonl")
    try:
        print(f"populating {N:,} keys ...", flush=True)
        for srv in sources.values():
            populate(srv.port, N)
        check(dump(redipy.Redis(url=sources[kinds[0]].url), snap))
        mem = redipy.Redis()
        check(load(snap, mem))
        load_before = os.getloadavg()[0]
        rows: list[list[str]] = []
        ratios: list[list[str]] = []
        for kind, target in targets.items():
            src = sources[kind]
            dst_url = target.url
            raw = redis.Redis(port=target.port)
            ports = [src.port, target.port]
            methods: dict[str, Callable[[], Any]] = {
                "redipy migrate (server -> server)":
                    lambda: migrate(src.url, dst_url, batch=BATCH),  # noqa: B023
                "redipy migrate, typed records (server -> server)":
                    lambda: migrate(src.url, dst_url, batch=BATCH, native=False),  # noqa: B023
                "SCAN + MIGRATE COPY REPLACE (server -> server)":
                    lambda: migrate_command_copy(src.port, target.port),  # noqa: B023
                "redis-py loop (server -> server)":
                    lambda: plain_server_copy(src.port, target.port),  # noqa: B023
                "redipy migrate (memory -> server)":
                    lambda: migrate(mem, redipy.Redis(url=dst_url), batch=BATCH),  # noqa: B023
                "redis-py loop (memory -> server)":
                    lambda: plain_memory_copy(mem, target.port),  # noqa: B023
                "redipy load (file -> server)":
                    lambda: load(snap, dst_url, batch=BATCH),  # noqa: B023
                "redis-py loop (file -> server)":
                    lambda: plain_file_copy(snap, target.port),  # noqa: B023
            }
            got: dict[str, list[tuple[float, float, float]]] = {m: [] for m in methods}
            for rnd in range(ROUNDS):
                names = list(methods)
                shift = rnd % len(names)  # each round starts elsewhere: no fixed order
                for name in names[shift:] + names[:shift]:
                    raw.flushall()
                    got[name].append(measure(methods[name], ports))
                print(f"  {kind}: round {rnd + 1} of {ROUNDS} done", flush=True)
            med = {m: tuple(statistics.median(x[i] for x in runs) for i in range(3))
                   for m, runs in got.items()}
            for name, (wall, cpu, scpu) in med.items():
                rows.append([name, kind, f"{wall:.2f}", f"{cpu:.2f}", f"{scpu:.2f}",
                             fmt(N / wall)])

            def ratio(label: str, ours: str, other: str, kind: str = kind,
                      med: dict[str, tuple[float, ...]] = med) -> None:
                a, b = med[ours], med[other]
                ratios.append([label, kind, f"{b[0] / a[0]:.2f}x", f"{b[1] / a[1]:.2f}x",
                               f"{(b[1] + b[2]) / (a[1] + a[2]):.2f}x"])

            ratio("server -> server vs redis-py loop", "redipy migrate (server -> server)",
                  "redis-py loop (server -> server)")
            ratio("server -> server vs SCAN + MIGRATE", "redipy migrate (server -> server)",
                  "SCAN + MIGRATE COPY REPLACE (server -> server)")
            ratio("typed records server -> server vs loop",
                  "redipy migrate, typed records (server -> server)",
                  "redis-py loop (server -> server)")
            ratio("memory -> server vs redis-py loop", "redipy migrate (memory -> server)",
                  "redis-py loop (memory -> server)")
            ratio("file -> server vs redis-py loop", "redipy load (file -> server)",
                  "redis-py loop (file -> server)")
            raw.close()
        print(table(f"Migration, {N:,} mixed keys (a quarter with TTLs), medians of {ROUNDS} "
                    f"interleaved rounds; load average {load_before:.1f} -> "
                    f"{os.getloadavg()[0]:.1f} on {os.cpu_count()} cores",
                    ["method", "target", "wall s", "client CPU s", "server CPU s", "keys/s"],
                    rows))
        print(table("Speed of redipy relative to the other method (other's time / redipy's; "
                    "targets: >= 1.5x the loop, >= 0.67x MIGRATE)",
                    ["comparison", "target", "wall", "client CPU", "client + server CPU"],
                    ratios))
    finally:
        for srv in [*sources.values(), *targets.values()]:
            srv.stop()


if __name__ == "__main__":
    main()
