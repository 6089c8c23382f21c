"""RESP3 shapes of replies for scripts that call ``redis.setresp(3)``.

A handler marks a reply whose RESP3 form differs (:mod:`redipy.reply`); for the commands
whose handlers do not mark theirs yet, this table gives the shape from the command and
its arguments, so ``redis.call`` under RESP3 hands the script the same ``{map=...}``,
``{set=...}`` and ``{double=...}`` tables a server does.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from redipy.reply import Double, Map, Pairs, SetReply

_MAP = frozenset({"HGETALL", "CONFIG"})
_SET = frozenset({"SMEMBERS", "SINTER", "SUNION", "SDIFF"})
_DOUBLE = frozenset({"ZSCORE", "ZINCRBY", "GEODIST"})
_DOUBLES = frozenset({"ZMSCORE"})
_WITHSCORES = frozenset({"ZRANGE", "ZRANGEBYSCORE", "ZREVRANGE", "ZREVRANGEBYSCORE",
                         "ZRANDMEMBER", "ZUNION", "ZINTER", "ZDIFF"})
_POPS = frozenset({"ZPOPMIN", "ZPOPMAX"})


def _double(value: Any) -> Any:
    return Double(value) if type(value) is str else value


def _pairs(reply: list[Any]) -> Pairs:
    return Pairs(x if i % 2 == 0 else _double(x) for i, x in enumerate(reply))


def reshape(name: str, args: Sequence[str], reply: Any) -> Any:
    """``reply`` with the RESP3 marker the server's reply would carry."""
    if type(reply) is list:
        if name in _MAP:
            return Map(reply)
        if name in _SET:
            return SetReply(reply)
        if name in _DOUBLES:
            return [_double(x) for x in reply]
        if name in _WITHSCORES and any(a.upper() == "WITHSCORES" for a in args[2:]):
            return _pairs(reply)
        if name in _POPS:
            if len(args) > 2:
                return _pairs(reply)
            return [reply[0], _double(reply[1])] if len(reply) == 2 else reply
        return reply
    if name in _DOUBLE or (name == "ZADD" and any(a.upper() == "INCR" for a in args)):
        return _double(reply)
    return reply
