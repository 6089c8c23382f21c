"""String and bitmap commands: the typed API on every backend, raw replies compared
with real servers (every error path), and the number formatting that has to match
the servers digit for digit (doubles through fpconv/Grisu2, INCRBYFLOAT through
80-bit long doubles)."""

from __future__ import annotations

import datetime
import random
import struct
import time
from collections.abc import Sequence
from typing import Any

import pytest
import redis as redis_py

import redipy
from redipy.errors import ResponseError, WrongTypeError
from redipy.memory.numbers import (
    format_double,
    format_long_double,
    incr_by_float,
    parse_double,
    parse_int,
    parse_long_double,
)
from tests.parity import Newest, assert_same, fresh
from tests.servers import Server

FAR_S = 4_102_444_800  # 2100-01-01T00:00:00Z
FAR_MS = FAR_S * 1000
WRONGTYPE = "WRONGTYPE Operation against a key holding the wrong kind of value"


def only(servers: dict[str, Server], *kinds: str) -> dict[str, Server]:
    """The servers of the given kinds (for behaviour that changed after Redis 7.0)."""
    return {kind: srv for kind, srv in servers.items() if kind in kinds}


def raw_client(server: Server) -> redis_py.Redis:
    """A redis-py client that hands back raw RESP2 replies (no float parsing)."""
    client = redis_py.Redis(port=server.port, decode_responses=True, protocol=2,
                            encoding_errors="surrogateescape")
    client.response_callbacks = {}  # type: ignore[assignment]
    return client


# ---- typed API on every backend ---------------------------------------------------------


def test_set_value_and_get_value(r: redipy.Redis) -> None:
    assert r.get_value("a") is None
    assert r.set_value("a", "1") is True
    assert r.get_value("a") == "1"
    assert r.set_value("a", "2", mode=redipy.RSM_MISSING) is False
    assert r.set_value("b", "2", mode=redipy.RSM_EXISTS) is False
    assert r.get_value("b") is None
    assert r.set_value("a", "3", mode=redipy.RSM_EXISTS) is True
    assert r.set_value("a", "4", return_previous=True) == "3"
    assert r.set_value("c", "x", return_previous=True) is None
    assert r.set_value("a", "5", mode=redipy.RSM_MISSING, return_previous=True) == "4"
    assert r.get_value("a") == "4"
    assert r.set_value("ü", "日本語 ✓") is True
    assert r.get_value("ü") == "日本語 ✓"
    with pytest.raises(ValueError):
        r.set_value("a", "x", expire_in=1.0,
                    expire_timestamp=datetime.datetime.now() + datetime.timedelta(seconds=5))
    with pytest.raises(ValueError):
        r.set_value("a", "x", mode="sometimes")  # type: ignore[call-overload]


def test_set_value_expiry(r: redipy.Redis) -> None:
    assert r.set_value("a", "1", expire_in=0.15) is True
    assert r.set_value("b", "1", expire_in=1000.0) is True
    r.set_value("b", "2", keep_ttl=True)
    ttl = r.ttl("b")
    assert ttl is not None and 990 < ttl <= 1000
    r.set_value("b", "3")
    assert r.ttl("b") == -1.0
    when = datetime.datetime.now(datetime.UTC) + datetime.timedelta(seconds=0.15)
    assert r.set_value("c", "1", expire_timestamp=when) is True
    past = datetime.datetime(2000, 1, 1, tzinfo=datetime.UTC)
    assert r.set_value("d", "1", expire_timestamp=past) is True
    assert r.get_value("d") is None
    time.sleep(0.3)
    assert r.get_value("a") is None
    assert r.get_value("c") is None
    assert r.get_value("b") == "3"
    with pytest.raises(ResponseError, match="invalid expire time in 'set' command"):
        r.set_value("e", "1", expire_in=0.0)


def test_incrby_071(r: redipy.Redis) -> None:
    assert r.incrby("n", 5) == 5.0
    assert isinstance(r.incrby("n", 1), float)
    assert r.incrby("n", 0.5) == 6.5
    assert r.get_value("n") == "6.5"
    assert r.incrby("f", 0.1) == 0.1
    assert r.incrby("f", 0.2) == pytest.approx(0.3)
    assert r.get_value("f") == "0.3"
    # 0.7.1's arithmetic: an int adds to a value holding a float (INCRBYFLOAT either way)
    assert r.incrby("f", 1) == pytest.approx(1.3) and r.get_value("f") == "1.3"
    r.set_value("s", "abc")
    with pytest.raises(ResponseError, match="not a valid float"):
        r.incrby("s", 1)
    with pytest.raises(ResponseError, match="not a valid float"):
        r.incrby("s", 1.0)


def test_get_set_redis_py_style(r: redipy.Redis) -> None:
    assert r.get("a") is None
    assert r.set("a", "1") is True
    assert r.set("a", 2, nx=True) is False
    assert r.set("a", 3, xx=True) is True
    assert r.get("a") == "3"
    assert r.set("a", 4.5, get=True) == "3"
    assert r.get("a") == "4.5"
    assert r.set("b", "x", get=True) is None
    assert r.set("c", "v", ex=100) is True
    assert 0 < (r.ttl("c") or 0) <= 100
    assert r.set("c", "w", keepttl=True) is True
    assert 0 < (r.ttl("c") or 0) <= 100
    assert r.set("c", "w", px=datetime.timedelta(seconds=50)) is True
    assert 0 < (r.ttl("c") or 0) <= 50
    assert r.set("d", "v", exat=FAR_S) is True
    assert r.set("e", "v", pxat=datetime.datetime(2100, 1, 1, tzinfo=datetime.UTC))
    assert (r.ttl("e") or 0) > 1e8
    assert r.set("f", "v", ex=datetime.timedelta(hours=1)) is True
    with pytest.raises(ResponseError, match="syntax error"):
        r.set("a", "v", nx=True, xx=True)
    with pytest.raises(ResponseError, match="syntax error"):
        r.set("a", "v", ex=1, px=1000)


def test_getdel_getex_getset(r: redipy.Redis) -> None:
    r.set("a", "1")
    assert r.getdel("a") == "1"
    assert r.getdel("a") is None
    assert r.exists("a") == 0
    r.set("b", "2")
    assert r.getex("b", ex=100) == "2"
    assert 0 < (r.ttl("b") or 0) <= 100
    assert r.getex("b", persist=True) == "2"
    assert r.ttl("b") == -1.0
    assert r.getex("b", px=datetime.timedelta(seconds=30)) == "2"
    assert 0 < (r.ttl("b") or 0) <= 30
    assert r.getex("b", exat=FAR_S) == "2"
    assert r.getex("b", pxat=FAR_MS) == "2"
    assert r.getex("b") == "2"
    assert r.getex("missing", ex=10) is None
    assert r.getex("b", exat=1) == "2"
    assert r.get("b") is None
    assert r.getset("c", "new") is None
    r.expire("c", expire_in=100)
    assert r.getset("c", "newer") == "new"
    assert r.ttl("c") == -1.0
    r.lpush("l", "x")
    for call in (lambda: r.getdel("l"), lambda: r.getex("l"), lambda: r.getset("l", "v")):
        with pytest.raises(WrongTypeError):
            call()


def test_multi_key(r: redipy.Redis) -> None:
    assert r.mset({"a": "1", "b": 2, "ü": "日本"}) is True
    assert r.mget(["a", "b", "c", "ü"]) == ["1", "2", None, "日本"]
    assert r.mget("a", "b") == ["1", "2"]
    r.lpush("l", "x")
    assert r.mget(["a", "l"]) == ["1", None]
    assert r.msetnx({"x": "1", "a": "2"}) is False
    assert r.get("x") is None
    assert r.msetnx({"x": "1", "y": "2"}) is True
    assert r.mget(["x", "y"]) == ["1", "2"]
    assert r.setnx("x", "9") is False
    assert r.setnx("z", "9") is True
    assert r.get("z") == "9"


def test_setex_psetex(r: redipy.Redis) -> None:
    assert r.setex("a", 100, "v") is True
    assert 0 < (r.ttl("a") or 0) <= 100
    assert r.psetex("b", 100_000, "v") is True
    assert 0 < (r.ttl("b") or 0) <= 100
    assert r.setex("c", datetime.timedelta(minutes=1), "v") is True
    assert r.psetex("d", datetime.timedelta(milliseconds=80), "v") is True
    with pytest.raises(ResponseError, match="invalid expire time in 'setex' command"):
        r.setex("e", 0, "v")
    with pytest.raises(ResponseError, match="invalid expire time in 'psetex' command"):
        r.psetex("e", -5, "v")
    time.sleep(0.2)
    assert r.get("d") is None
    assert r.get("c") == "v"


def test_append_strlen_ranges(r: redipy.Redis) -> None:
    assert r.append("a", "Hello") == 5
    assert r.append("a", " Wörld") == 12
    assert r.strlen("a") == 12
    assert r.strlen("missing") == 0
    assert r.get("a") == "Hello Wörld"
    assert r.getrange("a", 0, 4) == "Hello"
    assert r.getrange("a", -5, -1) == "örld"
    assert r.getrange("a", 6, 8) == "Wö"
    assert r.getrange("a", 0, -1) == "Hello Wörld"
    assert r.getrange("missing", 0, -1) == ""
    assert r.setrange("a", 6, "World!") == 12
    assert r.get("a") == "Hello World!"
    assert r.setrange("p", 3, "x") == 4
    assert r.get("p") == "\x00\x00\x00x"
    assert r.setrange("q", 3, "") == 0
    assert r.exists("q") == 0
    r.set("u", "日")
    assert r.getrange("u", 0, 0) == "\udce6"  # half a character: raw bytes as escapes


def test_append_joins_raw_bytes() -> None:
    """Raw bytes on both sides of an APPEND that form one UTF-8 character are stored
    as that character, as a server (which stores bytes) would hand it back.
    (Memory only: redis-py with hiredis cannot send lone surrogates.)"""
    r = redipy.Redis()
    r.set("h", b"\xe6\x97")
    assert r.get("h") == "\udce6\udc97"
    assert r.append("h", b"\xa5") == 3
    assert r.get("h") == "日"
    assert r.strlen("h") == 3
    assert r.append("h", b"\xe6") == 4
    assert r.append("h", "x") == 5
    assert r.get("h") == "日\udce6x"


def test_counters(r: redipy.Redis) -> None:
    assert r.incr("n") == 1
    assert r.incr("n", 10) == 11
    assert r.decr("n") == 10
    assert r.decr("n", 20) == -10
    assert r.decrby("n", 5) == -15
    assert r.incrbyfloat("n", 0.25) == -14.75
    assert r.incrbyfloat("f") == 1.0
    assert r.get("f") == "1"
    r.set("n", str((1 << 63) - 1))
    with pytest.raises(ResponseError, match="increment or decrement would overflow"):
        r.incr("n")
    r.set("s", "1.5")
    with pytest.raises(ResponseError, match="value is not an integer or out of range"):
        r.incr("s")
    r.lpush("l", "x")
    with pytest.raises(WrongTypeError):
        r.incr("l")
    with pytest.raises(WrongTypeError):
        r.incrbyfloat("l", 1.0)


def test_bits(r: redipy.Redis) -> None:
    assert r.setbit("b", 7, 1) == 0
    assert r.setbit("b", 7, True) == 1
    assert r.getbit("b", 7) == 1
    assert r.getbit("b", 6) == 0
    assert r.getbit("b", 1000) == 0
    assert r.get("b") == "\x01"
    assert r.setbit("b", 0, 1) == 0
    assert r.get("b") == "\udc81"  # byte 0x81 is not UTF-8: kept as an escape
    assert r.strlen("b") == 1
    r.set("f", "foobar")
    assert r.bitcount("f") == 26
    assert r.bitcount("f", 0, 0) == 4
    assert r.bitcount("f", 1, 1) == 6
    assert r.bitcount("f", 5, 30, "BIT") == 17
    assert r.bitcount("missing") == 0
    r.set("p", "\xff\xf0\x00")
    assert r.bitpos("p", 0) == 2
    assert r.bitpos("p", 1, 2) == 16
    assert r.bitpos("p", 0, 0, 0) == 2
    assert r.bitpos("p", 1, 5, 30, "BIT") == 6
    assert r.bitpos("missing", 1) == -1
    assert r.bitpos("missing", 0) == 0
    with pytest.raises(ResponseError, match="bit offset is not an integer or out of range"):
        r.setbit("b", -1, 1)
    with pytest.raises(ResponseError, match=r"The bit argument must be 1 or 0\."):
        r.bitpos("p", 2)
    with pytest.raises(ValueError):
        r.bitcount("f", end=3)


def test_pipeline(r: redipy.Redis) -> None:
    with r.pipeline() as pipe:
        pipe.set_value("a", "1")
        pipe.set_value("a", "2", return_previous=True)
        pipe.get_value("a")
        pipe.incrby("n", 2)
        pipe.incrby("n", 0.5)
        pipe.mset({"x": "1", "y": "2"})
        pipe.mget(["x", "y", "z"])
        pipe.setnx("x", "3")
        pipe.strlen("x")
        pipe.setbit("bits", 3, 1)
        pipe.bitcount("bits")
        pipe.set("q", "v", get=True)
        pipe.incrbyfloat("fl", 1.5)
        assert pipe.execute() == [
            True, "1", "2", 2.0, 2.5, True, ["1", "2", None], False, 1, 0, 1, None, 1.5]


def test_key_prefix(servers: dict[str, Server]) -> None:
    """Every key position of the table gets the prefix (MSET's are every other one)."""
    for srv in servers.values():
        raw = redis_py.Redis(port=srv.port, decode_responses=True)
        raw.flushall()
        client = redipy.Redis(url=srv.url, prefix="ns")
        client.mset({"a": "1", "b": "2"})
        assert client.msetnx({"c": "3", "d": "4"}) is True
        assert client.mget(["a", "b", "c", "d"]) == ["1", "2", "3", "4"]
        client.set_value("e", "5")
        client.incrby("f", 1)
        client.setbit("g", 1, 1)
        assert sorted(raw.keys("*")) == ["ns:a", "ns:b", "ns:c", "ns:d", "ns:e", "ns:f", "ns:g"]
        assert raw.get("ns:b") == "2"
        client.close()
        raw.close()


# ---- raw parity with the servers ----------------------------------------------------------


def test_parity_set_options(servers: dict[str, Server]) -> None:
    assert_same(servers, [
        ("SET", "k", "v"), ("SET", "k", "v", "NX"), ("SET", "k", "w", "XX"), ("GET", "k"),
        ("SET", "n", "v", "XX"), ("SET", "k", "v", "NX", "XX"), ("SET", "k", "v", "XX", "NX"),
        ("SET", "k", "v", "nx", "nx"), ("SET", "k", "v", "GET", "GET"),
        ("SET", "k", "v", "KEEPTTL", "KEEPTTL"), ("SET", "k", "v", "ex", "10", "EX", "20"),
        ("TTL", "k"),
        ("SET", "k", "v", "EX"), ("SET", "k", "v", "PX"), ("SET", "k", "v", "EXAT"),
        ("SET", "k", "v", "PXAT"), ("SET", "k", "v", "KEEPTTL", "EX", "10"),
        ("SET", "k", "v", "EX", "10", "KEEPTTL"), ("SET", "k", "v", "EX", "10", "PX", "10"),
        ("SET", "k", "v", "PX", "10", "EXAT", "10"), ("SET", "k", "v", "EXAT", "10", "PXAT", "1"),
        ("SET", "k", "v", "PXAT", "1", "EX", "1"), ("SET", "k", "v", "PERSIST"),
        ("SET", "k", "v", "foo"), ("SET", "k", "v", "GET", "foo"), ("SET", "k", "v", "ĝet"),
        ("SET", "k", "v", "EX", "0"), ("SET", "k", "v", "EX", "-1"), ("SET", "k", "v", "PX", "0"),
        ("SET", "k", "v", "EXAT", "0"), ("SET", "k", "v", "PXAT", "-5"),
        ("SET", "k", "v", "EX", "abc"), ("SET", "k", "v", "EX", "1.5"),
        ("SET", "k", "v", "EX", " 1"), ("SET", "k", "v", "EX", "+1"),
        ("SET", "k", "v", "EX", "9223372036854775807"), ("SET", "k", "v", "EX", "9223372036854775"),
        ("SET", "k", "v", "PX", "9223372036854775807"),
        ("SET", "k", "v", "EXAT", "9223372036854776"),
        ("SET", "k", "v", "EX", "9223372036854775808"),
        ("SET", "k", "v", "EX", "0", "NX", "XX"),
        ("GET", "k"),
        ("SET", "k", "v", "EX", "100000"), ("TTL", "k"), ("SET", "k", "w", "KEEPTTL"), ("TTL", "k"),
        ("SET", "k", "x", "XX"), ("TTL", "k"), ("SET", "k", "y", "PX", "100000000"), ("TTL", "k"),
        ("SET", "k", "z", "EXAT", str(FAR_S)), ("EXPIRETIME", "k"),
        ("SET", "k", "z", "PXAT", str(FAR_MS + 5)), ("PEXPIRETIME", "k"),
        ("SET", "k", "gone", "EXAT", "1"), ("GET", "k"), ("EXISTS", "k"),
        ("SET", "k", "v", "PXAT", "1", "GET"), ("SET", "k", "v", "EXAT", "1", "GET"), ("GET", "k"),
        ("SET", "k", "v", "GET"), ("SET", "k", "w", "GET"), ("SET", "k", "x", "NX", "GET"),
        ("SET", "k", "y", "XX", "GET"), ("SET", "k2", "y", "XX", "GET"), ("GET", "k2"),
        ("SET", "k3", "y", "NX", "GET"), ("GET", "k3"),
        ("set", "K", "v", "Nx", "gEt", "eX", "100"), ("TTL", "K"),
    ])


def test_parity_set_wrongtype(servers: dict[str, Server]) -> None:
    assert_same(servers, [
        ("RPUSH", "l", "a"),
        ("SET", "l", "x", "GET"), ("SET", "l", "x", "NX", "GET"), ("SET", "l", "x", "XX", "GET"),
        ("SET", "l", "x", "NX"), ("SET", "l", "x", "EX", "0", "GET"),
        ("SET", "l", "x", "EX", "abc", "GET"), ("SET", "l", "x", "FOO", "GET"),
        ("TYPE", "l"), ("SET", "l", "x", "XX", "EX", "100"), ("TYPE", "l"), ("TTL", "l"),
        ("RPUSH", "l2", "a"), ("SET", "l2", "x"), ("GET", "l2"),
        ("RPUSH", "l3", "a"), ("SETNX", "l3", "x"), ("GETSET", "l3", "x"), ("MSETNX", "l3", "1"),
        ("MSET", "l3", "1"), ("GET", "l3"),
    ])


def test_parity_get_family(servers: dict[str, Server]) -> None:
    assert_same(servers, [
        ("GET", "k"), ("GETDEL", "k"), ("GETEX", "k"), ("GETSET", "k", "v"), ("GETSET", "k", "w"),
        ("GETEX", "k", "EX", "100"), ("TTL", "k"), ("GETEX", "k", "PERSIST"), ("TTL", "k"),
        ("GETEX", "k", "PX", "100000"), ("GETEX", "k", "EXAT", str(FAR_S)), ("EXPIRETIME", "k"),
        ("GETEX", "k", "PXAT", str(FAR_MS)), ("PEXPIRETIME", "k"),
        ("GETEX", "k", "EX", "10", "EX", "20"), ("TTL", "k"),
        ("GETEX", "k", "PERSIST", "PERSIST"), ("TTL", "k"),
        ("GETEX", "k", "EX", "0"), ("GETEX", "k", "PX", "-1"), ("GETEX", "k", "EX", "abc"),
        ("GETEX", "k", "EX"), ("GETEX", "k", "EX", "10", "PERSIST"),
        ("GETEX", "k", "PERSIST", "EX", "10"), ("GETEX", "k", "KEEPTTL"), ("GETEX", "k", "NX"),
        ("GETEX", "k", "XX"), ("GETEX", "k", "GET"), ("GETEX", "k", "FOO"),
        ("GETEX", "k", "EX", "9223372036854775"),
        Newest(("GETEX", "missing", "EX", "0")), Newest(("GETEX", "missing", "EX", "abc")),
        ("GETEX", "missing", "FOO"), ("GETEX", "missing", "NX"),
        ("GETEX", "k", "EXAT", "1"), ("EXISTS", "k"),
        ("SET", "k", "v", "EX", "100"), ("GETSET", "k", "x"), ("TTL", "k"),
        ("GETDEL", "k"), ("GETDEL", "k"), ("EXISTS", "k"),
        ("RPUSH", "l", "a"), ("GET", "l"), ("GETDEL", "l"), ("GETEX", "l"),
        Newest(("GETEX", "l", "EX", "0")), ("GETEX", "l", "FOO"), ("GETSET", "l", "v"),
        ("TYPE", "l"),
        ("GET", "ü"), ("SET", "ü", "日本語 🎉"), ("GET", "ü"), ("GETDEL", "ü"),
        ("SET", "e", ""), ("GET", "e"), ("GETEX", "e"), ("EXISTS", "e"),
    ])


def test_parity_multi(servers: dict[str, Server]) -> None:
    assert_same(servers, [
        ("MSET", "a"), ("MSET", "a", "1", "b"), ("MSETNX", "a", "1", "b"), ("mset", "a"),
        ("MSET", "a", "1", "a", "2"), ("GET", "a"),
        ("MSET", "a", "1", "b", "2", "ü", "ö"), ("MGET", "a", "b", "ü", "nope"),
        ("MSETNX", "x", "1", "y", "2"), ("MSETNX", "x", "1", "q", "2"), ("GET", "q"),
        ("MSETNX", "n1", "1", "n1", "2"), ("GET", "n1"),
        ("RPUSH", "l", "a"), ("MGET", "a", "l", "nope", "x"), ("MSETNX", "l", "1"),
        ("SET", "t", "v", "EX", "100"), ("MSET", "t", "w"), ("TTL", "t"),
        ("SET", "t", "v", "EX", "100"), ("MSET", "l", "s"), ("GET", "l"),
        ("SETNX", "a", "1"), ("SETNX", "new", "1"), ("SETNX", "new", "2"), ("GET", "new"),
        ("SETEX", "s", "100", "v"), ("TTL", "s"), ("PSETEX", "p", "100000", "v"), ("TTL", "p"),
        ("SETEX", "s", "0", "v"), ("SETEX", "s", "-1", "v"), ("SETEX", "s", "abc", "v"),
        ("PSETEX", "s", "0", "v"), ("PSETEX", "s", "x", "v"),
        ("SETEX", "s", "9223372036854775", "v"), ("PSETEX", "s", "9223372036854775807", "v"),
        ("SETEX", "l", "10", "v"), ("GET", "l"), ("TTL", "l"), ("GET", "s"),
    ])


def test_parity_append_strlen(servers: dict[str, Server]) -> None:
    assert_same(servers, [
        ("APPEND", "a", "héllo"), ("APPEND", "a", ""), ("APPEND", "a", " 日本"), ("GET", "a"),
        ("STRLEN", "a"), ("APPEND", "b", ""), ("EXISTS", "b"), ("STRLEN", "b"),
        ("STRLEN", "nope"), ("SET", "t", "v", "EX", "100"), ("APPEND", "t", "x"), ("TTL", "t"),
        ("RPUSH", "l", "x"), ("APPEND", "l", "x"), ("STRLEN", "l"),
        ("SETBIT", "h", "0", "1"), ("SETBIT", "h", "1", "1"), ("SETBIT", "h", "2", "1"),
        ("GET", "h"), ("APPEND", "h", "x"), ("GET", "h"), ("STRLEN", "h"),
        ("APPEND", "h", "日"), ("GET", "h"), ("GETRANGE", "h", "1", "2"),
    ])


def test_parity_getrange(servers: dict[str, Server]) -> None:
    ranges = [("0", "-1"), ("-3", "-1"), ("-1", "-3"), ("5", "3"), ("-100", "-50"),
              ("-100", "2"), ("0", "100"), ("20", "100"), ("-1", "-1"), ("0", "-100"),
              ("3", "3"), ("9223372036854775807", "9223372036854775807"),
              ("-9223372036854775808", "-9223372036854775808"), ("-9223372036854775808", "5"),
              ("1", "1"), ("1", "2"), ("0", "-2"), ("2", "-3"), ("-4", "-2")]
    cmds: list[tuple[str, ...]] = [("SET", "k", "Hello World"), ("SET", "u", "héllo 日本"),
                                   ("SET", "e", "")]
    for key in ("k", "u", "e", "missing"):
        cmds += [("GETRANGE", key, a, b) for a, b in ranges]
    cmds += [("GETRANGE", "k", "x", "1"), ("GETRANGE", "k", "1", "1.5"),
             ("GETRANGE", "missing", "x", "-1"), ("GETRANGE", "k", "9223372036854775808", "1"),
             ("RPUSH", "l", "a"), ("GETRANGE", "l", "0", "1"), ("GETRANGE", "l", "x", "1")]
    assert_same(servers, cmds)


def test_parity_substr(servers: dict[str, Server]) -> None:
    """SUBSTR is GETRANGE's older name: same replies, same errors, its own arity error."""
    cmds: list[tuple[str, ...]] = [("SET", "k", "Hello World"), ("SET", "u", "héllo 日本")]
    for key in ("k", "u", "missing"):
        cmds += [("SUBSTR", key, a, b) for a, b in
                 [("0", "-1"), ("-3", "-1"), ("5", "3"), ("-100", "2"), ("1", "1")]]
    cmds += [("SUBSTR", "k", "x", "1"), ("SUBSTR", "k", "0"), ("SUBSTR", "k", "0", "1", "2"),
             ("RPUSH", "l", "a"), ("SUBSTR", "l", "0", "1")]
    assert_same(servers, cmds)


def test_parity_setrange(servers: dict[str, Server]) -> None:
    assert_same(servers, [
        ("SETRANGE", "m", "0", ""), ("EXISTS", "m"), ("SETRANGE", "m", "5", ""),
        ("SETRANGE", "m", "-1", "x"), ("SETRANGE", "m", "-1", ""), ("SETRANGE", "m", "x", "a"),
        ("SETRANGE", "m", "1.0", "a"),
        ("SETRANGE", "m", "536870912", "x"), ("SETRANGE", "m", "536870912", ""),
        ("SETRANGE", "m", "536870911", "xy"), ("SETRANGE", "m", "9223372036854775807", "x"),
        ("SETRANGE", "m", "9223372036854775808", "x"),
        ("SETRANGE", "m", "3", "ab"), ("GET", "m"), ("SETRANGE", "m", "1", "Z"), ("GET", "m"),
        ("SETRANGE", "m", "10", "end"), ("GET", "m"), ("SETRANGE", "m", "0", ""),
        ("SETRANGE", "m", "536870912", ""), ("SETRANGE", "m", "536870911", "xy"),
        ("RPUSH", "l", "a"), ("SETRANGE", "l", "0", "x"), ("SETRANGE", "l", "-1", "x"),
        ("SETRANGE", "l", "0", ""), ("SETRANGE", "l", "536870912", "x"),
        ("SET", "u", "日本"), ("SETRANGE", "u", "1", "x"), ("GET", "u"),
        ("SETRANGE", "u", "3", "é"), ("GET", "u"), ("STRLEN", "u"),
        ("SETRANGE", "u", "0", "\xe6"), ("GET", "u"),
        ("SET", "t", "v", "EX", "100"), ("SETRANGE", "t", "0", "w"), ("TTL", "t"), ("GET", "t"),
    ])


def test_parity_counters(servers: dict[str, Server]) -> None:
    cmds: list[tuple[str, ...]] = [
        ("INCR", "m"), ("INCRBY", "m", "x"), ("INCRBY", "m", "9223372036854775806"),
        ("INCR", "m"), ("DECRBY", "m", "-1"), ("INCRBY", "m", "0"), ("GET", "m"),
        ("SET", "m", "-9223372036854775808"), ("DECR", "m"), ("INCRBY", "m", "-1"),
        ("DECRBY", "m", "-9223372036854775808"), ("DECRBY", "z", "-9223372036854775808"),
        ("DECRBY", "z", "9223372036854775807"), ("DECR", "z"), ("DECR", "z"),
        ("INCRBY", "z", "9223372036854775807"), ("INCRBY", "z", "9223372036854775808"),
        ("INCRBY", "z", "-9223372036854775809"),
        ("INCRBY", "s", "1.5"), ("INCRBY", "s", " 2"), ("INCRBY", "s", "+2"),
        ("INCRBY", "s", "02"), ("INCRBY", "s", "-0"), ("INCRBY", "s", ""),
        ("SET", "t", "5", "EX", "100"), ("INCR", "t"), ("TTL", "t"), ("DECRBY", "t", "3"),
        ("TTL", "t"), ("GET", "t"),
        ("RPUSH", "l", "a"), ("INCR", "l"), ("DECR", "l"), ("INCRBY", "l", "x"),
        ("DECRBY", "l", "-9223372036854775808"), ("INCRBY", "l", "1"),
    ]
    for bad in (" 1", "1 ", "01", "+1", "1.0", "-0", "\u0661", "", "abc", "1e3",
                "99999999999999999999", "9223372036854775808", "-9223372036854775809", "0x10",
                "1\x00"):
        cmds += [("SET", "s", bad), ("INCR", "s"), ("DECRBY", "s", "1"), ("GET", "s")]
    for good in ("0", "-1", "9223372036854775807", "-9223372036854775808", "42"):
        cmds += [("SET", "g", good), ("INCRBY", "g", "0"), ("DECR", "g"), ("INCR", "g")]
    assert_same(servers, cmds)


INCRBYFLOAT_VALUES = [
    "0", "1", "-1", "0.1", "0.2", "-0.3", "1.5e300", "-1.5e300", "1e4000", "-1e4000", "1e4932",
    "1.2e4932", "1e-4940", "1e-4950", "1e-5000", "3.6e-4951", "1.9e-4951", "inf", "-inf",
    "Infinity", "+inf", "nan", "NaN", "-nan", " 1", "1 ", "\t1", "1\x00", "0x10", "0X1.8p1",
    "0x.8", "0x", "0x1p", "1e", "1e+", ".", ".5", "5.", "+.5", "-.5e-3", "1E5", "1e+5", "\u0661",
    "abc", "", "1_000", "0.000003814697265625", "0.000011444091796875", "-0.000011444091796875",
    "123456789012345678901234567890", "0.1234567890123456789012345", "1e-17", "5e-18",
    "4.9e-18", "-1e-30", "9007199254740993", "18446744073709551615", "18446744073709551617",
    "3.14159265358979323846264338327950288", "0" * 5119, "1" + "0" * 5118, "0" * 5120,
]


def test_parity_incrbyfloat(servers: dict[str, Server]) -> None:
    cmds: list[tuple[str, ...]] = [("RPUSH", "l", "a"), ("INCRBYFLOAT", "l", "x"),
                                   ("INCRBYFLOAT", "l", "1")]
    for value in INCRBYFLOAT_VALUES:
        cmds += [("INCRBYFLOAT", "fresh-" + value[:40], value)]
    for base in ("0", "0.1", "1.5e300", "-7", "abc", "inf", "10.5", "1e4000", "1e-4950"):
        for incr in ("0.2", "-0.1", "1", "1e4932", "-1.5e300", "nan", "-inf", "x", "0x1p-3"):
            cmds += [("SET", "k", base), ("INCRBYFLOAT", "k", incr), ("GET", "k")]
    cmds += [("SET", "t", "1", "EX", "100"), ("INCRBYFLOAT", "t", "0.5"), ("TTL", "t")]
    assert_same(servers, cmds)


def test_incrbyfloat_random_against_servers(servers: dict[str, Server]) -> None:
    """Thousands of INCRBYFLOAT sums compared with each server in one pipeline."""
    rnd = random.Random(1234)

    def num() -> str:
        c = rnd.random()
        if c < 0.3:
            frac = rnd.choice(["", ".", "." + str(rnd.randint(0, 10 ** rnd.randint(0, 25)))])
            return f"{rnd.choice(['', '-', '+'])}{rnd.randint(0, 10 ** rnd.randint(0, 25))}{frac}"
        if c < 0.5:
            return f"{rnd.choice(['', '-'])}{rnd.randint(1, 10 ** rnd.randint(1, 20))}" \
                   f"e{rnd.randint(-4960, 4940)}"
        if c < 0.6:
            return f"{rnd.choice(['', '-'])}{rnd.randint(1, 99)}e{rnd.randint(-30, 30)}"
        if c < 0.75:
            return repr(rnd.uniform(-1e6, 1e6))
        if c < 0.85:
            return f"{rnd.choice(['', '-'])}0x{rnd.getrandbits(rnd.randint(1, 80)):x}" \
                   f"p{rnd.randint(-16500, 16400)}"
        return f"{rnd.random():.{rnd.randint(1, 30)}f}"

    pairs = [(num(), num()) for _ in range(3000)]
    mine: list[str] = []
    for a, b in pairs:
        try:
            mine.append(incr_by_float(a, b))
        except ResponseError as err:
            mine.append("ERROR " + str(err)[4:])
    for srv in servers.values():
        client = raw_client(srv)
        client.flushall()
        pipe = client.pipeline(transaction=False)
        for i, (a, b) in enumerate(pairs):
            pipe.execute_command("SET", f"k{i}", a)
            pipe.execute_command("INCRBYFLOAT", f"k{i}", b)
        got = [f"ERROR {g}" if isinstance(g, Exception) else g
               for g in pipe.execute(raise_on_error=False)[1::2]]
        client.flushall()
        client.close()
        for (a, b), m, g in zip(pairs, mine, got):
            assert m == g, f"{srv.kind}: {a!r} + {b!r}: memory {m!r} != server {g!r}"


def test_parity_bits(servers: dict[str, Server]) -> None:
    assert_same(servers, [
        ("SETBIT", "m", "0", "1"), ("GET", "m"), ("SETBIT", "m", "7", "1"), ("GET", "m"),
        ("SETBIT", "m", "20", "0"), ("GET", "m"), ("STRLEN", "m"),
        ("SETBIT", "m", "-1", "1"), ("SETBIT", "m", "x", "1"), ("SETBIT", "m", "4294967296", "1"),
        ("SETBIT", "m", "1", "2"), ("SETBIT", "m", "1", "-1"), ("SETBIT", "m", "1", "x"),
        ("SETBIT", "m", "x", "x"), ("SETBIT", "m", "1", " 1"), ("SETBIT", "m", "01", "1"),
        ("SETBIT", "m", "+1", "1"), ("SETBIT", "m", "1", "01"), ("SETBIT", "m", "1", "1.0"),
        ("SETBIT", "m", "1", "9223372036854775808"),
        ("GETBIT", "m", "0"), ("GETBIT", "m", "7"), ("GETBIT", "m", "6"), ("GETBIT", "m", "100"),
        ("GETBIT", "m", "-1"), ("GETBIT", "m", "4294967296"), ("GETBIT", "m", "4294967295"),
        ("GETBIT", "zz", "4294967295"), ("GETBIT", "m", "x"), ("GETBIT", "zz", "x"),
        ("RPUSH", "l", "a"), ("GETBIT", "l", "0"), ("GETBIT", "l", "x"),
        ("SETBIT", "l", "0", "1"), ("SETBIT", "l", "0", "2"), ("SETBIT", "l", "-1", "2"),
        ("SETBIT", "n", "3", "0"), ("GET", "n"), ("EXISTS", "n"),
        ("SETBIT", "u", "0", "1"), ("SETBIT", "u", "1", "1"), ("GET", "u"),
        ("SETBIT", "u", "9", "1"), ("GET", "u"), ("SETBIT", "u", "10", "1"), ("GET", "u"),
        ("SETBIT", "u", "1", "0"), ("GET", "u"), ("SETBIT", "u", "1", "1"), ("GET", "u"),
        ("SET", "w", "日本"), ("SETBIT", "w", "0", "0"), ("GET", "w"), ("SETBIT", "w", "0", "1"),
        ("GET", "w"), ("SETBIT", "w", "47", "1"), ("GET", "w"),
        ("SET", "t", "v", "EX", "100"), ("SETBIT", "t", "1", "0"), ("TTL", "t"),
    ])


_BIT_RANGES = [("0", "0"), ("1", "1"), ("0", "-1"), ("-1", "-1"), ("-2", "-3"), ("3", "2"),
               ("-100", "100"), ("9", "100"), ("2", "4"), ("-9223372036854775808", "-1"),
               ("0", "9223372036854775807")]
_BIT_STRINGS = [("k", "foobar"), ("u", "ÿð\x00日本"), ("e", ""), ("z", "\x00\x00\x00"),
                ("o", "\x7f\x7f")]


def test_parity_bitcount_bitpos(servers: dict[str, Server]) -> None:
    """Ranges on existing strings, where Redis 7.0 and Valkey 8 agree."""
    cmds: list[tuple[str, ...]] = [("SET", k, v) for k, v in _BIT_STRINGS]
    for key, _ in _BIT_STRINGS:
        cmds.append(("BITCOUNT", key))
        cmds += [("BITPOS", key, bit) for bit in ("0", "1")]
        for a, b in _BIT_RANGES:
            cmds += [("BITCOUNT", key, a, b), ("BITCOUNT", key, a, b, "BIT"),
                     ("BITCOUNT", key, a, b, "byte")]
            for bit in ("0", "1"):
                cmds += [("BITPOS", key, bit, a), ("BITPOS", key, bit, a, b),
                         ("BITPOS", key, bit, a, b, "BIT"), ("BITPOS", key, bit, a, b, "BYTE")]
        for start in range(-20, 50, 3):
            for end in range(-20, 50, 7):
                cmds += [("BITCOUNT", key, str(start), str(end), "BIT")]
                cmds += [("BITPOS", key, bit, str(start), str(end), "BIT") for bit in "01"]
    cmds += [
        ("BITCOUNT", "m"), ("BITCOUNT", "m", "0", "1"), ("BITPOS", "m", "1"),
        ("BITPOS", "m", "0"), ("BITPOS", "m", "2"), ("BITPOS", "m", "x"), ("BITPOS", "m", "-1"),
        ("BITPOS", "m", "1", "1", "2", "BIT"), ("BITPOS", "m", "0", "1", "2"),
        ("BITCOUNT", "k", "a", "1"), ("BITCOUNT", "k", "0", "1", "FOO"),
        ("BITCOUNT", "k", "0", "1", "BIT", "x"), ("BITCOUNT", "k", "0", "x"),
        ("BITPOS", "k", "0", "0", "1", "FOO"), ("BITPOS", "k", "0", "0", "1", "BIT", "X"),
        ("BITPOS", "k", "0", "x", "1", "BIT"), ("BITPOS", "k", "0", "0", "x", "FOO"),
        ("BITPOS", "k", "0", "0", "x", "BIT"), ("BITPOS", "k", "2", "0", "1", "2", "3"),
        ("BITPOS", "k", "0", "x"),
        ("RPUSH", "l", "a"), ("BITCOUNT", "l"), ("BITCOUNT", "l", "0", "1"), ("BITPOS", "l", "0"),
        ("BITPOS", "l", "2"), ("BITPOS", "l", "x"),
    ]
    assert_same(servers, cmds)


def test_parity_bitcount_bitpos_valkey8(servers: dict[str, Server]) -> None:
    """Valkey 8 parses BITCOUNT/BITPOS ranges before it looks at the key and makes
    BITCOUNT's end optional; Redis 7.0 did neither. The memory backend follows Valkey."""
    cmds: list[tuple[str, ...]] = [
        ("SET", "k", "foobar"), ("SET", "e", ""), ("RPUSH", "l", "a"),
        ("BITCOUNT", "k", "0"), ("BITCOUNT", "k", "1"), ("BITCOUNT", "k", "-1"),
        ("BITCOUNT", "k", "6"), ("BITCOUNT", "k", "-7"), ("BITCOUNT", "k", "x"),
        ("BITCOUNT", "k", "0", "BIT"), ("BITCOUNT", "e", "0"), ("BITCOUNT", "m", "0"),
        ("BITCOUNT", "m", "x"), ("BITCOUNT", "m", "a", "b"), ("BITCOUNT", "m", "0", "1", "FOO"),
        ("BITCOUNT", "m", "0", "1", "BIT", "x"), ("BITCOUNT", "m", "0", "BIT"),
        ("BITCOUNT", "l", "x"), ("BITCOUNT", "l", "0", "x"), ("BITCOUNT", "l", "a", "1"),
        ("BITCOUNT", "l", "0", "1", "FOO"), ("BITCOUNT", "l", "0"),
        ("BITPOS", "m", "0", "x"), ("BITPOS", "m", "0", "1", "2", "FOO"),
        ("BITPOS", "m", "0", "1", "2", "BIT", "x"), ("BITPOS", "m", "0", "0", "x"),
        ("BITPOS", "l", "0", "x"), ("BITPOS", "l", "0", "0", "1", "FOO"),
        # Valkey reads start, then the BYTE|BIT token, then end
        ("BITCOUNT", "k", "0", "x", "FOO"), ("BITCOUNT", "k", "x", "y", "FOO"),
        ("BITCOUNT", "k", "0", "99999999999999999999", "FOO"), ("BITCOUNT", "k", "1", "y", "BIT"),
        ("BITCOUNT", "m", "0", "x", "FOO"), ("BITCOUNT", "l", "0", "x", "BIT"),
    ]
    cmds += [("BITCOUNT", "k", str(i)) for i in range(-8, 8)]
    assert_same(only(servers, "valkey", "valkey9"), cmds)


def test_bitcount_order_redis70(servers: dict[str, Server]) -> None:
    """Where Redis 7.0 differs: it reads end before the token and answers a missing key
    before looking at the token."""
    if "redis" not in servers:
        pytest.fail("Redis 7.0 is one of the ground truths")
    client = fresh("redis", servers)
    client.execute_command("SET", "k", "foobar")
    with pytest.raises(ResponseError, match="not an integer"):
        client.execute_command("BITCOUNT", "k", "0", "x", "FOO")
    assert client.execute_command("BITCOUNT", "missing", "0", "1", "FOO") == 0
    client.close()


def test_parity_set_ifeq_valkey(servers: dict[str, Server]) -> None:
    """SET ... IFEQ (Valkey 8.1; Redis 7.0 has no such option)."""
    assert_same(only(servers, "valkey"), [
        ("SET", "k", "v", "IFEQ", "v"), ("GET", "k"), ("SET", "k", "v"),
        ("SET", "k", "w", "IFEQ", "x"), ("SET", "k", "w", "IFEQ", "v"), ("GET", "k"),
        ("SET", "k", "z", "IFEQ", "w", "GET"), ("SET", "k", "y", "IFEQ", "nope", "GET"),
        ("SET", "k", "y", "IFEQ", "z", "NX"), ("SET", "k", "y", "XX", "IFEQ", "z"),
        ("SET", "k", "y", "IFEQ"), ("SET", "k", "y", "ifeq", "z", "ifeq", "z"),
        ("RPUSH", "l", "a"), ("SET", "l", "y", "IFEQ", "a"),
        ("SET", "k", "y", "EX", "100", "IFEQ", "z"), ("TTL", "k"),
        ("SET", "k", "q", "KEEPTTL", "IFEQ", "y"), ("TTL", "k"), ("GET", "k"),
        ("SET", "k2", "y", "IFEQ", "a", "GET"), ("EXISTS", "k2"), ("GETEX", "k", "IFEQ", "q"),
    ])


def test_parity_arity(servers: dict[str, Server]) -> None:
    assert_same(servers, [
        ("SET", "k"), ("GET",), ("GET", "a", "b"), ("GETDEL",), ("GETEX",), ("GETSET", "k"),
        ("MGET",), ("MSET",), ("MSET", "k"), ("MSETNX", "k"), ("SETNX", "k"), ("SETEX", "k", "1"),
        ("PSETEX", "k", "1"), ("APPEND", "k"), ("STRLEN",), ("GETRANGE", "k", "0"),
        ("SETRANGE", "k", "0"), ("INCR",), ("INCRBY", "k"), ("DECR", "k", "1"), ("DECRBY", "k"),
        ("INCRBYFLOAT", "k"), ("SETBIT", "k", "1"), ("GETBIT", "k"), ("BITCOUNT",),
        ("BITPOS", "k"), ("get", "a", "b"), ("gEtRaNgE", "k"),
    ])


def test_parity_expiry_sleeps(servers: dict[str, Server]) -> None:
    """Short expiries really expire; KEEPTTL keeps a deadline, a plain SET drops it."""
    for kind in ["memory", *servers]:
        client = (redipy.Redis() if kind == "memory"
                  else redipy.Redis(url=servers[kind].url))
        client.flushall()
        ex = client.execute_command
        assert ex("SET", "a", "1", "PX", "50") == "OK"
        assert ex("SET", "b", "1", "PX", "100000") == "OK"
        assert ex("SET", "b", "2", "KEEPTTL") == "OK"
        assert ex("SET", "c", "1", "PX", "100000") == "OK"
        assert ex("SET", "c", "2") == "OK"
        assert ex("PSETEX", "d", "50", "v") == "OK"
        assert ex("SET", "e", "v") == "OK"
        assert ex("GETEX", "e", "PX", "50") == "v"
        f_set = time.monotonic()
        assert ex("SET", "f", "v", "EX", "2") == "OK"  # 2 s: still there after a slow setup
        assert ex("SET", "g", "1", "PX", "50") == "OK"
        assert ex("INCR", "g") == 2
        time.sleep(0.25)
        assert ex("GET", "a") is None, kind
        assert ex("GET", "d") is None, kind
        assert ex("GET", "e") is None, kind
        assert ex("GET", "g") is None, kind
        assert ex("GET", "b") == "2", kind
        assert 0 < ex("PTTL", "b") <= 100000, kind
        assert ex("TTL", "c") == -1, kind
        assert ex("GET", "f") == "v", kind
        time.sleep(max(0.0, f_set + 2.05 - time.monotonic()))
        assert ex("GET", "f") is None, kind
        assert ex("EXISTS", "f") == 0, kind
        client.close()


# ---- numbers ----------------------------------------------------------------------------


def test_format_double_examples() -> None:
    cases = [
        (0.1, "0.1"), (1e16, "10000000000000000"), (1e17, "100000000000000000"),
        (123456789012345678.0, "123456789012345680"), (1e-5, "0.00001"), (1.234e-6, "1.234e-6"),
        (1.5e300, "1.5e+300"), (-0.0, "-0"), (0.0, "0"),
        (123456789.01234567, "1.2345678901234567e+8"), (2.0**62, "4611686018427387904"),
        (1e19, "1e+19"), (5e-324, "5e-324"), (-2.5, "-2.5"), (float("inf"), "inf"),
        (float("-inf"), "-inf"), (6.96e-239, "6.9600000000000004e-239"), (1e-7, "1e-7"),
        (1e-6, "0.000001"), (1.2345678901234567e-4, "1.2345678901234567e-4"),
    ]
    for value, text in cases:
        assert format_double(value) == text, value


def _double_samples() -> list[float]:
    rnd = random.Random(99)
    vals: list[float] = []
    while len(vals) < 6000:
        d = struct.unpack("<d", struct.pack("<Q", rnd.getrandbits(64)))[0]
        if d == d and abs(d) != float("inf") and d != 0:
            vals.append(d)
    for _ in range(4000):
        vals.append(float(f"{rnd.randint(1, 10 ** rnd.randint(1, 17))}e{rnd.randint(-320, 300)}"))
    for _ in range(2000):
        vals.append(rnd.uniform(-1e6, 1e6))
    for e in range(-325, 310):
        for m in ("1", "1.5", "9.999", "1.2345678901234567", "7"):
            v = float(f"{m}e{e}")
            if v and v != float("inf"):
                vals.append(v)
    for i in range(-300, 300):
        vals += [float(2**62 + i * 512), float(2**53 + i), 2.0 ** (i / 7), -float(2**62 + i)]
    return vals


def test_format_double_matches_valkey(servers: dict[str, Server]) -> None:
    """format_double against Valkey's ZSCORE over many magnitudes (Grisu2 quirks included)."""
    vals = _double_samples()
    client = raw_client(servers["valkey"])
    for start in range(0, len(vals), 4000):
        chunk = vals[start:start + 4000]
        pipe = client.pipeline(transaction=False)
        pipe.delete("fz")
        for i, v in enumerate(chunk):
            pipe.execute_command("ZADD", "fz", repr(v), str(i))
        for i in range(len(chunk)):
            pipe.execute_command("ZSCORE", "fz", str(i))
        got = pipe.execute()[1 + len(chunk):]
        for v, text in zip(chunk, got):
            assert format_double(v) == text, repr(v)
    client.delete("fz")
    client.close()


PARSE_DOUBLE_TEXTS = [
    "1", "-1", "+5", ".5", "5.", "1e", "1e5", "1E-5", "1_0", " 1", "1 ", "nan", "NaN", "inf",
    "-inf", "+inf", "INF", "infinity", "-Infinity", "infin", "0x10", "0x1p3", "0X.8P1", "0x",
    "0x1p", "1e400", "-1e400", "1e-400", "4.9e-324", "2e-324", "3e-324", "1e-310",
    "1.7976931348623157e308", "1.7976931348623159e308", "-0", "0e999999", "0x0p99999",
    "0x1p-1100", "0x1p1024", "1\x00", "\u0661", "", ".", "-", "e5", "0.0000", "00012",
]


def test_parse_double_matches_valkey(servers: dict[str, Server]) -> None:
    """parse_double follows Valkey 9 (Valkey 8 and Redis 7.0 also took hex floats)."""
    client = raw_client(servers["valkey9"])
    for text in PARSE_DOUBLE_TEXTS:
        client.delete("pz")
        try:
            client.execute_command("ZADD", "pz", text, "m")
            server = float(client.execute_command("ZSCORE", "pz", "m"))
        except redis_py.ResponseError as err:
            assert "not a valid float" in str(err)
            server = None
        mine = parse_double(text)
        assert (mine is None) == (server is None), text
        if mine is not None:
            assert mine == server, text
    client.close()


def test_parse_int() -> None:
    for text in ("0", "-1", "42", "9223372036854775807", "-9223372036854775808"):
        assert parse_int(text) == int(text)
    for text in ("", "-", "-0", "01", "+1", " 1", "1 ", "1.0", "\u0661", "9223372036854775808",
                 "-9223372036854775809", "1_0", "0x1", "123456789012345678901"):
        assert parse_int(text) is None, text


def test_long_double_helpers() -> None:
    assert format_long_double(parse_long_double("0.1") or 0) == "0.1"
    assert parse_long_double("nan") is None
    assert parse_long_double(" 1") is None
    assert parse_long_double("1e-5000") is None
    assert parse_long_double("1e5000") is None
    assert parse_long_double("inf") == float("inf")
    assert incr_by_float("0.1", "0.2") == "0.3"
    assert incr_by_float(None, "-1e-30") == "0"
    with pytest.raises(ResponseError, match="increment would produce NaN or Infinity"):
        incr_by_float("inf", "-inf")
    with pytest.raises(ResponseError, match="hash value is not a float"):
        incr_by_float("x", "1", not_float="ERR hash value is not a float")


def _run(client: redipy.Redis, cmds: Sequence[Sequence[str]]) -> list[Any]:
    out: list[Any] = []
    for cmd in cmds:
        try:
            out.append(client.execute_command(*cmd))
        except ResponseError as err:
            out.append(str(err))
    return out


def test_wrongtype_message(r: redipy.Redis) -> None:
    r.lpush("l", "a")
    got = _run(r, [("GET", "l"), ("STRLEN", "l"), ("APPEND", "l", "x"), ("SETBIT", "l", "0", "1"),
                   ("GETRANGE", "l", "0", "1"), ("SETRANGE", "l", "0", "x")])
    assert got == [WRONGTYPE] * 6


def test_parity_empty_expire_times(servers: dict[str, Server]) -> None:
    """An empty string is not a number of seconds: every expire option refuses it."""
    assert_same(servers, [
        ("SET", "k", "v", "EX", ""), ("SET", "k", "v", "PX", ""),
        ("SET", "k", "v", "EXAT", ""), ("SET", "k", "v", "PXAT", ""),
        ("SET", "k", "v", "NX", "EX", ""), ("SET", "k", "v", "GET", "PX", ""),
        ("SETEX", "k", "", "v"), ("PSETEX", "k", "", "v"), ("EXISTS", "k"),
        ("SET", "k", "v"),
        ("GETEX", "k", "EX", ""), ("GETEX", "k", "PX", ""), ("GETEX", "k", "EXAT", ""),
        ("GETEX", "k", "PXAT", ""), ("PTTL", "k"),
        ("SET", "k", "v", "EX", " "), ("SET", "k", "v", "EX", "1 "), ("PTTL", "k"),
    ])


def test_empty_expire_times_typed(r: redipy.Redis) -> None:
    for call in (lambda: r.set("k", "v", ex=""), lambda: r.setex("k", "", "v"),  # type: ignore[arg-type]
                 lambda: r.psetex("k", "", "v")):  # type: ignore[arg-type]
        with pytest.raises(ResponseError) as info:
            call()
        assert str(info.value) == "ERR value is not an integer or out of range"
    assert r.exists("k") == 0
