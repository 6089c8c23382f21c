"""``redis.call``'s fast lane (:mod:`redipy.memory.lua.fastcall`) against the servers.

Every command with a direct form, and fixed- and variable-arity handlers, called from
Lua with values of every kind a script hands over (strings, whole numbers at the edges
of the direct forms' range, fractions, -0, huge numbers, inf, nan, booleans, tables,
nil) and with counts their arity refuses, on a key that is missing, holds a string or
holds a hash: the reply or the error (word for word), and what the key holds then, are
Valkey's. Redis 7.0 writes numbers with %.17g, so the cases go to Valkey 8.1 and 9.1.
"""

from __future__ import annotations

from typing import Any

import pytest

from tests.lua_wire import MemoryWire, Wire, as_valkey9
from tests.servers import Server

VALUES = ["'v'", "''", "'12'", "5", "-7", "0", "2.5", "-0.0", "1e15", "2^53", "2^62",
          "-2^62", "2^62 + 2^11", "2^63", "-2^63", "1e300", "1/0", "-1/0", "0/0", "true",
          "{}", "nil"]

# the command and its arguments after the key; V marks where each value goes
COMMANDS = [
    ("INCRBY", ["V"]), ("DECRBY", ["V"]), ("INCR", []), ("SET", ["V"]), ("GET", []),
    ("APPEND", ["V"]), ("HSET", ["'f'", "V"]), ("HSET", ["V", "'x'"]),
    ("HINCRBY", ["'f'", "V"]), ("HGET", ["V"]), ("LPUSH", ["V"]), ("RPUSH", ["V", "V"]),
    ("LPOP", []), ("RPOP", ["V"]), ("LLEN", []), ("SADD", ["V"]), ("SISMEMBER", ["V"]),
    ("EXPIRE", ["V"]), ("GETRANGE", ["V", "-1"]), ("SET", ["V", "'EX'", "V"]),
    ("HMGET", ["V", "'f'"]), ("STRLEN", ["V"]), ("INCRBY", []), ("HSET", ["'f'"]),
]

STATE = """
local function state(k)
  local t = redis.call('TYPE', k).ok
  if t == 'string' then return {t, redis.call('GET', k)} end
  if t == 'hash' then return {t, redis.call('HGETALL', k)} end
  if t == 'list' then return {t, redis.call('LRANGE', k, 0, -1)} end
  if t == 'set' then return {t, redis.call('SORT', k, 'ALPHA')} end
  return {t}
end
"""


def script(cmd: str, args: list[str], value: str) -> str:
    call = ", ".join([f"'{cmd}'", "KEYS[1]", *(value if a == "V" else a for a in args)])
    return (f"{STATE}local ok, r = pcall(redis.call, {call})\n"
            "return {tostring(ok), r, state(KEYS[1])}")


def cases() -> list[tuple[Any, ...]]:
    out: list[tuple[Any, ...]] = []
    for setup in ([], [("SET", "k", "10")], [("HSET", "k", "f", "3")]):
        for cmd, args in COMMANDS:
            for value in VALUES if "V" in args else ["nil"]:
                out += [("DEL", "k"), *setup, ("EVAL", script(cmd, args, value), "1", "k")]
    return out


@pytest.mark.parametrize("kind", ["valkey", "valkey9"])
def test_fast_lane_answers_as_valkey(kind: str, servers: dict[str, Server]) -> None:
    cmds = cases()
    wire = Wire(servers[kind].port)
    wire.call("FLUSHALL")
    mem = MemoryWire()
    try:
        for cmd in cmds:
            want = as_valkey9(wire.call(*cmd))
            got = mem.call(*cmd)
            assert got == want, f"{cmd!r} on {kind}"
    finally:
        wire.close()


def test_fast_lane_is_taken() -> None:
    """The cases above run through the fast lane: after them every command the scripts
    named has a caller (so the comparison is of the fast lane, not the general path)."""
    mem = MemoryWire()
    for cmd in cases():
        mem.call(*cmd)
    from redipy.memory import cmd_lua

    rt = cmd_lua.runtime_for(mem.backend.db)
    assert {cmd for cmd, _ in COMMANDS} <= {name for name, fast in rt._fast.items()
                                            if fast is not None}
