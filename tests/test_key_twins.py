"""Every key-object method of ``redipy.script.keys`` against its typed-API twin.

For each public method of each key class, a few representative calls (option and mode
variants, a missing key, a key of the wrong type) run three ways on the same backend:
as a script (``RedisList(key).lpop(2)``), through the typed API (``r.lpop("k", 2)``) and
through a pipeline. All three must give the same answer (or the same refusal, or the
same server error) and leave the same keyspace (values, types, TTLs to the second).
This runs on memory and on every test server (Valkey 8.1, Valkey 9.1, Redis 7.0).

The classes' methods are enumerated by introspection: a public method without a twin
case here (or a reason in ``NO_TWIN``) fails :func:`test_every_key_method_has_a_twin`,
so a new method cannot land untested. Aliases (``sadd = add``) are the same function and
count as covered by the name they alias.
"""

from __future__ import annotations

import inspect
import math
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import redipy
from redipy.errors import ResponseError, ScriptBuildError
from redipy.script import FnContext, keys
from redipy.script.keys import (
    RedisGeo,
    RedisHash,
    RedisHyperLogLog,
    RedisList,
    RedisObj,
    RedisSet,
    RedisSortedSet,
    RedisStream,
    RedisVar,
)
from tests.conftest import make_client
from tests.servers import Server

_STREAM = [("XADD", "k", "1-1", "a", "1"), ("XADD", "k", "2-1", "b", "2"),
           ("XADD", "k", "3-1", "c", "3")]

#: the key ``k`` before each call (raw commands)
STATES: dict[str, list[tuple[str, ...]]] = {
    "missing": [],
    "string": [("SET", "k", "7")],
    "float": [("SET", "k", "1.5")],
    "empty": [("SET", "k", "")],
    "ttl": [("SET", "k", "v", "PX", "100000")],
    "list": [("RPUSH", "k", "a", "b", "c", "b")],
    "hash": [("HSET", "k", "f", "1", "g", "x")],
    "set": [("SADD", "k", "a", "b", "c")],
    "zset": [("ZADD", "k", "1", "a", "2", "b", "3", "c")],
    "hll": [("PFADD", "k", "a", "b", "c")],
    "geo": [("GEOADD", "k", "13.361389", "38.115556", "Palermo",
             "15.087269", "37.502669", "Catania")],
    "stream": _STREAM,
    "group": [*_STREAM, ("XGROUP", "CREATE", "k", "g", "0"),
              ("XREADGROUP", "GROUP", "g", "c", "COUNT", "2", "STREAMS", "k", ">")],
}


@dataclass(frozen=True)
class Twin:
    cls: type[RedisObj]
    method: str
    script: Callable[[Any], Any]  # key object -> Expr
    api: Callable[[Any], Any]  # client or pipeline -> reply (on key "k")
    states: str
    shape: Callable[[Any], Any] | None = None  # the API's answer in the script's shape
    why: str = ""  # why ``shape`` is needed (a documented difference)
    seconds: bool = False  # a TTL: compared in whole seconds (the clock runs between)
    unordered: bool = False  # a set's members: compared sorted


def _ttl_shape(value: Any) -> Any:
    return None if value == -1.0 else value


def _whole(out: tuple[str, Any]) -> tuple[str, Any]:
    if out[0] == "ok" and isinstance(out[1], int | float):
        return ("ok", math.ceil(out[1] - 0.5))
    return out


def _lset_shape(value: Any) -> Any:
    return True if value is None else value


def _default_d(value: Any) -> Any:
    return "d" if value is None else value


_TTL_WHY = "the key object's ttl() is None without an expiry, r.ttl() is -1.0 (0.7.1's)"
_EXISTS_WHY = "r.exists(*keys) counts keys; the key object's exists() is a bool"
_LSET_WHY = "r.lset() is None as redis-py's; the key object's lset() is True"
_DEFAULT_WHY = "r.get_value() has no default: the twin applies it to the reply"

V, L, H, S, Z = RedisVar, RedisList, RedisHash, RedisSet, RedisSortedSet
HLL, G, X, OBJ = RedisHyperLogLog, RedisGeo, RedisStream, RedisObj

TWINS: list[Twin] = [
    # ---- any key ------------------------------------------------------------------------
    Twin(OBJ, "expire", lambda k: k.expire(expire_in=10.0),
         lambda r: r.expire("k", expire_in=10.0), "string ttl missing"),
    Twin(OBJ, "expire", lambda k: k.expire(mode="if_persist", expire_in=10.0),
         lambda r: r.expire("k", mode="if_persist", expire_in=10.0), "string ttl"),
    Twin(OBJ, "expire", lambda k: k.expire(mode="if_expire", expire_in=1000.0),
         lambda r: r.expire("k", mode="if_expire", expire_in=1000.0), "string ttl"),
    Twin(OBJ, "expire", lambda k: k.expire(mode="if_later", expire_in=1000.0),
         lambda r: r.expire("k", mode="if_later", expire_in=1000.0), "string ttl"),
    Twin(OBJ, "expire", lambda k: k.expire(mode="if_earlier", expire_in=10.0),
         lambda r: r.expire("k", mode="if_earlier", expire_in=10.0), "string ttl"),
    Twin(OBJ, "expire", lambda k: k.expire(mode="if_earlier"),
         lambda r: r.expire("k", mode="if_earlier"), "ttl"),
    Twin(OBJ, "expire", lambda k: k.expire(), lambda r: r.expire("k"), "ttl string"),
    Twin(OBJ, "expire", lambda k: k.expire(mode="sometimes", expire_in=1.0),
         lambda r: r.expire("k", mode="sometimes", expire_in=1.0), "string"),
    Twin(OBJ, "pexpire", lambda k: k.pexpire(5000), lambda r: r.pexpire("k", 5000),
         "string ttl missing"),
    Twin(OBJ, "persist", lambda k: k.persist(), lambda r: r.persist("k"), "string ttl missing"),
    Twin(OBJ, "ttl", lambda k: k.ttl(), lambda r: r.ttl("k"), "ttl string missing",
         _ttl_shape, _TTL_WHY, seconds=True),
    Twin(OBJ, "exists", lambda k: k.exists(), lambda r: r.exists("k"), "list missing",
         bool, _EXISTS_WHY),
    Twin(OBJ, "delete", lambda k: k.delete(), lambda r: r.delete("k"), "list missing"),
    Twin(OBJ, "key_type", lambda k: k.key_type(), lambda r: r.key_type("k"),
         "string list hash set zset stream hll missing"),
    # ---- strings ------------------------------------------------------------------------
    Twin(V, "set_value", lambda k: k.set_value("x"), lambda r: r.set_value("k", "x"),
         "string list missing"),
    Twin(V, "set_value", lambda k: k.set_value("x", mode="if_missing"),
         lambda r: r.set_value("k", "x", mode="if_missing"), "string missing"),
    Twin(V, "set_value", lambda k: k.set_value("x", mode="if_exists"),
         lambda r: r.set_value("k", "x", mode="if_exists"), "string missing"),
    Twin(V, "set_value", lambda k: k.set_value("x", return_previous=True),
         lambda r: r.set_value("k", "x", return_previous=True), "string missing list"),
    Twin(V, "set_value", lambda k: k.set_value("x", mode="if_missing", return_previous=True),
         lambda r: r.set_value("k", "x", mode="if_missing", return_previous=True),
         "string missing"),
    Twin(V, "set_value", lambda k: k.set_value("x", expire_in=10.0),
         lambda r: r.set_value("k", "x", expire_in=10.0), "ttl missing"),
    Twin(V, "set_value", lambda k: k.set_value("x", keep_ttl=True),
         lambda r: r.set_value("k", "x", keep_ttl=True), "ttl missing"),
    Twin(V, "set_value", lambda k: k.set_value("x", expire_in=10.0, keep_ttl=True),
         lambda r: r.set_value("k", "x", expire_in=10.0, keep_ttl=True), "ttl"),
    Twin(V, "set_value", lambda k: k.set_value("x", mode="bogus"),
         lambda r: r.set_value("k", "x", mode="bogus"), "string"),
    Twin(V, "get_value", lambda k: k.get_value(), lambda r: r.get_value("k"),
         "string empty missing list"),
    Twin(V, "get_value", lambda k: k.get_value(default="d"), lambda r: r.get_value("k"),
         "string empty missing", _default_d, _DEFAULT_WHY),
    Twin(V, "incrby", lambda k: k.incrby(2), lambda r: r.incrby("k", 2),
         "string float missing hash"),
    Twin(V, "incrby", lambda k: k.incrby(0.5), lambda r: r.incrby("k", 0.5),
         "string float empty"),
    Twin(V, "incrbyfloat", lambda k: k.incrbyfloat(0.5), lambda r: r.incrbyfloat("k", 0.5),
         "string float missing hash"),
    Twin(V, "incrby_int", lambda k: k.incrby_int(3), lambda r: r.incr("k", 3),
         "string float missing"),
    Twin(V, "append", lambda k: k.append("xy"), lambda r: r.append("k", "xy"),
         "string missing list"),
    Twin(V, "strlen", lambda k: k.strlen(), lambda r: r.strlen("k"), "string missing list"),
    Twin(V, "getdel", lambda k: k.getdel(), lambda r: r.getdel("k"), "string missing list"),
    # ---- lists --------------------------------------------------------------------------
    Twin(L, "lpush", lambda k: k.lpush("x", "y"), lambda r: r.lpush("k", "x", "y"),
         "list missing string"),
    Twin(L, "rpush", lambda k: k.rpush("x", "y"), lambda r: r.rpush("k", "x", "y"),
         "list missing string"),
    Twin(L, "lpop", lambda k: k.lpop(), lambda r: r.lpop("k"), "list missing string"),
    Twin(L, "lpop", lambda k: k.lpop(2), lambda r: r.lpop("k", 2), "list missing"),
    Twin(L, "lpop", lambda k: k.lpop(0), lambda r: r.lpop("k", 0), "list missing"),
    Twin(L, "rpop", lambda k: k.rpop(), lambda r: r.rpop("k"), "list missing string"),
    Twin(L, "rpop", lambda k: k.rpop(9), lambda r: r.rpop("k", 9), "list missing"),
    Twin(L, "lrange", lambda k: k.lrange(0, -1), lambda r: r.lrange("k", 0, -1),
         "list missing string"),
    Twin(L, "lrange", lambda k: k.lrange(1, 2), lambda r: r.lrange("k", 1, 2), "list"),
    Twin(L, "llen", lambda k: k.llen(), lambda r: r.llen("k"), "list missing string"),
    Twin(L, "lindex", lambda k: k.lindex(1), lambda r: r.lindex("k", 1),
         "list missing string"),
    Twin(L, "lindex", lambda k: k.lindex(-9), lambda r: r.lindex("k", -9), "list"),
    Twin(L, "lset", lambda k: k.lset(1, "z"), lambda r: r.lset("k", 1, "z"),
         "list missing string", _lset_shape, _LSET_WHY),
    Twin(L, "lset", lambda k: k.lset(9, "z"), lambda r: r.lset("k", 9, "z"), "list",
         _lset_shape, _LSET_WHY),
    Twin(L, "lrem", lambda k: k.lrem(1, "b"), lambda r: r.lrem("k", 1, "b"),
         "list missing string"),
    Twin(L, "lrem", lambda k: k.lrem(0, "b"), lambda r: r.lrem("k", 0, "b"), "list"),
    Twin(L, "lrem", lambda k: k.lrem(-1, "b"), lambda r: r.lrem("k", -1, "b"), "list"),
    Twin(L, "ltrim", lambda k: k.ltrim(1, 2), lambda r: r.ltrim("k", 1, 2),
         "list missing string"),
    # ---- hashes -------------------------------------------------------------------------
    Twin(H, "hset", lambda k: k.hset({"f": "2", "n": "3"}),
         lambda r: r.hset("k", {"f": "2", "n": "3"}), "hash missing string"),
    Twin(H, "hdel", lambda k: k.hdel("f", "zz"), lambda r: r.hdel("k", "f", "zz"),
         "hash missing string"),
    Twin(H, "hget", lambda k: k.hget("f"), lambda r: r.hget("k", "f"), "hash missing string"),
    Twin(H, "hget", lambda k: k.hget("zz"), lambda r: r.hget("k", "zz"), "hash"),
    Twin(H, "hmget", lambda k: k.hmget("f", "zz"), lambda r: r.hmget("k", "f", "zz"),
         "hash missing string"),
    Twin(H, "hincrby", lambda k: k.hincrby("f", 2), lambda r: r.hincrby("k", "f", 2),
         "hash missing string"),
    Twin(H, "hincrby", lambda k: k.hincrby("f", 0.5), lambda r: r.hincrby("k", "f", 0.5),
         "hash missing"),
    Twin(H, "hincrby", lambda k: k.hincrby("g", 1), lambda r: r.hincrby("k", "g", 1),
         "hash"),
    Twin(H, "hincrbyfloat", lambda k: k.hincrbyfloat("f", 0.5),
         lambda r: r.hincrbyfloat("k", "f", 0.5), "hash missing string"),
    Twin(H, "hincrby_int", lambda k: k.hincrby_int("f", 2),
         lambda r: r.hincrby_int("k", "f", 2), "hash missing string"),
    Twin(H, "hincrby_int", lambda k: k.hincrby_int("g", 2),
         lambda r: r.hincrby_int("k", "g", 2), "hash"),
    Twin(H, "hkeys", lambda k: k.hkeys(), lambda r: r.hkeys("k"), "hash missing string"),
    Twin(H, "hvals", lambda k: k.hvals(), lambda r: r.hvals("k"), "hash missing string"),
    Twin(H, "hgetall", lambda k: k.hgetall(), lambda r: r.hgetall("k"),
         "hash missing string"),
    Twin(H, "hexists", lambda k: k.hexists("f"), lambda r: r.hexists("k", "f"),
         "hash missing string"),
    Twin(H, "hexists", lambda k: k.hexists("zz"), lambda r: r.hexists("k", "zz"), "hash"),
    Twin(H, "hlen", lambda k: k.hlen(), lambda r: r.hlen("k"), "hash missing string"),
    # ---- sets ---------------------------------------------------------------------------
    Twin(S, "add", lambda k: k.add("a", "d"), lambda r: r.sadd("k", "a", "d"),
         "set missing string"),
    Twin(S, "remove", lambda k: k.remove("a", "zz"), lambda r: r.srem("k", "a", "zz"),
         "set missing string"),
    Twin(S, "has", lambda k: k.has("a"), lambda r: r.sismember("k", "a"),
         "set missing string"),
    Twin(S, "has", lambda k: k.has("zz"), lambda r: r.sismember("k", "zz"), "set"),
    Twin(S, "members", lambda k: k.members(), lambda r: r.smembers("k"),
         "set missing string", unordered=True),
    Twin(S, "card", lambda k: k.card(), lambda r: r.scard("k"), "set missing string"),
    # ---- sorted sets --------------------------------------------------------------------
    Twin(Z, "add", lambda k: k.add(5, "d"), lambda r: r.zadd("k", {"d": 5}),
         "zset missing string"),
    Twin(Z, "add", lambda k: k.add(1.5, "a"), lambda r: r.zadd("k", {"a": 1.5}), "zset"),
    Twin(Z, "add_many", lambda k: k.add_many({"a": 4, "e": 0.5}),
         lambda r: r.zadd("k", {"a": 4, "e": 0.5}), "zset missing string"),
    Twin(Z, "pop_max", lambda k: k.pop_max(), lambda r: r.zpopmax("k"),
         "zset missing string"),
    Twin(Z, "pop_max", lambda k: k.pop_max(2), lambda r: r.zpopmax("k", 2), "zset missing"),
    Twin(Z, "pop_min", lambda k: k.pop_min(), lambda r: r.zpopmin("k"),
         "zset missing string"),
    Twin(Z, "pop_min", lambda k: k.pop_min(9), lambda r: r.zpopmin("k", 9), "zset"),
    Twin(Z, "range", lambda k: k.range(0, -1), lambda r: r.zrange("k", 0, -1),
         "zset missing string"),
    Twin(Z, "range", lambda k: k.range(1, 1), lambda r: r.zrange("k", 1, 1), "zset"),
    Twin(Z, "card", lambda k: k.card(), lambda r: r.zcard("k"), "zset missing string"),
    Twin(Z, "remove", lambda k: k.remove("a", "zz"), lambda r: r.zrem("k", "a", "zz"),
         "zset missing string"),
    Twin(Z, "score", lambda k: k.score("b"), lambda r: r.zscore("k", "b"),
         "zset missing string"),
    Twin(Z, "score", lambda k: k.score("zz"), lambda r: r.zscore("k", "zz"), "zset"),
    Twin(Z, "rank", lambda k: k.rank("c"), lambda r: r.zrank("k", "c"),
         "zset missing string"),
    Twin(Z, "rank", lambda k: k.rank("zz"), lambda r: r.zrank("k", "zz"), "zset"),
    Twin(Z, "incrby", lambda k: k.incrby("a", 2.5), lambda r: r.zincrby("k", 2.5, "a"),
         "zset missing string"),
    Twin(Z, "incrby", lambda k: k.incrby("new", 1), lambda r: r.zincrby("k", 1, "new"),
         "zset"),
    # ---- HyperLogLog --------------------------------------------------------------------
    Twin(HLL, "add", lambda k: k.add("a", "z"), lambda r: r.pfadd("k", "a", "z"),
         "hll missing string list"),
    Twin(HLL, "add", lambda k: k.add("a"), lambda r: r.pfadd("k", "a"), "hll"),
    Twin(HLL, "count", lambda k: k.count(), lambda r: r.pfcount("k"),
         "hll missing string list"),
    # ---- geo ----------------------------------------------------------------------------
    Twin(G, "geoadd", lambda k: k.geoadd(13.5, 38.1, "X"),
         lambda r: r.geoadd("k", [13.5, 38.1, "X"]), "geo missing string"),
    Twin(G, "geoadd", lambda k: k.geoadd(13.5, 38.1, "Palermo"),
         lambda r: r.geoadd("k", [13.5, 38.1, "Palermo"]), "geo"),
    Twin(G, "geoadd", lambda k: k.geoadd(200, 38.1, "X"),
         lambda r: r.geoadd("k", [200, 38.1, "X"]), "geo"),
    Twin(G, "dist", lambda k: k.dist("Palermo", "Catania"),
         lambda r: r.geodist("k", "Palermo", "Catania"), "geo missing string"),
    Twin(G, "dist", lambda k: k.dist("Palermo", "Catania", "km"),
         lambda r: r.geodist("k", "Palermo", "Catania", "km"), "geo"),
    Twin(G, "dist", lambda k: k.dist("Palermo", "Catania", "ft"),
         lambda r: r.geodist("k", "Palermo", "Catania", "ft"), "geo"),
    Twin(G, "dist", lambda k: k.dist("Palermo", "nope", "mi"),
         lambda r: r.geodist("k", "Palermo", "nope", "mi"), "geo"),
    Twin(G, "dist", lambda k: k.dist("Palermo", "Catania", "KM"),
         lambda r: r.geodist("k", "Palermo", "Catania", "KM"), "geo"),
    # ---- streams ------------------------------------------------------------------------
    Twin(X, "add", lambda k: k.add({"f": "v", "g": "w"}, "9-1"),
         lambda r: r.xadd("k", {"f": "v", "g": "w"}, "9-1"), "stream missing string"),
    Twin(X, "add", lambda k: k.add({"f": "v"}, "1-0"),
         lambda r: r.xadd("k", {"f": "v"}, "1-0"), "stream"),
    Twin(X, "add", lambda k: k.add({"f": "v"}, "9-1", maxlen=2),
         lambda r: r.xadd("k", {"f": "v"}, "9-1", maxlen=2, approximate=False),
         "stream missing"),
    Twin(X, "add", lambda k: k.add({"f": "v"}, "9-1", maxlen=2, approximate=True),
         lambda r: r.xadd("k", {"f": "v"}, "9-1", maxlen=2), "stream"),
    Twin(X, "add", lambda k: k.add({"f": "v"}, "9-1", minid="2-1"),
         lambda r: r.xadd("k", {"f": "v"}, "9-1", minid="2-1", approximate=False),
         "stream"),
    Twin(X, "add", lambda k: k.add({"f": "v"}, "9-1", maxlen=2, minid="2-1"),
         lambda r: r.xadd("k", {"f": "v"}, "9-1", maxlen=2, minid="2-1"), "stream"),
    Twin(X, "add", lambda k: k.add({}), lambda r: r.xadd("k", {}), "stream"),
    Twin(X, "range", lambda k: k.range(), lambda r: r.xrange("k"), "stream missing string"),
    Twin(X, "range", lambda k: k.range("(1-1", "+", 1), lambda r: r.xrange("k", "(1-1", "+", 1),
         "stream"),
    Twin(X, "revrange", lambda k: k.revrange(), lambda r: r.xrevrange("k"),
         "stream missing string"),
    Twin(X, "revrange", lambda k: k.revrange("+", "-", 2),
         lambda r: r.xrevrange("k", "+", "-", 2), "stream"),
    Twin(X, "length", lambda k: k.length(), lambda r: r.xlen("k"), "stream missing string"),
    Twin(X, "trim", lambda k: k.trim(maxlen=1),
         lambda r: r.xtrim("k", maxlen=1, approximate=False), "stream missing string"),
    Twin(X, "trim", lambda k: k.trim(minid="2-1"),
         lambda r: r.xtrim("k", minid="2-1", approximate=False), "stream"),
    Twin(X, "trim", lambda k: k.trim(maxlen=1, approximate=True),
         lambda r: r.xtrim("k", maxlen=1), "stream"),
    Twin(X, "trim", lambda k: k.trim(), lambda r: r.xtrim("k"), "stream"),
    Twin(X, "ack", lambda k: k.ack("g", "1-1", "3-1", "9-9"),
         lambda r: r.xack("k", "g", "1-1", "3-1", "9-9"), "group stream missing string"),
    Twin(X, "remove", lambda k: k.remove("1-1", "9-9"), lambda r: r.xdel("k", "1-1", "9-9"),
         "stream group missing string"),
]

#: public key-object methods with no typed-API twin, and why
NO_TWIN: dict[tuple[type[RedisObj], str], str] = {
    (OBJ, "key"): "the key expression itself: no command",
    (OBJ, "redis_fn"): "any command by name: its API twin is execute_command, whose reply "
                     "shape is the command's own (tests/test_script_constructs.py)",
}


def key_classes() -> list[type[RedisObj]]:
    return [cls for _, cls in inspect.getmembers(keys, inspect.isclass)
            if issubclass(cls, RedisObj) and cls.__module__ == keys.__name__]


def public_methods(cls: type[RedisObj]) -> dict[str, Any]:
    """The public methods a class defines itself (inherited ones belong to the base)."""
    return {name: fn for name, fn in vars(cls).items()
            if not name.startswith("_") and inspect.isfunction(fn)}


def test_every_key_method_has_a_twin() -> None:
    covered = {(t.cls, t.method) for t in TWINS}
    missing = []
    for cls in key_classes():
        methods = public_methods(cls)
        for name, fn in methods.items():
            if (cls, name) in covered or (cls, name) in NO_TWIN:
                continue
            if any(fn is methods[other] and (cls, other) in covered for other in methods):
                continue  # an alias (``sadd = add``) of a covered method
            missing.append(f"{cls.__name__}.{name}")
    assert not missing, f"key-object methods without a twin case in TWINS: {missing}"
    for twin in TWINS:  # and no case names a method that is not there
        assert twin.method in public_methods(twin.cls), (twin.cls.__name__, twin.method)
        assert twin.states and all(s in STATES for s in twin.states.split()), twin


# ---- running a case -------------------------------------------------------------------------


def _norm(value: Any) -> Any:
    """Tuples as lists (a script answers JSON), sets sorted, bools kept apart from 1/0."""
    if isinstance(value, bool):
        return ("bool", value)
    if isinstance(value, list | tuple):
        return [_norm(v) for v in value]
    if isinstance(value, set | frozenset):
        return sorted(value)
    if isinstance(value, dict):
        return {k: _norm(v) for k, v in value.items()}
    return value


def _outcome(fn: Callable[[], Any]) -> tuple[str, Any]:
    try:
        return ("ok", _norm(fn()))
    except ScriptBuildError as err:
        return ("refused", str(err))
    except ResponseError as err:
        return ("error", str(err))
    except (ValueError, TypeError) as err:  # DataError is a TypeError
        return ("refused", str(err))


def _bucket(expire_at: int | None) -> int | None:
    """A deadline as whole tens of seconds from now (so 10 s and 100 s stay apart)."""
    if expire_at is None:
        return None
    return math.ceil((expire_at - time.time() * 1000) / 10_000)


def _stream_meta(meta: dict[str, Any]) -> dict[str, Any]:
    """A stream's state without the clocks (consumers' seen times, delivery times)."""
    groups = [{"name": g["name"], "last_id": g["last_id"],
               "consumers": sorted(c[0] for c in g["consumers"]),
               "pending": [[p[0], p[1], p[3]] for p in g["pending"]]}
              for g in meta["groups"]]
    return {**{k: v for k, v in meta.items() if k != "groups"}, "groups": groups}


def keyspace(r: redipy.Redis) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for key in sorted(r.records.iter_keys()):
        rec = r.records.read_record(key)
        if rec is None:
            continue
        value = rec.value
        if rec.type == "set":
            value = sorted(value)
        elif rec.type == "stream":
            value = {"entries": value["entries"], "meta": _stream_meta(value["meta"])}
        out[key] = (rec.type, value, _bucket(rec.expire_at))
    return out


def _prepare(r: redipy.Redis, state: str) -> None:
    r.flushall()
    for cmd in STATES[state]:
        r.execute_command(*cmd)


def _register(r: redipy.Redis, twin: Twin) -> tuple[Any, tuple[str, Any] | None]:
    ctx = FnContext()
    try:  # in a list: a script's top-level [] or {} answers None (0.7.1's rule)
        ctx.set_return_value([twin.script(twin.cls(ctx.add_key("k")))])
    except ScriptBuildError as err:
        return None, ("refused", str(err))
    return r.register_script(ctx), None


def _piped(r: redipy.Redis, twin: Twin) -> Any:
    with r.pipeline() as pipe:
        twin.api(pipe)
        (reply,) = pipe.execute()
    return reply


def _same(script: tuple[str, Any], other: tuple[str, Any]) -> bool:
    if script[0] == other[0] == "error":  # a script's error carries where it failed
        return bool(script[1].endswith(other[1]))
    return script == other


def _shaped(twin: Twin, out: tuple[str, Any]) -> tuple[str, Any]:
    if twin.shape is None or out[0] != "ok":
        return out
    raw = out[1][1] if isinstance(out[1], tuple) else out[1]  # undo _norm's bool tag
    return ("ok", _norm(twin.shape(raw)))


def _run(r: redipy.Redis, twin: Twin, how: str, fn: Any,
         refused: tuple[str, Any] | None) -> tuple[str, Any]:
    if how == "script":
        return refused or _outcome(lambda: fn(keys={"k": "k"}, args={})[0])
    if how == "api":
        return _shaped(twin, _outcome(lambda: twin.api(r)))
    return _shaped(twin, _outcome(lambda: _piped(r, twin)))


def _server_part(out: tuple[str, Any]) -> tuple[str, Any]:
    """A script error as the server's message alone (where it failed is reported from
    the Lua line on a server, from the statement on memory)."""
    if out[0] == "error":
        return ("error", out[1].rsplit("): ", 1)[-1])
    return out


def run_twins(r: redipy.Redis, seen: dict[str, Any] | None = None) -> list[str]:
    """Every case on ``r``; the disagreements found. ``seen`` collects each case's
    script answer and keyspace, to compare backends."""
    failures: list[str] = []
    for twin in TWINS:
        fn, refused = _register(r, twin)
        for state in twin.states.split():
            runs: list[tuple[str, tuple[str, Any], dict[str, Any]]] = []
            for how in ("script", "api", "pipeline"):
                _prepare(r, state)
                out = _run(r, twin, how, fn, refused)
                if twin.seconds:
                    out = _whole(out)
                if twin.unordered and out[0] == "ok":
                    out = ("ok", sorted(out[1]))
                runs.append((how, out, keyspace(r)))
            (_, s_out, s_keys), *others = runs
            name = f"{twin.cls.__name__}.{twin.method} on {state}"
            if seen is not None:
                seen[f"#{len(seen)} {name}"] = (_server_part(s_out), s_keys)
            for how, out, space in others:
                if not _same(s_out, out):
                    failures.append(f"{name}: script {s_out!r} != {how} {out!r}")
                if s_keys != space:
                    failures.append(f"{name}: keyspace after script {s_keys!r} "
                                    f"!= after {how} {space!r}")
    return failures


def test_key_objects_agree_with_their_twins(r: redipy.Redis) -> None:
    """Every case on this backend: same answer, same refusal or error, same keyspace."""
    failures = run_twins(r)
    assert not failures, "\n".join(failures)


def test_key_objects_on_memory_answer_as_on_valkey9(servers: dict[str, Server]) -> None:
    """The same cases' script answers and keyspaces on memory and on Valkey 9.1 (the
    ground truth the memory backend follows where servers differ)."""
    found: list[dict[str, Any]] = []
    for kind in ("memory", "valkey9"):
        client = make_client(kind, servers)
        seen: dict[str, Any] = {}
        run_twins(client, seen)
        client.close()
        found.append(seen)
    mem, server = found
    diffs = [f"{case}: memory {mem[case]!r} != valkey9 {server[case]!r}"
             for case in mem if mem[case] != server[case]]
    assert not diffs, "\n".join(diffs)
