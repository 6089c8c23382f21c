"""List commands: the typed API on every backend, and raw parity with real servers."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import pytest
import redis as redis_py

import redipy
from redipy.commands.lists import COMMANDS as LIST_COMMANDS
from redipy.errors import ResponseError, WrongTypeError
from tests.conftest import make_client
from tests.parity import assert_same, fresh, run_raw
from tests.servers import Server

WRONGTYPE = "WRONGTYPE Operation against a key holding the wrong kind of value"


def same_on(servers: dict[str, Server], kinds: Sequence[str],
            cmds: Sequence[Sequence[Any]]) -> None:
    """Like ``assert_same`` but only against the named server kinds (for the few
    places where Redis 7.0 still had a bug that Redis 7.2+ and Valkey fixed)."""
    mem = run_raw(fresh("memory", servers), cmds)
    for kind in kinds:
        got = run_raw(fresh(kind, servers), cmds)
        for cmd, a, b in zip(cmds, mem, got):
            assert a == b, f"{kind}: {list(cmd)!r} -> memory {a!r} != server {b!r}"


# ---- the command table ---------------------------------------------------------------


def test_table_matches_command_info(server: Server) -> None:
    """Arity, key positions and read/write flags agree with the server's COMMAND INFO."""
    raw = redis_py.Redis(port=server.port, decode_responses=True, protocol=2)
    raw.response_callbacks = {}  # type: ignore[assignment]
    infos = raw.execute_command(  # type: ignore[no-untyped-call]
        "COMMAND", "INFO", *(spec.name for spec in LIST_COMMANDS))
    raw.close()
    for spec, info in zip(LIST_COMMANDS, infos):
        name, arity, flags, first, last, step = info[:6]
        assert name == spec.name.lower()
        assert spec.arity == arity, spec.name
        assert spec.group == "list"
        assert ("write" in flags) == spec.write, spec.name
        assert ("readonly" in flags) == spec.readonly, spec.name
        assert ("fast" in flags) == ("fast" in spec.flags), spec.name
        argv = [spec.name, *(f"a{i}" for i in range(8))]
        if first:
            assert spec.key_positions(argv) == list(range(first, last + 1, step)), spec.name


def test_key_positions() -> None:
    specs = {spec.name: spec for spec in LIST_COMMANDS}
    assert specs["LMPOP"].key_positions(["LMPOP", "2", "a", "b", "LEFT"]) == [2, 3]
    assert specs["LMOVE"].key_positions(["LMOVE", "a", "b", "LEFT", "RIGHT"]) == [1, 2]
    assert specs["RPOPLPUSH"].key_positions(["RPOPLPUSH", "a", "b"]) == [1, 2]
    assert specs["LPUSH"].key_positions(["LPUSH", "k", "v1", "v2"]) == [1]
    assert specs["LSET"].status_reply and specs["LTRIM"].status_reply
    assert not specs["LPOP"].status_reply


# ---- the typed API on every backend ---------------------------------------------------


def test_readme_example(r: redipy.Redis) -> None:
    r.lpush("mylist", "a", "b", "c")
    r.rpush("mylist", "d")
    assert r.lpop("mylist") == "c"
    assert r.rpop("mylist", 3) == ["d", "a", "b"]
    assert r.exists("mylist") == 0


def test_push_pop(r: redipy.Redis) -> None:
    assert r.lpush("l", "a", "b") == 2
    assert r.rpush("l", "c", "ü日本") == 4
    assert r.lrange("l", 0, -1) == ["b", "a", "c", "ü日本"]
    assert r.lpushx("l", "x") == 5
    assert r.rpushx("l", "y", "z") == 7
    assert r.lpushx("none", "x") == 0
    assert r.rpushx("none", "x") == 0
    assert r.exists("none") == 0
    assert r.lpop("l") == "x"
    assert r.rpop("l") == "z"
    assert r.lpop("l", 2) == ["b", "a"]
    assert r.lpop("l", 0) == []
    assert r.rpop("l", 1) == ["y"]
    assert r.lpop("none") is None
    assert r.lpop("none", 3) is None
    assert r.rpop("none", 3) is None
    assert r.rpop("l", 10) == ["ü日本", "c"]
    assert r.llen("l") == 0
    assert r.exists("l") == 0
    # no values: nothing to push, the length is the answer (as 0.7.1's memory backend)
    assert r.lpush("l") == 0
    assert r.rpush("l", "a") == 1
    assert r.rpush("l") == 1
    assert r.lpushx("l") == 1 and r.rpushx("l") == 1


def test_pop_negative_count(r: redipy.Redis) -> None:
    r.rpush("l", "a")
    with pytest.raises(ResponseError, match="must be positive"):
        r.lpop("l", -1)


def test_index_and_range(r: redipy.Redis) -> None:
    r.rpush("l", *"abcde")
    assert r.llen("l") == 5
    assert r.lrange("l", 1, -2) == ["b", "c", "d"]
    assert r.lrange("l", -100, 100) == list("abcde")
    assert r.lrange("l", 3, 1) == []
    assert r.lrange("none", 0, -1) == []
    assert r.lindex("l", 0) == "a"
    assert r.lindex("l", -1) == "e"
    assert r.lindex("l", 5) is None
    assert r.lindex("none", 0) is None
    r.lset("l", -2, "D")
    assert r.lindex("l", 3) == "D"
    with pytest.raises(ResponseError, match=r"^ERR index out of range$"):
        r.lset("l", 5, "x")
    with pytest.raises(ResponseError, match=r"^ERR no such key$"):
        r.lset("none", 0, "x")


def test_insert_remove_trim(r: redipy.Redis) -> None:
    r.rpush("l", "a", "b", "a", "c", "a")
    assert r.linsert("l", "BEFORE", "b", "x") == 6
    assert r.linsert("l", "after", "c", "y") == 7
    assert r.linsert("l", "AFTER", "zz", "y") == -1
    assert r.linsert("none", "AFTER", "a", "y") == 0
    assert r.lrange("l", 0, -1) == ["a", "x", "b", "a", "c", "y", "a"]
    assert r.lrem("l", -1, "a") == 1
    assert r.lrem("l", 1, "a") == 1
    assert r.lrange("l", 0, -1) == ["x", "b", "a", "c", "y"]
    assert r.lrem("l", 0, "nope") == 0
    assert r.ltrim("l", 1, -2) is True
    assert r.lrange("l", 0, -1) == ["b", "a", "c"]
    assert r.ltrim("l", 5, 10) is True
    assert r.exists("l") == 0
    assert r.ltrim("none", 0, 1) is True
    r.rpush("l", "a", "a")
    assert r.lrem("l", 0, "a") == 2
    assert r.exists("l") == 0


def test_lpos(r: redipy.Redis) -> None:
    r.rpush("l", "a", "b", "c", "1", "2", "3", "c", "c")
    assert r.lpos("l", "c") == 2
    assert r.lpos("l", "c", rank=2) == 6
    assert r.lpos("l", "c", rank=-1) == 7
    assert r.lpos("l", "c", count=0) == [2, 6, 7]
    assert r.lpos("l", "c", rank=-1, count=2) == [7, 6]
    assert r.lpos("l", "c", maxlen=2) is None
    assert r.lpos("l", "c", count=0, maxlen=7) == [2, 6]
    assert r.lpos("l", "zz") is None
    assert r.lpos("l", "zz", count=1) == []
    assert r.lpos("none", "a") is None
    with pytest.raises(ResponseError, match=r"^ERR RANK can't be zero"):
        r.lpos("l", "c", rank=0)


def test_move(r: redipy.Redis) -> None:
    r.rpush("a", "1", "2", "3")
    assert r.lmove("a", "b") == "1"
    assert r.lmove("a", "b", "RIGHT", "LEFT") == "3"
    assert r.lrange("b", 0, -1) == ["3", "1"]
    assert r.rpoplpush("a", "b") == "2"
    assert r.exists("a") == 0
    assert r.lrange("b", 0, -1) == ["2", "3", "1"]
    assert r.lmove("b", "b", "LEFT", "RIGHT") == "2"
    assert r.lrange("b", 0, -1) == ["3", "1", "2"]
    assert r.lmove("none", "b") is None
    assert r.rpoplpush("none", "b") is None
    r.rpush("one", "x")
    assert r.rpoplpush("one", "one") == "x"
    assert r.lrange("one", 0, -1) == ["x"]


def test_lmpop(r: redipy.Redis) -> None:
    r.rpush("b", "1", "2", "3")
    assert r.lmpop(2, "a", "b", direction="LEFT") == ["b", ["1"]]
    assert r.lmpop(2, "a", "b", direction="RIGHT", count=5) == ["b", ["3", "2"]]
    assert r.exists("b") == 0
    assert r.lmpop(2, "a", "b", direction="LEFT") is None
    with pytest.raises(ResponseError, match=r"^ERR count should be greater than 0$"):
        r.lmpop(1, "a", direction="LEFT", count=0)


def test_wrong_type(r: redipy.Redis) -> None:
    r.hset("h", {"f": "v"})
    r.rpush("l", "a")
    for call in (
        lambda: r.lpush("h", "x"), lambda: r.rpushx("h", "x"), lambda: r.lpop("h"),
        lambda: r.rpop("h", 2), lambda: r.llen("h"), lambda: r.lrange("h", 0, 1),
        lambda: r.lindex("h", 0), lambda: r.lset("h", 0, "x"),
        lambda: r.linsert("h", "BEFORE", "a", "b"), lambda: r.lrem("h", 0, "a"),
        lambda: r.ltrim("h", 0, 1), lambda: r.lpos("h", "a"), lambda: r.lmove("h", "l"),
        lambda: r.lmove("l", "h"), lambda: r.rpoplpush("l", "h"),
        lambda: r.lmpop(2, "h", "l", direction="LEFT"),
    ):
        with pytest.raises(WrongTypeError) as info:
            call()
        assert str(info.value) == WRONGTYPE
        assert isinstance(info.value, TypeError)  # what 0.7.1 raised
    assert r.lrange("l", 0, -1) == ["a"]  # a failed move leaves the source alone


def test_pipeline(r: redipy.Redis) -> None:
    with r.pipeline() as pipe:
        pipe.rpush("l", "a", "b", "c")
        pipe.lpop("l")
        pipe.lpop("l", 5)
        pipe.lset("none", 0, "x")
        pipe.ltrim("l", 0, 1)
        pipe.lmpop(1, "l", direction="LEFT")
        with pytest.raises(ResponseError, match="no such key"):
            pipe.execute()
    with r.pipeline() as pipe:
        pipe.rpush("l", "a", "b")
        pipe.lmpop(1, "l", direction="LEFT")
        pipe.lset("l", 0, "z")
        pipe.ltrim("l", 0, 0)
        pipe.lrange("l", 0, -1)
        assert pipe.execute() == [2, ["l", ["a"]], None, True, ["z"]]


def test_lmpop_strips_the_key_prefix(backend: str, servers: dict[str, Server]) -> None:
    if backend == "memory":
        client = redipy.Redis()
    else:
        client = make_client(backend, servers, prefix="app")
    try:
        client.rpush("b", "1")
        assert client.lmpop(2, "a", "b", direction="LEFT") == ["b", ["1"]]
        client.rpush("src", "x")
        assert client.lmove("src", "dst") == "x"
        assert client.lrange("dst", 0, -1) == ["x"]
    finally:
        client.close()


# ---- the memory backend's bookkeeping --------------------------------------------------


def test_memory_touches_every_mutation() -> None:
    """Each in-place change tells WATCH (through ``db.touch``); reads do not."""
    client = redipy.Redis()
    db = client.backend.db  # type: ignore[attr-defined]
    touched: list[str] = []
    db.on_touch.append(touched.append)

    def changes(*argv: str) -> list[str]:
        touched.clear()
        client.execute_command(*argv)
        return sorted(set(touched))

    assert changes("RPUSH", "l", "a", "b", "c", "d") == ["l"]
    assert changes("LPUSH", "l", "x") == ["l"]
    assert changes("LPUSHX", "l", "y") == ["l"]
    assert changes("RPUSHX", "l", "y") == ["l"]
    assert changes("LSET", "l", "0", "z") == ["l"]
    assert changes("LINSERT", "l", "BEFORE", "a", "q") == ["l"]
    assert changes("LINSERT", "l", "BEFORE", "nope", "q") == []
    assert changes("LREM", "l", "1", "q") == ["l"]
    assert changes("LREM", "l", "1", "nope") == []
    assert changes("LPOP", "l") == ["l"]
    assert changes("RPOP", "l", "1") == ["l"]
    assert changes("LMOVE", "l", "m", "LEFT", "RIGHT") == ["l", "m"]
    assert changes("RPUSH", "m", "w") == ["m"]
    assert changes("RPOPLPUSH", "m", "l") == ["l", "m"]
    assert changes("LMPOP", "1", "l", "LEFT") == ["l"]
    assert changes("LTRIM", "l", "0", "0") == ["l"]
    assert changes("LRANGE", "l", "0", "-1") == []
    assert changes("LINDEX", "l", "0") == []
    assert changes("LPOS", "l", "a") == []
    assert changes("LLEN", "l") == []


def test_memory_large_list_ends() -> None:
    """Far from the head the walk starts at the tail (LRANGE), trims pop from the ends."""
    client = redipy.Redis()
    client.rpush("l", *map(str, range(100_000)))
    assert client.lrange("l", -3, -1) == ["99997", "99998", "99999"]
    assert client.lrange("l", 99_990, 99_991) == ["99990", "99991"]
    assert client.lrange("l", 2, 3) == ["2", "3"]
    assert client.lrange("l", 50_000, 50_001) == ["50000", "50001"]
    assert client.lrange("l", 49_999, 50_000) == ["49999", "50000"]
    client.ltrim("l", 10, -11)
    assert client.llen("l") == 99_980
    assert client.lindex("l", 0) == "10" and client.lindex("l", -1) == "99989"


# ---- raw parity with the real servers ---------------------------------------------------


def test_parity_push_pop(servers: dict[str, Server]) -> None:
    assert_same(servers, [
        ("LPUSH", "l", "a", "b", "c"), ("RPUSH", "l", "d", "ü", "日本", ""),
        ("LRANGE", "l", "0", "-1"), ("LLEN", "l"), ("LLEN", "none"),
        ("LPUSH", "l"), ("RPUSH", "l"), ("LPUSHX", "l"), ("RPUSHX", "l"),
        ("LPUSHX", "none", "a"), ("RPUSHX", "none", "a", "b"), ("EXISTS", "none"),
        ("LPUSHX", "l", "x", "y"), ("RPUSHX", "l", "z"), ("LRANGE", "l", "0", "-1"),
        ("LPOP", "l"), ("RPOP", "l"), ("lpop", "l", "2"), ("rpop", "l", "1"),
        ("LPOP", "l", "0"), ("RPOP", "l", "0"), ("LPOP", "none", "0"), ("LPOP", "none"),
        ("RPOP", "none", "3"), ("LPOP", "l", "-1"), ("LPOP", "none", "-1"), ("LPOP", "l", "x"),
        ("LPOP", "l", "1.5"), ("LPOP", "l", "01"), ("LPOP", "l", " 1"), ("LPOP", "l", "+1"),
        ("LPOP", "l", "9223372036854775808"), ("LPOP", "l", "1", "2"), ("RPOP", "l", "1", "2"),
        ("LPOP",), ("RPOP",), ("LLEN",), ("LLEN", "l", "x"),
        ("LRANGE", "l", "0", "-1"), ("RPOP", "l", "9223372036854775807"),
        ("EXISTS", "l"), ("LPOP", "l"), ("LPOP", "l", "0"),
    ])


def test_parity_wrong_type(servers: dict[str, Server]) -> None:
    """WRONGTYPE against a string, and which error wins when there are several."""
    assert_same(servers, [
        ("SET", "s", "x"), ("RPUSH", "l", "a", "b"),
        ("LPUSH", "s", "a"), ("RPUSH", "s", "a"), ("LPUSHX", "s", "a"), ("RPUSHX", "s", "a"),
        ("LPOP", "s"), ("RPOP", "s"), ("LPOP", "s", "0"), ("LPOP", "s", "-1"),
        ("LPOP", "s", "x"), ("LLEN", "s"), ("LRANGE", "s", "0", "1"),
        ("LRANGE", "s", "x", "1"), ("LINDEX", "s", "0"), ("LINDEX", "s", "x"),
        ("LSET", "s", "0", "a"), ("LSET", "s", "x", "a"), ("LSET", "none", "x", "a"),
        ("LINSERT", "s", "BEFORE", "a", "b"), ("LINSERT", "s", "middle", "a", "b"),
        ("LREM", "s", "0", "a"), ("LREM", "s", "x", "a"), ("LTRIM", "s", "0", "1"),
        ("LTRIM", "s", "x", "1"), ("LPOS", "s", "a"), ("LPOS", "s", "a", "RANK", "0"),
        ("LPOS", "s", "a", "COUNT", "-1"), ("LPOS", "s", "a", "bogus"),
        ("LMOVE", "s", "l", "LEFT", "RIGHT"), ("LMOVE", "l", "s", "LEFT", "RIGHT"),
        ("LMOVE", "s", "s", "LEFT", "RIGHT"), ("LMOVE", "s", "none", "LEFT", "RIGHT"),
        ("LMOVE", "none", "s", "LEFT", "RIGHT"), ("LMOVE", "s", "l", "up", "RIGHT"),
        ("RPOPLPUSH", "s", "l"), ("RPOPLPUSH", "l", "s"), ("RPOPLPUSH", "none", "s"),
        ("LMPOP", "2", "s", "l", "LEFT"), ("LMPOP", "2", "none", "s", "LEFT"),
        ("LMPOP", "1", "s", "LEFT", "COUNT", "0"), ("LMPOP", "1", "s", "up"),
        ("LRANGE", "l", "0", "-1"), ("GET", "s"),
        ("LMPOP", "2", "l", "s", "LEFT"), ("LMPOP", "2", "l", "s", "RIGHT", "COUNT", "9"),
        ("EXISTS", "l"),
    ])


def test_parity_wrong_type_hash(servers: dict[str, Server]) -> None:
    """The same against a hash (independent of the string commands)."""
    assert_same(servers, [
        ("HSET", "h", "f", "v"), ("LPUSH", "h", "a"), ("LRANGE", "h", "0", "-1"),
        ("LPOP", "h"), ("LMOVE", "h", "x", "LEFT", "LEFT"), ("LLEN", "h"),
        ("LMPOP", "1", "h", "LEFT"), ("HGET", "h", "f"),
    ])


def test_parity_range_and_index(servers: dict[str, Server]) -> None:
    idx = ["0", "1", "4", "5", "6", "-1", "-5", "-6", "-100", "100",
           "9223372036854775807", "-9223372036854775808"]
    cmds: list[tuple[str, ...]] = [("RPUSH", "l", "1", "2", "3", "4", "5")]
    for start in idx:
        for stop in ("0", "2", "-1", "-3", "-6", "4", "5", "100", "-9223372036854775808",
                     "9223372036854775807"):
            cmds.append(("LRANGE", "l", start, stop))
        cmds.append(("LINDEX", "l", start))
    cmds += [
        ("LRANGE", "l", "a", "1"), ("LRANGE", "l", "0", "b"), ("LRANGE", "none", "a", "b"),
        ("LRANGE", "l", "0", "9223372036854775808"), ("LRANGE", "l", "1.0", "2"),
        ("LRANGE", "none", "0", "-1"), ("LRANGE", "l", "0"), ("LRANGE", "l", "0", "1", "2"),
        ("LINDEX", "l", "x"), ("LINDEX", "none", "x"), ("LINDEX", "none", "0"),
        ("LINDEX", "l", "-0"), ("LINDEX", "l"),
    ]
    assert_same(servers, cmds)


def test_parity_lset(servers: dict[str, Server]) -> None:
    assert_same(servers, [
        ("RPUSH", "l", "a", "b", "c"),
        ("LSET", "l", "0", "A"), ("LSET", "l", "-1", "C"), ("LSET", "l", "-3", "ü"),
        ("LSET", "l", "3", "x"), ("LSET", "l", "-4", "x"), ("LSET", "l", "x", "x"),
        ("LSET", "l", "9223372036854775808", "x"), ("LSET", "none", "0", "x"),
        ("LSET", "none", "x", "x"), ("EXISTS", "none"), ("LRANGE", "l", "0", "-1"),
        ("LSET", "l", "1"), ("lset", "l", "1", "", ),
        ("LRANGE", "l", "0", "-1"),
    ])


def test_parity_lset_huge_index(servers: dict[str, Server]) -> None:
    """An index past 32 bits is out of range. Valkey 8.1 truncates LSET's index to 32
    bits (``LSET l 4294967296 x`` overwrites element 0: a Valkey bug); the memory
    backend answers as Redis does."""
    same_on(servers, [kind for kind in servers if kind == "redis"], [
        ("RPUSH", "l", "a", "b", "c"), ("LSET", "l", "9223372036854775807", "x"),
        ("LSET", "l", "4294967296", "x"), ("LSET", "l", "-4294967297", "x"),
        ("LSET", "l", "-9223372036854775808", "x"), ("LRANGE", "l", "0", "-1"),
    ])
    assert_same(servers, [
        ("RPUSH", "l", "a", "b", "c"), ("LSET", "l", "2147483648", "x"),
        ("LSET", "l", "-2147483649", "x"), ("LSET", "l", "2147483647", "x"),
        ("LINDEX", "l", "4294967296"), ("LINDEX", "l", "9223372036854775807"),
        ("LRANGE", "l", "0", "-1"),
    ])


def test_parity_linsert(servers: dict[str, Server]) -> None:
    assert_same(servers, [
        ("RPUSH", "l", "a", "b", "a"),
        ("LINSERT", "l", "BEFORE", "a", "x"), ("LINSERT", "l", "after", "a", "y"),
        ("LINSERT", "l", "After", "b", "z"), ("LINSERT", "l", "before", "nope", "z"),
        ("LINSERT", "l", "middle", "a", "z"), ("LINSERT", "none", "BEFORE", "a", "z"),
        ("LINSERT", "none", "middle", "a", "z"), ("EXISTS", "none"),
        ("LINSERT", "l", "BEFORE", "a"), ("LINSERT", "l", "BEFORE", "a", "b", "c"),
        ("LINSERT", "l", "AFTER", "", "e"), ("LINSERT", "l", "AFTER", "z", ""),
        ("LINSERT", "l", "AFTER", "", "e"), ("LRANGE", "l", "0", "-1"),
    ])


def test_parity_lrem(servers: dict[str, Server]) -> None:
    cmds: list[tuple[str, ...]] = []
    for count in ("0", "1", "2", "-1", "-2", "5", "-5", "9223372036854775807",
                  "-9223372036854775807"):
        cmds += [
            ("DEL", "l"), ("RPUSH", "l", "a", "b", "a", "c", "a", "b", "a"),
            ("LREM", "l", count, "a"), ("LRANGE", "l", "0", "-1"),
            ("LREM", "l", count, "b"), ("LREM", "l", count, "zz"), ("LRANGE", "l", "0", "-1"),
        ]
    cmds += [
        ("LREM", "l", "x", "a"), ("LREM", "l", "1.0", "a"), ("LREM", "none", "0", "a"),
        ("LREM", "none", "x", "a"), ("DEL", "l"), ("RPUSH", "l", "q", "q"),
        ("LREM", "l", "0", "q"), ("EXISTS", "l"), ("RPUSH", "l", "ü", "u", "ü"),
        ("LREM", "l", "-1", "ü"), ("LRANGE", "l", "0", "-1"), ("LREM", "l", "1"),
    ]
    assert_same(servers, cmds)


def test_parity_ltrim(servers: dict[str, Server]) -> None:
    cases = [("0", "-1"), ("1", "-2"), ("2", "1"), ("-2", "-1"), ("-100", "100"),
             ("5", "10"), ("0", "0"), ("-1", "-1"), ("4", "4"), ("0", "-6"), ("3", "100"),
             ("-9223372036854775808", "9223372036854775807"), ("9223372036854775807", "0")]
    cmds: list[tuple[str, ...]] = []
    for start, stop in cases:
        cmds += [
            ("DEL", "l"), ("RPUSH", "l", "1", "2", "3", "4", "5"),
            ("LTRIM", "l", start, stop), ("LRANGE", "l", "0", "-1"), ("EXISTS", "l"),
        ]
    cmds += [
        ("LTRIM", "l", "x", "1"), ("LTRIM", "l", "0", "y"), ("LTRIM", "none", "0", "1"),
        ("LTRIM", "none", "x", "1"), ("EXISTS", "none"), ("LTRIM", "l", "0"),
    ]
    assert_same(servers, cmds)


def test_parity_lpos(servers: dict[str, Server]) -> None:
    cmds: list[tuple[str, ...]] = [("RPUSH", "l", "a", "b", "c", "1", "2", "3", "c", "c", "ü")]
    for opts in (
        (), ("RANK", "1"), ("RANK", "2"), ("RANK", "3"), ("RANK", "4"), ("RANK", "-1"),
        ("RANK", "-2"), ("RANK", "-4"), ("COUNT", "0"), ("COUNT", "1"), ("COUNT", "2"),
        ("COUNT", "10"), ("MAXLEN", "0"), ("MAXLEN", "3"), ("MAXLEN", "7"), ("MAXLEN", "100"),
        ("RANK", "-1", "COUNT", "2"), ("RANK", "2", "COUNT", "0"),
        ("RANK", "-1", "MAXLEN", "2"), ("RANK", "-1", "MAXLEN", "3", "COUNT", "0"),
        ("COUNT", "0", "MAXLEN", "7"), ("rank", "1", "rank", "2"), ("count", "1", "count", "3"),
        ("RANK", "9223372036854775807"), ("RANK", "-9223372036854775807"),
        ("COUNT", "9223372036854775807"), ("MAXLEN", "9223372036854775807"),
    ):
        cmds.append(("LPOS", "l", "c", *opts))
        cmds.append(("LPOS", "l", "zz", *opts))
        cmds.append(("LPOS", "none", "c", *opts))
    cmds += [
        ("LPOS", "l", "ü"), ("LPOS", "l", "c", "RANK", "0"), ("LPOS", "none", "c", "RANK", "0"),
        ("LPOS", "l", "c", "RANK", "x"), ("LPOS", "l", "c", "RANK", "9223372036854775808"),
        ("LPOS", "l", "c", "COUNT", "-1"), ("LPOS", "l", "c", "COUNT", "x"),
        ("LPOS", "l", "c", "MAXLEN", "-1"), ("LPOS", "l", "c", "MAXLEN", "x"),
        ("LPOS", "l", "c", "RANK"), ("LPOS", "l", "c", "COUNT"), ("LPOS", "l", "c", "bogus", "1"),
        ("LPOS", "l", "c", "RANK", "0", "COUNT", "-1"),
        ("LPOS", "l", "c", "COUNT", "-1", "RANK", "0"),
        ("LPOS", "l"), ("LPOS", "none", "c", "COUNT", "-1"),
    ]
    assert_same(servers, cmds)


def test_parity_long_min(servers: dict[str, Server]) -> None:
    """-2**63 as LPOS's RANK or LREM's count: Redis 7.0 negated it into itself (and
    answered); Redis 7.2+ and Valkey reject it, and so does the memory backend."""
    same_on(servers, ["valkey"], [
        ("RPUSH", "l", "a", "c", "a"), ("LPOS", "l", "c", "RANK", "-9223372036854775808"),
        ("LREM", "l", "-9223372036854775808", "a"), ("LRANGE", "l", "0", "-1"),
    ])


def test_parity_lmove(servers: dict[str, Server]) -> None:
    cmds: list[tuple[str, ...]] = []
    for src in ("LEFT", "RIGHT", "left", "Right"):
        for dst in ("LEFT", "RIGHT", "left", "rIGHT"):
            cmds += [
                ("DEL", "a", "b"), ("RPUSH", "a", "1", "2", "3"), ("RPUSH", "b", "x"),
                ("LMOVE", "a", "b", src, dst), ("LMOVE", "a", "a", src, dst),
                ("LMOVE", "a", "new", src, dst), ("LRANGE", "a", "0", "-1"),
                ("LRANGE", "b", "0", "-1"), ("LRANGE", "new", "0", "-1"), ("DEL", "new"),
            ]
    cmds += [
        ("DEL", "a", "b"), ("RPUSH", "a", "only"), ("LMOVE", "a", "a", "LEFT", "RIGHT"),
        ("LRANGE", "a", "0", "-1"), ("LMOVE", "a", "b", "LEFT", "RIGHT"), ("EXISTS", "a"),
        ("LMOVE", "none", "b", "LEFT", "RIGHT"), ("LMOVE", "none", "b", "up", "RIGHT"),
        ("LMOVE", "b", "a", "LEFT", "down"), ("LMOVE", "b", "a", "LEFT"),
        ("RPOPLPUSH", "b", "a"), ("RPOPLPUSH", "a", "a"), ("LRANGE", "a", "0", "-1"),
        ("RPUSH", "a", "z"), ("RPOPLPUSH", "a", "a"), ("LRANGE", "a", "0", "-1"),
        ("RPOPLPUSH", "none", "a"), ("RPOPLPUSH", "a"), ("RPOPLPUSH", "a", "b", "c"),
        ("EXISTS", "b"),
    ]
    assert_same(servers, cmds)


def test_parity_lmpop(servers: dict[str, Server]) -> None:
    assert_same(servers, [
        ("RPUSH", "a", "1", "2", "3"), ("RPUSH", "b", "x", "y"),
        ("LMPOP", "1", "a", "LEFT"), ("LMPOP", "2", "none", "a", "RIGHT"),
        ("LMPOP", "2", "none", "b", "left", "COUNT", "1"),
        ("LMPOP", "3", "none", "b", "a", "RIGHT", "count", "5"),
        ("LMPOP", "2", "a", "b", "LEFT", "COUNT", "9223372036854775807"),
        ("LMPOP", "2", "a", "b", "LEFT"), ("EXISTS", "a", "b"),
        ("RPUSH", "a", "1"),
        ("LMPOP", "0", "a", "LEFT"), ("LMPOP", "-1", "a", "LEFT"), ("LMPOP", "x", "a", "LEFT"),
        ("LMPOP", "01", "a", "LEFT"), ("LMPOP", "9223372036854775808", "a", "LEFT"),
        ("LMPOP", "9223372036854775807", "a", "LEFT"), ("LMPOP", "2147483648", "a", "LEFT"),
        ("LMPOP", "3", "a", "LEFT"), ("LMPOP", "2", "a", "LEFT"), ("LMPOP", "1", "a", "up"),
        ("LMPOP", "1", "a", "LEFT", "COUNT"), ("LMPOP", "1", "a", "LEFT", "COUNT", "0"),
        ("LMPOP", "1", "a", "LEFT", "COUNT", "-1"), ("LMPOP", "1", "a", "LEFT", "COUNT", "x"),
        ("LMPOP", "1", "a", "LEFT", "COUNT", "1.5"),
        ("LMPOP", "1", "a", "LEFT", "COUNT", "9223372036854775808"),
        ("LMPOP", "1", "a", "LEFT", "COUNT", "1", "COUNT", "2"),
        ("LMPOP", "1", "a", "LEFT", "bogus", "1"), ("LMPOP", "1", "a", "LEFT", "bogus"),
        ("LMPOP", "0", "a", "up", "COUNT", "0"), ("LMPOP", "1", "a", "up", "COUNT", "0"),
        ("LMPOP", "1", "a"), ("LMPOP", "1"), ("LMPOP", "1", "none", "LEFT"),
        ("LMPOP", "1", "none", "LEFT", "COUNT", "0"), ("LMPOP", "2", "none", "a", "RIGHT"),
        ("EXISTS", "a"),
    ])


def test_parity_unicode_and_binary(servers: dict[str, Server]) -> None:
    assert_same(servers, [
        ("RPUSH", "ü{tag}", "日本", "ü", "\x00", "a b", "é"),
        ("LRANGE", "ü{tag}", "0", "-1"), ("LPOS", "ü{tag}", "ü"), ("LPOS", "ü{tag}", "é"),
        ("LINSERT", "ü{tag}", "AFTER", "\x00", "é"), ("LREM", "ü{tag}", "0", "ü"),
        ("LMOVE", "ü{tag}", "日本", "RIGHT", "LEFT"), ("LRANGE", "日本", "0", "-1"),
        ("LRANGE", "ü{tag}", "0", "-1"),
    ])


def test_parity_large_list(servers: dict[str, Server]) -> None:
    """Past the small-list encoding (listpack -> quicklist): same answers."""
    values = [f"v{i % 37}" for i in range(1000)]
    assert_same(servers, [
        ("RPUSH", "l", *values), ("LLEN", "l"), ("LRANGE", "l", "990", "-1"),
        ("LRANGE", "l", "-995", "8"), ("LINDEX", "l", "777"), ("LINDEX", "l", "-777"),
        ("LPOS", "l", "v5", "COUNT", "0"), ("LPOS", "l", "v5", "RANK", "-3", "MAXLEN", "100"),
        ("LREM", "l", "-3", "v7"), ("LREM", "l", "0", "v8"), ("LSET", "l", "500", "mid"),
        ("LINSERT", "l", "AFTER", "mid", "after"), ("LTRIM", "l", "100", "-100"),
        ("LRANGE", "l", "0", "-1"), ("LPOP", "l", "50"), ("RPOP", "l", "50"),
        ("LMPOP", "1", "l", "LEFT", "COUNT", "10"), ("LLEN", "l"),
    ])
