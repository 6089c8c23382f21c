"""Key objects: typed access to one Redis key inside a script (0.7.1's API, extended).

Each method returns an expression whose value is the same on both backends: missing
values are ``None``, yes/no replies are bools, scores and float increments are numbers,
HGETALL/HMGET give dicts, ZPOPMIN/ZPOPMAX give ``[member, score]`` pairs.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

from redipy.commands.build import (
    count_args,
    expire_command,
    geodist_args,
    set_value_args,
    xadd_args,
    xrange_args,
    xtrim_args,
    zadd_args,
)
from redipy.errors import ScriptBuildError
from redipy.script import ir
from redipy.script.expr import Expr, MixedType, lit_node, redis_call

RSetMode = str
RExpireMode = str
R = TypeVar("R")


def _built(build: Callable[[], R]) -> R:
    """A shared builder's result; its refusal (``ValueError``, ``DataError``) as the
    ScriptBuildError of the same message, raised when the script is built."""
    try:
        return build()
    except (ValueError, TypeError) as err:
        raise ScriptBuildError(str(err)) from None


class RedisObj:
    """A key of any type: expiry, existence, deletion and type."""

    def __init__(self, key: MixedType) -> None:
        node = lit_node(key)
        if isinstance(node, ir.Lit | ir.JsonLit):
            raise ScriptBuildError(
                f"key {key!r} is a literal: declare it with ctx.add_key(name) and pass it "
                "in keys= (keys must reach the server as KEYS, with the key prefix)")
        self._key = Expr(node)

    def key(self) -> Expr:
        return self._key

    def redis_fn(self, name: str, *args: MixedType, no_adjust: bool = False) -> Expr:
        """Any command on this key (the reply as ``RedisFn`` gives it)."""
        from redipy.script.expr import RedisFn

        return RedisFn(name, self._key, *args, no_adjust=no_adjust)

    def _call(self, cmd: str, *args: MixedType, post: str = "raw") -> Expr:
        return redis_call(cmd, (self._key, *args), post)

    def expire(self, *, mode: RExpireMode = "always", expire_in: float | None = None) -> Expr:
        """Expire in ``expire_in`` seconds (None: remove the expiry); True when changed."""
        built = _built(lambda: expire_command(
            mode, millis=None if expire_in is None else int(expire_in * 1000.0)))
        if built is None:  # nothing can change: False, as the typed API answers
            return Expr(lit_node(False))
        name, args = built
        return self._call(name, *args, post="bool")

    def pexpire(self, millis: MixedType) -> Expr:
        return self._call("PEXPIRE", millis, post="bool")

    def persist(self) -> Expr:
        """Remove the expiry; True when the key had one."""
        return self._call("PERSIST", post="bool")

    def ttl(self) -> Expr:
        """Seconds to live (a number), or None for a missing key or one without expiry."""
        return self._call("PTTL", post="ttl")

    def exists(self) -> Expr:
        """Whether the key exists (a bool)."""
        return self._call("EXISTS", post="bool")

    def delete(self) -> Expr:
        """Delete the key; the number of keys removed (0 or 1)."""
        return self._call("DEL", post="int")

    def key_type(self) -> Expr:
        """``"string"``, ``"list"``, ``"hash"``, ``"set"``, ``"zset"`` or None when missing."""
        return self._call("TYPE", post="type")


class RedisVar(RedisObj):
    """A string key."""

    def set_value(self, value: MixedType, *, mode: RSetMode = "always",
                  return_previous: bool = False, expire_in: float | None = None,
                  keep_ttl: bool = False) -> Expr:
        """SET; whether it was set, or the previous value with ``return_previous``."""
        args = _built(lambda: set_value_args(
            value, mode, return_previous=return_previous,
            millis=None if expire_in is None else int(expire_in * 1000.0),
            keep_ttl=keep_ttl))
        return self._call("SET", *args, post="bulk" if return_previous else "ok")

    def get_value(self, *, default: MixedType = None, no_adjust: bool = False) -> Expr:
        """GET; ``default`` (else None) when the key is missing."""
        get = self._call("GET", post="bulk")
        return get if default is None else get.or_(default)

    def incrby(self, inc: MixedType) -> Expr:
        """Add ``inc`` (int or float, via INCRBYFLOAT as in 0.7.1); the new value.
        ``r.incrby`` sends INCRBY for an int (tests/test_key_twins.py lists the cases
        where the two differ)."""
        return self._call("INCRBYFLOAT", inc, post="num")

    def incrbyfloat(self, inc: MixedType) -> Expr:
        return self._call("INCRBYFLOAT", inc, post="num")

    def incrby_int(self, inc: MixedType) -> Expr:
        """INCRBY (integers only); the new value."""
        return self._call("INCRBY", inc, post="int")

    def append(self, value: MixedType) -> Expr:
        """APPEND; the new length in bytes."""
        return self._call("APPEND", value, post="int")

    def strlen(self) -> Expr:
        return self._call("STRLEN", post="int")

    def getdel(self) -> Expr:
        """GETDEL: the value (None when missing), and the key is gone."""
        return self._call("GETDEL", post="bulk")


class RedisList(RedisObj):
    """A list key."""

    def lpush(self, *values: MixedType) -> Expr:
        return self._call("LPUSH", *values, post="int")

    def rpush(self, *values: MixedType) -> Expr:
        return self._call("RPUSH", *values, post="int")

    def lpop(self, count: MixedType = None, *, no_adjust: bool = False) -> Expr:
        """One value (None when empty), or a list of up to ``count`` (None when missing)."""
        opt: tuple[MixedType, ...] = count_args(count)
        return self._call("LPOP", *opt, post="bulk" if count is None else "strs")

    def rpop(self, count: MixedType = None, *, no_adjust: bool = False) -> Expr:
        opt: tuple[MixedType, ...] = count_args(count)
        return self._call("RPOP", *opt, post="bulk" if count is None else "strs")

    def lrange(self, start: MixedType, stop: MixedType) -> Expr:
        """Values from ``start`` to ``stop`` inclusive (negative: from the end)."""
        return self._call("LRANGE", start, stop, post="arr")

    def llen(self) -> Expr:
        return self._call("LLEN", post="int")

    def lindex(self, index: MixedType) -> Expr:
        return self._call("LINDEX", index, post="bulk")

    def lset(self, index: MixedType, value: MixedType) -> Expr:
        """Set the value at ``index`` (an out-of-range index fails the script); True."""
        return self._call("LSET", index, value, post="ok")

    def lrem(self, count: MixedType, value: MixedType) -> Expr:
        return self._call("LREM", count, value, post="int")

    def ltrim(self, start: MixedType, stop: MixedType) -> Expr:
        return self._call("LTRIM", start, stop, post="ok")


class RedisHash(RedisObj):
    """A hash key."""

    def hset(self, mapping: dict[MixedType, MixedType]) -> Expr:
        """Set fields; the number of new fields."""
        if not mapping:
            raise ScriptBuildError("hset needs at least one field")
        args: list[MixedType] = []
        for field, value in mapping.items():
            args.extend((field, value))
        return self._call("HSET", *args, post="int")

    def hdel(self, *fields: MixedType) -> Expr:
        return self._call("HDEL", *fields, post="int")

    def hget(self, field: MixedType) -> Expr:
        return self._call("HGET", field, post="bulk")

    def hmget(self, *fields: MixedType) -> Expr:
        """A dict of the fields to their values (None when missing)."""
        return self._call("HMGET", *fields, post="hmget")

    def hincrby(self, field: MixedType, inc: MixedType) -> Expr:
        """Add ``inc`` to a field (via HINCRBYFLOAT, as in 0.7.1); the new value.
        ``r.hincrby`` sends HINCRBY for an int (see ``incrby``)."""
        return self._call("HINCRBYFLOAT", field, inc, post="num")

    def hincrbyfloat(self, field: MixedType, inc: MixedType) -> Expr:
        return self._call("HINCRBYFLOAT", field, inc, post="num")

    def hincrby_int(self, field: MixedType, inc: MixedType) -> Expr:
        """HINCRBY (integers only); the new value."""
        return self._call("HINCRBY", field, inc, post="int")

    def hkeys(self) -> Expr:
        return self._call("HKEYS", post="arr")

    def hvals(self) -> Expr:
        return self._call("HVALS", post="arr")

    def hgetall(self) -> Expr:
        """The whole hash as a dict."""
        return self._call("HGETALL", post="pairs_dict")

    def hexists(self, field: MixedType) -> Expr:
        return self._call("HEXISTS", field, post="bool")

    def hlen(self) -> Expr:
        return self._call("HLEN", post="int")


class RedisSet(RedisObj):
    """A set key."""

    def add(self, *values: MixedType) -> Expr:
        """Add members; the number newly added."""
        return self._call("SADD", *values, post="int")

    def remove(self, *values: MixedType) -> Expr:
        return self._call("SREM", *values, post="int")

    def has(self, value: MixedType) -> Expr:
        return self._call("SISMEMBER", value, post="bool")

    def members(self) -> Expr:
        """The members as a list (in no particular order)."""
        return self._call("SMEMBERS", post="arr")

    def card(self) -> Expr:
        return self._call("SCARD", post="int")

    sadd = add
    srem = remove
    sismember = has
    smembers = members
    scard = card


class RedisSortedSet(RedisObj):
    """A sorted set key."""

    def add(self, score: MixedType, value: MixedType) -> Expr:
        """Add (or re-score) a member; the number newly added."""
        return self._call("ZADD", *zadd_args([(value, score)]), post="int")

    def add_many(self, mapping: dict[MixedType, MixedType]) -> Expr:
        """ZADD of several ``{member: score}``; the number newly added."""
        if not mapping:
            raise ScriptBuildError("add_many needs at least one member")
        return self._call("ZADD", *zadd_args(list(mapping.items())), post="int")

    def pop_max(self, count: MixedType = None) -> Expr:
        """``[[member, score], ...]`` of the highest scores (one unless ``count``)."""
        opt: tuple[MixedType, ...] = count_args(count)
        return self._call("ZPOPMAX", *opt, post="score_pairs")

    def pop_min(self, count: MixedType = None) -> Expr:
        opt: tuple[MixedType, ...] = count_args(count)
        return self._call("ZPOPMIN", *opt, post="score_pairs")

    def range(self, start: MixedType, stop: MixedType) -> Expr:
        """Members by rank from ``start`` to ``stop`` inclusive."""
        return self._call("ZRANGE", start, stop, post="arr")

    def card(self) -> Expr:
        return self._call("ZCARD", post="int")

    def remove(self, *members: MixedType) -> Expr:
        return self._call("ZREM", *members, post="int")

    def score(self, member: MixedType) -> Expr:
        """The score (a number) or None."""
        return self._call("ZSCORE", member, post="num")

    def rank(self, member: MixedType) -> Expr:
        """The 0-based rank or None."""
        return self._call("ZRANK", member, post="opt_int")

    def incrby(self, member: MixedType, inc: MixedType) -> Expr:
        """ZINCRBY; the new score."""
        return self._call("ZINCRBY", inc, member, post="num")


class RedisHyperLogLog(RedisObj):
    """A HyperLogLog key (a string holding the server's HLL bytes)."""

    def add(self, *elements: MixedType) -> Expr:
        """PFADD; 1 when the estimate may have changed (or the key was created)."""
        return self._call("PFADD", *elements, post="int")

    def count(self) -> Expr:
        """PFCOUNT of this key: the estimated number of distinct elements."""
        return self._call("PFCOUNT", post="int")

    pfadd = add
    pfcount = count


class RedisGeo(RedisSortedSet):
    """A geo key: a sorted set scored by 52-bit geohashes."""

    def geoadd(self, longitude: MixedType, latitude: MixedType, member: MixedType) -> Expr:
        """GEOADD of one member; the number newly added."""
        return self._call("GEOADD", longitude, latitude, member, post="int")

    def dist(self, member1: MixedType, member2: MixedType, unit: str | None = None) -> Expr:
        """GEODIST in ``unit`` (m, km, mi, ft; meters when None) as a number, or None
        for a missing member."""
        return self._call("GEODIST", *_built(lambda: geodist_args(member1, member2, unit)),
                          post="num")

    geodist = dist


class RedisStream(RedisObj):
    """A stream key: the commands that make sense inside a script (no blocking reads).

    Entries come back as ``[[id, {field: value}], ...]``; the ID of an added entry as
    its text. Give explicit IDs where a script must answer the same on every backend:
    ``*`` takes the clock of whichever server runs it.
    """

    def add(self, fields: dict[MixedType, MixedType], id: MixedType = "*", *,
            maxlen: MixedType = None, minid: MixedType = None,
            approximate: bool = False) -> Expr:
        """XADD; the new entry's ID. ``maxlen`` / ``minid`` trim in the same step
        (``approximate``: only whole nodes, as ``~``; exact by default, where
        ``r.xadd`` defaults to ``~`` as redis-py does)."""
        args = _built(lambda: xadd_args(list(fields.items()), id, maxlen=maxlen,
                                        minid=minid, approximate=approximate))
        return self._call("XADD", *args, post="bulk")

    def range(self, start: MixedType = "-", end: MixedType = "+",
              count: MixedType = None) -> Expr:
        """XRANGE: entries from ``start`` to ``end`` (``(`` for exclusive), oldest first."""
        return self._call("XRANGE", *xrange_args(start, end, count), post="entries")

    def revrange(self, end: MixedType = "+", start: MixedType = "-",
                 count: MixedType = None) -> Expr:
        """XREVRANGE: entries from ``end`` down to ``start``, newest first."""
        return self._call("XREVRANGE", *xrange_args(end, start, count), post="entries")

    def length(self) -> Expr:
        """XLEN: the number of entries (0 when missing)."""
        return self._call("XLEN", post="int")

    def trim(self, *, maxlen: MixedType = None, minid: MixedType = None,
             approximate: bool = False) -> Expr:
        """XTRIM to ``maxlen`` entries or IDs from ``minid``; the number evicted (exact
        unless ``approximate``, where ``r.xtrim`` defaults to ``~``)."""
        args: list[Any] = _built(lambda: xtrim_args(maxlen, minid, approximate, None))
        return self._call("XTRIM", *args, post="int")

    def ack(self, group: MixedType, *ids: MixedType) -> Expr:
        """XACK: the number of IDs that were pending in ``group``."""
        if not ids:
            raise ScriptBuildError("ack needs at least one ID")
        return self._call("XACK", group, *ids, post="int")

    def remove(self, *ids: MixedType) -> Expr:
        """XDEL: the number of entries deleted."""
        if not ids:
            raise ScriptBuildError("remove needs at least one ID")
        return self._call("XDEL", *ids, post="int")

    xadd = add
    xrange = range
    xrevrange = revrange
    xlen = length
    xtrim = trim
    xack = ack
    xdel = remove
