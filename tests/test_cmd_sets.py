"""Set commands: the typed API on every backend, and raw parity with real servers."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

import pytest
import redis as redis_py

import redipy
from redipy.commands import COMMANDS
from redipy.commands.sets import COMMANDS as SET_COMMANDS
from redipy.errors import ResponseError, WrongTypeError
from tests.parity import Newest, fresh, is_newest, loose, run_raw, server_has
from tests.servers import Server

U = "~"
"""Put first in a command tuple: its list reply has no defined order (compare sorted)."""


def _norm(value: Any) -> Any:
    """Sort a set-like reply; for a SCAN reply ``[cursor, items]`` sort the items."""
    if isinstance(value, list):
        if len(value) == 2 and isinstance(value[0], str) and isinstance(value[1], list):
            return [value[0], sorted(value[1], key=repr)]
        return sorted(value, key=repr)
    return value


def same(servers: dict[str, Server], *cmds: Sequence[Any],
         check: Callable[[list[Any]], None] | None = None) -> list[Any]:
    """Run ``cmds`` on memory and on every server; every reply and error must match.

    A command starting with ``U`` has an unordered reply. Returns the memory outcomes.
    """
    unordered = {i for i, cmd in enumerate(cmds) if cmd[0] == U}
    newest_only = {i for i, cmd in enumerate(cmds) if isinstance(cmd, Newest)}
    plain = [tuple(cmd[1:]) if cmd[0] == U else tuple(cmd) for cmd in cmds]
    mem = run_raw(fresh("memory", servers), plain)
    for kind, srv in servers.items():
        got = run_raw(fresh(kind, servers), plain)
        old = srv.version().startswith("7.0")
        newest = is_newest(srv)
        for idx, (cmd, a, b) in enumerate(zip(plain, mem, got)):
            if (idx in newest_only and not newest) or not server_has(srv, cmd):
                continue
            if idx in unordered:
                a, b = (a[0], _norm(a[1])), (b[0], _norm(b[1]))
            if old:
                a, b = loose(a), loose(b)
            assert a == b, f"{kind}: {list(cmd)!r} -> memory {a!r} != server {b!r}"
    return mem


# ---- the command table ---------------------------------------------------------------


def command_info(server: Server, specs: Sequence[Any]) -> list[list[Any]]:
    """COMMAND INFO's raw entries (RESP2 lists) for ``specs``."""
    raw = redis_py.Redis(port=server.port, decode_responses=True, protocol=2)
    raw.response_callbacks = {}
    infos = raw.execute_command("COMMAND", "INFO", *(spec.name for spec in specs))
    raw.close()
    return list(infos)


def test_table_matches_command_info(server: Server) -> None:
    """Arity and key positions of every set command agree with COMMAND INFO."""
    for spec, info in zip(SET_COMMANDS, command_info(server, SET_COMMANDS)):
        assert spec.arity == info[1], spec.name
        first, last, step = info[3], info[4], info[5]
        argv = [spec.name, *(["k"] * 9)]
        if spec.name == "SINTERCARD":
            argv = ["SINTERCARD", "2", "a", "b", "LIMIT", "1"]
            assert spec.key_positions(argv) == [2, 3]
            continue
        want = list(range(first, (len(argv) + last if last < 0 else last) + 1, step))
        assert spec.key_positions(argv) == want, spec.name
    assert all(COMMANDS[spec.name] is spec for spec in SET_COMMANDS)


# ---- typed API, every backend -----------------------------------------------------------


def test_sadd_srem_members(r: redipy.Redis) -> None:
    assert r.sadd("s", "a", "b", "a") == 2
    assert r.sadd("s", "b", "c") == 1
    assert r.smembers("s") == {"a", "b", "c"}
    assert r.scard("s") == 3
    assert r.sismember("s", "a") is True
    assert r.sismember("s", "z") is False
    assert r.sismember("nope", "a") is False
    assert r.smismember("s", ["a", "z", "c"]) == [True, False, True]
    assert r.smismember("s", "a", "z") == [True, False]
    assert r.srem("s", "a", "z") == 1
    assert r.srem("s", "b", "c") == 2
    assert r.exists("s") == 0
    assert r.smembers("s") == set()
    assert r.scard("s") == 0


def test_unicode_members(r: redipy.Redis) -> None:
    assert r.sadd("s", "ü", "日本", "", "a b") == 4
    assert r.smembers("s") == {"ü", "日本", "", "a b"}
    assert r.sismember("s", "")


def test_spop_srandmember(r: redipy.Redis) -> None:
    assert r.spop("nope") is None
    assert r.spop("nope", 2) == []
    assert r.srandmember("nope") is None
    assert r.srandmember("nope", 3) == []
    r.sadd("s", "a", "b", "c", "d")
    one = r.srandmember("s")
    assert one in {"a", "b", "c", "d"}
    some = r.srandmember("s", 3)
    assert isinstance(some, list) and len(set(some)) == 3
    many = r.srandmember("s", -10)
    assert isinstance(many, list) and len(many) == 10 and set(many) <= {"a", "b", "c", "d"}
    assert set(r.srandmember("s", 10) or []) == {"a", "b", "c", "d"}
    popped = r.spop("s")
    assert popped in {"a", "b", "c", "d"}
    rest = r.spop("s", 2)
    assert isinstance(rest, list) and len(rest) == 2
    assert r.scard("s") == 1
    assert len(r.spop("s", 5) or []) == 1
    assert r.exists("s") == 0


def test_smove(r: redipy.Redis) -> None:
    r.sadd("a", "x", "y")
    assert r.smove("a", "b", "x") is True
    assert r.smove("a", "b", "x") is False
    assert r.smove("nope", "b", "x") is False
    assert r.smembers("b") == {"x"}
    assert r.smove("a", "b", "y") is True
    assert r.exists("a") == 0
    assert r.smove("b", "b", "x") is True


def test_algebra(r: redipy.Redis) -> None:
    r.sadd("a", "1", "2", "3", "4")
    r.sadd("b", "3", "4", "5")
    r.sadd("c", "4", "9")
    assert r.sinter("a", "b") == {"3", "4"}
    assert r.sinter(["a", "b", "c"]) == {"4"}
    assert r.sinter(["a", "nope"]) == set()
    assert r.sunion(["a", "b"], "c") == {"1", "2", "3", "4", "5", "9"}
    assert r.sdiff(["a", "b", "c"]) == {"1", "2"}
    assert r.sdiff("nope", "a") == set()
    assert r.sinterstore("d", ["a", "b"]) == 2
    assert r.smembers("d") == {"3", "4"}
    assert r.sunionstore("d", "a", "c") == 5
    assert r.sdiffstore("d", ["b", "a"]) == 1
    assert r.smembers("d") == {"5"}
    assert r.sdiffstore("d", ["a", "a"]) == 0
    assert r.exists("d") == 0
    assert r.sintercard(2, ["a", "b"]) == 2
    assert r.sintercard(2, ["a", "b"], limit=1) == 1
    assert r.sintercard(3, ["a", "b", "nope"]) == 0


def test_sscan(r: redipy.Redis) -> None:
    assert r.sscan("nope") == (0, [])
    r.sadd("s", *(f"m{i}" for i in range(10)))
    # Redis 7.0 keeps small sets of words in a hash table: COUNT must cover them.
    cursor, members = r.sscan("s", 0, match="m1*", count=100)
    assert cursor == 0 and members == ["m1"]
    assert list(r.sscan_iter("s", match="m[23]", count=1)) in (["m2", "m3"], ["m3", "m2"])
    big = {f"member:{i}" for i in range(1000)}
    r.sadd("big", *big)
    seen: set[str] = set()
    cursor = 0
    steps = 0
    while True:
        cursor, members = r.sscan("big", cursor, count=50)
        seen.update(members)
        steps += 1
        if cursor == 0:
            break
    assert seen == big and steps > 1
    assert set(r.sscan_iter("big", match="member:99*")) == {
        m for m in big if m.startswith("member:99")}


def test_wrong_type(r: redipy.Redis) -> None:
    r.zadd("z", {"a": 1})
    with pytest.raises(WrongTypeError):
        r.sadd("z", "a")
    with pytest.raises(WrongTypeError):
        r.smembers("z")
    with pytest.raises(WrongTypeError):
        r.sinter(["z"])


def test_empty_varargs_fail_like_the_server(r: redipy.Redis) -> None:
    with pytest.raises(ResponseError, match="wrong number of arguments for 'sadd'"):
        r.sadd("s")
    with pytest.raises(ResponseError, match="wrong number of arguments for 'srem'"):
        r.srem("s")


def test_pipeline(r: redipy.Redis) -> None:
    with r.pipeline() as pipe:
        pipe.sadd("s", "a", "b")
        pipe.smembers("s")
        pipe.sismember("s", "a")
        pipe.smismember("s", ["a", "q"])
        pipe.sscan("s")
        got = pipe.execute()
    assert got[0] == 2 and got[1] == {"a", "b"} and got[2] is True
    assert got[3] == [True, False]
    assert got[4][0] == 0 and sorted(got[4][1]) == ["a", "b"]


def test_prefixed_keys(servers: dict[str, Server]) -> None:
    """Key specs drive the prefix: SMOVE and SINTERCARD touch only prefixed keys."""
    srv = servers["valkey"]
    raw = redis_py.Redis(port=srv.port, decode_responses=True)
    raw.flushall()
    r = redipy.Redis(cfg={"host": "127.0.0.1", "port": srv.port, "prefix": "p"})
    r.sadd("a", "x", "y")
    r.sadd("b", "y")
    assert r.smove("a", "c", "x") is True
    assert r.sintercard(2, ["a", "b"], limit=5) == 1
    assert r.sinterstore("d", ["a", "b"]) == 1
    assert sorted(raw.keys()) == ["p:a", "p:b", "p:c", "p:d"]
    raw.close()
    r.close()


# ---- raw parity --------------------------------------------------------------------------


def test_parity_basics(servers: dict[str, Server]) -> None:
    same(
        servers,
        ("SADD", "s", "a", "b", "c", "a"),
        ("SADD", "s", "b"),
        (U, "SMEMBERS", "s"),
        ("SCARD", "s"),
        ("SCARD", "nope"),
        ("SISMEMBER", "s", "a"),
        ("SISMEMBER", "s", "A"),
        ("SISMEMBER", "nope", "a"),
        ("SMISMEMBER", "s", "a", "x", "c"),
        ("SMISMEMBER", "nope", "a", "b"),
        ("SREM", "s", "a", "x"),
        ("SREM", "nope", "a"),
        ("SREM", "s", "b", "c", "d"),
        ("EXISTS", "s"),
        (U, "SMEMBERS", "nope"),
        ("SADD", "u", "ü", "日本", "", " "),
        (U, "SMEMBERS", "u"),
        ("SISMEMBER", "u", "ü"),
        ("sadd", "u", "x"),
        ("SADD", "u"),
        ("SREM", "u"),
        ("SMISMEMBER", "u"),
        ("SISMEMBER", "u", "a", "b"),
        ("SCARD", "u", "x"),
    )


def test_parity_wrong_type(servers: dict[str, Server]) -> None:
    same(
        servers,
        ("LPUSH", "l", "x"),
        ("ZADD", "z", "1", "x"),
        ("SADD", "s", "x"),
        ("SADD", "l", "x"),
        ("SREM", "z", "x"),
        ("SISMEMBER", "l", "x"),
        ("SMISMEMBER", "l", "x"),
        ("SCARD", "z"),
        ("SMEMBERS", "l"),
        ("SPOP", "l"),
        ("SPOP", "l", "0"),
        ("SPOP", "l", "1"),
        ("SRANDMEMBER", "l"),
        ("SRANDMEMBER", "l", "0"),
        ("SRANDMEMBER", "l", "-1"),
        ("SMOVE", "l", "s", "x"),
        ("SMOVE", "s", "l", "x"),
        ("SMOVE", "s", "l", "nothere"),
        ("SMOVE", "nope", "l", "x"),
        ("SINTER", "s", "nope", "l"),
        ("SINTER", "nope", "z"),
        ("SUNION", "nope", "l"),
        ("SDIFF", "nope", "l"),
        ("SDIFF", "s", "z"),
        ("SINTERSTORE", "d", "nope", "l"),
        ("SUNIONSTORE", "d", "s", "l"),
        ("SDIFFSTORE", "d", "z"),
        ("SINTERCARD", "2", "nope", "l"),
        ("SSCAN", "l", "0"),
        ("SSCAN", "l", "x"),
        ("SSCAN", "l", "0", "COUNT", "0"),
        ("TYPE", "d"),
    )


def test_parity_spop_srandmember(servers: dict[str, Server]) -> None:
    same(
        servers,
        ("SPOP", "nope"),
        ("SPOP", "nope", "0"),
        ("SPOP", "nope", "3"),
        ("SPOP", "nope", "-1"),
        ("SPOP", "nope", "x"),
        ("SPOP", "nope", "1", "2"),
        ("SADD", "one", "x"),
        ("SPOP", "one"),
        ("EXISTS", "one"),
        ("SADD", "s", "a", "b", "c"),
        ("SPOP", "s", "0"),
        ("SPOP", "s", "-5"),
        ("SPOP", "s", "1.5"),
        ("SPOP", "s", " 1"),
        ("SPOP", "s", "01"),
        (U, "SPOP", "s", "3"),
        ("EXISTS", "s"),
        ("SADD", "s", "a", "b", "c"),
        (U, "SPOP", "s", "9223372036854775807"),
        ("SADD", "s", "1", "2", "3"),
        (U, "SRANDMEMBER", "s", "3"),
        (U, "SRANDMEMBER", "s", "100"),
        ("SRANDMEMBER", "s", "0"),
        ("SRANDMEMBER", "one"),
        ("SRANDMEMBER", "nope", "5"),
        ("SRANDMEMBER", "nope", "-5"),
        ("SRANDMEMBER", "nope", "x"),
        ("SRANDMEMBER", "s", "x"),
        ("SRANDMEMBER", "s", "-9223372036854775808"),
        ("SRANDMEMBER", "nope", "-9223372036854775808"),
        ("SRANDMEMBER", "s", "9223372036854775808"),
        ("SRANDMEMBER", "s", "1", "2"),
        ("SRANDMEMBER", "nope", "1", "2"),
        ("SADD", "single", "only"),
        ("SRANDMEMBER", "single", "-3"),
        ("SRANDMEMBER", "single", "1"),
        ("SCARD", "s"),
    )


def test_parity_smove(servers: dict[str, Server]) -> None:
    same(
        servers,
        ("SADD", "a", "x", "y"),
        ("SMOVE", "a", "b", "x"),
        ("SMOVE", "a", "b", "x"),
        ("SMOVE", "a", "a", "y"),
        ("SMOVE", "a", "a", "q"),
        ("SMOVE", "nope", "b", "x"),
        ("SADD", "b", "y"),
        ("SMOVE", "a", "b", "y"),
        ("EXISTS", "a"),
        (U, "SMEMBERS", "b"),
        ("SMOVE", "b", "c", "ü"),
        ("SMOVE", "b", "c"),
    )


def test_parity_algebra(servers: dict[str, Server]) -> None:
    same(
        servers,
        ("SADD", "a", "1", "2", "3", "4", "x"),
        ("SADD", "b", "3", "4", "5", "x"),
        ("SADD", "c", "4", "x", "ü"),
        (U, "SINTER", "a", "b"),
        (U, "SINTER", "a", "b", "c"),
        (U, "SINTER", "a"),
        (U, "SINTER", "a", "a"),
        (U, "SINTER", "a", "nope"),
        (U, "SINTER", "nope"),
        (U, "SUNION", "a", "b", "c"),
        (U, "SUNION", "nope", "c"),
        (U, "SUNION", "nope"),
        (U, "SDIFF", "a", "b"),
        (U, "SDIFF", "a", "b", "c"),
        (U, "SDIFF", "a", "a"),
        (U, "SDIFF", "a", "nope"),
        (U, "SDIFF", "nope", "a"),
        (U, "SDIFF", "c", "a", "b"),
        ("SINTERSTORE", "d", "a", "b"),
        (U, "SMEMBERS", "d"),
        ("SINTERSTORE", "d", "a", "nope"),
        ("EXISTS", "d"),
        ("SUNIONSTORE", "d", "a", "c"),
        ("SUNIONSTORE", "d", "d", "b"),
        (U, "SMEMBERS", "d"),
        ("SDIFFSTORE", "d", "a", "a"),
        ("EXISTS", "d"),
        ("SDIFFSTORE", "d", "a", "b"),
        ("SDIFFSTORE", "a", "a", "b"),
        (U, "SMEMBERS", "a"),
        ("SUNIONSTORE", "e", "nope"),
        ("EXISTS", "e"),
        ("SINTER",),
        ("SINTERSTORE", "d"),
        ("ZADD", "z", "1", "a"),
        ("SUNIONSTORE", "z", "b"),
        ("TYPE", "z"),
        ("SADD", "t", "x"),
        ("EXPIRE", "t", "100"),
        ("SUNIONSTORE", "t", "b"),
        ("TTL", "t"),
    )


def test_parity_sintercard(servers: dict[str, Server]) -> None:
    same(
        servers,
        ("SADD", "a", "1", "2", "3", "4"),
        ("SADD", "b", "2", "3", "4", "5"),
        ("SINTERCARD", "2", "a", "b"),
        ("SINTERCARD", "2", "a", "b", "LIMIT", "0"),
        ("SINTERCARD", "2", "a", "b", "LIMIT", "2"),
        ("SINTERCARD", "2", "a", "b", "limit", "100"),
        ("SINTERCARD", "2", "a", "b", "LIMIT", "1", "LIMIT", "5"),
        ("SINTERCARD", "1", "a"),
        ("SINTERCARD", "2", "a", "nope"),
        ("SINTERCARD", "0", "a"),
        ("SINTERCARD", "-1", "a"),
        ("SINTERCARD", "x", "a"),
        ("SINTERCARD", "3", "a", "b"),
        ("SINTERCARD", "2", "a", "b", "LIMIT"),
        ("SINTERCARD", "2", "a", "b", "LIMIT", "-1"),
        ("SINTERCARD", "2", "a", "b", "LIMIT", "x"),
        ("SINTERCARD", "2", "a", "b", "FOO", "1"),
        ("SINTERCARD", "1", "a", "b"),
        ("SINTERCARD", "1"),
    )


def test_parity_sscan(servers: dict[str, Server]) -> None:
    # Redis 7.0 keeps small sets of words in a hash table (Valkey in a listpack), so
    # pages only agree when COUNT covers the set; sets of integers are intsets on both.
    ints = [str(i) for i in range(300)]
    words = [f"w{i}" for i in range(20)]
    same(
        servers,
        ("SSCAN", "nope", "0"),
        ("SSCAN", "nope", "0", "COUNT", "0"),
        ("SSCAN", "nope", "x"),
        ("SADD", "s", "a", "b", "ab", "ü"),
        (U, "SSCAN", "s", "0"),
        (U, "SSCAN", "s", "0", "MATCH", "a*"),
        (U, "SSCAN", "s", "0", "match", "?"),
        (U, "SSCAN", "s", "0", "COUNT", "9"),
        (U, "SSCAN", "s", "0", "MATCH", "zz*", "COUNT", "100"),
        (U, "SSCAN", "s", "0", "MATCH", "a*", "MATCH", "b*"),
        ("SSCAN", "s", "0", "COUNT", "0"),
        ("SSCAN", "s", "0", "COUNT", "-1"),
        ("SSCAN", "s", "0", "COUNT", "x"),
        ("SSCAN", "s", "0", "COUNT"),
        ("SSCAN", "s", "0", "MATCH"),
        ("SSCAN", "s", "0", "TYPE", "set"),
        ("SSCAN", "s", "x"),
        ("SSCAN", "s", "1.5"),
        ("SSCAN", "s", "18446744073709551616"),
        ("SADD", "ints", *ints),
        (U, "SSCAN", "ints", "0"),
        (U, "SSCAN", "ints", "0", "COUNT", "5", "MATCH", "1?"),
        (U, "SSCAN", "ints", "7", "COUNT", "5"),
        ("SADD", "words", *words),
        (U, "SSCAN", "words", "0", "COUNT", "100"),
    )


def test_random_member_shapes_on_servers(r: redipy.Redis) -> None:
    """SRANDMEMBER's distinctness guarantees, on every backend."""
    r.sadd("s", *(str(i) for i in range(50)))
    for count in (1, 10, 20, 49, 50):
        got = r.srandmember("s", count)
        assert isinstance(got, list) and len(got) == len(set(got)) == count
    got = r.srandmember("s", -60)
    assert isinstance(got, list) and len(got) == 60
    popped = r.spop("s", 20)
    assert isinstance(popped, list) and len(set(popped)) == 20
    assert r.scard("s") == 30
    assert not set(popped) & r.smembers("s")


def test_typed_fast_path_checks_arity() -> None:
    """Set and sorted set handlers check their own arity (the typed API skips the
    table's check): too few arguments, and one too many for fixed-arity commands, fail
    with Redis's message; the right count gets past the check."""
    from redipy.commands import COMMANDS
    from redipy.errors import ResponseError

    backend = redipy.Redis().backend
    checked = [s for s in COMMANDS.values()
               if s.group in ("set", "sorted_set") and not s.blocking]
    assert len(checked) > 40
    for spec in checked:
        need = abs(spec.arity) - 1
        wrong = [need - 1] + ([need + 1] if spec.arity >= 0 else [])
        for count in wrong:
            with pytest.raises(ResponseError, match="wrong number of arguments"):
                backend.run(spec.name, ["k"] * count)
        try:
            backend.run(spec.name, ["1"] * need)
        except ResponseError as err:
            assert "wrong number of arguments" not in str(err), spec.name
