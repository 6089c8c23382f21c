"""Shared helpers of the script tests (no tests here): run one script on the memory
backend and on every real server, and compare results and the final keyspace."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

import redipy
from redipy.errors import RedipyError
from redipy.script import FnContext
from tests.parity import fresh, loose
from tests.servers import Server

Call = tuple[dict[str, str], dict[str, Any]]


def outcome(fn: Callable[[], Any]) -> tuple[str, Any]:
    try:
        return ("ok", fn())
    except RedipyError as err:
        return ("error", type(err).__name__)


def dump(r: redipy.Redis) -> dict[str, Any]:
    """The whole keyspace as plain data (sets sorted, zsets as (member, score) lists)."""
    out: dict[str, Any] = {}
    for key in sorted(r.execute_command("KEYS", "*")):
        kind = str(r.execute_command("TYPE", key))
        if kind == "string":
            val: Any = r.execute_command("GET", key)
        elif kind == "list":
            val = r.execute_command("LRANGE", key, "0", "-1")
        elif kind == "hash":
            flat = r.execute_command("HGETALL", key)
            val = dict(zip(flat[::2], flat[1::2]))
        elif kind == "set":
            val = sorted(r.execute_command("SMEMBERS", key))
        elif kind == "stream":
            val = (r.execute_command("XRANGE", key, "-", "+"),
                   r.execute_command("XINFO", "STREAM", key)[1::2][3:7])
        else:
            flat = r.execute_command("ZRANGE", key, "0", "-1", "WITHSCORES")
            val = [(m, float(s)) for m, s in zip(flat[::2], flat[1::2])]
        ttl = int(r.execute_command("PTTL", key))
        out[key] = (kind, val, ttl > 0)
    return out


def run_on(r: redipy.Redis, ctx: FnContext, setup: Sequence[Sequence[Any]],
           calls: Sequence[Call]) -> tuple[list[tuple[str, Any]], dict[str, Any]]:
    for cmd in setup:
        r.execute_command(*cmd)
    fn = r.register_script(ctx)
    results = [outcome(lambda k=keys, a=args: fn(keys=k, args=a))  # type: ignore[misc]
               for keys, args in calls]
    return results, dump(r)


def run_everywhere(servers: dict[str, Server], ctx: FnContext,
                   calls: Sequence[Call], setup: Sequence[Sequence[Any]] = ()
                   ) -> tuple[list[tuple[str, Any]], dict[str, Any]]:
    """Run on memory and every server; all must agree. Returns memory's outcome."""
    mem = run_on(fresh("memory", servers), ctx, setup, calls)
    for kind, srv in servers.items():
        client = fresh(kind, servers)
        try:
            got = run_on(client, ctx, setup, calls)
        finally:
            client.close()
        if srv.version().startswith("7.0"):
            assert loose(_flat(mem)) == loose(_flat(got)), f"{kind}: {mem} != {got}"
        else:
            assert mem == got, f"{kind}: memory {mem!r} != server {got!r}"
    return mem


def _flat(value: Any) -> Any:
    if isinstance(value, dict):
        return [(k, _flat(v)) for k, v in sorted(value.items())]
    if isinstance(value, list | tuple):
        return [_flat(v) for v in value]
    return value
