"""Raw Lua throughput: EVALSHA of a one-command and a 100-command script on the memory
backend, on fakeredis (which runs Lua through lupa too) and on Valkey over loopback.

Memory is measured through two doors: redipy's ``execute_command`` (in process, no
RESP) and the redis-py drop-in (``redipy.Redis().redis_py()``), which goes through
redis-py's command packing and reply parsing exactly as fakeredis does. The per-call
overhead of the one-command script is its time over the time of the same command sent
directly through the same door.

Rounds interleave every backend; each figure is the median of the rounds' rates. The
in-process rows count this process's CPU time (the machine is shared); the loopback row
counts wall time, since the server's work is in another process.
A second table splits one ``redis.call`` of the 100-command script into its layers, by
timing the same Lua loop (50 INCRBY + 50 HSET shapes) calling, in turn: nothing; a
Python function that returns 1 at once (lupa's crossing, the same arguments); a Python
function that calls the two commands' direct forms with no checks (the dispatch floor);
``redis.call`` itself (the fast lane: name lookup, value checks, write flag).

Run: python benchmarks/bench_lua.py   (starts its own valkey-server)
"""

from __future__ import annotations

import os
import statistics
import time
from collections.abc import Callable
from typing import Any

from common import fmt, table

import redipy

ONE = "return redis.call('INCR', KEYS[1])"
HUNDRED = """
local n = tonumber(ARGV[1])
local total = 0
for i = 0, 49 do
  total = total + redis.call('INCRBY', KEYS[1], n)
  redis.call('HSET', KEYS[2], 'f' .. (i % 10), total)
end
return total
"""
ROUNDS = 5
LOOP = ("local t = 0 for i = 0, 49 do t = t + py('INCRBY', k1, n); "
        "py('HSET', k2, 'f' .. (i % 10), t) end return t")
BARE = "local t = 0 for i = 0, 49 do t = t + n; local f = 'f' .. (i % 10) end return t"


def rate(fn: Callable[[], Any], n: int, clock: Callable[[], float]) -> float:
    """Calls per second of ``fn`` over ``n`` calls, by ``clock``."""
    start = clock()
    for _ in range(n):
        fn()
    return n / (clock() - start)


def layers(mem: redipy.Redis, sha: str, fake_rate: float) -> list[list[str]]:
    """Rows of the per-call split of the 100-command script (µs per call, CPU time,
    median of interleaved rounds), and what 20x ``fake_rate`` (fakeredis's scripts/s)
    leaves a call."""
    from redipy.memory.cmd_hashes import hset_one
    from redipy.memory.cmd_strings import incr_by
    from redipy.memory.lua.runtime import script_context

    backend: Any = mem._backend
    rt, db = backend._redipy_lua_runtime, backend.dbs[0]

    def make(body: str, py: Callable[..., Any]) -> Callable[[], Any]:
        fn = rt.lua.eval(f"function(py) return function(k1, k2, n) {body} end end")(py)
        return lambda: fn("c", "h", 1)

    def ret1(*_: Any) -> int:
        return 1

    def floor(name: str, key: str, a: Any, b: Any = None) -> Any:
        return incr_by(db, key, a) if b is None else hset_one(db, key, a, str(b))

    ex = mem.execute_command
    steps = {
        "Lua loop alone (no call)": make(BARE, ret1),
        "+ lupa's crossing (a Python function returning 1)": make(LOOP, ret1),
        "+ the commands' direct forms, no checks (dispatch floor)": make(LOOP, floor),
        "redis.call (the fast lane)": make(LOOP, rt._call),
        "EVALSHA of the script, per call": lambda: ex("EVALSHA", sha, 2, "c", "h", 1),
    }
    times: dict[str, list[float]] = {}
    for _ in range(ROUNDS):
        for label, fn in steps.items():
            direct = label != "EVALSHA of the script, per call"
            if direct:  # what a run sets (RESP2, writes allowed, nobody watching)
                rt.ctx, rt.fast_db = script_context(db, False), db
            try:
                times.setdefault(label, []).append(1e6 / rate(fn, 200, time.process_time))
            finally:
                rt.ctx, rt.fast_db = None, None
    med = {k: statistics.median(v) / 100 for k, v in times.items()}
    rows, prev = [], 0.0
    for label, us in med.items():
        rows.append([label, f"{us:.3f}", f"{us - prev:+.3f}"])
        prev = us
    rows.append(["(20x fakeredis's rate leaves a call)", f"{1e6 / (20 * fake_rate) / 100:.3f}",
                 ""])
    return rows


def main() -> None:
    import fakeredis
    import redis as redis_py

    from tests.servers import start_server

    srv = start_server("valkey")
    load_before = os.getloadavg()[0]
    try:
        mem = redipy.Redis()
        drop = redipy.Redis().redis_py()
        fake = fakeredis.FakeRedis()
        real = redis_py.Redis(port=srv.port)
        real.flushall()
        shas: dict[str, tuple[str, str]] = {}
        ex = mem.execute_command
        shas["memory"] = (ex("SCRIPT", "LOAD", ONE), ex("SCRIPT", "LOAD", HUNDRED))
        for label, client in (("drop-in", drop), ("fakeredis", fake), ("valkey", real)):
            shas[label] = (client.script_load(ONE), client.script_load(HUNDRED))

        one_sha, hun_sha = shas["memory"]
        cases: dict[str, dict[str, tuple[Callable[[], Any], int]]] = {
            "memory (execute_command)": {
                "one": (lambda: ex("EVALSHA", one_sha, 1, "c"), 20000),
                "hundred": (lambda: ex("EVALSHA", hun_sha, 2, "c", "h", 1), 1000),
                "direct": (lambda: ex("INCR", "c"), 20000),
            },
        }
        for label, client, n1, n100 in (("drop-in", drop, 10000, 1000),
                                        ("fakeredis", fake, 1000, 40),
                                        ("valkey", real, 3000, 1000)):
            s1, s100 = shas[label]
            cases[f"{label} (redis-py)" if label != "valkey" else "valkey over loopback"] = {
                "one": (lambda c=client, s=s1: c.evalsha(s, 1, "c"), n1),
                "hundred": (lambda c=client, s=s100: c.evalsha(s, 2, "c", "h", 1), n100),
                "direct": (lambda c=client: c.incr("c"), n1),
            }
        rates: dict[tuple[str, str], list[float]] = {}
        for _ in range(ROUNDS):
            for label, measures in cases.items():
                for what, (fn, n) in measures.items():
                    clock = time.perf_counter if label.startswith("valkey") \
                        else time.process_time
                    rates.setdefault((label, what), []).append(rate(fn, n, clock))
        med = {k: statistics.median(v) for k, v in rates.items()}
        rows = [[label, fmt(med[(label, "one")]), fmt(med[(label, "hundred")]),
                 fmt(med[(label, "direct")]),
                 f"{med[(label, 'direct')] / med[(label, 'one')]:.2f}x"]
                for label in cases]
        print(table(f"EVALSHA calls/s (median of {ROUNDS} interleaved rounds)",
                    ["backend", "one-command", "100-command", "INCR direct",
                     "one-command overhead"], rows))
        fr = "fakeredis (redis-py)"
        targets = [
            ["memory (execute_command) / fakeredis, one-command",
             f"{med[('memory (execute_command)', 'one')] / med[(fr, 'one')]:.1f}x", ">= 20x"],
            ["memory (execute_command) / fakeredis, 100-command",
             f"{med[('memory (execute_command)', 'hundred')] / med[(fr, 'hundred')]:.1f}x",
             ">= 20x"],
            ["drop-in / fakeredis (both through redis-py), one-command",
             f"{med[('drop-in (redis-py)', 'one')] / med[(fr, 'one')]:.1f}x", ">= 20x"],
            ["drop-in / fakeredis (both through redis-py), 100-command",
             f"{med[('drop-in (redis-py)', 'hundred')] / med[(fr, 'hundred')]:.1f}x",
             ">= 20x"],
            ["one-command script / INCR direct, memory (execute_command)",
             f"{med[('memory (execute_command)', 'direct')] / med[('memory (execute_command)', 'one')]:.2f}x",  # noqa: E501
             "<= 5x"],
        ]
        print(table("Targets", ["measure", "value", "target"], targets))
        print(table("One redis.call of the 100-command script, by layer (µs per call, CPU, "
                    f"median of {ROUNDS} interleaved rounds)",
                    ["what the loop calls", "µs per call", "step"],
                    layers(mem, shas["memory"][1], med[(fr, "hundred")])))
        print(f"\nmachine load (1-minute average, {os.cpu_count()} cores): "
              f"{load_before:.1f} before, {os.getloadavg()[0]:.1f} after")
        drop.close()
        real.close()
    finally:
        srv.stop()


if __name__ == "__main__":
    main()
