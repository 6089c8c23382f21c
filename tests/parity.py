"""Run the same raw commands on the memory backend and on real servers; compare.

Replies are compared exactly (errors by class and message), with one allowance:
Redis 7.0 formats doubles with ``%.17g`` where Redis 7.2+ and Valkey use the
shortest round-trip form (``0.10000000000000001`` vs ``0.1``); the memory backend
follows the modern form, so against Redis 7.0 double-looking strings are compared
as numbers.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from typing import Any

import redis as redis_py

import redipy
from redipy import commands
from redipy.errors import RedipyError
from tests.servers import Server

_DOUBLE = re.compile(r"-?(?:\d+\.?\d*(?:e[+-]?\d+)?|inf)", re.IGNORECASE)

Outcome = tuple[str, Any]


class Newest(tuple):  # type: ignore[type-arg]
    """A command whose reply changed in Valkey 9 (the memory backend follows the newest
    Valkey): it runs everywhere but its reply is compared only with Valkey >= 9.
    ``tests/test_server_differences.py`` pins what the older servers answer instead."""

    __slots__ = ()


def is_newest(srv: Server) -> bool:
    return int(srv.version().split(".")[0]) >= 9


_FAMILY: dict[int, tuple[str, str]] = {}


def family_version(srv: Any) -> tuple[str, str]:
    """("valkey" | "redis", version) of a server (or cluster stand-in), asked once."""
    found = _FAMILY.get(srv.port)
    if found is None:
        raw = redis_py.Redis(port=srv.port, decode_responses=True)
        info = raw.info("server")
        raw.close()
        found = (("valkey", str(info["valkey_version"])) if "valkey_version" in info
                 else ("redis", str(info["redis_version"])))
        _FAMILY[srv.port] = found
    return found


def server_has(srv: Any, cmd: Sequence[Any]) -> bool:
    """Whether the command table says this server's version has ``cmd``: parity runs a
    command only on the servers that have it (tests/test_command_table.py checks the
    table's versions against each server's COMMAND INFO)."""
    spec = commands.lookup(str(cmd[0])) if cmd else None
    return spec is None or spec.available_on(*family_version(srv))


def outcome(fn: Callable[[], Any]) -> Outcome:
    try:
        return ("ok", fn())
    except RedipyError as err:
        return ("error", (type(err).__name__, str(err)))


def loose(value: Any) -> Any:
    """Doubles as numbers (for Redis 7.0's %.17g output)."""
    if isinstance(value, list):
        return [loose(v) for v in value]
    if isinstance(value, tuple):
        return tuple(loose(v) for v in value)
    if isinstance(value, str) and _DOUBLE.fullmatch(value):
        try:
            return ("num", float(value))
        except ValueError:
            return value
    return value


def fresh(kind: str, servers: dict[str, Server]) -> redipy.Redis:
    if kind == "memory":
        return redipy.Redis()
    srv = servers[kind]
    raw = redis_py.Redis(port=srv.port)
    raw.flushall()
    raw.close()
    return redipy.Redis(url=srv.url)


def run_raw(client: redipy.Redis, cmds: Sequence[Sequence[Any]]) -> list[Outcome]:
    return [outcome(lambda c=cmd: client.execute_command(*c)) for cmd in cmds]  # type: ignore[misc]


def assert_same(servers: dict[str, Server], cmds: Sequence[Sequence[Any]],
                *, unordered: Sequence[int] = ()) -> list[Outcome]:
    """Run ``cmds`` in order on memory and on every server; every reply must match.

    ``unordered``: indices of commands whose list reply is a set (SMEMBERS, ...).
    Returns the memory backend's outcomes.
    """
    mem = run_raw(fresh("memory", servers), cmds)
    for kind, srv in servers.items():
        got = run_raw(fresh(kind, servers), cmds)
        old_doubles = srv.version().startswith("7.0")
        newest = is_newest(srv)
        for idx, (cmd, a, b) in enumerate(zip(cmds, mem, got)):
            if (isinstance(cmd, Newest) and not newest) or not server_has(srv, cmd):
                continue
            if idx in unordered:
                a = (a[0], sorted(a[1]) if isinstance(a[1], list) else a[1])
                b = (b[0], sorted(b[1]) if isinstance(b[1], list) else b[1])
            if old_doubles:
                a, b = loose(a), loose(b)
            assert a == b, f"{kind}: {list(cmd)!r} -> memory {a!r} != server {b!r}"
    return mem
