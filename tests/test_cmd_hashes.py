"""Hash commands: the typed API on every backend, and raw parity with real servers."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import pytest
import redis as redis_py

import redipy
from redipy.commands.hashes import COMMANDS as HASH_COMMANDS
from redipy.errors import ResponseError, WrongTypeError
from tests.parity import assert_same, family_version, fresh, run_raw
from tests.servers import Server

WRONGTYPE = "WRONGTYPE Operation against a key holding the wrong kind of value"


def same_on(servers: dict[str, Server], kinds: Sequence[str],
            cmds: Sequence[Sequence[Any]]) -> None:
    """Like ``assert_same`` but only against the named server kinds (where Redis 7.0
    still had behaviour that Redis 7.2+ and Valkey changed)."""
    mem = run_raw(fresh("memory", servers), cmds)
    for kind in kinds:
        got = run_raw(fresh(kind, servers), cmds)
        for cmd, a, b in zip(cmds, mem, got):
            assert a == b, f"{kind}: {list(cmd)!r} -> memory {a!r} != server {b!r}"


def full_scan(client: redipy.Redis, key: str, *opts: str) -> tuple[dict[str, str], int]:
    """Walk HSCAN to the end: every field seen and how many calls it took."""
    cursor = "0"
    seen: dict[str, str] = {}
    calls = 0
    while True:
        cursor, page = client.execute_command("HSCAN", key, cursor, *opts)
        calls += 1
        it = iter(page)
        seen.update(zip(it, it))
        if cursor == "0":
            return seen, calls


# ---- the command table ---------------------------------------------------------------


def test_table_matches_command_info(server: Server) -> None:
    """Arity, key positions and read/write flags agree with the server's COMMAND INFO."""
    raw = redis_py.Redis(port=server.port, decode_responses=True, protocol=2)
    raw.response_callbacks = {}  # type: ignore[assignment]
    infos = raw.execute_command(  # type: ignore[no-untyped-call]
        "COMMAND", "INFO", *(spec.name for spec in HASH_COMMANDS))
    raw.close()
    for spec, info in zip(HASH_COMMANDS, infos):
        if info is None:  # the field-TTL commands: Valkey 9+ only
            assert not spec.available_on(*family_version(server)), spec.name
            continue
        name, arity, flags, first, last, step = info[:6]
        assert name == spec.name.lower()
        assert spec.arity == arity, spec.name
        assert spec.group == "hash"
        assert ("write" in flags) == spec.write, spec.name
        assert ("readonly" in flags) == spec.readonly, spec.name
        assert ("fast" in flags) == ("fast" in spec.flags), spec.name
        argv = [spec.name, *(f"a{i}" for i in range(8))]
        assert spec.key_positions(argv) == list(range(first, last + 1, step)), spec.name


# ---- the typed API on every backend ---------------------------------------------------


def test_set_get(r: redipy.Redis) -> None:
    assert r.hset("h", {"a": "1", "b": "2"}) == 2
    assert r.hset("h", {"a": "3", "c": "ü日本"}) == 1
    assert r.hget("h", "a") == "3"
    assert r.hget("h", "zz") is None
    assert r.hget("none", "a") is None
    assert r.hmget("h", "a", "zz", "c") == {"a": "3", "zz": None, "c": "ü日本"}
    assert r.hmget("none", "a") == {"a": None}
    assert r.hgetall("h") == {"a": "3", "b": "2", "c": "ü日本"}
    assert r.hgetall("none") == {}
    assert r.hkeys("h") == ["a", "b", "c"]
    assert r.hvals("h") == ["3", "2", "ü日本"]
    assert r.hkeys("none") == [] and r.hvals("none") == []
    assert r.hlen("h") == 3 and r.hlen("none") == 0
    assert r.hexists("h", "a") is True and r.hexists("h", "zz") is False
    assert r.hexists("none", "a") is False
    assert r.hstrlen("h", "c") == 8 and r.hstrlen("h", "zz") == 0
    assert r.hsetnx("h", "a", "x") is False
    assert r.hsetnx("h", "d", "x") is True
    assert r.hsetnx("new", "d", "x") is True
    assert r.hget("h", "d") == "x"
    # nothing to set / delete / read: Redis refuses those, the API answers plainly
    assert r.hset("h", {}) == 0
    assert r.hdel("h") == 0
    assert r.hmget("h") == {}
    assert r.hset("other", {}) == 0 and r.exists("other") == 0


def test_delete(r: redipy.Redis) -> None:
    r.hset("h", {"a": "1", "b": "2"})
    assert r.hdel("h", "a", "a", "zz") == 1
    assert r.hdel("none", "a") == 0
    assert r.hdel("h", "b") == 1
    assert r.exists("h") == 0


def test_incr(r: redipy.Redis) -> None:
    assert r.hincrby("h", "n", 5) == 5.0
    assert isinstance(r.hincrby("h", "n", -7), float)
    assert r.hget("h", "n") == "-2"
    assert r.hincrby("h", "n", 0.5) == -1.5
    assert r.hget("h", "n") == "-1.5"
    assert r.hincrby("h", "n", 1) == -0.5  # 0.7.1's: an int adds to a float
    with pytest.raises(ResponseError, match=r"^ERR hash value is not an integer$"):
        r.hincrby_int("h", "n", 1)
    assert r.hincrby_int("h", "i", 4) == 4 and r.hincrby_int("h", "i", -1) == 3
    assert r.hincrbyfloat("h", "f") == 1.0
    assert r.hincrbyfloat("h", "f", 0.1) == 1.1
    assert r.hget("h", "f") == "1.1"
    assert r.hincrbyfloat("h", "x", 0.1) == 0.1
    assert r.hincrbyfloat("h", "x", 0.2) == 0.3
    assert r.hget("h", "x") == "0.3"  # long double arithmetic, printed with %.17Lf
    r.hset("h", {"s": "abc"})
    with pytest.raises(ResponseError, match=r"^ERR hash value is not a float$"):
        r.hincrbyfloat("h", "s", 1)
    with pytest.raises(ResponseError, match=r"^ERR value is NaN or Infinity$"):
        r.hincrbyfloat("h", "f", float("inf"))
    with pytest.raises(ResponseError, match=r"^ERR value is not a valid float$"):
        r.hincrby("h", "f", float("nan"))
    assert r.hincrby_int("h", "big", 2**62) == 2**62
    with pytest.raises(ResponseError, match="would overflow"):
        r.hincrby_int("h", "big", 2**62)


def test_randfield(r: redipy.Redis) -> None:
    fields = {"a": "1", "b": "2", "c": "3"}
    assert r.hrandfield("none") is None
    assert r.hrandfield("none", 3) == []
    assert r.hrandfield("none", -3, withvalues=True) == []
    r.hset("h", fields)
    assert r.hrandfield("h") in fields
    assert r.hrandfield("h", 0) == []
    assert r.hrandfield("h", 5) == ["a", "b", "c"]  # all of a small hash, in order
    assert r.hrandfield("h", 3, withvalues=True) == list(fields.items())
    two = r.hrandfield("h", 2)
    assert len(two) == 2 and len(set(two)) == 2 and set(two) <= set(fields)
    many = r.hrandfield("h", -20)
    assert len(many) == 20 and set(many) <= set(fields)
    pairs = r.hrandfield("h", -5, withvalues=True)
    assert len(pairs) == 5 and all(fields[f] == v for f, v in pairs)
    one = r.hrandfield("h", 1, withvalues=True)
    assert len(one) == 1 and one[0] in fields.items()
    with pytest.raises(ValueError):
        r.hrandfield("h", withvalues=True)  # type: ignore[call-overload]


def test_scan(r: redipy.Redis) -> None:
    assert r.hscan("none") == (0, {})
    r.hset("h", {"a": "1", "ab": "2", "b": "3", "ü": "4"})
    assert r.hscan("h") == (0, {"a": "1", "ab": "2", "b": "3", "ü": "4"})
    assert r.hscan("h", 0, match="a*") == (0, {"a": "1", "ab": "2"})
    assert r.hscan("h", 0, match="?", count=1) == (0, {"a": "1", "b": "3"})
    assert sorted(r.hscan_iter("h", match="??")) == [("ab", "2"), ("ü", "4")]
    big = {f"f{i}": str(i) for i in range(600)}
    r.hset("big", big)
    cursor, page = r.hscan("big", 0, count=10)
    assert cursor != 0 and 0 < len(page) < 600
    assert dict(r.hscan_iter("big")) == big
    assert dict(r.hscan_iter("big", match="f1?", count=50)) == {
        f"f1{i}": str(10 + i) for i in range(10)}


def test_wrong_type(r: redipy.Redis) -> None:
    r.rpush("l", "a")
    for call in (
        lambda: r.hset("l", {"a": "1"}), lambda: r.hsetnx("l", "a", "1"),
        lambda: r.hget("l", "a"), lambda: r.hmget("l", "a"), lambda: r.hdel("l", "a"),
        lambda: r.hexists("l", "a"), lambda: r.hlen("l"), lambda: r.hkeys("l"),
        lambda: r.hvals("l"), lambda: r.hgetall("l"), lambda: r.hincrby("l", "a", 1),
        lambda: r.hincrby("l", "a", 1.5), lambda: r.hincrbyfloat("l", "a"),
        lambda: r.hstrlen("l", "a"), lambda: r.hrandfield("l"), lambda: r.hrandfield("l", 2),
        lambda: r.hscan("l"), lambda: r.hset("l", {}), lambda: r.hdel("l"),
    ):
        with pytest.raises(WrongTypeError) as info:
            call()
        assert str(info.value) == WRONGTYPE
    assert r.lrange("l", 0, -1) == ["a"]


def test_pipeline(r: redipy.Redis) -> None:
    with r.pipeline() as pipe:
        pipe.hset("h", {"a": "1", "b": "2"})
        pipe.hset("h", {})
        pipe.hget("h", "a")
        pipe.hmget("h", "a", "x")
        pipe.hmget("h")
        pipe.hgetall("h")
        pipe.hincrby("h", "a", 2)
        pipe.hincrbyfloat("h", "a", 0.5)
        pipe.hexists("h", "b")
        pipe.hsetnx("h", "b", "z")
        pipe.hrandfield("h", 5, withvalues=True)
        pipe.hscan("h")
        pipe.hdel("h", "a", "b")
        assert pipe.execute() == [
            2, 0, "1", {"a": "1", "x": None}, {}, {"a": "1", "b": "2"}, 3.0, 3.5, True,
            False, [("a", "3.5"), ("b", "2")], (0, {"a": "3.5", "b": "2"}), 2]


# ---- the memory backend's bookkeeping --------------------------------------------------


def test_memory_touches_every_mutation() -> None:
    """Each change tells WATCH (through ``db.touch``); reads and no-ops do not."""
    client = redipy.Redis()
    db = client.backend.db  # type: ignore[attr-defined]
    touched: list[str] = []
    db.on_touch.append(touched.append)

    def changes(*argv: str) -> list[str]:
        touched.clear()
        client.execute_command(*argv)
        return sorted(set(touched))

    assert changes("HSET", "h", "a", "1") == ["h"]
    assert changes("HSET", "h", "a", "2") == ["h"]
    assert changes("HMSET", "h", "b", "2") == ["h"]
    assert changes("HSETNX", "h", "c", "3") == ["h"]
    assert changes("HSETNX", "h", "c", "3") == []
    assert changes("HINCRBY", "h", "n", "1") == ["h"]
    assert changes("HINCRBYFLOAT", "h", "n", "1.5") == ["h"]
    assert changes("HDEL", "h", "zz") == []
    assert changes("HDEL", "h", "n") == ["h"]
    for read in (("HGET", "h", "a"), ("HMGET", "h", "a"), ("HGETALL", "h"), ("HKEYS", "h"),
                 ("HVALS", "h"), ("HLEN", "h"), ("HEXISTS", "h", "a"), ("HSTRLEN", "h", "a"),
                 ("HRANDFIELD", "h", "-3"), ("HSCAN", "h", "0")):
        assert changes(*read) == []
    assert changes("HDEL", "h", "a", "b", "c") == ["h"]
    assert client.exists("h") == 0


def test_memory_randfield_is_uniform_enough() -> None:
    """A single pick is O(1) and reaches every field."""
    client = redipy.Redis()
    client.hset("h", {str(i): "v" for i in range(10)})
    seen = {client.hrandfield("h") for _ in range(500)}
    assert seen == {str(i) for i in range(10)}


# ---- raw parity with the real servers ---------------------------------------------------


def test_parity_set_get(servers: dict[str, Server]) -> None:
    assert_same(servers, [
        ("HSET", "h", "a", "1", "b", "2"), ("HSET", "h", "a", "3", "c", "4", "a", "5"),
        ("HSET", "h"), ("HSET", "h", "a"), ("HSET", "h", "a", "1", "b"), ("hset", "h", "", ""),
        ("HMSET", "h", "d", "6"), ("HMSET", "h", "d"), ("HMSET", "h", "d", "1", "e"),
        ("HGETALL", "h"), ("HKEYS", "h"), ("HVALS", "h"), ("HLEN", "h"),
        ("HGET", "h", "a"), ("HGET", "h", "zz"), ("HGET", "none", "a"), ("HGET", "h"),
        ("HMGET", "h", "a", "zz", "", "a"), ("HMGET", "none", "a", "b"), ("HMGET", "h"),
        ("HSETNX", "h", "a", "x"), ("HSETNX", "h", "n", "x"), ("HSETNX", "new", "n", "x"),
        ("HSETNX", "h", "n"), ("HEXISTS", "h", "a"), ("HEXISTS", "h", "zz"),
        ("HEXISTS", "none", "a"), ("HLEN", "none"), ("HKEYS", "none"), ("HVALS", "none"),
        ("HGETALL", "none"), ("HSTRLEN", "h", "a"), ("HSTRLEN", "h", "zz"),
        ("HSTRLEN", "none", "a"), ("HDEL", "h", "zz"), ("HDEL", "none", "a"),
        ("HDEL", "h", "a", "a", "b"), ("HDEL", "h"), ("HGETALL", "h"),
        ("HDEL", "h", "c", "", "d", "n", "x"), ("EXISTS", "h"), ("HGETALL", "new"),
    ])


def test_parity_order_of_small_hashes(servers: dict[str, Server]) -> None:
    """A small hash keeps insertion order (Redis's listpack); updates stay in place."""
    assert_same(servers, [
        ("HSET", "h", "z", "1", "y", "2", "x", "3"), ("HSET", "h", "y", "9", "w", "4"),
        ("HDEL", "h", "z"), ("HSET", "h", "z", "5"), ("HINCRBY", "h", "x", "1"),
        ("HINCRBYFLOAT", "h", "w", "0.5"), ("HGETALL", "h"), ("HKEYS", "h"), ("HVALS", "h"),
        ("HRANDFIELD", "h", "100"), ("HRANDFIELD", "h", "4", "WITHVALUES"),
        ("HSCAN", "h", "0"), ("HSCAN", "h", "0", "MATCH", "[xy]"),
    ])


def test_parity_wrong_type(servers: dict[str, Server]) -> None:
    """WRONGTYPE against a string, and which error wins when there are several."""
    assert_same(servers, [
        ("SET", "s", "x"),
        ("HSET", "s", "a", "1"), ("HSET", "s", "a"), ("HMSET", "s", "a", "1"),
        ("HSETNX", "s", "a", "1"), ("HGET", "s", "a"), ("HMGET", "s", "a"),
        ("HDEL", "s", "a"), ("HEXISTS", "s", "a"), ("HLEN", "s"), ("HKEYS", "s"),
        ("HVALS", "s"), ("HGETALL", "s"), ("HSTRLEN", "s", "a"),
        ("HINCRBY", "s", "a", "1"), ("HINCRBY", "s", "a", "x"),
        ("HINCRBYFLOAT", "s", "a", "1"), ("HINCRBYFLOAT", "s", "a", "x"),
        ("HINCRBYFLOAT", "s", "a", "inf"),
        ("HRANDFIELD", "s"), ("HRANDFIELD", "s", "1"), ("HRANDFIELD", "s", "x"),
        ("HRANDFIELD", "s", "1", "bogus"), ("HRANDFIELD", "s", "9223372036854775807", "WITHVALUES"),
        ("HSCAN", "s", "0"), ("HSCAN", "s", "x"), ("HSCAN", "s", "0", "COUNT", "0"),
        ("HSCAN", "s", "0", "bogus"), ("GET", "s"),
    ])


def test_parity_wrong_type_list(servers: dict[str, Server]) -> None:
    """The same against a list (independent of the string commands)."""
    assert_same(servers, [
        ("RPUSH", "l", "a"), ("HSET", "l", "a", "1"), ("HGET", "l", "a"),
        ("HGETALL", "l"), ("HINCRBY", "l", "a", "1"), ("HSCAN", "l", "0"),
        ("HRANDFIELD", "l"), ("LRANGE", "l", "0", "-1"),
    ])


def test_parity_hincrby(servers: dict[str, Server]) -> None:
    assert_same(servers, [
        ("HINCRBY", "h", "a", "5"), ("HINCRBY", "h", "a", "-7"), ("HINCRBY", "h", "a", "0"),
        ("HINCRBY", "h", "a", "x"), ("HINCRBY", "h", "a", "1.5"), ("HINCRBY", "h", "a", ""),
        ("HINCRBY", "h", "a", "01"), ("HINCRBY", "h", "a", "+1"), ("HINCRBY", "h", "a", " 1"),
        ("HINCRBY", "h", "a", "9223372036854775808"), ("HINCRBY", "none", "a", "x"),
        ("EXISTS", "none"),
        ("HSET", "h", "f", "1.5", "g", "abc", "i", "9223372036854775807", "j", " 1",
         "k", "01", "e", "", "m", "-9223372036854775808", "z", "-0", "u", "ü"),
        ("HINCRBY", "h", "f", "1"), ("HINCRBY", "h", "g", "1"), ("HINCRBY", "h", "i", "1"),
        ("HINCRBY", "h", "i", "0"), ("HINCRBY", "h", "i", "-1"), ("HINCRBY", "h", "j", "1"),
        ("HINCRBY", "h", "k", "1"), ("HINCRBY", "h", "e", "1"), ("HINCRBY", "h", "m", "-1"),
        ("HINCRBY", "h", "m", "1"), ("HINCRBY", "h", "z", "1"), ("HINCRBY", "h", "u", "1"),
        ("HINCRBY", "h", "g", "x"), ("HINCRBY", "h", "new", "-9223372036854775808"),
        ("HINCRBY", "h", "new", "-1"), ("HINCRBY", "h", "a"), ("HINCRBY", "h", "a", "1", "2"),
        ("HGETALL", "h"),
    ])


def test_parity_hincrbyfloat(servers: dict[str, Server]) -> None:
    """Long double arithmetic and its %.17Lf rendering, digit for digit."""
    incrs = ["1.5", "0.1", "0.2", "-0.3", "3.0e3", ".5", "-0", "5.0000", "1e20", "1e-20",
             "-1e-20", "123456789012345678901234567890", "1.23456789012345678", "0x10",
             "0x1p-3", "1e400", "-1e400", "2.5E+2", "+7", "1e-4950", "0.30000000000000004",
             "9223372036854775807", "1e-17", "5e-18", "1.000000000000000005"]
    cmds: list[tuple[str, ...]] = []
    for i, incr in enumerate(incrs):
        cmds += [("HINCRBYFLOAT", "h", f"n{i}", incr), ("HINCRBYFLOAT", "h", f"n{i}", incr),
                 ("HINCRBYFLOAT", "h", "acc", incr)]
    cmds += [
        ("HINCRBYFLOAT", "h", "a", "x"), ("HINCRBYFLOAT", "h", "a", "inf"),
        ("HINCRBYFLOAT", "h", "a", "-inf"), ("HINCRBYFLOAT", "h", "a", "nan"),
        ("HINCRBYFLOAT", "h", "a", ""), ("HINCRBYFLOAT", "h", "a", " 1"),
        ("HINCRBYFLOAT", "h", "a", "1 "), ("HINCRBYFLOAT", "h", "a", "1e99999"),
        ("HINCRBYFLOAT", "h", "a", "1e-99999"), ("HINCRBYFLOAT", "h", "a", "0x"),
        ("HINCRBYFLOAT", "none", "a", "x"), ("EXISTS", "none"),
        ("HSET", "h", "g", "abc", "e", "", "j", " 1", "k", "01", "big", "1e308", "bad", "inf",
         "hex", "0x10", "neg", "-inf", "huge", "1.1e4932"),
        ("HINCRBYFLOAT", "h", "g", "1"), ("HINCRBYFLOAT", "h", "e", "1"),
        ("HINCRBYFLOAT", "h", "j", "1"), ("HINCRBYFLOAT", "h", "k", "1"),
        ("HINCRBYFLOAT", "h", "big", "1e308"), ("HINCRBYFLOAT", "h", "bad", "1"),
        ("HINCRBYFLOAT", "h", "neg", "1"), ("HINCRBYFLOAT", "h", "hex", "1"),
        ("HINCRBYFLOAT", "h", "huge", "1.1e4932"), ("HINCRBYFLOAT", "h", "g", "x"),
        ("HINCRBYFLOAT", "h", "g", "inf"), ("HINCRBYFLOAT", "h", "a"),
        ("HMGET", "h", *(f"n{i}" for i in range(len(incrs))), "acc", "g", "e", "j", "k",
         "big", "bad", "hex", "neg", "huge"),
    ]
    assert_same(servers, cmds)


def test_parity_hrandfield(servers: dict[str, Server]) -> None:
    """Everything that does not depend on chance: errors, empties, whole-hash answers."""
    assert_same(servers, [
        ("HRANDFIELD", "none"), ("HRANDFIELD", "none", "5"), ("HRANDFIELD", "none", "0"),
        ("HRANDFIELD", "none", "-5", "WITHVALUES"), ("HRANDFIELD", "none", "x"),
        ("HRANDFIELD", "none", "1", "bogus"),
        ("HSET", "h", "a", "1", "b", "2", "c", "3"),
        ("HRANDFIELD", "h", "x"), ("HRANDFIELD", "h", "1.5"), ("HRANDFIELD", "h", "0"),
        ("HRANDFIELD", "h", "0", "withvalues"), ("HRANDFIELD", "h", "1", "bogus"),
        ("HRANDFIELD", "h", "1", "WITHVALUES", "bogus"),
        ("HRANDFIELD", "h", "1", "WITHVALUES", "WITHVALUES"),
        ("HRANDFIELD", "h", "3"), ("HRANDFIELD", "h", "5", "WithValues"),
        ("HRANDFIELD", "h", "9223372036854775807"),
        ("HRANDFIELD", "h", "9223372036854775808"),
        ("HRANDFIELD", "h", "-9223372036854775808"),
        ("HRANDFIELD", "none", "-9223372036854775808"),
        ("HRANDFIELD", "h", "9223372036854775807", "WITHVALUES"),
        ("HRANDFIELD", "h", "4611686018427387903", "WITHVALUES"),
        ("HRANDFIELD", "h", "4611686018427387904", "WITHVALUES"),
        ("HRANDFIELD", "h", "-4611686018427387904", "WITHVALUES"),
        ("HRANDFIELD", "none", "-4611686018427387903", "WITHVALUES"),
        ("HRANDFIELD", "none", "-4611686018427387904", "WITHVALUES"),
        ("HRANDFIELD",),
    ])


def test_parity_hrandfield_shapes(servers: dict[str, Server]) -> None:
    """Random answers: only their shape is compared with the servers'."""
    cmds = [("HSET", "h", *(part for i in range(20) for part in (f"f{i}", str(i))))]
    cmds += [("HRANDFIELD", "h", str(n), *extra)
             for n in (1, 5, 19, -1, -3, -50) for extra in ((), ("WITHVALUES",))]
    mem = run_raw(fresh("memory", servers), cmds)
    for kind in servers:
        got = run_raw(fresh(kind, servers), cmds)
        for cmd, (_, a), (_, b) in zip(cmds[1:], mem[1:], got[1:]):
            assert len(a) == len(b), cmd
            n = int(cmd[2])
            if cmd[-1] == "WITHVALUES":
                assert all(a[i] == f"f{a[i + 1]}" for i in range(0, len(a), 2))
                names = a[::2]
            else:
                names = a
            assert len(names) == abs(n)
            if n > 0:
                assert len(set(names)) == n


def test_parity_hscan(servers: dict[str, Server]) -> None:
    """Small hashes come back whole; errors and options are parsed like the servers."""
    assert_same(servers, [
        ("HSCAN", "none", "0"), ("HSCAN", "none", "x"), ("HSCAN", "none", "0", "bogus"),
        ("HSCAN", "none", "0", "COUNT", "0"), ("HSCAN", "none", "0", "MATCH"),
        ("HSET", "h", "a", "1", "b", "2", "c", "3", "ab", "4", "ü", "5", "", "6", "a*", "7"),
        ("HSCAN", "h", "0"), ("HSCAN", "h", "x"), ("HSCAN", "h", "18446744073709551615"),
        ("HSCAN", "h", "18446744073709551616"), ("HSCAN", "h", "5"), ("HSCAN", "h", "+5"),
        ("HSCAN", "h", "007"), ("HSCAN", "h", "-0"), ("HSCAN", "h", "5 "), ("HSCAN", "h", "0x5"),
        ("HSCAN", "h", "1.0"),
        ("HSCAN", "h", "0", "COUNT", "1"), ("HSCAN", "h", "0", "COUNT", "0"),
        ("HSCAN", "h", "0", "COUNT", "-1"), ("HSCAN", "h", "0", "COUNT", "x"),
        ("HSCAN", "h", "0", "COUNT", "9223372036854775807"),
        ("HSCAN", "h", "0", "COUNT", "9223372036854775808"),
        ("HSCAN", "h", "0", "COUNT"), ("HSCAN", "h", "0", "MATCH"),
        ("HSCAN", "h", "0", "bogus"), ("HSCAN", "h", "0", "TYPE", "string"),
        ("HSCAN", "h", "0", "COUNT", "5", "COUNT", "0"),
        ("HSCAN", "h", "0", "MATCH", "*", "MATCH", "a"),
        ("HSCAN", "h", "0", "count", "1", "match", "a*", "COUNT", "2"),
        *[("HSCAN", "h", "0", "MATCH", pat) for pat in (
            "*", "a*", "?", "??", "[a-b]", "[^a]", "a\\*", "*b", "", "[", "ü", "\\", "[b-a]")],
        ("HSCAN", "h"),
    ])


def test_parity_hscan_novalues(servers: dict[str, Server]) -> None:
    """NOVALUES (Redis 7.4+, Valkey 8+): fields only. The memory backend follows Valkey;
    Redis 7.0 answers a syntax error (pinned below)."""
    newer = [kind for kind, srv in servers.items() if not srv.version().startswith("7.0")]
    big = ("HSET", "big", *(x for i in range(600) for x in (f"f{i}", "v")))
    same_on(servers, newer, [
        ("HSCAN", "none", "0", "NOVALUES"),
        ("HSET", "h", "a", "1", "b", "2", "ab", "3"),
        ("HSCAN", "h", "0", "NOVALUES"), ("HSCAN", "h", "0", "novalues"),
        ("HSCAN", "h", "0", "MATCH", "a*", "NOVALUES"),
        ("HSCAN", "h", "0", "NOVALUES", "COUNT", "1"),
        ("HSCAN", "h", "0", "NOVALUES", "NOVALUES"),
        ("HSCAN", "h", "0", "NOVALUES", "COUNT"),
        ("HSCAN", "h", "0", "NOSCORES"),
        ("SADD", "s", "m"), ("SSCAN", "s", "0", "NOVALUES"), ("HSCAN", "s", "0", "NOVALUES"),
        ("SSCAN", "s", "0", "NOSCORES"), ("SCAN", "0", "NOSCORES"), ("SCAN", "0", "NOVALUES"),
        big, ("HLEN", "big"),
    ])
    for kind in ("memory", *newer):
        client = fresh(kind, servers)
        client.execute_command(*big)
        seen: list[str] = []
        cursor = "0"
        while True:
            cursor, page = client.execute_command("HSCAN", "big", cursor, "NOVALUES")
            seen += page
            if cursor == "0":
                break
        assert sorted(seen) == sorted(f"f{i}" for i in range(600)), kind
        assert sorted(client.hscan_iter("big", no_values=True)) == sorted(seen)
        client.close()
    if "redis" in servers:
        old = fresh("redis", servers)
        old.execute_command("HSET", "h", "a", "1")
        with pytest.raises(ResponseError, match=r"^ERR syntax error$"):
            old.execute_command("HSCAN", "h", "0", "NOVALUES")
        old.close()


def test_hscan_novalues_typed(servers: dict[str, Server]) -> None:
    for kind in ("memory", "valkey", "valkey9"):
        r = fresh(kind, servers)
        r.hset("h", {"a": "1", "b": "2"})
        cursor, fields = r.hscan("h", no_values=True)
        assert cursor == 0 and sorted(fields) == ["a", "b"]
        assert r.hscan("h") == (0, {"a": "1", "b": "2"})
        assert sorted(r.hscan_iter("h", no_values=True)) == ["a", "b"]
        r.close()


def test_parity_hscan_negative_cursor(servers: dict[str, Server]) -> None:
    """A negative cursor: Redis 7.0 wrapped it round, Redis 7.2+ and Valkey (and the
    memory backend) call it invalid."""
    same_on(servers, ["valkey"], [
        ("HSET", "h", "a", "1"), ("HSCAN", "h", "-1"), ("HSCAN", "h", " 5"), ("HSCAN", "h", ""),
    ])


@pytest.mark.parametrize("size, value", [(1000, "v"), (513, "v"), (50, "x" * 65), (5, "ü" * 33)])
def test_parity_hscan_large(servers: dict[str, Server], size: int, value: str) -> None:
    """Past the listpack limits (513+ fields, or a value over 64 bytes) HSCAN pages with
    a cursor; a full walk sees every field exactly as the servers do."""
    mapping = {f"f{i}": f"{value}{i}" for i in range(size)}
    setup = ("HSET", "h", *(part for item in mapping.items() for part in item))
    for opts in ((), ("COUNT", "3"), ("MATCH", "f1*"), ("MATCH", "f?", "COUNT", "100")):
        results = []
        for kind in ("memory", *servers):
            client = fresh(kind, servers)
            client.execute_command(*setup)
            seen, calls = full_scan(client, "h", *opts)
            results.append(seen)
            if not opts and kind == "memory" and size > 10:
                assert calls > 1  # not returned whole
        assert all(res == results[0] for res in results), opts
    assert_same(servers, [setup, ("HLEN", "h"), ("HGETALL", "h"), ("HKEYS", "h"),
                          ("HVALS", "h")], unordered=[2, 3, 4])


def test_parity_unicode(servers: dict[str, Server]) -> None:
    assert_same(servers, [
        ("HSET", "ü{tag}", "日本", "語", "ü", "é", "\x00", "nul", "a b", ""),
        ("HGETALL", "ü{tag}"), ("HSTRLEN", "ü{tag}", "日本"), ("HSTRLEN", "ü{tag}", "ü"),
        ("HGET", "ü{tag}", "\x00"), ("HMGET", "ü{tag}", "ü", "u"),
        ("HSCAN", "ü{tag}", "0", "MATCH", "?"), ("HSCAN", "ü{tag}", "0", "MATCH", "??"),
        ("HSCAN", "ü{tag}", "0", "MATCH", "???"), ("HSCAN", "ü{tag}", "0", "MATCH", "[^a]*"),
        ("HINCRBYFLOAT", "ü{tag}", "数", "1.5"), ("HDEL", "ü{tag}", "ü", "日本"),
        ("HKEYS", "ü{tag}"),
    ])
