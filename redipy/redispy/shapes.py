"""RESP3 shapes for replies the memory backend has not marked yet.

The backend marks replies whose RESP3 form differs (:mod:`redipy.reply`); where a
handler still returns a plain list or string, the command table's ``resp3`` shape
gives the marker a server's RESP3 reply would imply, from the command and its
arguments (HGETALL is a map, SMEMBERS a set, ZSCORE a double, ZRANGE ... WITHSCORES
pairs of member and double).
A reply that already carries a marker is left as it is.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

from redipy.commands import COMMANDS
from redipy.reply import Double, Map, Pairs, SetReply

Shaper = Callable[[Sequence[str], Any], Any]


def _has(args: Sequence[str], word: str) -> bool:
    return any(a.upper() == word for a in args)


def _double(value: Any) -> Any:
    return Double(value) if type(value) is str else value


def _map(args: Sequence[str], reply: Any) -> Any:
    return Map(reply) if type(reply) is list else reply


def _set(args: Sequence[str], reply: Any) -> Any:
    return SetReply(reply) if type(reply) is list else reply


def _score(args: Sequence[str], reply: Any) -> Any:
    return _double(reply)


def _scores(args: Sequence[str], reply: Any) -> Any:
    return [_double(v) for v in reply] if type(reply) is list else reply


def _scored_pairs(reply: Any) -> Any:
    if type(reply) is not list:
        return reply
    return Pairs(v if i % 2 == 0 else _double(v) for i, v in enumerate(reply))


def _withscores(args: Sequence[str], reply: Any) -> Any:
    return _scored_pairs(reply) if _has(args, "WITHSCORES") else reply


def _zadd(args: Sequence[str], reply: Any) -> Any:
    return _double(reply) if _has(args, "INCR") else reply


def _zpop(args: Sequence[str], reply: Any) -> Any:
    if type(reply) is not list:
        return reply
    if len(args) > 1:  # with a count: pairs
        return _scored_pairs(reply)
    return [v if i % 2 == 0 else _double(v) for i, v in enumerate(reply)]


def _bzpop(args: Sequence[str], reply: Any) -> Any:
    if type(reply) is list and len(reply) == 3:
        return [reply[0], reply[1], _double(reply[2])]
    return reply


def _zmpop(args: Sequence[str], reply: Any) -> Any:
    """[key, [[member, score], ...]] in both protocols; the scores are doubles in RESP3."""
    if type(reply) is list and len(reply) == 2 and type(reply[1]) is list:
        return [reply[0], [[p[0], _double(p[1])] if type(p) is list and len(p) == 2 else p
                           for p in reply[1]]]
    return reply


def _zrank(args: Sequence[str], reply: Any) -> Any:
    if type(reply) is list and len(reply) == 2:
        return [reply[0], _double(reply[1])]
    return reply


def _hrandfield(args: Sequence[str], reply: Any) -> Any:
    return Pairs(reply) if type(reply) is list and _has(args, "WITHVALUES") else reply


def _spop(args: Sequence[str], reply: Any) -> Any:
    return SetReply(reply) if type(reply) is list else reply


def _streams(args: Sequence[str], reply: Any) -> Any:
    """XREAD / XREADGROUP: [[key, entries], ...] is a map of key to entries in RESP3."""
    if type(reply) is not list or not all(type(p) is list and len(p) == 2 for p in reply):
        return reply
    return Map(v for pair in reply for v in pair)


SHAPERS: dict[str, Shaper] = {
    "streams": _streams,
    "map": _map,
    "set": _set,
    "double": _score,
    "doubles": _scores,
    "withscores": _withscores,
    "zadd": _zadd,
    "zpop": _zpop,
    "bzpop": _bzpop,
    "zmpop": _zmpop,
    "zrank": _zrank,
    "withvalues": _hrandfield,
    "setpop": _spop,
}
"""The code for each shape the command table names (``CommandSpec.resp3``)."""

RESP3_SHAPES: dict[str, Shaper] = {
    name: SHAPERS[spec.resp3] for name, spec in COMMANDS.items() if spec.resp3}


def resp3_shape(name: str, args: Sequence[str], reply: Any) -> Any:
    """``reply`` with the RESP3 marker its command implies (unchanged if marked)."""
    shaper = RESP3_SHAPES.get(name)
    if shaper is None or isinstance(reply, BaseException):
        return reply
    if type(reply) not in (list, str):
        return reply  # already marked (or a number / nil)
    return shaper(args, reply)
