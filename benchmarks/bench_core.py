"""Core command throughput: redipy's memory backend vs fakeredis vs a dict behind a
lock, redipy's Redis backend vs raw redis-py, and collection-size scaling.

Run: python benchmarks/bench_core.py   (starts its own valkey-server)
All figures are from one run on this machine; read them as ratios.
"""

from __future__ import annotations

import threading
from collections import deque
from collections.abc import Callable
from typing import Any

from common import fmt, ops_per_sec, table

import redipy

N_KEYS = 100_000


class DictFloor:
    """The floor any in-process backend pays: a dict behind an RLock and a method call."""

    def __init__(self) -> None:
        self.d: dict[str, Any] = {}
        self.lock = threading.RLock()

    def get(self, key: str) -> Any:
        with self.lock:
            return self.d.get(key)

    def set(self, key: str, value: str) -> None:
        with self.lock:
            self.d[key] = value

    def incr(self, key: str) -> int:
        with self.lock:
            val = int(self.d.get(key, 0)) + 1
            self.d[key] = str(val)
            return val

    def lpush(self, key: str, value: str) -> None:
        with self.lock:
            self.d.setdefault(key, deque()).appendleft(value)

    def rpop(self, key: str) -> Any:
        with self.lock:
            q = self.d.get(key)
            return q.pop() if q else None

    def hset(self, key: str, field: str, value: str) -> None:
        with self.lock:
            self.d.setdefault(key, {})[field] = value

    def hget(self, key: str, field: str) -> Any:
        with self.lock:
            return self.d.get(key, {}).get(field)

    def sadd(self, key: str, member: str) -> None:
        with self.lock:
            self.d.setdefault(key, set()).add(member)


def workloads(kind: str, client: Any) -> dict[str, Callable[[int], None]]:
    """The measured commands, spelled for each client kind."""
    keys = [f"key:{i}" for i in range(N_KEYS)]
    if kind == "redipy":
        get, set_ = client.get_value, client.set_value
        hset = lambda k, f, v: client.hset(k, {f: v})  # noqa: E731
        zadd = lambda k, m, s: client.zadd(k, {m: s})  # noqa: E731
        zrange = lambda k: client.zrange(k, 0, 9)  # noqa: E731
    elif kind == "dict":
        get, set_, hset = client.get, client.set, client.hset
        zadd = zrange = None
    else:
        get, set_ = client.get, client.set
        hset = lambda k, f, v: client.hset(k, f, v)  # noqa: E731
        zadd = lambda k, m, s: client.zadd(k, {m: s})  # noqa: E731
        zrange = lambda k: client.zrange(k, 0, 9)  # noqa: E731

    for i in range(0, N_KEYS, 1):
        if kind == "dict":
            client.set(keys[i], "v")
        elif kind == "redipy":
            client.set_value(keys[i], "v")
    if kind not in ("dict", "redipy"):
        pipe = client.pipeline(transaction=False)
        for i, k in enumerate(keys):
            pipe.set(k, "v")
            if i % 5000 == 4999:
                pipe.execute()
        pipe.execute()
    if zadd is not None:
        for i in range(10):
            zadd("zr", f"m{i}", i)

    def w_get(n: int) -> None:
        for i in range(n):
            get(keys[i % N_KEYS])

    def w_set(n: int) -> None:
        for i in range(n):
            set_(keys[i % N_KEYS], "x")

    def w_incr(n: int) -> None:
        inc = client.incr
        for _ in range(n):
            inc("counter")

    def w_lpush(n: int) -> None:
        push = client.lpush
        for _ in range(n):
            push("list", "x")

    def w_rpop(n: int) -> None:
        pop = client.rpop
        for _ in range(n):
            pop("list")

    def w_hset(n: int) -> None:
        for i in range(n):
            hset("hash", keys[i % N_KEYS], "x")

    def w_hget(n: int) -> None:
        hget = client.hget
        for i in range(n):
            hget("hash", keys[i % N_KEYS])

    def w_sadd(n: int) -> None:
        sadd = client.sadd
        for i in range(n):
            sadd("set", keys[i % N_KEYS])

    out = {
        "GET": w_get, "SET": w_set, "INCR": w_incr, "LPUSH": w_lpush, "RPOP": w_rpop,
        "HSET": w_hset, "HGET": w_hget, "SADD": w_sadd,
    }
    if zadd is not None:
        def w_zadd(n: int) -> None:
            for i in range(n):
                zadd("zset", keys[i % N_KEYS], i)

        def w_zrange(n: int) -> None:
            for _ in range(n):
                zrange("zr")

        out["ZADD"] = w_zadd
        out["ZRANGE 10"] = w_zrange
    return out


def scaling(client: redipy.Redis) -> list[list[str]]:
    """Writes into a 1k-member vs a 1M-member collection (memory backend)."""
    rows = []
    sizes = (1_000, 1_000_000)
    for cmd in ("ZADD", "HSET", "SADD", "LPUSH"):
        rates = []
        for size in sizes:
            key = f"{cmd}:{size}"
            chunk = 10_000
            for start in range(0, size, chunk):
                names = [f"m{j}" for j in range(start, min(size, start + chunk))]
                if cmd == "ZADD":
                    client.zadd(key, {m: float(j) for j, m in enumerate(names, start)})
                elif cmd == "HSET":
                    client.hset(key, {m: "v" for m in names})
                elif cmd == "SADD":
                    client.sadd(key, *names)
                else:
                    client.lpush(key, *names)
            counter = [0]

            def write(n: int, cmd: str = cmd, key: str = key, counter: list[int] = counter) -> None:
                base = counter[0]
                counter[0] += n
                for i in range(base, base + n):
                    member = f"new{i}"
                    if cmd == "ZADD":
                        client.zadd(key, {member: i * 0.5})
                    elif cmd == "HSET":
                        client.hset(key, {member: "v"})
                    elif cmd == "SADD":
                        client.sadd(key, member)
                    else:
                        client.lpush(key, member)

            rates.append(ops_per_sec(write, 20_000))
            client.delete(key)
        rows.append([cmd, fmt(rates[0]), fmt(rates[1]), f"{rates[0] / rates[1]:.2f}x"])
    return rows


def main() -> None:
    import fakeredis
    import redis as redis_py

    from tests.servers import start_server

    server = start_server("valkey")
    try:
        mem = redipy.Redis()
        fake = fakeredis.FakeRedis(decode_responses=True)
        floor = DictFloor()
        mem_w = workloads("redipy", mem)
        fake_w = workloads("fakeredis", fake)
        floor_w = workloads("dict", floor)
        rows = []
        for name, fn in mem_w.items():
            m = ops_per_sec(fn, 100_000)
            f = ops_per_sec(fake_w[name], 5_000)
            d = ops_per_sec(floor_w[name], 100_000) if name in floor_w else None
            rows.append([
                name, fmt(m), fmt(f), f"{m / f:.1f}x",
                fmt(d) if d else "-", f"{m / d:.0%}" if d else "-",
            ])
        print(table(
            "Memory backend, 100k keys (ops/s; target >= 15x fakeredis, GET >= 40% of dict)",
            ["command", "redipy memory", "fakeredis", "vs fakeredis", "dict+lock", "of dict"],
            rows))

        rrows = []
        red = redipy.Redis(url=server.url)
        # raw redis-py twice: as users create it (RESP3 by default in redis-py 8, reply
        # callbacks on) and stripped like redipy's own connection (RESP2, no callbacks)
        raw = redis_py.Redis(port=server.port, decode_responses=True)
        bare = redis_py.Redis(port=server.port, decode_responses=True, protocol=2)
        bare.response_callbacks.clear()
        red_w = workloads("redipy", red)
        raw_w = workloads("redis-py", raw)
        bare_w = workloads("redis-py", bare)
        for name in ("GET", "SET", "INCR", "HGET"):
            a = b = c = 0.0
            for _ in range(3):  # interleaved, best of 3: the machine is noisy
                a = max(a, ops_per_sec(red_w[name], 3_000))
                b = max(b, ops_per_sec(raw_w[name], 3_000))
                c = max(c, ops_per_sec(bare_w[name], 3_000))
            rrows.append([name, fmt(a), fmt(b), f"{a / b:.0%}", fmt(c), f"{a / c:.0%}"])
        print(table(
            f"Redis backend, valkey {server.version()} on loopback (ops/s; target >= 90% of raw)",
            ["command", "redipy redis", "redis-py default", "redipy / it",
             "redis-py RESP2 bare", "redipy / it"], rrows))

        print(table(
            "Collection size scaling, memory backend (ops/s; target: 1M within 2x of 1k)",
            ["command", "at 1k members", "at 1M members", "slowdown"], scaling(redipy.Redis())))
    finally:
        server.stop()


if __name__ == "__main__":
    main()
