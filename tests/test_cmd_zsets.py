"""Sorted set commands: the typed API on every backend, and raw parity with real servers."""

from __future__ import annotations

import math
import time

import pytest

import redipy
from redipy.commands import COMMANDS
from redipy.commands.zsets import COMMANDS as ZSET_COMMANDS
from redipy.errors import ResponseError, WrongTypeError
from tests.parity import Newest, fresh
from tests.servers import Server
from tests.test_cmd_sets import U, command_info, same

INF = math.inf


# ---- the command table ---------------------------------------------------------------


def test_table_matches_command_info(server: Server) -> None:
    """Arity and key positions of every sorted set command agree with COMMAND INFO."""
    for spec, info in zip(ZSET_COMMANDS, command_info(server, ZSET_COMMANDS)):
        if spec.name in ("ZRANK", "ZREVRANK") and server.version().startswith("7.0"):
            assert info[1] == 3  # before WITHSCORE (7.2+); we follow Valkey: -3
            continue
        assert spec.arity == info[1], spec.name
        first, last, step = info[3], info[4], info[5]
        if first == 0:
            continue  # numkeys commands: checked below
        argv = [spec.name, *(["k"] * 9)]
        want = list(range(first, (len(argv) + last if last < 0 else last) + 1, step))
        assert spec.key_positions(argv) == want, spec.name
    assert all(COMMANDS[spec.name] is spec for spec in ZSET_COMMANDS)
    spec = COMMANDS["ZUNIONSTORE"]
    assert spec.key_positions(["ZUNIONSTORE", "d", "2", "a", "b", "WEIGHTS", "1", "2"]) == [
        1, 3, 4]
    assert COMMANDS["ZMPOP"].key_positions(["ZMPOP", "2", "a", "b", "MIN"]) == [2, 3]
    assert COMMANDS["ZINTER"].key_positions(["ZINTER", "1", "a", "WITHSCORES"]) == [2]
    assert COMMANDS["ZRANGESTORE"].key_positions(["ZRANGESTORE", "d", "s", "0", "1"]) == [1, 2]


# ---- typed API, every backend -----------------------------------------------------------


def test_zadd_and_scores(r: redipy.Redis) -> None:
    assert r.zadd("z", {"a": 1, "b": 2.5, "c": -INF}) == 3
    assert r.zadd("z", {"a": 1, "d": INF}) == 1
    assert r.zcard("z") == 4
    assert r.zscore("z", "b") == 2.5
    assert r.zscore("z", "c") == -INF
    assert r.zscore("z", "nope") is None
    assert r.zmscore("z", ["a", "x", "d"]) == [1.0, None, INF]
    assert r.zadd("z", {"a": 5}, ch=True) == 1
    assert r.zadd("z", {"a": 3}, gt=True) == 0
    assert r.zadd("z", {"a": 3}, lt=True, ch=True) == 1
    assert r.zadd("z", {"a": 100, "e": 1}, nx=True) == 1
    assert r.zadd("z", {"a": 100, "f": 1}, xx=True, ch=True) == 1
    assert r.zadd("z", {"a": 1}, incr=True) == 101.0
    assert r.zadd("z", {"a": 1}, incr=True, nx=True) is None
    assert r.zadd("z", {"zz": 1}, incr=True, xx=True) is None
    assert r.zincrby("z", 2.5, "a") == 103.5
    assert r.zincrby("z", -1, "new") == -1.0
    assert r.zrank("z", "c") == 0
    assert r.zrevrank("z", "c") == r.zcard("z") - 1
    assert r.zrank("z", "nope") is None
    assert r.zrem("z", "a", "nope") == 1
    with pytest.raises(ResponseError, match="not a valid float"):
        r.zadd("z", {"x": "abc"})  # type: ignore[dict-item]
    with pytest.raises(ResponseError, match="NaN"):
        r.zincrby("z", -INF, "d")
    with pytest.raises(ResponseError, match="XX and NX"):
        r.zadd("z", {"x": 1}, nx=True, xx=True)


def test_zrange_forms(r: redipy.Redis) -> None:
    r.zadd("z", {"a": 1, "b": 2, "c": 3, "d": 4, "e": 5})
    assert r.zrange("z", 0, -1) == ["a", "b", "c", "d", "e"]
    assert r.zrange("z", 1, 2, withscores=True) == [("b", 2.0), ("c", 3.0)]
    assert r.zrange("z", 0, 1, desc=True) == ["e", "d"]
    assert r.zrange("z", "(1", 4, byscore=True) == ["b", "c", "d"]
    assert r.zrange("z", INF, "(3", byscore=True, desc=True) == ["e", "d"]
    assert r.zrange("z", -INF, INF, byscore=True, offset=1, num=2) == ["b", "c"]
    assert r.zrevrange("z", 0, 1) == ["e", "d"]
    assert r.zrevrange("z", 0, 0, withscores=True) == [("e", 5.0)]
    assert r.zrangebyscore("z", 2, 3) == ["b", "c"]
    assert r.zrangebyscore("z", "-inf", "+inf", 1, 1, withscores=True) == [("b", 2.0)]
    assert r.zrevrangebyscore("z", 3, 2) == ["c", "b"]
    assert r.zcount("z", "(1", 3) == 2
    r.zadd("lex", {m: 0 for m in ("a", "b", "c", "d")})
    assert r.zrangebylex("lex", "[b", "+") == ["b", "c", "d"]
    assert r.zrangebylex("lex", "-", "(c", 0, 1) == ["a"]
    assert r.zrevrangebylex("lex", "+", "(b") == ["d", "c"]
    assert r.zrange("lex", "[b", "[c", bylex=True) == ["b", "c"]
    assert r.zlexcount("lex", "-", "+") == 4
    assert r.zrangestore("dst", "z", 0, 1) == 2
    assert r.zrange("dst", 0, -1, withscores=True) == [("a", 1.0), ("b", 2.0)]
    assert r.zrangestore("dst", "z", 4, "(3", byscore=True, desc=True) == 1
    assert r.zrangestore("dst", "z", 10, 20) == 0
    assert r.exists("dst") == 0
    with pytest.raises(ValueError):
        r.zrangebyscore("z", 0, 1, start=1)


def test_zremrange(r: redipy.Redis) -> None:
    r.zadd("z", {"a": 1, "b": 2, "c": 3, "d": 4, "e": 5})
    assert r.zremrangebyrank("z", 0, 0) == 1
    assert r.zremrangebyscore("z", "(4", INF) == 1
    assert r.zrange("z", 0, -1) == ["b", "c", "d"]
    r.zadd("lex", {m: 0 for m in ("a", "b", "c")})
    assert r.zremrangebylex("lex", "[a", "(c") == 2
    assert r.zremrangebylex("lex", "-", "+") == 1
    assert r.exists("lex") == 0


def test_pops(r: redipy.Redis) -> None:
    assert r.zpop_min("z") == []
    r.zadd("z", {"a": 1, "b": 2, "c": 3, "d": 4})
    assert r.zpop_max("z") == [("d", 4.0)]
    assert r.zpop_min("z", 2) == [("a", 1.0), ("b", 2.0)]
    assert r.zpopmin("z") == [("c", 3.0)]
    assert r.exists("z") == 0
    r.zadd("z", {"a": 1, "b": 2, "c": 3})
    assert r.zpopmax("z", 2) == [("c", 3.0), ("b", 2.0)]
    assert r.zmpop(2, ["nope", "z"], min=True) == ("z", [("a", 1.0)])
    assert r.zmpop(1, ["z"], max=True, count=5) is None
    with pytest.raises(ValueError):
        r.zmpop(1, ["z"])


def test_algebra(r: redipy.Redis) -> None:
    r.zadd("a", {"x": 1, "y": 2, "z": 3})
    r.zadd("b", {"y": 10, "z": 20, "w": 5})
    r.sadd("s", "z", "q")
    assert r.zunion(["a", "b"]) == ["x", "w", "y", "z"]
    assert r.zunion(["a", "b"], withscores=True) == [
        ("x", 1.0), ("w", 5.0), ("y", 12.0), ("z", 23.0)]
    assert r.zunion({"a": 2, "b": 0.5}, aggregate="MAX", withscores=True) == [
        ("x", 2.0), ("w", 2.5), ("y", 5.0), ("z", 10.0)]
    assert r.zinter(["a", "b"], aggregate="min", withscores=True) == [("y", 2.0), ("z", 3.0)]
    assert r.zinter(["a", "s"], withscores=True) == [("z", 4.0)]
    assert r.zdiff(["a", "b"], withscores=True) == [("x", 1.0)]
    assert r.zunionstore("d", ["a", "s"]) == 4
    assert r.zrange("d", 0, -1, withscores=True) == [
        ("q", 1.0), ("x", 1.0), ("y", 2.0), ("z", 4.0)]
    assert r.zinterstore("d", {"a": 1, "b": 1}, aggregate="max") == 2
    assert r.zdiffstore("d", ["a", "a"]) == 0
    assert r.exists("d") == 0
    assert r.zintercard(2, ["a", "b"]) == 2
    assert r.zintercard(2, ["a", "b"], limit=1) == 1


def test_random_and_scan(r: redipy.Redis) -> None:
    assert r.zrandmember("nope") is None
    assert r.zrandmember("nope", 3) == []
    r.zadd("z", {"a": 1, "b": 2, "c": 3})
    assert r.zrandmember("z") in {"a", "b", "c"}
    got = r.zrandmember("z", 2, withscores=True)
    assert isinstance(got, list) and len(got) == 2
    assert all(dict([("a", 1.0), ("b", 2.0), ("c", 3.0)])[m] == s for m, s in got)  # type: ignore[misc]
    many = r.zrandmember("z", -7)
    assert isinstance(many, list) and len(many) == 7
    assert r.zscan("z") == (0, [("a", 1.0), ("b", 2.0), ("c", 3.0)])
    assert r.zscan("z", match="b") == (0, [("b", 2.0)])
    big = {f"m{i}": float(i) for i in range(500)}
    r.zadd("big", big)
    assert dict(r.zscan_iter("big", count=20)) == big


def test_wrong_type_and_arity(r: redipy.Redis) -> None:
    r.sadd("s", "a")
    with pytest.raises(WrongTypeError):
        r.zadd("s", {"a": 1})
    with pytest.raises(WrongTypeError):
        r.zrange("s", 0, -1)
    with pytest.raises(ResponseError, match="wrong number of arguments for 'zadd'"):
        r.zadd("z", {})
    with pytest.raises(ResponseError, match="wrong number of arguments for 'zrem'"):
        r.zrem("z")


def test_pipeline(r: redipy.Redis) -> None:
    with r.pipeline() as pipe:
        pipe.zadd("z", {"a": 1, "b": 2})
        pipe.zrange("z", 0, -1, withscores=True)
        pipe.zscore("z", "a")
        pipe.zmpop(1, ["z"], max=True)
        pipe.zadd("z", {"a": 1}, incr=True)
        got = pipe.execute()
    assert got == [2, [("a", 1.0), ("b", 2.0)], 1.0, ("z", [("b", 2.0)]), 2.0]


def test_prefixed_keys(servers: dict[str, Server]) -> None:
    """Key specs drive the prefix: numkeys commands and ZMPOP's returned key."""
    import redis as redis_py

    srv = servers["valkey"]
    raw = redis_py.Redis(port=srv.port, decode_responses=True)
    raw.flushall()
    r = redipy.Redis(cfg={"host": "127.0.0.1", "port": srv.port, "prefix": "p"})
    r.zadd("a", {"x": 1, "y": 2})
    r.zadd("b", {"y": 3})
    assert r.zunionstore("d", {"a": 2, "b": 1}) == 2
    assert r.zinter(["a", "b"], withscores=True) == [("y", 5.0)]
    assert r.zrangestore("e", "a", 0, 0) == 1
    assert r.zmpop(2, ["nope", "b"], min=True) == ("b", [("y", 3.0)])
    assert r.zintercard(2, ["a", "d"], limit=0) == 2
    assert sorted(raw.keys()) == ["p:a", "p:d", "p:e"]
    raw.close()
    r.close()


def test_zadd_is_logarithmic() -> None:
    """ZADD into a 200k-member set costs about what it costs into a 1k one."""

    def per_add(size: int) -> float:
        r = redipy.Redis()
        r.zadd("z", {f"m{i}": float(i) for i in range(size)})
        start = time.perf_counter()
        for i in range(2000):
            r.zadd("z", {f"new{i}": i + 0.5})
            r.zrank("z", f"new{i}")
        return (time.perf_counter() - start) / 2000

    small = min(per_add(1000) for _ in range(3))
    big = min(per_add(200_000) for _ in range(2))
    assert big < small * 10, (small, big)


# ---- raw parity --------------------------------------------------------------------------


def test_parity_zadd(servers: dict[str, Server]) -> None:
    same(
        servers,
        ("ZADD", "z", "1", "a", "2", "b"),
        ("ZADD", "z", "1", "a", "3", "a"),
        ("ZSCORE", "z", "a"),
        ("ZADD", "z", "CH", "3", "a", "4", "b", "5", "c"),
        ("ZADD", "z", "NX", "10", "a", "6", "d"),
        ("ZADD", "z", "XX", "10", "a", "6", "e"),
        ("ZADD", "z", "XX", "CH", "11", "a", "6", "e"),
        ("ZADD", "z", "GT", "CH", "5", "a", "12", "b"),
        ("ZADD", "z", "LT", "CH", "5", "a", "12", "b", "1", "new"),
        ("ZADD", "z", "XX", "GT", "CH", "100", "a", "1", "zz"),
        ("ZADD", "z", "INCR", "2.5", "a"),
        ("ZADD", "z", "INCR", "GT", "-1", "a"),
        ("ZADD", "z", "INCR", "LT", "-1", "a"),
        ("ZADD", "z", "INCR", "NX", "1", "a"),
        ("ZADD", "z", "INCR", "XX", "1", "missing"),
        ("ZADD", "nokey", "XX", "1", "a"),
        ("ZADD", "nokey", "XX", "INCR", "1", "a"),
        ("EXISTS", "nokey"),
        ("ZADD", "z", "INCR", "0", "a"),
        ("ZADD", "z", "incr", "ch", "0", "a"),
        ("ZADD", "z", "NX", "XX", "1", "a"),
        ("ZADD", "z", "NX", "GT", "1", "a"),
        ("ZADD", "z", "NX", "LT", "1", "a"),
        ("ZADD", "z", "GT", "LT", "1", "a"),
        ("ZADD", "z", "NX", "XX"),
        ("ZADD", "z", "NX", "XX", "1"),
        ("ZADD", "z", "1", "a", "2"),
        ("ZADD", "z", "INCR", "1", "a", "2", "b"),
        ("ZADD", "z", "1", "a", "NX", "b"),
        ("ZADD", "z", "1", "a", "x", "b"),
        ("ZADD", "z", "nan", "a"),
        ("ZADD", "z"),
        ("ZADD", "z", "1"),
        ("ZRANGE", "z", "0", "-1", "WITHSCORES"),
        ("ZINCRBY", "z", "1", "a"),
        ("ZINCRBY", "z", "-1.5", "fresh"),
        ("ZINCRBY", "z", "x", "a"),
        ("ZINCRBY", "z", "nx", "a"),
        ("ZINCRBY", "z", "incr", "a"),
        ("ZINCRBY", "z", "inf", "a"),
        ("ZINCRBY", "z", "-inf", "a"),
        ("ZINCRBY", "z", "inf", "a"),
        ("ZINCRBY", "z", "1", "a", "b"),
        ("ZRANGE", "z", "0", "-1", "WITHSCORES"),
    )


def test_parity_score_formats(servers: dict[str, Server]) -> None:
    same(
        servers,
        Newest(("ZADD", "hexz", "0x10", "hex")),
        ("ZADD", "z", "1e5", "exp", "-1E-3", "negexp", "+5", "plus",
         ".5", "dot", "5.", "dot2", "infinity", "inff", "-INF", "ninf", "1.5e+2", "e2"),
        ("ZADD", "z", "0.1", "tenth", "1e300", "huge", "4e-320", "tiny", "3.0", "three",
         "-0", "negzero", "123456789012345678", "big", "0.30000000000000004", "ieee"),
        ("ZRANGE", "z", "0", "-1", "WITHSCORES"),
        Newest(("ZADD", "spacez", " 1", "a")),
        ("ZADD", "z", "1 ", "a"),
        ("ZADD", "z", "", "a"),
        ("ZADD", "z", "1e400", "a"),
        ("ZADD", "z", "1e-400", "a"),
        ("ZADD", "z", "inf1", "a"),
        ("ZADD", "z", "1_0", "a"),
        ("ZADD", "z", "\uff11", "a"),  # a full-width digit one
        ("ZADD", "z", "NaN", "a"),
        Newest(("ZADD", "spacez", "0x", "a")),
        ("ZINCRBY", "z", "-0", "nz2"),
        ("ZADD", "z", "INCR", "-0", "nz3"),
        ("ZINCRBY", "z", "-0", "nz3"),
        ("ZSCORE", "z", "nz2"),
        ("ZADD", "w", "1", "x"),
        ("ZUNION", "1", "w", "WEIGHTS", "-0", "WITHSCORES"),
        ("ZUNIONSTORE", "d", "1", "w", "WEIGHTS", "-0"),
        ("ZRANGE", "d", "0", "-1", "WITHSCORES"),
        Newest(("ZSCORE", "hexz", "hex")),
        ("ZSCORE", "z", "inff"),
        ("ZMSCORE", "z", "ninf", "nope", "tenth"),
        ("ZMSCORE", "nope", "a", "b"),
        ("ZSCORE", "nope", "a"),
    )


def test_parity_equal_scores_and_unicode(servers: dict[str, Server]) -> None:
    same(
        servers,
        ("ZADD", "z", "1", "b", "1", "a", "1", "B", "1", "ü", "1", "日本", "1", "", "1", "aa",
         "0", "z", "2", "0"),
        ("ZRANGE", "z", "0", "-1", "WITHSCORES"),
        ("ZRANK", "z", "ü"),
        ("ZREVRANK", "z", "ü"),
        ("ZRANK", "z", ""),
        ("ZRANK", "z", "nope"),
        ("ZRANK", "nope", "a"),
        ("ZREVRANK", "nope", "a"),
        ("ZRANGE", "z", "0", "-1", "REV"),
        ("ZRANGEBYLEX", "z", "-", "+"),
        ("ZCARD", "z"),
        ("ZCARD", "nope"),
    )


def test_parity_rank_ranges(servers: dict[str, Server]) -> None:
    same(
        servers,
        ("ZADD", "z", "1", "a", "2", "b", "3", "c", "4", "d", "5", "e"),
        ("ZRANGE", "z", "0", "-1"),
        ("ZRANGE", "z", "1", "3", "WITHSCORES"),
        ("ZRANGE", "z", "-2", "-1"),
        ("ZRANGE", "z", "-100", "1"),
        ("ZRANGE", "z", "3", "100"),
        ("ZRANGE", "z", "3", "1"),
        ("ZRANGE", "z", "5", "10"),
        ("ZRANGE", "z", "0", "-6"),
        ("ZRANGE", "z", "0", "1", "REV", "WITHSCORES"),
        ("ZRANGE", "z", "-1", "-1", "REV"),
        ("ZRANGE", "z", "x", "1"),
        ("ZRANGE", "z", "0", "1.5"),
        ("ZRANGE", "z", "0", "1", "LIMIT", "0", "1"),
        ("ZRANGE", "z", "0", "1", "LIMIT", "0", "-1"),
        ("ZRANGE", "z", "0", "1", "LIMIT", "0"),
        ("ZRANGE", "z", "0", "1", "FOO"),
        ("ZRANGE", "z", "0", "1", "REV", "REV"),
        ("ZRANGE", "z", "0", "1", "BYSCORE", "BYLEX"),
        ("ZRANGE", "z", "0", "1", "withscores", "withscores"),
        ("ZRANGE", "nope", "0", "-1"),
        ("ZRANGE", "nope", "x", "-1"),
        ("ZREVRANGE", "z", "0", "1"),
        ("ZREVRANGE", "z", "0", "-1", "WITHSCORES"),
        ("ZREVRANGE", "z", "0", "1", "REV"),
        ("ZREVRANGE", "z", "0", "1", "BYSCORE"),
        ("ZREVRANGE", "z", "0", "1", "LIMIT", "0", "1"),
        ("ZREVRANGE", "z", "0"),
    )


def test_parity_score_ranges(servers: dict[str, Server]) -> None:
    same(
        servers,
        ("ZADD", "z", "-inf", "ninf", "1", "a", "2", "b", "2", "bb", "3", "c", "inf", "pinf"),
        ("ZRANGEBYSCORE", "z", "-inf", "+inf", "WITHSCORES"),
        ("ZRANGEBYSCORE", "z", "(1", "(3"),
        ("ZRANGEBYSCORE", "z", "(-inf", "(inf"),
        ("ZRANGEBYSCORE", "z", "inf", "inf"),
        ("ZRANGEBYSCORE", "z", "(inf", "inf"),
        ("ZRANGEBYSCORE", "z", "-inf", "-inf"),
        ("ZRANGEBYSCORE", "z", "2", "2"),
        ("ZRANGEBYSCORE", "z", "(2", "2"),
        ("ZRANGEBYSCORE", "z", "3", "1"),
        ("ZRANGEBYSCORE", "z", "", ""),
        ("ZRANGEBYSCORE", "z", "(", "+inf"),
        Newest(("ZRANGEBYSCORE", "z", " 1", "2")),
        Newest(("ZRANGEBYSCORE", "z", "0x1", "0x2")),
        ("ZRANGEBYSCORE", "z", "1e400", "1e500"),
        ("ZRANGEBYSCORE", "z", "-1e400", "1e-400"),
        ("ZRANGEBYSCORE", "z", "1 ", "2"),
        ("ZRANGEBYSCORE", "z", "nan", "2"),
        ("ZRANGEBYSCORE", "z", "[1", "2"),
        ("ZRANGEBYSCORE", "z", "((1", "2"),
        ("ZRANGEBYSCORE", "z", "  ", "2"),
        ("ZRANGEBYSCORE", "z", "-inf", "+inf", "LIMIT", "1", "2"),
        ("ZRANGEBYSCORE", "z", "-inf", "+inf", "LIMIT", "2", "-1", "WITHSCORES"),
        ("ZRANGEBYSCORE", "z", "-inf", "+inf", "LIMIT", "0", "0"),
        ("ZRANGEBYSCORE", "z", "-inf", "+inf", "LIMIT", "-1", "2"),
        ("ZRANGEBYSCORE", "z", "-inf", "+inf", "LIMIT", "6", "2"),
        ("ZRANGEBYSCORE", "z", "-inf", "+inf", "LIMIT", "100", "2"),
        ("ZRANGEBYSCORE", "z", "2", "3", "LIMIT", "2", "5"),
        ("ZRANGEBYSCORE", "z", "2", "3", "LIMIT", "3", "5"),
        ("ZRANGEBYSCORE", "z", "-inf", "+inf", "LIMIT", "x", "2"),
        ("ZRANGEBYSCORE", "z", "-inf", "+inf", "LIMIT", "1"),
        ("ZRANGEBYSCORE", "z", "-inf", "+inf", "REV"),
        ("ZRANGEBYSCORE", "z", "-inf", "+inf", "BYSCORE"),
        ("ZRANGEBYSCORE", "nope", "x", "1"),
        ("ZRANGEBYSCORE", "nope", "0", "1"),
        ("ZREVRANGEBYSCORE", "z", "+inf", "-inf", "WITHSCORES"),
        ("ZREVRANGEBYSCORE", "z", "(3", "(1"),
        ("ZREVRANGEBYSCORE", "z", "1", "3"),
        ("ZREVRANGEBYSCORE", "z", "+inf", "-inf", "LIMIT", "1", "2"),
        ("ZREVRANGEBYSCORE", "z", "2", "-inf", "LIMIT", "1", "-1"),
        ("ZREVRANGEBYSCORE", "z", "2", "-inf", "LIMIT", "-1", "-1"),
        ("ZRANGE", "z", "(1", "3", "BYSCORE"),
        ("ZRANGE", "z", "3", "(1", "BYSCORE", "REV", "WITHSCORES"),
        ("ZRANGE", "z", "(1", "3", "BYSCORE", "REV"),
        ("ZRANGE", "z", "-inf", "inf", "BYSCORE", "LIMIT", "1", "3", "REV"),
        ("ZRANGE", "z", "a", "3", "BYSCORE"),
        ("ZCOUNT", "z", "-inf", "+inf"),
        ("ZCOUNT", "z", "(1", "3"),
        ("ZCOUNT", "z", "2", "2"),
        ("ZCOUNT", "z", "3", "1"),
        ("ZCOUNT", "z", "x", "1"),
        ("ZCOUNT", "nope", "1", "2"),
        ("ZCOUNT", "nope", "x", "2"),
    )


def test_parity_lex_ranges(servers: dict[str, Server]) -> None:
    members = ["a", "aa", "ab", "b", "c", "d", "e", "ü", "日本", ""]
    add: list[str] = []
    for member in members:
        add += ["0", member]
    same(
        servers,
        ("ZADD", "z", *add),
        ("ZRANGEBYLEX", "z", "-", "+"),
        ("ZRANGEBYLEX", "z", "[a", "[b"),
        ("ZRANGEBYLEX", "z", "(a", "(b"),
        ("ZRANGEBYLEX", "z", "[", "(a"),
        ("ZRANGEBYLEX", "z", "(", "+"),
        ("ZRANGEBYLEX", "z", "[aa", "[aa"),
        ("ZRANGEBYLEX", "z", "(aa", "[aa"),
        ("ZRANGEBYLEX", "z", "[c", "[a"),
        ("ZRANGEBYLEX", "z", "+", "-"),
        ("ZRANGEBYLEX", "z", "-", "-"),
        ("ZRANGEBYLEX", "z", "+", "+"),
        ("ZRANGEBYLEX", "z", "[ü", "+"),
        ("ZRANGEBYLEX", "z", "[b", "+", "LIMIT", "1", "2"),
        ("ZRANGEBYLEX", "z", "[b", "+", "LIMIT", "1", "-1"),
        ("ZRANGEBYLEX", "z", "[b", "+", "LIMIT", "-1", "2"),
        ("ZRANGEBYLEX", "z", "-", "+", "LIMIT", "20", "2"),
        ("ZRANGEBYLEX", "z", "-", "[c", "LIMIT", "4", "10"),
        ("ZRANGEBYLEX", "z", "-", "[c", "LIMIT", "6", "10"),
        ("ZRANGEBYLEX", "z", "a", "+"),
        ("ZRANGEBYLEX", "z", "[a", "b"),
        ("ZRANGEBYLEX", "z", "", "+"),
        ("ZRANGEBYLEX", "z", "-x", "+"),
        ("ZRANGEBYLEX", "z", "++", "+"),
        ("ZRANGEBYLEX", "z", "-", "+", "WITHSCORES"),
        ("ZRANGEBYLEX", "z", "-", "+", "LIMIT", "1"),
        ("ZRANGEBYLEX", "nope", "-", "+"),
        ("ZRANGEBYLEX", "nope", "x", "+"),
        ("ZREVRANGEBYLEX", "z", "+", "-"),
        ("ZREVRANGEBYLEX", "z", "[b", "[a"),
        ("ZREVRANGEBYLEX", "z", "(d", "(a", "LIMIT", "1", "2"),
        ("ZREVRANGEBYLEX", "z", "-", "+"),
        ("ZREVRANGEBYLEX", "z", "[c", "-", "LIMIT", "3", "10"),
        ("ZRANGE", "z", "[b", "[d", "BYLEX"),
        ("ZRANGE", "z", "[d", "[b", "BYLEX", "REV"),
        ("ZRANGE", "z", "-", "+", "BYLEX", "LIMIT", "2", "3"),
        ("ZRANGE", "z", "-", "+", "BYLEX", "WITHSCORES"),
        ("ZLEXCOUNT", "z", "-", "+"),
        ("ZLEXCOUNT", "z", "[a", "(b"),
        ("ZLEXCOUNT", "z", "(e", "+"),
        ("ZLEXCOUNT", "z", "[c", "[a"),
        ("ZLEXCOUNT", "z", "x", "+"),
        ("ZLEXCOUNT", "nope", "-", "+"),
    )


def test_parity_lex_with_mixed_scores(servers: dict[str, Server]) -> None:
    """Undefined by the docs; we follow what a server does for a small (listpack) set."""
    same(
        servers,
        ("ZADD", "z", "1", "d", "2", "a", "3", "c", "4", "b", "5", "e"),
        ("ZRANGEBYLEX", "z", "[b", "[d"),
        ("ZRANGEBYLEX", "z", "[a", "+"),
        ("ZRANGEBYLEX", "z", "-", "[c"),
        ("ZRANGEBYLEX", "z", "[c", "+", "LIMIT", "1", "3"),
        ("ZRANGEBYLEX", "z", "(a", "[e"),
        ("ZREVRANGEBYLEX", "z", "[d", "[b"),
        ("ZREVRANGEBYLEX", "z", "+", "[c"),
        ("ZREVRANGEBYLEX", "z", "+", "-", "LIMIT", "2", "2"),
        ("ZLEXCOUNT", "z", "[b", "[d"),
        ("ZLEXCOUNT", "z", "-", "+"),
        ("ZLEXCOUNT", "z", "[c", "+"),
        ("ZRANGESTORE", "d", "z", "[a", "[d", "BYLEX"),
        ("ZRANGE", "d", "0", "-1", "WITHSCORES"),
        ("ZREMRANGEBYLEX", "z", "[b", "[d"),
        ("ZRANGE", "z", "0", "-1", "WITHSCORES"),
    )


def test_parity_zrangestore(servers: dict[str, Server]) -> None:
    same(
        servers,
        ("ZADD", "z", "1", "a", "2", "b", "3", "c", "4", "d"),
        ("ZRANGESTORE", "d", "z", "0", "1"),
        ("ZRANGE", "d", "0", "-1", "WITHSCORES"),
        ("ZRANGESTORE", "d", "z", "(1", "+inf", "BYSCORE", "LIMIT", "1", "5"),
        ("ZRANGE", "d", "0", "-1", "WITHSCORES"),
        ("ZRANGESTORE", "d", "z", "+inf", "-inf", "BYSCORE", "REV", "LIMIT", "0", "1"),
        ("ZRANGE", "d", "0", "-1", "WITHSCORES"),
        ("ZRANGESTORE", "d", "z", "0", "-1", "REV"),
        ("ZRANGE", "d", "0", "-1", "WITHSCORES"),
        ("ZRANGESTORE", "d", "z", "10", "20"),
        ("EXISTS", "d"),
        ("ZRANGESTORE", "d", "nope", "0", "-1"),
        ("ZRANGESTORE", "d", "z", "0", "-1", "WITHSCORES"),
        ("ZRANGESTORE", "d", "z", "0", "-1", "LIMIT", "0", "1"),
        ("ZRANGESTORE", "d", "z", "0"),
        ("ZRANGESTORE", "z", "z", "1", "2"),
        ("ZRANGE", "z", "0", "-1"),
        ("SADD", "s", "x"),
        ("ZRANGESTORE", "d", "s", "0", "-1"),
        ("ZRANGESTORE", "s", "z", "0", "-1"),
        ("TYPE", "s"),
    )


def test_parity_remove(servers: dict[str, Server]) -> None:
    same(
        servers,
        ("ZADD", "z", "1", "a", "2", "b", "3", "c", "4", "d", "5", "e", "6", "f"),
        ("ZREM", "z", "a", "nope", "a"),
        ("ZREM", "nope", "a"),
        ("ZREMRANGEBYRANK", "z", "0", "0"),
        ("ZREMRANGEBYRANK", "z", "-1", "-1"),
        ("ZREMRANGEBYRANK", "z", "5", "10"),
        ("ZREMRANGEBYRANK", "z", "2", "1"),
        ("ZREMRANGEBYRANK", "z", "x", "1"),
        ("ZREMRANGEBYRANK", "nope", "0", "1"),
        ("ZREMRANGEBYRANK", "nope", "x", "1"),
        ("ZRANGE", "z", "0", "-1"),
        ("ZREMRANGEBYSCORE", "z", "(3", "4"),
        ("ZREMRANGEBYSCORE", "z", "10", "1"),
        ("ZREMRANGEBYSCORE", "z", "x", "1"),
        ("ZREMRANGEBYSCORE", "nope", "1", "1"),
        ("ZRANGE", "z", "0", "-1"),
        ("ZREMRANGEBYSCORE", "z", "-inf", "+inf"),
        ("EXISTS", "z"),
        ("ZADD", "l", "0", "a", "0", "b", "0", "c"),
        ("ZREMRANGEBYLEX", "l", "(a", "+"),
        ("ZREMRANGEBYLEX", "l", "x", "+"),
        ("ZREMRANGEBYLEX", "nope", "-", "+"),
        ("ZREMRANGEBYLEX", "l", "-", "+"),
        ("EXISTS", "l"),
        ("ZADD", "one", "1", "a"),
        ("ZREM", "one", "a", "b"),
        ("EXISTS", "one"),
        ("ZREM", "one"),
    )


def test_parity_pops(servers: dict[str, Server]) -> None:
    same(
        servers,
        ("ZADD", "z", "1", "a", "2", "b", "3", "c", "3", "cc", "4", "d"),
        ("ZPOPMIN", "z"),
        ("ZPOPMAX", "z"),
        ("ZPOPMAX", "z", "2"),
        ("ZPOPMIN", "z", "0"),
        ("ZPOPMIN", "z", "-1"),
        ("ZPOPMIN", "z", "x"),
        ("ZPOPMIN", "z", "1", "2"),
        ("ZPOPMIN", "z", "10"),
        ("EXISTS", "z"),
        ("ZPOPMIN", "nope"),
        ("ZPOPMAX", "nope", "3"),
        ("ZPOPMAX", "nope", "0"),
        ("ZPOPMAX", "nope", "-1"),
        ("ZADD", "z", "1", "a", "2", "b", "3", "c"),
        ("ZADD", "y", "5", "q"),
        ("ZMPOP", "2", "nope", "z", "MIN"),
        ("ZMPOP", "2", "z", "y", "max", "COUNT", "5"),
        ("ZMPOP", "2", "z", "y", "MAX"),
        ("ZMPOP", "2", "z", "y", "MAX"),
        ("ZMPOP", "2", "z", "y", "MAX"),
        ("ZMPOP", "0", "z", "MIN"),
        ("ZMPOP", "-1", "z", "MIN"),
        ("ZMPOP", "x", "z", "MIN"),
        ("ZMPOP", "3", "z", "MIN"),
        ("ZMPOP", "1", "z", "FOO"),
        ("ZMPOP", "1", "z", "MIN", "COUNT"),
        ("ZMPOP", "1", "z", "MIN", "COUNT", "0"),
        ("ZMPOP", "1", "z", "MIN", "COUNT", "-1"),
        ("ZMPOP", "1", "z", "MIN", "COUNT", "x"),
        ("ZMPOP", "1", "z", "MIN", "COUNT", "1", "COUNT", "1"),
        ("ZMPOP", "1", "z", "MIN", "FOO"),
        ("ZMPOP", "1", "z"),
    )


def test_parity_algebra(servers: dict[str, Server]) -> None:
    same(
        servers,
        ("ZADD", "a", "1", "x", "2", "y", "3", "z", "-inf", "ni", "inf", "pi"),
        ("ZADD", "b", "10", "y", "20", "z", "5", "w", "inf", "ni", "-inf", "pi"),
        ("SADD", "s", "z", "q", "x"),
        ("ZUNION", "2", "a", "b", "WITHSCORES"),
        ("ZUNION", "3", "a", "b", "s", "WITHSCORES"),
        ("ZUNION", "2", "a", "b", "WEIGHTS", "2", "0.5", "WITHSCORES"),
        ("ZUNION", "2", "a", "b", "WEIGHTS", "0", "1", "WITHSCORES"),
        ("ZUNION", "2", "a", "b", "AGGREGATE", "MIN", "WITHSCORES"),
        ("ZUNION", "2", "a", "b", "aggregate", "max", "withscores"),
        ("ZUNION", "2", "a", "nope", "WITHSCORES"),
        ("ZUNION", "1", "nope"),
        ("ZUNION", "2", "a", "b", "WEIGHTS", "1", "WITHSCORES"),
        ("ZUNION", "2", "a", "b", "WEIGHTS", "1", "x"),
        ("ZUNION", "2", "a", "b", "WEIGHTS", "1", "nan"),
        ("ZUNION", "2", "a", "b", "AGGREGATE", "AVG"),
        ("ZUNION", "2", "a", "b", "AGGREGATE"),
        ("ZUNION", "2", "a", "b", "FOO"),
        ("ZUNION", "0", "a"),
        ("ZUNION", "-1", "a"),
        ("ZUNION", "x", "a"),
        ("ZUNION", "3", "a", "b"),
        ("ZINTER", "2", "a", "b", "WITHSCORES"),
        ("ZINTER", "2", "a", "s", "WITHSCORES"),
        ("ZINTER", "2", "a", "a", "WITHSCORES"),
        ("ZINTER", "2", "a", "b", "WEIGHTS", "1", "-1", "AGGREGATE", "MAX", "WITHSCORES"),
        ("ZINTER", "2", "a", "b", "WEIGHTS", "0", "0", "WITHSCORES"),
        ("ZINTER", "2", "a", "nope"),
        ("ZINTER", "0", "a"),
        ("ZDIFF", "2", "a", "b", "WITHSCORES"),
        ("ZDIFF", "2", "a", "s", "WITHSCORES"),
        ("ZDIFF", "1", "a"),
        ("ZDIFF", "2", "nope", "a"),
        ("ZDIFF", "2", "a", "a"),
        ("ZDIFF", "2", "s", "a", "WITHSCORES"),
        ("ZDIFF", "2", "a", "b", "WEIGHTS", "1", "2"),
        ("ZDIFF", "2", "a", "b", "AGGREGATE", "SUM"),
        ("ZDIFF", "0", "a"),
        ("ZUNIONSTORE", "d", "2", "a", "b", "WEIGHTS", "1", "2"),
        ("ZRANGE", "d", "0", "-1", "WITHSCORES"),
        ("ZUNIONSTORE", "d", "2", "a", "b", "WITHSCORES"),
        ("ZUNIONSTORE", "d", "0", "a"),
        ("ZUNIONSTORE", "d", "1", "nope"),
        ("EXISTS", "d"),
        ("ZINTERSTORE", "d", "2", "a", "s"),
        ("ZRANGE", "d", "0", "-1", "WITHSCORES"),
        ("ZINTERSTORE", "d", "2", "a", "nope"),
        ("EXISTS", "d"),
        ("ZINTERSTORE", "d", "0", "a"),
        ("ZDIFFSTORE", "d", "2", "a", "b"),
        ("ZRANGE", "d", "0", "-1", "WITHSCORES"),
        ("ZDIFFSTORE", "d", "1", "a", "WITHSCORES"),
        ("ZDIFFSTORE", "d", "0", "a"),
        ("ZDIFFSTORE", "d", "2", "a", "a"),
        ("EXISTS", "d"),
        ("ZUNIONSTORE", "a", "2", "a", "b"),
        ("ZRANGE", "a", "0", "-1", "WITHSCORES"),
        ("ZUNIONSTORE", "s", "1", "b"),
        ("TYPE", "s"),
    )


def test_parity_zintercard(servers: dict[str, Server]) -> None:
    same(
        servers,
        ("ZADD", "a", "1", "x", "2", "y", "3", "z"),
        ("ZADD", "b", "1", "y", "2", "z", "3", "w"),
        ("SADD", "s", "z"),
        ("ZINTERCARD", "2", "a", "b"),
        ("ZINTERCARD", "2", "a", "b", "LIMIT", "1"),
        ("ZINTERCARD", "2", "a", "b", "LIMIT", "0"),
        ("ZINTERCARD", "3", "a", "b", "s"),
        ("ZINTERCARD", "2", "a", "nope"),
        ("ZINTERCARD", "2", "a", "b", "LIMIT", "-1"),
        ("ZINTERCARD", "2", "a", "b", "LIMIT"),
        ("ZINTERCARD", "2", "a", "b", "WITHSCORES"),
        ("ZINTERCARD", "2", "a", "b", "WEIGHTS", "1", "1"),
        ("ZINTERCARD", "0", "a"),
        ("ZINTERCARD", "3", "a", "b"),
    )


def test_parity_wrong_type(servers: dict[str, Server]) -> None:
    same(
        servers,
        ("LPUSH", "l", "x"),
        ("SADD", "s", "x"),
        ("ZADD", "z", "1", "x"),
        ("ZADD", "l", "1", "x"),
        ("ZADD", "l", "XX", "1", "x"),
        ("ZADD", "l", "x", "x"),
        ("ZINCRBY", "s", "1", "x"),
        ("ZREM", "l", "x"),
        ("ZSCORE", "s", "x"),
        ("ZMSCORE", "s", "x"),
        ("ZRANK", "l", "x"),
        ("ZREVRANK", "l", "x"),
        ("ZCARD", "s"),
        ("ZCOUNT", "s", "0", "1"),
        ("ZLEXCOUNT", "s", "-", "+"),
        ("ZRANGE", "s", "0", "1"),
        ("ZRANGE", "s", "0", "1", "BYSCORE"),
        ("ZRANGE", "s", "0", "1", "FOO"),
        ("ZRANGEBYSCORE", "s", "0", "1"),
        ("ZRANGEBYLEX", "s", "-", "+"),
        ("ZREVRANGE", "s", "0", "1"),
        ("ZRANGESTORE", "d", "s", "0", "1"),
        ("ZPOPMIN", "s"),
        ("ZPOPMAX", "s", "0"),
        ("ZMPOP", "2", "nope", "s", "MIN"),
        ("ZMPOP", "2", "z", "s", "MIN"),
        ("ZREMRANGEBYRANK", "s", "0", "1"),
        ("ZREMRANGEBYSCORE", "s", "0", "1"),
        ("ZREMRANGEBYLEX", "s", "-", "+"),
        ("ZUNION", "2", "z", "l"),
        ("ZUNION", "2", "l", "z", "FOO"),
        ("ZINTER", "2", "nope", "l"),
        ("ZDIFF", "2", "nope", "l"),
        ("ZUNIONSTORE", "d", "1", "l"),
        ("ZRANDMEMBER", "s"),
        ("ZRANDMEMBER", "s", "1"),
        ("ZRANDMEMBER", "s", "0"),
        ("ZSCAN", "s", "0"),
        ("ZSCAN", "s", "x"),
        ("SADD", "z", "x"),
        ("TYPE", "d"),
    )


def test_parity_zrandmember(servers: dict[str, Server]) -> None:
    same(
        servers,
        ("ZRANDMEMBER", "nope"),
        ("ZRANDMEMBER", "nope", "3"),
        ("ZRANDMEMBER", "nope", "-3", "WITHSCORES"),
        ("ZRANDMEMBER", "nope", "x"),
        ("ZRANDMEMBER", "nope", "1", "FOO"),
        ("ZADD", "z", "1", "a", "2", "b", "3", "c"),
        ("ZADD", "one", "1.5", "only"),
        ("ZRANDMEMBER", "one"),
        ("ZRANDMEMBER", "one", "-3", "WITHSCORES"),
        ("ZRANDMEMBER", "one", "5", "withscores"),
        (U, "ZRANDMEMBER", "z", "3"),
        (U, "ZRANDMEMBER", "z", "10"),
        ("ZRANDMEMBER", "z", "0"),
        ("ZRANDMEMBER", "z", "0", "WITHSCORES"),
        ("ZRANDMEMBER", "z", "x"),
        ("ZRANDMEMBER", "z", "1", "WITHSCORE"),
        ("ZRANDMEMBER", "z", "1", "WITHSCORES", "x"),
        ("ZRANDMEMBER", "z", "-9223372036854775808"),
        ("ZRANDMEMBER", "z", "4611686018427387904", "WITHSCORES"),
        ("ZRANDMEMBER", "z", "-4611686018427387904", "WITHSCORES"),
        ("ZRANDMEMBER", "nope", "4611686018427387903", "WITHSCORES"),
        ("ZRANDMEMBER", "nope", "-4611686018427387903", "WITHSCORES"),
    )


def test_parity_zscan(servers: dict[str, Server]) -> None:
    same(
        servers,
        ("ZSCAN", "nope", "0"),
        ("ZSCAN", "nope", "x"),
        ("ZSCAN", "nope", "0", "COUNT", "0"),
        ("ZADD", "z", "3", "c", "1", "a", "2", "b", "2", "ab", "inf", "ü", "0.1", "t"),
        ("ZSCAN", "z", "0"),
        ("ZSCAN", "z", "0", "MATCH", "a*"),
        ("ZSCAN", "z", "0", "COUNT", "1"),
        ("ZSCAN", "z", "0", "MATCH", "?", "COUNT", "100"),
        ("ZSCAN", "z", "5"),
        ("ZSCAN", "z", "0", "COUNT", "0"),
        ("ZSCAN", "z", "0", "COUNT", "x"),
        ("ZSCAN", "z", "0", "MATCH"),
        ("ZSCAN", "z", "0", "FOO"),
        ("ZSCAN", "z", "1.0"),
    )


def test_parity_large_sets(servers: dict[str, Server]) -> None:
    """Past 128 members servers switch to a skiplist; the answers must not change.

    (Not covered: a negative LIMIT offset, which gives nothing on Redis 7.0 and on any
    listpack, but counts back from the end of the range on Valkey 8's skiplist; the
    memory backend gives nothing.)"""
    scored: list[str] = []
    for i in range(300):
        scored += [str(i % 37), f"m{i:03d}"]
    lex: list[str] = []
    for i in range(300):
        lex += ["0", f"w{i:03d}"]
    same(
        servers,
        ("ZADD", "z", *scored),
        ("ZADD", "l", *lex),
        ("ZCARD", "z"),
        ("ZRANGE", "z", "100", "110", "WITHSCORES"),
        ("ZRANGE", "z", "-5", "-1", "REV"),
        ("ZRANK", "z", "m150"),
        ("ZREVRANK", "z", "m150"),
        ("ZRANGEBYSCORE", "z", "(10", "12", "LIMIT", "3", "5"),
        ("ZRANGEBYSCORE", "z", "10", "12", "LIMIT", "20", "-1"),
        ("ZRANGEBYSCORE", "z", "10", "12", "LIMIT", "400", "5"),
        ("ZREVRANGEBYSCORE", "z", "12", "(10", "LIMIT", "2", "3", "WITHSCORES"),
        ("ZCOUNT", "z", "(5", "7"),
        ("ZRANGEBYLEX", "l", "[w100", "(w110"),
        ("ZRANGEBYLEX", "l", "(w100", "+", "LIMIT", "5", "3"),
        ("ZRANGEBYLEX", "l", "-", "+", "LIMIT", "298", "10"),
        ("ZREVRANGEBYLEX", "l", "(w200", "[w190", "LIMIT", "1", "4"),
        ("ZLEXCOUNT", "l", "[w050", "(w250"),
        ("ZREMRANGEBYLEX", "l", "[w050", "(w250"),
        ("ZCARD", "l"),
        ("ZREMRANGEBYRANK", "z", "10", "-10"),
        ("ZRANGE", "z", "0", "-1", "WITHSCORES"),
        ("ZREMRANGEBYSCORE", "z", "0", "(1"),
        ("ZPOPMIN", "z", "3"),
        ("ZPOPMAX", "z", "3"),
        ("ZMPOP", "1", "l", "MAX", "COUNT", "4"),
        ("ZUNIONSTORE", "u", "2", "z", "l", "WEIGHTS", "2", "3"),
        ("ZRANGE", "u", "0", "20", "WITHSCORES"),
        ("ZINTERCARD", "2", "u", "l", "LIMIT", "10"),
    )


def test_zrandmember_distinct(r: redipy.Redis) -> None:
    r.zadd("z", {f"m{i}": i for i in range(300)})
    for count in (1, 50, 150, 299, 300):
        got = r.zrandmember("z", count)
        assert isinstance(got, list) and len(set(got)) == len(got) == count


def test_rank_ranges_across_sublists(r: redipy.Redis) -> None:
    """ZRANGE / ZREVRANGE by rank on a set big enough to span many of SortedList's
    sublists (the memory backend slices the first and last one directly)."""
    members = {f"m{i:05d}": float(i // 3) for i in range(5000)}
    r.zadd("big", members)
    model = [m for m, _ in sorted(members.items(), key=lambda kv: (kv[1], kv[0]))]
    ranges = [(0, 9), (0, 0), (-10, -1), (995, 1005), (999, 1000), (0, -1), (4990, 6000),
              (-6000, 3), (2500, 2499), (-1, -1), (3990, 4010), (1, 998)]
    for start, end in ranges:
        lo = max(start + 5000 if start < 0 else start, 0)
        hi = min(end + 5000 if end < 0 else end, 4999)
        want = model[lo:hi + 1] if lo <= hi else []
        want_rev = model[::-1][lo:hi + 1] if lo <= hi else []
        assert r.zrange("big", start, end) == want, (start, end)
        assert r.zrevrange("big", start, end) == want_rev, (start, end)
    assert r.zrange("big", 0, 2, withscores=True) == [("m00000", 0.0), ("m00001", 0.0),
                                                      ("m00002", 0.0)]
    assert r.zrevrange("big", 0, 1, withscores=True) == [("m04999", 1666.0),
                                                         ("m04998", 1666.0)]


LONG = "x" * 65  # past zset-max-listpack-value: the set is a skiplist from then on


def test_parity_negative_zero_follows_the_encoding(servers: dict[str, Server]) -> None:
    """A listpack reads -0 back as 0; a skiplist keeps the sign, for good once converted,
    and only a *STORE result that fits is small again."""
    many = [x for i in range(130) for x in ("1", f"m{i:03d}")]
    same(
        servers,
        ("ZADD", "s", "-0", "a", "0.1", "b"),
        ("ZSCORE", "s", "a"),
        ("ZADD", "s", "-0", LONG),               # converts: a stays 0, the new one -0
        ("ZSCORE", "s", "a"),
        ("ZSCORE", "s", LONG),
        ("ZINCRBY", "s", "-0", "c"),
        ("ZSCORE", "s", "c"),
        ("ZADD", "big", *many),
        ("ZADD", "big", "-0", "neg"),
        ("ZSCORE", "big", "neg"),
        ("ZRANGE", "big", "0", "0", "WITHSCORES"),
        ("ZREMRANGEBYRANK", "big", "1", "-1"),    # one member left: still a skiplist
        ("ZADD", "big", "-0", "neg2"),
        ("ZSCORE", "big", "neg2"),
        ("ZUNIONSTORE", "u", "1", "big"),         # fits: small again, -0 read back as 0
        ("ZSCORE", "u", "neg2"),
        ("ZRANGESTORE", "r2", "big", "0", "-1"),  # by rank, fits: small, -0 read as 0
        ("ZSCORE", "r2", "neg2"),
        ("ZRANGE", "r2", "0", "-1", "WITHSCORES"),
        ("ZSCAN", "r2", "0"),
        ("ZRANGESTORE", "r3", "big", "1", "1"),
        ("ZRANGE", "r3", "0", "-1", "WITHSCORES"),
        ("ZRANGESTORE", "r", "s", "0", "-1"),     # holds the long member: a skiplist
        ("ZSCORE", "r", LONG),
        ("ZSCORE", "r", "a"),
        ("ZADD", "grow", *many[:256]),           # 128 members: the listpack's limit
        ("ZADD", "grow", "-0", "x"),             # the 129th converts it
        ("ZSCORE", "grow", "x"),
    )


def test_parity_zscan_of_a_skiplist(servers: dict[str, Server]) -> None:
    """ZSCAN pages a skiplist's hash table and writes its scores with 17 digits (%.17g);
    a listpack's come whole, as ZSCORE writes them (Redis 7.0 writes 17 digits there
    too: compared loosely)."""
    same(
        servers,
        ("ZADD", "l", "0.1", "p", "-0", LONG),
        (U, "ZSCAN", "l", "0"),
        (U, "ZSCAN", "l", "0", "MATCH", "p"),
        ("ZADD", "s", "0.1", "p", "-0", "q"),
        ("ZSCAN", "s", "0"),
    )
    big = [x for i in range(200) for x in (str(i / 10), f"m{i:03d}")]
    for kind in ("memory", *servers):
        client = fresh(kind, servers)
        client.execute_command("ZADD", "z", *big)
        seen: dict[str, str] = {}
        cursor = "0"
        while True:
            cursor, page = client.execute_command("ZSCAN", "z", cursor, "COUNT", "20")
            seen.update(zip(page[::2], page[1::2]))
            if cursor == "0":
                break
        assert seen == {f"m{i:03d}": f"{i / 10:.17g}" for i in range(200)}, kind
        client.close()


def _newer(servers: dict[str, Server]) -> dict[str, Server]:
    """The servers that have ZRANK WITHSCORE and HSCAN NOVALUES (not Redis 7.0)."""
    return {k: s for k, s in servers.items() if not s.version().startswith("7.0")}


def test_parity_zrank_withscore(servers: dict[str, Server]) -> None:
    """ZRANK / ZREVRANK WITHSCORE (Valkey 7.2+); Redis 7.0 answers its arity error."""
    same(
        _newer(servers),
        ("ZADD", "z", "1", "a", "2.5", "b", "-0", "c", "inf", "d", "0.1", "e"),
        ("ZRANK", "z", "b", "WITHSCORE"), ("ZREVRANK", "z", "b", "WITHSCORE"),
        ("ZRANK", "z", "d", "withscore"), ("ZRANK", "z", "e", "WITHSCORE"),
        ("ZRANK", "z", "c", "WITHSCORE"), ("ZRANK", "z", "nope", "WITHSCORE"),
        ("ZRANK", "nope", "a", "WITHSCORE"), ("ZRANK", "nope", "a", "WITHSCORES"),
        ("ZRANK", "z", "a", "WITHSCORES"), ("ZRANK", "z", "a", "WITHSCORE", "x"),
        ("ZREVRANK", "z", "a", "x"), ("ZRANK", "z", "a"), ("ZREVRANK", "z", "a"),
        ("SET", "s", "x"), ("ZRANK", "s", "a", "WITHSCORE"), ("ZRANK", "s", "a", "FOO"),
        ("ZADD", "big", "-0", LONG), ("ZRANK", "big", LONG, "WITHSCORE"),
    )
    if "redis" in servers:
        old = fresh("redis", servers)
        old.execute_command("ZADD", "z", "1", "a")
        with pytest.raises(ResponseError) as info:
            old.execute_command("ZRANK", "z", "a", "WITHSCORE")
        assert str(info.value) == "ERR wrong number of arguments for 'zrank' command"
        old.close()


def test_zrank_withscore_typed(servers: dict[str, Server]) -> None:
    for kind in ("memory", *_newer(servers)):
        r = fresh(kind, servers)
        r.zadd("z", {"a": 1.0, "b": 2.5})
        assert r.zrank("z", "b", withscore=True) == (1, 2.5)
        assert r.zrevrank("z", "b", withscore=True) == (0, 2.5)
        assert r.zrank("z", "x", withscore=True) is None
        assert r.zrank("z", "b") == 1
        with r.pipeline() as pipe:
            pipe.zrank("z", "a", withscore=True)
            assert pipe.execute() == [(0, 1.0)]
        r.close()
