"""``INFO commandstats`` and ``total_commands_processed`` through the redis-py drop-in,
against Valkey 9.1 doing the same calls: every door of the drop-in (single calls, plain
and MULTI/EXEC pipelines, raw MULTI/EXEC) counts calls, failures and refusals as the
server does, subcommands of container commands on their own (``config|get``), a
refused call (wrong arity) as rejected only, an unknown command nowhere, and the
running INFO not yet (tools that read these counters, e.g. to assert a cache was hit
once, see the same numbers on both)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
import redis

import redipy
from tests.servers import Server


def _single(r: Any) -> None:
    r.set("s", "1")
    for _ in range(5):
        r.get("s")
    r.incr("n")
    r.hset("h", "f", "v")
    r.hget("h", "f")


def _errors(r: Any) -> None:
    r.set("s", "1")
    for argv in (("GET",), ("LPUSH", "k"), ("NOSUCHCOMMAND", "x")):
        with pytest.raises(redis.ResponseError):
            r.execute_command(*argv)
    with pytest.raises(redis.ResponseError):
        r.lpush("s", "x")  # WRONGTYPE: a call that failed


def _pipelines(r: Any) -> None:
    p = r.pipeline()  # MULTI/EXEC
    p.set("a", "1")
    p.get("a")
    p.incr("a")
    p.execute()
    p = r.pipeline(transaction=False)
    p.get("a")
    p.get("a")
    p.execute_command("GET", "a", "b")  # refused (arity) amid a run of GETs
    p.get("a")
    p.lpush("a", "x")  # WRONGTYPE inside
    p.lpush("b", "x")
    p.lpush("a", "y")  # and again after a call that did not fail
    p.execute(raise_on_error=False)


def _raw_multi(r: Any) -> None:
    r.execute_command("MULTI")
    r.execute_command("SET", "k", "v")
    r.execute_command("GET", "k")
    r.execute_command("EXEC")


def _containers(r: Any) -> None:
    r.set("s", "1")
    r.object("encoding", "s")
    r.config_get("maxmemory")
    r.execute_command("XINFO", "HELP")
    r.execute_command("CONFIG", "RESETSTAT")  # counts itself after the reset
    r.object("encoding", "s")


SCENARIOS: dict[str, Callable[[Any], None]] = {
    "single calls": _single,
    "errors": _errors,
    "pipelines": _pipelines,
    "raw MULTI/EXEC": _raw_multi,
    "container subcommands": _containers,
}


def _counters(r: Any) -> tuple[dict[str, tuple[int, int, int]], int]:
    stats = r.info("commandstats")
    total = r.info("stats")["total_commands_processed"]
    counts = {name: (row["calls"], row["failed_calls"], row["rejected_calls"])
              for name, row in stats.items()}
    return counts, total


@pytest.mark.parametrize("scenario", list(SCENARIOS))
def test_commandstats_as_valkey_counts(servers: dict[str, Server], scenario: str) -> None:
    run = SCENARIOS[scenario]
    got = []
    for client in (redipy.Redis().redis_py(),
                   redis.Redis(port=servers["valkey9"].port)):
        got.append(_run(client, run))
    assert got[0] == got[1]


@pytest.mark.parametrize("scenario", list(SCENARIOS))
def test_redipy_serve_counts_as_valkey(servers: dict[str, Server], scenario: str) -> None:
    """The same calls over TCP to ``redipy serve`` (its pipelined fast path too)."""
    run = SCENARIOS[scenario]
    server = redipy.serve(port=0)
    try:
        mem = _run(redis.Redis(port=server.port), run)
    finally:
        server.stop()
    assert mem == _run(redis.Redis(port=servers["valkey9"].port), run)


def _run(client: Any, run: Callable[[Any], None]) -> tuple[dict[str, tuple[int, int, int]], int]:
    if True:
        client.flushall()
        client.config_resetstat()
        run(client)
        counted = _counters(client)
        client.close()
        return counted


def test_asyncio_client_counts_as_valkey(servers: dict[str, Server]) -> None:
    import asyncio

    import redis.asyncio

    async def run(client: Any) -> tuple[dict[str, int], int]:
        await client.flushall()
        await client.config_resetstat()
        await client.set("k", "v")
        for _ in range(4):
            await client.get("k")
        with pytest.raises(redis.ResponseError):
            await client.lpush("k", "x")
        stats = await client.info("commandstats")
        total = (await client.info("stats"))["total_commands_processed"]
        await client.aclose()
        return {name: row["calls"] for name, row in stats.items()}, total

    mem = asyncio.run(run(redipy.Redis().redis_py(asyncio=True)))
    srv = asyncio.run(run(redis.asyncio.Redis(port=servers["valkey9"].port)))
    assert mem == srv
