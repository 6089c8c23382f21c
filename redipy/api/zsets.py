"""Typed methods for the sorted set commands (see redipy/commands/zsets.py)."""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable, Iterator, Mapping
from typing import Any, Literal, overload

from redipy.api.base import CommandsBase, enc, to_opt_float
from redipy.api.sets import to_opt_str, to_strs
from redipy.commands.build import count_args, zadd_args

Bound = int | float | str
"""A range end: a rank, a score (``"(1.5"``, ``"-inf"`` and floats) or a lex bound
(``"[a"``, ``"(a"``, ``"-"``, ``"+"``), depending on the command."""
Scored = list[tuple[str, float]]
_INF = math.inf
Keys = Iterable[str] | Mapping[str, float]


def enc_score(value: Bound) -> str:
    """A score or bound as Redis reads it (infinities as ``+inf`` / ``-inf``)."""
    kind = type(value)
    if kind is int:
        return str(value)
    if kind is float and value == value and -_INF < value < _INF:  # type: ignore[operator]
        return repr(value)
    if isinstance(value, float) and math.isinf(value):
        return "+inf" if value > 0 else "-inf"
    return enc(value)


def _limit(offset: int | None, num: int | None, what: str = "offset") -> list[str]:
    if offset is None and num is None:
        return []
    if offset is None or num is None:
        raise ValueError(f"``{what}`` and ``num`` must both be given")
    return ["LIMIT", enc(offset), enc(num)]


def _keys_weights(keys: Keys) -> tuple[list[str], list[str]]:
    """Keys, and a WEIGHTS clause when ``keys`` maps each key to its weight."""
    if isinstance(keys, Mapping):
        names = list(keys)
        return names, ["WEIGHTS", *(enc_score(keys[k]) for k in names)]
    return ([keys] if isinstance(keys, str) else list(keys)), []


def _aggregate(aggregate: str | None) -> list[str]:
    return [] if aggregate is None else ["AGGREGATE", aggregate]


def to_opt_int(reply: Any) -> int | None:
    return None if reply is None else int(reply)


def to_opt_floats(reply: Any) -> list[float | None]:
    return [None if item is None else float(item) for item in reply]


def pairs_to_scored(reply: Any) -> Scored:
    """``[member, score, ...]`` as (member, float) pairs (zip and map: no loop in Python;
    zip takes the member from ``it`` before ``map`` takes the score)."""
    it = iter(reply)
    return list(zip(it, map(float, it)))


def to_zscan(reply: Any) -> tuple[int, Scored]:
    return int(reply[0]), pairs_to_scored(reply[1])


def _ranged(withscores: bool) -> Callable[[Any], Any]:
    return pairs_to_scored if withscores else to_strs



def _rank_score(reply: Any) -> tuple[int, float] | None:
    return None if reply is None else (int(reply[0]), float(reply[1]))

class SortedSetCommands(CommandsBase):
    """The sorted set commands."""

    # ---- adding, removing, scores ----------------------------------------------------

    @overload
    def zadd(self, key: str, mapping: Mapping[str, float], *, nx: bool = False,
             xx: bool = False, ch: bool = False, incr: Literal[False] = False,
             gt: bool = False, lt: bool = False) -> int: ...

    @overload
    def zadd(self, key: str, mapping: Mapping[str, float], *, nx: bool = False,
             xx: bool = False, ch: bool = False, incr: Literal[True],
             gt: bool = False, lt: bool = False) -> float | None: ...

    def zadd(self, key: str, mapping: Mapping[str, float], *, nx: bool = False,
             xx: bool = False, ch: bool = False, incr: bool = False,
             gt: bool = False, lt: bool = False) -> int | float | None:
        """Add members or update scores; returns the number added (with ``ch``, added or
        changed). With ``incr`` (one member) it returns the new score, or ``None`` when
        ``nx``/``xx``/``gt``/``lt`` held it back."""
        if len(mapping) == 1 and not (nx or xx or gt or lt or ch or incr):
            ((member, score),) = mapping.items()
            return self._conv(int, "ZADD", key, enc_score(score), member)
        args = [key, *zadd_args(((member, enc_score(score)) for member, score in mapping.items()),
                                nx=nx, xx=xx, gt=gt, lt=lt, ch=ch, incr=incr)]
        if incr:
            return self._conv(to_opt_float, "ZADD", *args)
        return self._conv(int, "ZADD", *args)

    def zincrby(self, name: str, amount: float, value: str) -> float:
        """Add ``amount`` to a member's score (a missing member starts at 0)."""
        return self._conv(float, "ZINCRBY", name,
                          str(amount) if type(amount) is int else enc_score(amount), value)

    def zrem(self, name: str, *values: str) -> int:
        """Remove members; returns how many were there."""
        return self._conv(int, "ZREM", name, *values)

    def zscore(self, name: str, value: str) -> float | None:
        """A member's score, or ``None``."""
        return self._conv(to_opt_float, "ZSCORE", name, value)

    def zmscore(self, key: str, members: Iterable[str]) -> list[float | None]:
        """The scores of several members, ``None`` for missing ones."""
        return self._conv(to_opt_floats, "ZMSCORE", key, *members)

    @overload
    def zrank(self, name: str, value: str, withscore: Literal[False] = ...) -> int | None: ...

    @overload
    def zrank(self, name: str, value: str, withscore: Literal[True]
              ) -> tuple[int, float] | None: ...

    def zrank(self, name: str, value: str, withscore: bool = False
              ) -> int | tuple[int, float] | None:
        """A member's 0-based position from the lowest score, or ``None``; with
        ``withscore`` a ``(rank, score)`` pair (Valkey 7.2+; Redis 7.0 refuses it with
        its arity error)."""
        if withscore:
            return self._conv(_rank_score, "ZRANK", name, value, "WITHSCORE")
        return self._conv(to_opt_int, "ZRANK", name, value)

    @overload
    def zrevrank(self, name: str, value: str, withscore: Literal[False] = ...
                 ) -> int | None: ...

    @overload
    def zrevrank(self, name: str, value: str, withscore: Literal[True]
                 ) -> tuple[int, float] | None: ...

    def zrevrank(self, name: str, value: str, withscore: bool = False
                 ) -> int | tuple[int, float] | None:
        """A member's 0-based position from the highest score, or ``None``; with
        ``withscore`` a ``(rank, score)`` pair (Valkey 7.2+, not Redis 7.0)."""
        if withscore:
            return self._conv(_rank_score, "ZREVRANK", name, value, "WITHSCORE")
        return self._conv(to_opt_int, "ZREVRANK", name, value)

    def zcard(self, key: str) -> int:
        """The number of members (0 for a missing key)."""
        return self._conv(int, "ZCARD", key)

    def zcount(self, name: str, min: Bound, max: Bound) -> int:
        """How many scores lie in [min, max] (``"(x"`` excludes x)."""
        return self._conv(int, "ZCOUNT", name,  # ints (most bounds) without enc_score's frame
                          str(min) if type(min) is int else enc_score(min),
                          str(max) if type(max) is int else enc_score(max))

    def zlexcount(self, name: str, min: str, max: str) -> int:
        """How many members lie in a lex range (``"[a"``, ``"(a"``, ``"-"``, ``"+"``)."""
        return self._conv(int, "ZLEXCOUNT", name, min, max)

    # ---- ranges ---------------------------------------------------------------------------

    @overload
    def zrange(self, key: str, start: Bound, stop: Bound, *, desc: bool = False,
               withscores: Literal[False] = False, byscore: bool = False,
               bylex: bool = False, offset: int | None = None,
               num: int | None = None) -> list[str]: ...

    @overload
    def zrange(self, key: str, start: Bound, stop: Bound, *, desc: bool = False,
               withscores: Literal[True], byscore: bool = False, bylex: bool = False,
               offset: int | None = None, num: int | None = None) -> Scored: ...

    @overload
    def zrange(self, key: str, start: Bound, stop: Bound, *, desc: bool = False,
               withscores: bool, byscore: bool = False, bylex: bool = False,
               offset: int | None = None, num: int | None = None) -> list[str] | Scored: ...

    def zrange(self, key: str, start: Bound, stop: Bound, *, desc: bool = False,
               withscores: bool = False, byscore: bool = False, bylex: bool = False,
               offset: int | None = None, num: int | None = None) -> list[str] | Scored:
        """Members by position (default), by score (``byscore``) or by name (``bylex``);
        ``desc`` reverses (then give the high end first for scores and names);
        ``offset``/``num`` page a score or name range."""
        if not (byscore or bylex or desc or withscores) and offset is None and num is None:
            return self._conv(to_strs, "ZRANGE", key, enc_score(start), enc_score(stop))
        args = [key, enc_score(start), enc_score(stop)]
        if byscore:
            args.append("BYSCORE")
        if bylex:
            args.append("BYLEX")
        if desc:
            args.append("REV")
        args += _limit(offset, num)
        if withscores:
            args.append("WITHSCORES")
        return self._conv(_ranged(withscores), "ZRANGE", *args)  # type: ignore[no-any-return]

    @overload
    def zrevrange(self, name: str, start: int, end: int,
                  withscores: Literal[False] = False) -> list[str]: ...

    @overload
    def zrevrange(self, name: str, start: int, end: int, withscores: Literal[True]) -> Scored: ...

    @overload
    def zrevrange(self, name: str, start: int, end: int,
                  withscores: bool) -> list[str] | Scored: ...

    def zrevrange(self, name: str, start: int, end: int,
                  withscores: bool = False) -> list[str] | Scored:
        """Members by position counted from the highest score."""
        args = [name, enc(start), enc(end)]
        if withscores:
            args.append("WITHSCORES")
        return self._conv(_ranged(withscores), "ZREVRANGE", *args)  # type: ignore[no-any-return]

    def _byscore(self, command: str, name: str, low: Bound, high: Bound, start: int | None,
                 num: int | None, withscores: bool) -> list[str] | Scored:
        if start is None and num is None and not withscores:  # the common call, lean
            return self._conv(list, command, name,
                              str(low) if type(low) is int else enc_score(low),
                              str(high) if type(high) is int else enc_score(high))
        args = [name, enc_score(low), enc_score(high), *_limit(start, num, "start")]
        if withscores:
            args.append("WITHSCORES")
        return self._conv(_ranged(withscores), command, *args)  # type: ignore[no-any-return]

    @overload
    def zrangebyscore(self, name: str, min: Bound, max: Bound,
                      start: int | None = None, num: int | None = None,
                      withscores: Literal[False] = False) -> list[str]: ...

    @overload
    def zrangebyscore(self, name: str, min: Bound, max: Bound,
                      start: int | None = None, num: int | None = None, *,
                      withscores: Literal[True]) -> Scored: ...

    @overload
    def zrangebyscore(self, name: str, min: Bound, max: Bound,
                      start: int | None = None, num: int | None = None,
                      withscores: bool = False) -> list[str] | Scored: ...

    def zrangebyscore(self, name: str, min: Bound, max: Bound,
                      start: int | None = None, num: int | None = None,
                      withscores: bool = False) -> list[str] | Scored:
        """Members with a score in [min, max], lowest first; ``start``/``num`` page them."""
        return self._byscore("ZRANGEBYSCORE", name, min, max, start, num, withscores)

    @overload
    def zrevrangebyscore(self, name: str, max: Bound, min: Bound,
                         start: int | None = None, num: int | None = None,
                         withscores: Literal[False] = False) -> list[str]: ...

    @overload
    def zrevrangebyscore(self, name: str, max: Bound, min: Bound,
                         start: int | None = None, num: int | None = None, *,
                         withscores: Literal[True]) -> Scored: ...

    @overload
    def zrevrangebyscore(self, name: str, max: Bound, min: Bound,
                         start: int | None = None, num: int | None = None,
                         withscores: bool = False) -> list[str] | Scored: ...

    def zrevrangebyscore(self, name: str, max: Bound, min: Bound,
                         start: int | None = None, num: int | None = None,
                         withscores: bool = False) -> list[str] | Scored:
        """Members with a score in [min, max], highest first (note: max comes first)."""
        return self._byscore("ZREVRANGEBYSCORE", name, max, min, start, num, withscores)

    def zrangebylex(self, name: str, min: str, max: str,
                    start: int | None = None, num: int | None = None) -> list[str]:
        """Members in a lex range, in order (meant for members of equal score)."""
        if start is None and num is None:
            return self._conv(list, "ZRANGEBYLEX", name, min, max)
        return self._conv(to_strs, "ZRANGEBYLEX", name, min, max, *_limit(start, num, "start"))

    def zrevrangebylex(self, name: str, max: str, min: str,
                       start: int | None = None, num: int | None = None) -> list[str]:
        """Members in a lex range, in reverse order (note: max comes first)."""
        if start is None and num is None:
            return self._conv(list, "ZREVRANGEBYLEX", name, max, min)
        return self._conv(
            to_strs, "ZREVRANGEBYLEX", name, max, min, *_limit(start, num, "start"))

    def zrangestore(self, dest: str, name: str, start: Bound, end: Bound,
                    byscore: bool = False, bylex: bool = False, desc: bool = False,
                    offset: int | None = None, num: int | None = None) -> int:
        """Store what :meth:`zrange` would select in ``dest``; returns its size."""
        if (type(start) is int and type(end) is int and not (byscore or bylex or desc)
                and offset is None and num is None):  # by rank (the common call), lean
            return self._conv(int, "ZRANGESTORE", dest, name, str(start), str(end))
        args = [dest, name, enc_score(start), enc_score(end)]
        if byscore:
            args.append("BYSCORE")
        if bylex:
            args.append("BYLEX")
        if desc:
            args.append("REV")
        args += _limit(offset, num)
        return self._conv(int, "ZRANGESTORE", *args)

    def zremrangebyrank(self, name: str, min: int, max: int) -> int:
        """Remove the members at positions min..max; returns how many."""
        return self._conv(int, "ZREMRANGEBYRANK", name,
                          str(min) if type(min) is int else enc(min),
                          str(max) if type(max) is int else enc(max))

    def zremrangebyscore(self, name: str, min: Bound, max: Bound) -> int:
        """Remove the members with a score in [min, max]; returns how many."""
        return self._conv(int, "ZREMRANGEBYSCORE", name,
                          str(min) if type(min) is int else enc_score(min),
                          str(max) if type(max) is int else enc_score(max))

    def zremrangebylex(self, name: str, min: str, max: str) -> int:
        """Remove the members in a lex range; returns how many."""
        return self._conv(int, "ZREMRANGEBYLEX", name, min, max)

    # ---- popping ---------------------------------------------------------------------------

    def zpop_max(self, key: str, count: int = 1) -> Scored:
        """Remove and return up to ``count`` highest members as (member, score)."""
        return self._conv(pairs_to_scored, "ZPOPMAX", key, enc(count))

    def zpop_min(self, key: str, count: int = 1) -> Scored:
        """Remove and return up to ``count`` lowest members as (member, score)."""
        return self._conv(pairs_to_scored, "ZPOPMIN", key, enc(count))

    def zpopmax(self, name: str, count: int | None = None) -> Scored:
        """redis-py's name for :meth:`zpop_max` (one member when ``count`` is None)."""
        return self._conv(pairs_to_scored, "ZPOPMAX", name,
                          *count_args(None if count is None else enc(count)))

    def zpopmin(self, name: str, count: int | None = None) -> Scored:
        """redis-py's name for :meth:`zpop_min` (one member when ``count`` is None)."""
        return self._conv(pairs_to_scored, "ZPOPMIN", name,
                          *count_args(None if count is None else enc(count)))

    def zmpop(self, num_keys: int, keys: Iterable[str], min: bool = False,
              max: bool = False, count: int = 1) -> tuple[str, Scored] | None:
        """Pop from the first non-empty sorted set of ``keys``: (key, [(member, score)]),
        or ``None`` when all are empty. Exactly one of ``min`` / ``max`` must be set."""
        if min == max:
            raise ValueError("zmpop needs exactly one of min=True or max=True")
        args = [enc(num_keys), *keys, "MIN" if min else "MAX"]
        if count != 1:
            args += ["COUNT", enc(count)]

        def conv(reply: Any) -> tuple[str, Scored] | None:
            if reply is None:
                return None
            return self._strip(reply[0]), [(m, float(s)) for m, s in reply[1]]

        return self._conv(conv, "ZMPOP", *args)

    # ---- algebra ----------------------------------------------------------------------------

    def _zsetop(self, command: str, dest: str | None, keys: Keys, aggregate: str | None,
                withscores: bool, weights_ok: bool = True) -> Any:
        names, weights = _keys_weights(keys)
        if weights and not weights_ok:
            raise ValueError(f"{command} takes no weights")
        args = [] if dest is None else [dest]
        args += [enc(len(names)), *names, *weights, *_aggregate(aggregate)]
        if withscores:
            args.append("WITHSCORES")
        if dest is not None:
            return self._conv(int, command, *args)
        return self._conv(_ranged(withscores), command, *args)

    @overload
    def zunion(self, keys: Keys, aggregate: str | None = None,
               withscores: Literal[False] = False) -> list[str]: ...

    @overload
    def zunion(self, keys: Keys, aggregate: str | None = None, *,
               withscores: Literal[True]) -> Scored: ...

    @overload
    def zunion(self, keys: Keys, aggregate: str | None = None,
               withscores: bool = False) -> list[str] | Scored: ...

    def zunion(self, keys: Keys, aggregate: str | None = None,
               withscores: bool = False) -> list[str] | Scored:
        """Union of sorted sets (or sets, scored 1); ``keys`` may map keys to weights;
        ``aggregate`` is SUM (default), MIN or MAX."""
        return self._zsetop(  # type: ignore[no-any-return]
            "ZUNION", None, keys, aggregate, withscores)

    @overload
    def zinter(self, keys: Keys, aggregate: str | None = None,
               withscores: Literal[False] = False) -> list[str]: ...

    @overload
    def zinter(self, keys: Keys, aggregate: str | None = None, *,
               withscores: Literal[True]) -> Scored: ...

    @overload
    def zinter(self, keys: Keys, aggregate: str | None = None,
               withscores: bool = False) -> list[str] | Scored: ...

    def zinter(self, keys: Keys, aggregate: str | None = None,
               withscores: bool = False) -> list[str] | Scored:
        """Intersection of sorted sets (or sets, scored 1), scores combined."""
        return self._zsetop(  # type: ignore[no-any-return]
            "ZINTER", None, keys, aggregate, withscores)

    @overload
    def zdiff(self, keys: Iterable[str], withscores: Literal[False] = False) -> list[str]: ...

    @overload
    def zdiff(self, keys: Iterable[str], withscores: Literal[True]) -> Scored: ...

    @overload
    def zdiff(self, keys: Iterable[str], withscores: bool) -> list[str] | Scored: ...

    def zdiff(self, keys: Iterable[str], withscores: bool = False) -> list[str] | Scored:
        """Members of the first sorted set that none of the others has."""
        return self._zsetop(  # type: ignore[no-any-return]
            "ZDIFF", None, keys, None, withscores, weights_ok=False)

    def zunionstore(self, dest: str, keys: Keys, aggregate: str | None = None) -> int:
        """Store the union in ``dest``; returns its size."""
        return self._zsetop(  # type: ignore[no-any-return]
            "ZUNIONSTORE", dest, keys, aggregate, False)

    def zinterstore(self, dest: str, keys: Keys, aggregate: str | None = None) -> int:
        """Store the intersection in ``dest``; returns its size."""
        return self._zsetop(  # type: ignore[no-any-return]
            "ZINTERSTORE", dest, keys, aggregate, False)

    def zdiffstore(self, dest: str, keys: Iterable[str]) -> int:
        """Store the difference in ``dest``; returns its size."""
        return self._zsetop(  # type: ignore[no-any-return]
            "ZDIFFSTORE", dest, keys, None, False, weights_ok=False)

    def zintercard(self, numkeys: int, keys: Iterable[str], limit: int = 0) -> int:
        """Size of the intersection, counting at most ``limit`` (0: no limit)."""
        return self._conv(int, "ZINTERCARD", enc(numkeys), *keys, "LIMIT", enc(limit))

    # ---- random members and scanning -----------------------------------------------------------

    def zrandmember(self, key: str, count: int | None = None,
                    withscores: bool = False) -> str | list[str] | Scored | None:
        """Random members without removing them: one (or ``None``) without ``count``,
        else a list (a negative count may repeat members)."""
        if count is None:
            return self._conv(to_opt_str, "ZRANDMEMBER", key)
        args = [key, enc(count)]
        if withscores:
            args.append("WITHSCORES")
        return self._conv(_ranged(withscores), "ZRANDMEMBER", *args)  # type: ignore[no-any-return]

    def zscan(self, name: str, cursor: int = 0, match: str | None = None,
              count: int | None = None) -> tuple[int, Scored]:
        """One step of a cursor walk: (next cursor, [(member, score)]); 0 ends it."""
        args = [name, enc(cursor)]
        if match is not None:
            args += ["MATCH", match]
        if count is not None:
            args += ["COUNT", enc(count)]
        return self._conv(to_zscan, "ZSCAN", *args)

    def zscan_iter(self, name: str, match: str | None = None,
                   count: int | None = None) -> Iterator[tuple[str, float]]:
        """Every (member, score) through ZSCAN."""
        cursor = 0
        while True:
            step = self.zscan(name, cursor, match, count)
            if step is None:
                raise TypeError("zscan_iter needs each reply at once: it cannot run in a pipeline")
            cursor, items = step
            yield from items
            if cursor == 0:
                return
