"""Script throughput: the same redipy script on the memory backend and on a real
server, against fakeredis running the equivalent hand-written Lua (through lupa);
plus the time to register (compile) a 200-statement script.

Run: python benchmarks/bench_scripts.py   (starts its own valkey-server)
All figures are from one run on this machine; read them as ratios.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

from common import fmt, ops_per_sec, table

import redipy
from redipy.script import FnContext, RedisHash, RedisList, RedisVar, Strs, ToNum

ITEMS = ["1", "3", "2", "4", "5", "0", "7", "6"]
ROUNDS = 3

FILTER_LUA = """
local cmp = cjson.decode(ARGV[1])
local cur = redis.call("LPOP", KEYS[1])
while cur do
  if tonumber(cur) < cmp then
    redis.call("RPUSH", KEYS[2], cur)
  else
    redis.call("RPUSH", KEYS[3], cur)
  end
  cur = redis.call("LPOP", KEYS[1])
end
"""

HUNDRED_LUA = """
local n = cjson.decode(ARGV[1])
local total = 0
for i = 0, 49 do
  total = total + redis.call("INCRBY", KEYS[1], n)
  redis.call("HSET", KEYS[2], "f" .. (i % 10), total)
end
return cjson.encode(total)
"""


def filter_script() -> FnContext:
    """The README's list filter."""
    ctx = FnContext(name="filter")
    cmp = ctx.add_arg("cmp")
    inp = RedisList(ctx.add_key("inp"))
    left = RedisList(ctx.add_key("left"))
    right = RedisList(ctx.add_key("right"))
    cur = ctx.add_local(inp.lpop())
    loop = ctx.while_(cur.ne_(None))
    b_then, b_else = loop.if_(ToNum(cur).lt_(cmp))
    b_then.add(left.rpush(cur))
    b_else.add(right.rpush(cur))
    loop.add(cur.assign(inp.lpop()))
    ctx.set_return_value(None)
    return ctx


def hundred_script() -> FnContext:
    """100 commands per call: 50 INCRBY and 50 HSET."""
    ctx = FnContext(name="hundred")
    n = ctx.add_arg("n")
    counter = RedisVar(ctx.add_key("counter"))
    hsh = RedisHash(ctx.add_key("hash"))
    total = ctx.add_local(0)
    i = ctx.add_local(0)
    loop = ctx.while_(i.lt_(50))
    loop.add(total.assign(total + counter.incrby_int(n)))
    loop.add(hsh.hset({Strs("f", i % 10): total}))
    loop.add(i.assign(i + 1))
    ctx.set_return_value(total)
    return ctx


def big_script(statements: int = 200) -> FnContext:
    """A straight-line script of ``statements`` statements (mixed kinds)."""
    ctx = FnContext(name="big")
    lst = RedisList(ctx.add_key("l"))
    hsh = RedisHash(ctx.add_key("h"))
    acc = ctx.add_local(0)
    text = ctx.add_local("")
    for num in range(statements - 3):
        kind = num % 4
        if kind == 0:
            ctx.add(acc.assign(acc + num * 2 - 1))
        elif kind == 1:
            ctx.add(lst.rpush(Strs("v", acc)))
        elif kind == 2:
            then, other = ctx.if_(acc.gt_(num))
            then.add(hsh.hset({Strs("f", num): acc}))
            other.add(text.assign(Strs(text, num)))
        else:
            ctx.add(text.assign(Strs(text, ":", ToNum(lst.llen()) + num)))
    ctx.set_return_value([acc, text])
    return ctx


def bench_filter(call: Callable[[], Any], refill: Callable[[], Any], n: int) -> float:
    """Calls/s of the filter script (refilling the input list is not timed)."""
    best = float("inf")
    for _ in range(3):
        spent = 0.0
        for _ in range(n):
            refill()
            start = time.perf_counter()
            call()
            spent += time.perf_counter() - start
        best = min(best, spent)
    return n / best


def main() -> None:
    import fakeredis

    from tests.servers import start_server

    srv = start_server("valkey")
    try:
        clients: dict[str, Any] = {
            "redipy memory": redipy.Redis(),
            "redipy valkey": redipy.Redis(url=srv.url),
        }
        fake = fakeredis.FakeRedis(decode_responses=True)
        keys = {"inp": "in", "left": "small", "right": "big"}
        rows: list[list[str]] = []
        rates: dict[tuple[str, str], float] = {}

        def keep(label: str, what: str, rate: float) -> None:
            rates[(label, what)] = max(rates.get((label, what), 0.0), rate)

        scripts = {}
        for label, r in clients.items():
            r.execute_command("FLUSHALL")
            scripts[label] = (r, r.register_script(filter_script()),
                              r.register_script(hundred_script()))
        f_filter = fake.register_script(FILTER_LUA)
        f_hundred = fake.register_script(HUNDRED_LUA)
        # rounds interleave every backend, best of each kept: on a noisy shared machine a
        # slow spell then hits all of them alike instead of one
        for _ in range(ROUNDS):
            for label, (r, fil, hun) in scripts.items():
                count = 3000 if "memory" in label else 1000
                keep(label, "filter", bench_filter(
                    lambda fil=fil: fil(keys=keys, args={"cmp": 4}),
                    lambda r=r: r.rpush("in", *ITEMS), count))
                keep(label, "hundred", ops_per_sec(
                    lambda n, hun=hun: [hun(keys={"counter": "c", "hash": "h"}, args={"n": 1})
                                        for _ in range(n)], count // 3))
            keep("fakeredis + lupa", "filter", bench_filter(
                lambda: f_filter(keys=["in", "small", "big"], args=["4"]),
                lambda: fake.rpush("in", *ITEMS), 300))
            keep("fakeredis + lupa", "hundred", ops_per_sec(
                lambda n: [f_hundred(keys=["c", "h"], args=["1"]) for _ in range(n)], 60))
        for label in ("redipy memory", "redipy valkey", "fakeredis + lupa"):
            rows.append([label, fmt(rates[(label, "filter")]), fmt(rates[(label, "hundred")])])
        print(table("Script calls/s (filter: README list filter on 8 items; hundred: "
                    "100 commands per call)", ["backend", "filter calls/s", "hundred calls/s"],
                    rows))
        ratio_f = rates[("redipy memory", "filter")] / rates[("fakeredis + lupa", "filter")]
        ratio_h = rates[("redipy memory", "hundred")] / rates[("fakeredis + lupa", "hundred")]

        times = []
        for _ in range(5):
            ctx = big_script()
            mem = redipy.Redis()
            start = time.perf_counter()
            mem.register_script(ctx)
            times.append(time.perf_counter() - start)
        reg_ms = min(times) * 1000
        lua_lines = redipy.script.to_lua(ctx).count("\n")
        print(table("Targets", ["measure", "value", "target"], [
            ["memory / fakeredis, filter", f"{ratio_f:.1f}x", ">= 20x"],
            ["memory / fakeredis, hundred", f"{ratio_h:.1f}x", ">= 20x"],
            [f"register a 200-statement script ({lua_lines} Lua lines), memory",
             f"{reg_ms:.1f} ms", "< 50 ms"],
        ]))
        for r in clients.values():
            r.close()
    finally:
        srv.stop()


if __name__ == "__main__":
    main()
