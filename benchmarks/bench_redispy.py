"""The redis-py drop-in against fakeredis, both through the same redis-py API (so both
pay redis-py's own client-side cost), and against redipy's typed API for GET and SET.

Rounds are interleaved (drop-in, fakeredis, typed API, then again); each row shows the
median ops/s over the rounds. CPU time is what is measured (``time.process_time``):
the work is all in this process, and it keeps other load on the machine out of the
figures. The ceiling column times redis-py's stock command methods with nothing
behind them (for the pipelines: queueing their commands on redis-py's own
``Pipeline``, never executed): the best ratio to fakeredis that any backend behind
redis-py's stock client could reach. The last column sets the same client cost alone
against the typed API. The drop-in replaces part of that client path (its own
``execute_command``, pipeline queueing and execution, and the plain forms of ``set``
and ``zadd``: :mod:`redipy.redispy.methods`), so its ratio can pass the ceiling.

``--breakdown`` prints where a SET's time goes (CPU µs per call, medians of interleaved
rounds): redis-py's stock ``set()`` with nothing behind it, its ``@experimental_args``
wrapper and its body apart, the drop-in's own part (``execute_command``), the typed
API's whole call; a GET's (the drop-in's direct ``get()``, the connection's part of it,
the general ``execute_command`` path, the typed API); and for a pipeline of 100 SETs
queueing (the drop-in's ``pipe.set``, and redis-py's stock one) against running.

``--counting`` measures instead what counting redipy's own typed methods in INFO
commandstats would cost them: the typed API's door (``MemoryBackend.run``) as it is,
against a copy that counts as the drop-in's fast path counts (the stat looked up, one
call in SAMPLE timed, calls and failures counted), interleaved.

Run: python benchmarks/bench_redispy.py [--rounds 5] [--quick] [--only ZADD] [--counting]
[--breakdown]
"""

from __future__ import annotations

import argparse
import asyncio
import hashlib
import statistics
import time
from collections.abc import Callable
from time import perf_counter_ns
from typing import Any

import fakeredis
import redis
import redis.asyncio
from common import fmt, median_us, table
from redis.commands.core import BasicKeyCommands

import redipy
import redipy.redispy
from redipy.errors import ResponseError
from redipy.memory.backend import MemoryBackend
from redipy.memory.boundary import clean_error, error_text, reply_text, view
from redipy.memory.errtext import arity_error
from redipy.memory.serverstate import SAMPLE, SAMPLE_MASK, server_state
from redipy.reply import Status
from redipy.script import FnContext, RedisVar, to_lua

Op = Callable[[int], None]

PIPELINE = "pipeline of 100 SET (commands/s)"
TRANSACTION = "MULTI/EXEC pipeline of 100 SET (commands/s)"


def bump_script() -> FnContext:
    """Store the argument and read it back: two commands, no arithmetic in the script."""
    ctx = FnContext(name="store")
    slot = RedisVar(ctx.add_key("slot"))
    value = ctx.add_arg("value")
    ctx.add(slot.set_value(value))
    ctx.set_return_value(slot.get_value())
    return ctx


def queue_only(client: Any, transaction: bool) -> Op:
    """A pipeline row's client side alone: the same commands queued, never sent."""
    def run(n: int) -> None:
        for _ in range(max(1, n // 100)):
            with client.pipeline(transaction=transaction) as pipe:
                for i in range(100):
                    pipe.set(f"p{i}", i)
    return run


def sync_ops(client: Any, sha: str) -> dict[str, Op]:
    def loop(call: Callable[[int], Any]) -> Op:
        def run(n: int) -> None:
            for i in range(n):
                call(i)
        return run

    def pipeline(transaction: bool) -> Op:
        def run(n: int) -> None:
            for _ in range(max(1, n // 100)):
                with client.pipeline(transaction=transaction) as pipe:
                    for i in range(100):
                        pipe.set(f"p{i}", i)
                    pipe.execute()
        return run

    client.set("g", "value")
    client.hset("hh", "f", "v")
    return {
        "SET": loop(lambda i: client.set("k", "v")),
        "GET": loop(lambda i: client.get("g")),
        "INCR": loop(lambda i: client.incr("n")),
        "HSET": loop(lambda i: client.hset("h", f"f{i % 1000}", "v")),
        "HGET": loop(lambda i: client.hget("hh", "f")),
        "LPUSH": loop(lambda i: client.lpush("l", "v")),
        "RPOP": loop(lambda i: client.rpop("l")),
        "SADD": loop(lambda i: client.sadd("s", f"m{i % 1000}")),
        "ZADD": loop(lambda i: client.zadd("z", {f"m{i % 1000}": i})),
        PIPELINE: pipeline(False),
        TRANSACTION: pipeline(True),  # redis-py's default pipeline()
        "EVALSHA": loop(lambda i: client.evalsha(sha, 1, "slot", '"v"')),
    }


def async_ops(client: Any) -> dict[str, Op]:
    def run(make: Callable[[], Any]) -> Op:
        def go(n: int) -> None:
            async def body() -> None:
                for _ in range(n):
                    await make()
            asyncio.run(body())
        return go

    return {
        "asyncio SET": run(lambda: client.set("ak", "v")),
        "asyncio GET": run(lambda: client.get("ak")),
    }


class ClientCostOnly(redis.Redis):
    """redis-py's stock command methods with nothing behind them: ``execute_command``
    returns at once (and ``pipeline()`` is redis-py's own ``Pipeline``, queueing as
    redis-py queues). What a call costs redis-py's client side alone, so the best ratio
    to fakeredis (which pays the same cost) of any backend behind redis-py's stock
    client. The drop-in's own ``set``, ``zadd`` and pipeline queueing are not in it:
    they are what it replaces (see :mod:`redipy.redispy.methods`)."""

    def execute_command(self, *args: Any, **options: Any) -> Any:
        return None


class AsyncClientCostOnly(redis.asyncio.Redis):
    """:class:`ClientCostOnly` for the asyncio client (its awaits and event loop stay)."""

    async def execute_command(self, *args: Any, **options: Any) -> Any:
        return None


def typed_ops(client: redipy.Redis) -> dict[str, Op]:
    client.set_value("g", "value")

    def set_(n: int) -> None:
        for _ in range(n):
            client.set_value("k", "v")

    def get_(n: int) -> None:
        for _ in range(n):
            client.get_value("g")

    return {"SET": set_, "GET": get_}


def counted_run(self: Any, name: str, args: Any) -> Any:
    """``MemoryBackend.run`` with commandstats counting added (for ``--counting`` only)."""
    for arg in args:
        if type(arg) is not str or not arg.isascii():
            args = [view(a) for a in args]
            break
    entry = self._fast.get(name)
    if entry is None:
        entry = self._fast_entry(name, args)
    handler, least, most = entry
    if not least <= len(args) <= most:
        raise arity_error(name)
    db = self.db
    if self.monitors:
        self._heard(db.index, name, args)
    state = self._server_state
    stat = state.commandstats.get(name)
    if stat is None:
        stat = state.stat(name)
    started = perf_counter_ns() if stat.calls & SAMPLE_MASK == SAMPLE_MASK else 0
    try:
        with db.lock:
            reply = handler(db, args)
    except ResponseError as err:
        stat.failed += 1
        raise error_text(clean_error(err)) from None
    finally:
        stat.calls += 1
        if started:
            stat.ns += (perf_counter_ns() - started) * SAMPLE
    kind = type(reply)
    if kind is str or kind is Status:
        return reply if reply.isascii() else reply_text(reply)
    if reply is None or kind is int:
        return reply
    return reply_text(reply)


def counting_cost(rounds: int, n: int) -> None:
    """The ``--counting`` table: typed GET and SET with and without counting."""
    plain_run = MemoryBackend.run
    typed = redipy.Redis()
    server_state(typed.backend)
    ops = typed_ops(typed)
    got: dict[tuple[str, str], list[float]] = {}
    try:
        for _ in range(rounds):
            for variant, door in (("as is", plain_run), ("counted", counted_run)):
                MemoryBackend.run = door  # type: ignore[method-assign]
                for name, op in ops.items():
                    got.setdefault((name, variant), []).append(1e6 / rate(op, n))
    finally:
        MemoryBackend.run = plain_run  # type: ignore[method-assign]
    rows = []
    for name in ops:
        plain = statistics.median(got[name, "as is"])
        counted = statistics.median(got[name, "counted"])
        rows.append([name, f"{plain:.3f}", f"{counted:.3f}", f"{(counted - plain) * 1000:.0f}"])
    print(table(f"typed API, median of {rounds} interleaved rounds (CPU us per call)",
                ["command", "as is", "counted", "cost (ns)"], rows))


def breakdown(rounds: int, n: int) -> None:
    """The ``--breakdown`` table: where a SET's time goes, and a pipelined SET's."""
    mem = redipy.Redis()
    drop = mem.redis_py()
    bare = ClientCostOnly()
    typed = redipy.Redis()
    fake = fakeredis.FakeRedis()
    body = BasicKeyCommands.set.__wrapped__  # redis-py's set() without its decorator
    drop.set("g", "value")
    typed.set_value("g", "value")
    conn = drop.connection_pool._available_connections[0]  # the one the calls reuse

    def piped(client: Any, run: bool) -> Callable[[int], None]:
        def op(i: int) -> None:
            if i % 100 == 0:
                with client.pipeline(transaction=False) as pipe:
                    for j in range(100):
                        pipe.set(f"p{j}", j)
                    if run:
                        pipe.execute()
        return op

    got = median_us({
        "set": lambda i: drop.set("k", "v"),
        "bare set": lambda i: bare.set("k", "v"),
        "bare body": lambda i: body(bare, "k", "v"),
        "own": lambda i: drop.execute_command("SET", "k", "v"),
        "typed": lambda i: typed.set_value("k", "v"),
        "get": lambda i: drop.get("g"),
        "conn get": lambda i: conn.call_get("g"),
        "exec get": lambda i: drop.execute_command("GET", "g"),
        "typed get": lambda i: typed.get_value("g"),
        "queue": piped(drop, False),
        "stock queue": piped(bare, False),
        "pipeline": piped(drop, True),
    }, n, rounds)
    fake_got = median_us({"fake set": lambda i: fake.set("k", "v"),
                          "fake pipeline": piped(fake, True)}, n // 10, rounds)
    wrapper = got["bare set"] - got["bare body"]
    rows = [
        ["drop-in rp.set('k', 'v') (its own set(), see redipy.redispy.methods)",
         f"{got['set']:.2f}"],
        ["  of which execute_command('SET', 'k', 'v')", f"{got['own']:.2f}"],
        ["redis-py's stock set() alone (nothing behind it)", f"{got['bare set']:.2f}"],
        ["  its @experimental_args wrapper", f"{wrapper:.2f}"],
        ["  its body (checks, pieces, the call on)", f"{got['bare body']:.2f}"],
        ["typed API set_value('k', 'v')", f"{got['typed']:.2f}"],
        ["fakeredis set('k', 'v')", f"{fake_got['fake set']:.2f}"],
        ["drop-in rp.get('g') (its own get(), redipy.redispy.client)", f"{got['get']:.2f}"],
        ["  of which the connection's call_get('g')", f"{got['conn get']:.2f}"],
        ["drop-in execute_command('GET', 'g') (the general path)", f"{got['exec get']:.2f}"],
        ["typed API get_value('g')", f"{got['typed get']:.2f}"],
        ["drop-in pipeline of 100 SET, per command", f"{got['pipeline']:.2f}"],
        ["  queueing alone (the drop-in's pipe.set)", f"{got['queue']:.2f}"],
        ["  running the batch", f"{got['pipeline'] - got['queue']:.2f}"],
        ["redis-py's stock Pipeline: queueing alone (pipe.set)", f"{got['stock queue']:.2f}"],
        ["fakeredis pipeline of 100 SET, per command", f"{fake_got['fake pipeline']:.2f}"],
    ]
    print(table(f"CPU us per call, median of {rounds} interleaved rounds", ["part", "us"], rows))
    print(f"\nthrough redis-py's stock client, best SET share of the typed API: "
          f"{got['typed'] / got['bare set']:.0%} (target 50%); "
          f"best pipeline ratio to fakeredis: "
          f"{fake_got['fake pipeline'] / got['stock queue']:.1f}x (target 10x)")
    print(f"the drop-in (its own set(), get() and pipeline): SET share of the typed API "
          f"{got['typed'] / got['set']:.0%}, GET share {got['typed get'] / got['get']:.0%}, "
          f"pipeline ratio to fakeredis "
          f"{fake_got['fake pipeline'] / got['pipeline']:.1f}x")


def rate(op: Op, n: int) -> float:
    start = time.process_time()
    op(n)
    spent = time.process_time() - start
    return n / spent if spent > 0 else float("inf")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--quick", action="store_true", help="fewer operations per round")
    parser.add_argument("--counting", action="store_true",
                        help="what counting the typed API in INFO commandstats would cost")
    parser.add_argument("--breakdown", action="store_true",
                        help="where a SET's time goes, and a pipelined SET's")
    parser.add_argument("--only", action="append", default=[],
                        help="rows whose name contains this (repeatable)")
    opts = parser.parse_args()
    n_drop, n_fake = (4000, 600) if opts.quick else (20000, 3000)
    if opts.counting:
        counting_cost(opts.rounds, n_drop * 10)
        return
    if opts.breakdown:
        breakdown(opts.rounds, n_drop * 2)
        return

    ctx = bump_script()
    lua = to_lua(ctx)
    sha = hashlib.sha1(lua.encode("utf-8")).hexdigest()
    mem = redipy.Redis()
    mem.register_script(ctx)  # files the script under the sha of its Lua
    drop = mem.redis_py()
    fake = fakeredis.FakeRedis()
    assert fake.script_load(lua) == sha
    typed = redipy.Redis()

    drop_ops = {**sync_ops(drop, sha), **async_ops(mem.redis_py(asyncio=True))}
    if opts.only:
        drop_ops = {name: op for name, op in drop_ops.items()
                    if any(part in name for part in opts.only)}
    fake_ops = {**sync_ops(fake, sha), **async_ops(fakeredis.FakeAsyncRedis())}
    typed_table = typed_ops(typed)
    bare = {name: op for name, op in sync_ops(ClientCostOnly(), sha).items()
            if name not in (PIPELINE, TRANSACTION)}  # these need a real connection
    bare[PIPELINE] = queue_only(ClientCostOnly(), False)
    bare[TRANSACTION] = queue_only(ClientCostOnly(), True)
    bare.update(async_ops(AsyncClientCostOnly()))
    results: dict[str, dict[str, list[float]]] = {
        name: {"drop": [], "fake": [], "typed": [], "bare": []} for name in drop_ops}
    for _ in range(opts.rounds):
        for name in drop_ops:
            results[name]["drop"].append(rate(drop_ops[name], n_drop))
            results[name]["fake"].append(rate(fake_ops[name], n_fake))
            if name in typed_table:
                results[name]["typed"].append(rate(typed_table[name], n_drop))
            if name in bare:
                results[name]["bare"].append(rate(bare[name], n_drop))

    rows = []
    for name, got in results.items():
        d, f = statistics.median(got["drop"]), statistics.median(got["fake"])
        typed_col = bound_col = "-"
        bare_rate = statistics.median(got["bare"]) if got["bare"] else None
        if got["typed"]:
            t = statistics.median(got["typed"])
            typed_col = f"{fmt(t)} ({d / t:.0%})"
            if bare_rate is not None:
                bound_col = f"{bare_rate / t:.0%}"
        ceiling = f"{bare_rate / f:.1f}x" if bare_rate is not None else "-"
        rows.append([name, fmt(d), fmt(f), f"{d / f:.1f}x", ceiling, typed_col, bound_col])
    print(table(f"redis-py API, median of {opts.rounds} interleaved rounds (CPU time)",
                ["command", "drop-in ops/s", "fakeredis ops/s", "vs fakeredis",
                 "ceiling (redis-py's client cost alone vs fakeredis)",
                 "redipy typed API ops/s (drop-in's share)",
                 "client cost alone vs typed API (best share)"], rows))


if __name__ == "__main__":
    main()
