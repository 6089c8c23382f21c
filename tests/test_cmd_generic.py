"""Generic (keyspace), connection and server commands: typed API on every backend,
raw replies compared with real servers, and the glob matcher."""

from __future__ import annotations

import datetime
import random
import time
from collections.abc import Callable, Sequence
from typing import Any

import pytest
import redis as redis_py

import redipy
from redipy.commands.generic import COMMANDS as GENERIC_TABLE
from redipy.errors import PipelineError, ResponseError
from redipy.memory.boundary import to_bytes
from redipy.memory.glob import compile_glob, is_literal, joined_regex, key_matcher, stringmatch
from tests.conftest import make_client
from tests.parity import assert_same, fresh, outcome
from tests.servers import Server

FAR_MS = 4_102_444_800_000  # 2100-01-01T00:00:00Z
FAR_S = FAR_MS // 1000
UTC = datetime.UTC
INT64_MAX = (1 << 63) - 1

SLEEP = "__sleep__"


def only(servers: dict[str, Server], *kinds: str) -> dict[str, Server]:
    """The servers of the given kinds (behaviour that changed after Redis 7.0)."""
    return {kind: srv for kind, srv in servers.items() if kind in kinds}


def run_seq(client: redipy.Redis, cmds: Sequence[Sequence[Any]]) -> list[Any]:
    out: list[Any] = []
    for cmd in cmds:
        if cmd[0] == SLEEP:
            time.sleep(float(cmd[1]))
            out.append(None)
        else:
            out.append(outcome(lambda c=cmd: client.execute_command(*c)))  # type: ignore[misc]
    return out


def _sorted_scan(reply: Any) -> Any:
    kind, value = reply
    if kind == "ok" and isinstance(value, list) and len(value) == 2 and isinstance(value[1], list):
        return (kind, [value[0], sorted(value[1])])
    if kind == "ok" and isinstance(value, list):
        return (kind, sorted(value, key=repr))
    return reply


def assert_same_seq(servers: dict[str, Server], cmds: Sequence[Sequence[Any]],
                    *, normalize: Callable[[Any], Any] = lambda x: x) -> list[Any]:
    """Like assert_same, with (SLEEP, seconds) steps and a reply normaliser."""
    mem = [normalize(o) if o is not None else o for o in run_seq(fresh("memory", servers), cmds)]
    for kind in servers:
        got = run_seq(fresh(kind, servers), cmds)
        for cmd, a, b in zip(cmds, mem, got):
            b = normalize(b) if b is not None else b
            assert a == b, f"{kind}: {list(cmd)!r} -> memory {a!r} != server {b!r}"
    return mem


def test_table_flags_match_the_server(server: Server) -> None:
    """Arity, key positions and flags of this group's table entries, per COMMAND INFO."""
    raw = redis_py.Redis(port=server.port, decode_responses=True, protocol=2)
    raw.response_callbacks = {}  # type: ignore[assignment]  # raw replies
    try:
        for spec in GENERIC_TABLE:
            info = raw.execute_command("COMMAND", "INFO", spec.name)[0]  # type: ignore[no-untyped-call]
            assert info[1] == spec.arity, spec.name
            assert set(info[2]) == set(spec.flags), spec.name
            first, last, step = info[3], info[4], info[5]
            argv = ["X"] * 8
            want = list(range(first, (len(argv) + last if last < 0 else last) + 1, step)) \
                if first else []
            assert spec.key_positions(argv) == want, spec.name
    finally:
        raw.close()


# ---- existence, deletion, type -----------------------------------------------------------


def test_exists_delete_parity(servers: dict[str, Server]) -> None:
    assert_same(servers, [
        ("SET", "a", "1"), ("RPUSH", "l", "x", "y"), ("HSET", "h", "f", "v"),
        ("EXISTS", "a"), ("EXISTS", "a", "a", "nokey", "l", "h"), ("EXISTS", "nokey"),
        ("DEL", "a", "a", "nokey"), ("EXISTS", "a"), ("DEL", "a"),
        ("UNLINK", "l", "nokey"), ("UNLINK", "l"), ("EXISTS", "l"),
        ("TOUCH", "h", "h", "nokey"), ("TOUCH", "nokey"),
        ("DEL",), ("EXISTS",), ("UNLINK",), ("TOUCH",),
        ("exists", "h"), ("dEl", "h"), ("EXISTS", "h"),
        ("SET", "ü日本", "v"), ("EXISTS", "ü日本"), ("DEL", "ü日本"),
        ("SET", "", "empty"), ("EXISTS", ""), ("DEL", ""),
    ])


def test_type_parity(servers: dict[str, Server]) -> None:
    assert_same(servers, [
        ("SET", "s", "v"), ("RPUSH", "l", "x"), ("HSET", "h", "f", "v"),
        ("SADD", "st", "m"), ("ZADD", "z", "1", "m"),
        ("TYPE", "s"), ("TYPE", "l"), ("TYPE", "h"), ("TYPE", "st"), ("TYPE", "z"),
        ("TYPE", "nokey"), ("TYPE",), ("TYPE", "a", "b"),
        ("SREM", "st", "m"), ("TYPE", "st"), ("EXISTS", "st"),
    ])


def test_key_type_api(r: redipy.Redis) -> None:
    r.execute_command("SET", "s", "v")
    r.execute_command("RPUSH", "l", "x")
    r.execute_command("HSET", "h", "f", "v")
    r.execute_command("SADD", "st", "m")
    r.execute_command("ZADD", "z", "1", "m")
    assert [r.key_type(k) for k in ("s", "l", "h", "st", "z", "none")] == [
        "string", "list", "hash", "set", "zset", None]
    assert r.exists("s", "l", "s", "missing") == 3
    assert r.touch("s", "missing") == 1
    assert r.delete("s", "missing") == 1
    assert r.unlink("l", "h", "l") == 2
    assert r.exists("s", "l", "h") == 0


# ---- KEYS and globs ----------------------------------------------------------------------

GLOB_KEYS = [
    "", "a", "b", "ab", "abc", "aXc", "a*c", "a?c", "a[c", "a]c", "a\\c", "a-c", "a^c", "a_c",
    "^", "-", "]", "[", "\\", "`", "*", "?", "A", "z", "ü", "üb", "日本", "\xff", "x\x00y",
    "k:1", "k:2", "k:10", "hello", "hallo", "hxllo", "heeeello", "{tag}x",
]
GLOB_PATTERNS = [
    "*", "**", "***a", "a**", "?", "??", "???", "a*", "*c", "a?c", "a[bX]c", "a[^b]c",
    # escapes
    "a\\*c", "a\\?c", "\\", "a\\", "\\a\\b", "a\\[c", "*\\", "x\\\x00y",
    # classes, ranges (either order), negation
    "k:[0-9]", "k:[0-9]*", "k:[^1]*", "h[ae]llo", "h[^e]llo", "h[a-b]llo", "[z-a]", "[a-c-e]",
    "[A-a]", "[a-A]", "[`-a]", "[^a-z]", "[-]", "[a\\-c]", "[\\a]", "[^\\]]", "a[\\]]c",
    "[]]", "[]a]", "[]", "[^]", "a[^]c", "[[]", "[*]", "[?]", "[!a]",
    # unterminated brackets
    "[", "[^", "[a", "[a-", "[a-]", "[\\", "*[", "a[", "a[b", "a[^",
    # bytes, not characters
    "[ü]", "[ü]b", "?b", "??b", "[a-ü]", "[ü-a]", "[\x00-a]", "[^\x00]", "x?y", "x[\x00]y",
    "日*", "*本", "?本", "??本", "???本", "??????", "[\xff]",
    # literals and odd ones
    "", "hello", "nokey", "{tag}*", "*?*?*", "h*llo", "*]",
]


def test_keys_glob_parity(servers: dict[str, Server]) -> None:
    setup: list[tuple[str, ...]] = [("SET", key, "1") for key in GLOB_KEYS]
    cmds = setup + [("KEYS", pattern) for pattern in GLOB_PATTERNS]
    assert_same(servers, cmds, unordered=range(len(setup), len(cmds)))


def test_keys_skips_other_nothing_and_wrong_arity(servers: dict[str, Server]) -> None:
    assert_same(servers, [
        ("KEYS", "*"), ("KEYS",), ("KEYS", "a", "b"), ("SET", "a", "1"), ("KEYS", "a"),
        ("KEYS", "b"), ("KEYS", "A"),
    ])


KEYS_CHURN: list[tuple[str, ...]] = [
    ("MSET", "k:1", "a", "k:2", "b", "k:3", "c", "x:1", "d"), ("KEYS", "k:*"),
    ("SET", "k:4", "e"), ("KEYS", "k:*"), ("SET", "k:1", "again"), ("KEYS", "k:*"),
    ("DEL", "k:2"), ("KEYS", "k:*"), ("SET", "k:2", "back"), ("KEYS", "k:*"),
    ("RENAME", "k:3", "k:30"), ("KEYS", "k:3*"), ("RENAME", "x:1", "k:x"), ("KEYS", "k:*"),
    ("COPY", "k:4", "k:5"), ("KEYS", "k:*"), ("SADD", "k:s", "m"), ("KEYS", "k:*"),
    ("SPOP", "k:s"), ("KEYS", "k:*"), ("INCR", "k:n"), ("KEYS", "k:*"),
    ("PEXPIREAT", "k:1", "1"), ("KEYS", "k:*"), ("SET", "k:\nlf", "v"), ("KEYS", "k:*"),
    ("KEYS", "k:\n*"), ("KEYS", "k:?lf"), ("KEYS", "*lf"), ("KEYS", "k[:]?"),
    ("DEL", "k:\nlf"), ("KEYS", "k:*"), ("KEYS", "k:?"), ("KEYS", "*:*"), ("KEYS", "*[0-9]"),
    ("UNLINK", "k:5"),
    ("KEYS", "k:*"), ("FLUSHDB",), ("KEYS", "k:*"), ("SET", "k:9", "v"), ("KEYS", "k:*"),
]


def test_keys_after_each_keyspace_change_parity(servers: dict[str, Server]) -> None:
    """KEYS with a prefix searches a cached join of the keyspace: every way a key comes or
    goes must show in the next KEYS."""
    keys_at = [i for i, cmd in enumerate(KEYS_CHURN) if cmd[0] == "KEYS"]
    assert_same(servers, KEYS_CHURN, unordered=keys_at)


def test_keys_prefix_keeps_keyspace_order() -> None:
    """A prefix KEYS lists its keys in the order KEYS * does, before and after churn
    (MOVE and SWAPDB included)."""
    r = redipy.Redis()
    for i in range(300):
        r.execute_command("SET", f"{'ab'[i % 2]}:{i}", "v")

    def consistent() -> None:
        every = r.execute_command("KEYS", "*")
        for prefix in ("a:", "b:1", "a:29"):
            want = [k for k in every if k.startswith(prefix)]
            assert r.execute_command("KEYS", prefix + "*") == want

    consistent()
    for i in range(0, 300, 7):
        r.execute_command("DEL", f"{'ab'[i % 2]}:{i}")
        consistent()
        r.execute_command("SET", f"{'ab'[i % 2]}:{i}", "w")  # back, now at the end
    consistent()
    r.execute_command("MOVE", "a:2", "1")  # databases: not in the parity run (a cluster has one)
    consistent()
    r.execute_command("SWAPDB", "0", "1")
    assert r.execute_command("KEYS", "a:*") == ["a:2"]
    r.execute_command("SWAPDB", "0", "1")
    consistent()
    r.execute_command("FLUSHALL")
    assert r.execute_command("KEYS", "a:*") == []


def test_joined_regex_agrees_with_the_matcher() -> None:
    """KEYS's one regex over the joined keyspace picks what the per-key matcher picks,
    in keyspace order, for every pattern of the parity test (byte strings, as stored)."""
    keys = [to_bytes(key) for key in GLOB_KEYS] + ["a\tb", "\x0b"]
    joined = "\n" + "\n".join(keys)
    for pattern in map(to_bytes, [*GLOB_PATTERNS, "[^a]", "[\x09-\x0b]", "?\x00?", "*[^b]"]):
        if is_literal(pattern) or pattern == "*":
            continue  # KEYS answers these without a matcher
        regex = joined_regex(pattern)
        if regex is None:
            continue
        match = compile_glob(pattern)
        assert regex.findall(joined) == [k for k in keys if match(k)], pattern


def test_glob_matcher_unit() -> None:
    assert stringmatch("h?llo", "hello") and not stringmatch("h?llo", "hllo")
    assert stringmatch("h*llo", "hllo") and stringmatch("h*llo", "heeeello")
    assert stringmatch("h[ae]llo", "hallo") and not stringmatch("h[ae]llo", "hillo")
    assert stringmatch("h[^e]llo", "hallo") and not stringmatch("h[^e]llo", "hello")
    assert stringmatch("h[a-b]llo", "hbllo") and stringmatch("h[b-a]llo", "hallo")
    assert stringmatch("a\\*", "a*") and not stringmatch("a\\*", "ab")
    u = to_bytes("ü")  # the matcher sees byte strings, as every handler does
    assert not stringmatch("?", u) and stringmatch("??", u)
    assert stringmatch("[", "[") is False and stringmatch("[^", "x")
    assert stringmatch("[ab", "b") and not stringmatch("[ab", "[")
    assert not stringmatch("*", "") and stringmatch("", "")
    assert key_matcher("*") is None  # "match everything" short cut, incl. the empty key
    assert compile_glob("a*b") is compile_glob("a*b")  # compiled once
    # no exponential backtracking on star-heavy patterns
    start = time.monotonic()
    assert not stringmatch("*a" * 30 + "*b", "a" * 2000)
    assert time.monotonic() - start < 1.0
    # non-UTF-8 bytes are single bytes
    assert stringmatch("?", "\xff") and stringmatch("[\x80-\xff]", "\xf0")


def test_glob_nesting_limit_parity(servers: dict[str, Server]) -> None:
    many = "*a" * 1001 + "*"
    fewer = "*a" * 1000 + "*"
    assert_same(servers, [("SET", "a" * 1001, "1"), ("KEYS", many), ("KEYS", fewer)])


# ---- SCAN ----------------------------------------------------------------------------------


def test_scan_errors_parity(servers: dict[str, Server]) -> None:
    assert_same(servers, [
        ("SET", "k", "v"),
        ("SCAN",), ("SCAN", "x"), ("SCAN", "1.5"), ("SCAN", "18446744073709551616"),
        ("SCAN", "0", "COUNT", "0"), ("SCAN", "0", "COUNT", "-1"), ("SCAN", "0", "COUNT", "x"),
        ("SCAN", "0", "COUNT", "9223372036854775808"), ("SCAN", "0", "COUNT"),
        ("SCAN", "0", "MATCH"), ("SCAN", "0", "TYPE"), ("SCAN", "0", "FOO", "bar"),
        ("SCAN", "x", "FOO", "bar"), ("SCAN", "0", "COUNT", "0", "TYPE", "foo"),
        ("SCAN", "0", "MATCH", "*", "COUNT"), ("SCAN", "0", "count", "5", "match", "*"),
        ("SCAN", "0", "COUNT", "9223372036854775807"), ("SCAN", "+0"),
        ("SCAN", "0", "TYPE", "STRING"), ("SCAN", "0", "TYPE", "stream"),
        ("SCAN", "0", "TYPE", "string", "TYPE", "list"),
    ])


def test_scan_redis72_parsing_parity(servers: dict[str, Server]) -> None:
    """Cursor and TYPE parsing as Redis 7.2+ / Valkey do it (7.0 was laxer)."""
    assert_same(only(servers, "valkey"), [
        ("SET", "k", "v"),
        ("SCAN", "-1"), ("SCAN", ""), ("SCAN", " 0"), ("SCAN", "+5"), ("SCAN", " -1"),
        ("SCAN", "18446744073709551615"),
        ("SCAN", "0", "TYPE", "foo"), ("SCAN", "0", "TYPE", "none"),
        ("SCAN", "0", "TYPE", "foo", "MATCH"), ("SCAN", "0", "TYPE", "hash", "TYPE", "foo"),
    ])


def test_scan_small_db_parity(servers: dict[str, Server]) -> None:
    """A database smaller than COUNT comes back whole in one page with cursor 0."""
    assert_same_seq(servers, [
        ("SCAN", "0"),
        ("SET", "s1", "v"), ("SET", "s2", "v"), ("RPUSH", "l1", "x"), ("HSET", "h1", "f", "v"),
        ("SADD", "set1", "m"), ("ZADD", "z1", "1", "m"), ("SET", "ü", "v"),
        ("SCAN", "0"), ("SCAN", "0", "COUNT", "100"),
        ("SCAN", "0", "MATCH", "s*"), ("SCAN", "0", "MATCH", "?1"), ("SCAN", "0", "MATCH", "nope"),
        ("SCAN", "0", "TYPE", "string"), ("SCAN", "0", "TYPE", "LIST"),
        ("SCAN", "0", "TYPE", "hash"), ("SCAN", "0", "TYPE", "set"), ("SCAN", "0", "TYPE", "zset"),
        ("SCAN", "0", "TYPE", "stream"), ("SCAN", "0", "MATCH", "s*", "TYPE", "set"),
        ("SCAN", "0", "MATCH", "*", "TYPE", "string", "COUNT", "50"),
    ], normalize=_sorted_scan)


def test_scan_full_walk_api(r: redipy.Redis) -> None:
    names = {f"key:{i}" for i in range(120)} | {"other", "ü:1"}
    for name in names:
        r.execute_command("SET", name, "v")
    r.execute_command("RPUSH", "key:list", "x")
    seen: set[str] = set()
    cursor, pages = 0, 0
    while True:
        cursor, keys = r.scan(cursor, count=7)
        seen.update(keys)
        pages += 1
        if cursor == 0:
            break
    assert seen == names | {"key:list"}
    assert pages > 5
    assert set(r.iter_keys(match="key:*")) == {n for n in names if n.startswith("key:")} | {
        "key:list"}
    assert set(r.iter_keys(filter_type="list")) == {"key:list"}
    assert set(r.scan_iter("key:1?", count=3)) == {f"key:{i}" for i in range(10, 20)}
    assert list(r.scan_iter(_type="list")) == ["key:list"]
    assert set(r.iter_keys(match="key:1?", filter_type="string")) == {
        f"key:{i}" for i in range(10, 20)}
    assert r.keys(match="key:1?", block=False) == {f"key:{i}" for i in range(10, 20)}
    assert sorted(r.keys_block(match="ü*")) == ["ü:1"]
    assert r.keys(filter_type="list") == {"key:list"}
    assert r.keys_block(match="key:*", filter_type="list") == ["key:list"]
    assert r.keys(match="nothing*") == set()


def test_scan_never_misses_stable_keys(r: redipy.Redis) -> None:
    """Keys present for the whole walk are returned even while others come and go."""
    rng = random.Random(7)
    stable = {f"stable:{i}" for i in range(150)}
    churn = [f"churn:{i}" for i in range(150)]
    for name in stable | set(churn):
        r.execute_command("SET", name, "v")
    seen: set[str] = set()
    cursor, extra = 0, 0
    while True:
        cursor, keys = r.scan(cursor, count=9)
        seen.update(keys)
        victims = rng.sample(churn, k=min(4, len(churn)))
        for victim in victims:
            churn.remove(victim)
        if victims:
            r.delete(*victims)
        for _ in range(3):
            r.execute_command("SET", f"new:{extra}", "v")
            extra += 1
        if cursor == 0:
            break
    assert stable <= seen


def test_scan_page_counts_candidates_like_redis() -> None:
    """MATCH filters after COUNT candidates are taken: pages can be empty mid-walk."""
    r = redipy.Redis()
    for i in range(50):
        r.execute_command("SET", f"k{i}", "v")
    cursor, keys = r.scan(0, match="nothing", count=5)
    assert cursor != 0 and keys == []


# ---- expiry ---------------------------------------------------------------------------------


def test_expire_errors_parity(servers: dict[str, Server]) -> None:
    assert_same(servers, [
        ("SET", "k", "v"),
        ("EXPIRE", "k"), ("EXPIRE", "k", "10", "FOO"), ("EXPIRE", "k", "x", "FOO"),
        ("EXPIRE", "k", "x", "NX", "XX"), ("EXPIRE", "k", "10", "NX", "XX"),
        ("EXPIRE", "k", "10", "GT", "LT"), ("EXPIRE", "k", "10", "NX", "GT"),
        ("EXPIRE", "k", "10", "nx", "lt"), ("EXPIRE", "k", "10", "lt", "gt"),
        ("PEXPIRE", "k", "10", "xx", "foo"), ("EXPIREAT", "k", "10", "NX", "NX", "XX"),
        ("EXPIRE", "nokey", "x"), ("EXPIRE", "nokey", "10", "FOO"),
        ("EXPIRE", "k", "1.5"), ("EXPIRE", "k", ""), ("EXPIRE", "k", " 1"), ("EXPIRE", "k", "+1"),
        ("EXPIRE", "k", "01"), ("PEXPIRE", "k", "9223372036854775808"),
        ("EXPIRE", "k", "9223372036854775807"), ("EXPIRE", "k", "9223372036854775"),
        ("EXPIRE", "k", "9223372036854776"), ("EXPIRE", "k", "-9223372036854776"),
        ("PEXPIRE", "k", "9223372036854775807"), ("EXPIREAT", "k", "9223372036854776"),
        ("EXPIREAT", "k", "-9223372036854776"), ("Expire", "k", "9223372036854775807"),
        ("TTL", "k"), ("PTTL", "k"), ("EXPIRETIME", "k"), ("PEXPIRETIME", "k"),
        ("TTL",), ("PTTL", "a", "b"), ("EXPIRETIME",), ("PERSIST",), ("PERSIST", "a", "b"),
    ])


def test_expire_conditions_parity(servers: dict[str, Server]) -> None:
    t1, t2, t3 = str(FAR_MS), str(FAR_MS + 5000), str(FAR_MS + 10_000)
    assert_same(servers, [
        ("SET", "k", "v"),
        # persistent key: XX and GT fail, LT succeeds (no TTL counts as infinite)
        ("PEXPIREAT", "k", t2, "XX"), ("PEXPIREAT", "k", t2, "GT"), ("PEXPIRETIME", "k"),
        ("PEXPIREAT", "k", t2, "NX"), ("PEXPIRETIME", "k"), ("PEXPIREAT", "k", t3, "NX"),
        ("PEXPIREAT", "k", t1, "GT"), ("PEXPIREAT", "k", t2, "GT"), ("PEXPIREAT", "k", t3, "GT"),
        ("PEXPIRETIME", "k"), ("PEXPIREAT", "k", t3, "LT"), ("PEXPIREAT", "k", t1, "LT"),
        ("PEXPIRETIME", "k"), ("EXPIRETIME", "k"), ("PEXPIREAT", "k", t2, "XX"),
        ("PEXPIREAT", "k", t2, "XX", "GT"), ("PEXPIREAT", "k", t3, "XX", "GT"),
        ("PEXPIRETIME", "k"), ("PEXPIREAT", "k", t1, "xx", "lt"), ("PEXPIRETIME", "k"),
        ("PERSIST", "k"), ("PERSIST", "k"), ("PEXPIRETIME", "k"), ("TTL", "k"), ("PTTL", "k"),
        ("PEXPIREAT", "k", t1, "LT"), ("PEXPIRETIME", "k"),
        ("EXPIREAT", "k", str(FAR_S + 1)), ("EXPIRETIME", "k"), ("PEXPIRETIME", "k"),
        ("EXPIREAT", "k", str(FAR_S + 2), "GT"), ("EXPIRETIME", "k"),
        # a past time with GT on a key with a TTL: not later, so nothing happens
        ("PEXPIREAT", "k", "1", "GT"), ("EXISTS", "k"),
        # ... with LT it is earlier: the key is deleted and the reply is still 1
        ("PEXPIREAT", "k", "1", "LT"), ("EXISTS", "k"),
        # missing keys: always 0, whatever the condition
        ("EXPIRE", "nokey", "10"), ("EXPIRE", "nokey", "10", "NX"), ("PEXPIREAT", "nokey", "1"),
        ("PERSIST", "nokey"), ("TTL", "nokey"), ("PTTL", "nokey"), ("EXPIRETIME", "nokey"),
        ("PEXPIRETIME", "nokey"),
        ("PEXPIREAT", "k", str(INT64_MAX)), ("SET", "k", "v"),
        ("PEXPIREAT", "k", str(INT64_MAX)), ("PEXPIRETIME", "k"), ("EXPIRETIME", "k"),
        ("EXPIREAT", "k", "9223372036854775"), ("EXPIRETIME", "k"), ("PEXPIRETIME", "k"),
    ])


def test_expire_non_positive_deletes_parity(servers: dict[str, Server]) -> None:
    assert_same(servers, [
        ("SET", "k", "v"), ("EXPIRE", "k", "0"), ("EXISTS", "k"), ("GET", "k"),
        ("SET", "k", "v"), ("PEXPIRE", "k", "-5"), ("TYPE", "k"),
        ("RPUSH", "k", "x"), ("EXPIREAT", "k", "1"), ("LRANGE", "k", "0", "-1"),
        ("SET", "k", "v"), ("PEXPIREAT", "k", "0"), ("KEYS", "*"),
        ("SET", "k", "v"), ("EXPIRE", "k", "-9223372036854775"), ("EXISTS", "k"),
        ("SET", "k", "v"), ("PEXPIRE", "k", "-9223372036854775808"), ("EXISTS", "k"),
        ("SET", "k", "v"), ("EXPIRE", "k", "-1", "NX"), ("EXISTS", "k"),
        ("SET", "k", "v"), ("EXPIRE", "k", "-1", "XX"), ("EXISTS", "k"),
        ("EXPIRE", "k", "-1", "GT"), ("EXISTS", "k"),
        ("DBSIZE",),
    ])


def test_set_clears_ttl_parity(servers: dict[str, Server]) -> None:
    assert_same(servers, [
        ("SET", "k", "v"), ("PEXPIREAT", "k", str(FAR_MS)), ("SET", "k", "w"),
        ("PEXPIRETIME", "k"), ("TTL", "k"),
        ("PEXPIREAT", "k", str(FAR_MS)), ("SET", "k", "x", "KEEPTTL"), ("PEXPIRETIME", "k"),
        ("DEL", "k"), ("SET", "k", "v"), ("PEXPIRETIME", "k"),
    ])


def test_expired_key_is_gone_everywhere(servers: dict[str, Server]) -> None:
    assert_same_seq(servers, [
        ("SET", "gone", "v"), ("SET", "kept", "v"), ("RPUSH", "glist", "x"),
        ("PEXPIRE", "gone", "50"), ("PEXPIRE", "glist", "50"), (SLEEP, 0.12),
        ("KEYS", "*"), ("KEYS", "g*"), ("SCAN", "0"), ("SCAN", "0", "MATCH", "g*"),
        ("SCAN", "0", "TYPE", "list"), ("GET", "gone"), ("EXISTS", "gone", "glist"),
        ("TYPE", "gone"), ("TYPE", "glist"), ("TTL", "gone"), ("PTTL", "glist"),
        ("EXPIRETIME", "gone"), ("PERSIST", "gone"), ("EXPIRE", "gone", "100"),
        ("RENAME", "gone", "x"), ("COPY", "glist", "x"), ("TOUCH", "gone", "kept"),
        ("DBSIZE",), ("RANDOMKEY",), ("RPUSH", "glist", "y"), ("LRANGE", "glist", "0", "-1"),
    ], normalize=_sorted_scan)


def test_ttl_readers_api(r: redipy.Redis) -> None:
    r.execute_command("SET", "k", "v")
    assert r.ttl("k") == -1.0
    assert r.ttl("missing") is None
    assert r.pttl("k") == -1 and r.pttl("missing") == -2
    assert r.expiretime("k") == -1 and r.expiretime("missing") == -2
    assert r.pexpiretime("missing") == -2
    assert r.expire("k", expire_in=100.0)
    ttl = r.ttl("k")
    assert ttl is not None and 99.0 < ttl <= 100.0
    assert 99_000 < r.pttl("k") <= 100_000
    assert abs(r.pexpiretime("k") - (time.time() * 1000 + 100_000)) < 5_000
    assert r.execute_command("TTL", "k") == 100  # rounded to the nearest second
    assert r.persist("k") and not r.persist("k")
    assert r.ttl("k") == -1.0


def test_expire_api_modes(r: redipy.Redis) -> None:
    r.execute_command("SET", "k", "v")
    assert not r.expire("k", mode="if_expire", expire_in=100)
    assert not r.expire("k", mode="if_later", expire_in=100)
    assert r.expire("k", mode="if_persist", expire_in=100)
    assert not r.expire("k", mode="if_persist", expire_in=200)
    assert r.expire("k", mode="if_later", expire_in=200)
    assert not r.expire("k", mode="if_later", expire_in=150)
    assert r.expire("k", mode="if_earlier", expire_in=150)
    assert r.expire("k", mode="if_expire", expire_in=300)
    assert 299 < (r.ttl("k") or 0) <= 300
    when = datetime.datetime(2100, 1, 1, tzinfo=UTC)
    assert r.expire("k", expire_timestamp=when)
    assert r.pexpiretime("k") == FAR_MS
    # no time: remove the expiry; "if_earlier" never applies (no TTL is not earlier)
    assert not r.expire("k", mode="if_earlier")
    assert r.pexpiretime("k") == FAR_MS
    assert r.expire("k")
    assert r.ttl("k") == -1.0
    assert not r.expire("k")
    assert not r.expire("missing", expire_in=10)
    with pytest.raises(ValueError):
        r.expire("k", expire_in=1, expire_timestamp=when)
    with pytest.raises(ValueError):
        r.expire("k", mode="sometimes", expire_in=1)  # type: ignore[arg-type]
    # a time in the past deletes the key
    assert r.expire("k", expire_in=-1)
    assert r.exists("k") == 0


def test_redis_py_style_expiry_api(r: redipy.Redis) -> None:
    r.execute_command("SET", "k", "v")
    assert r.pexpire("k", 100_000)
    assert 99_000 < r.pttl("k") <= 100_000
    assert not r.pexpire("k", 50_000, gt=True)
    assert r.pexpire("k", datetime.timedelta(seconds=50), lt=True)
    assert 49_000 < r.pttl("k") <= 50_000
    assert r.expireat("k", FAR_S)
    assert r.expiretime("k") == FAR_S
    assert not r.expireat("k", FAR_S + 1, nx=True)
    assert r.expireat("k", datetime.datetime(2100, 1, 1, 0, 0, 5, tzinfo=UTC), xx=True)
    assert r.expiretime("k") == FAR_S + 5
    assert r.pexpireat("k", FAR_MS + 1)
    assert r.pexpiretime("k") == FAR_MS + 1
    assert r.pexpireat("k", datetime.datetime(2100, 1, 1, tzinfo=UTC), lt=True)
    assert r.pexpiretime("k") == FAR_MS
    with pytest.raises(ResponseError) as info:
        r.pexpire("k", 10, nx=True, xx=True)
    assert str(info.value) == "ERR NX and XX, GT or LT options at the same time are not compatible"
    with pytest.raises(ResponseError) as info:
        r.pexpire("k", INT64_MAX)
    assert str(info.value) == "ERR invalid expire time in 'pexpire' command"
    assert r.persist("k")
    assert r.pexpireat("k", 1)
    assert r.exists("k") == 0


def test_expire_in_pipeline(r: redipy.Redis) -> None:
    r.execute_command("SET", "k", "v")
    with r.pipeline() as pipe:
        pipe.expire("k", expire_in=100)
        pipe.ttl("k")
        pipe.ttl("missing")
        pipe.expire("k", mode="if_earlier")
        pipe.persist("k")
        pipe.ttl("k")
        pipe.exists("k", "missing")
        pipe.key_type("k")
        pipe.keys()
        pipe.keys_block(match="k*", filter_type="string")
        pipe.scan(0)
        pipe.randomkey()
        pipe.dbsize()
        pipe.ping()
        pipe.echo("ü")
        res = pipe.execute()
    assert res[0] is True
    assert 99.0 < res[1] <= 100.0
    assert res[2:] == [None, False, True, -1.0, 1, "string", ["k"], ["k"], (0, ["k"]), "k", 1,
                       True, "ü"]
    with r.pipeline() as pipe, pytest.raises(PipelineError):
        next(iter(pipe.iter_keys()))


# ---- rename and copy ---------------------------------------------------------------------


def test_rename_parity(servers: dict[str, Server]) -> None:
    assert_same(servers, [
        ("RENAME", "nokey", "x"), ("RENAME", "nokey", "nokey"), ("RENAMENX", "nokey", "x"),
        ("RENAMENX", "nokey", "nokey"), ("RENAME", "a"), ("RENAME", "a", "b", "c"),
        ("SET", "a", "1"), ("RENAME", "a", "a"), ("RENAMENX", "a", "a"), ("GET", "a"),
        ("RENAME", "a", "b"), ("EXISTS", "a"), ("GET", "b"),
        ("RPUSH", "l", "x", "y"), ("RENAMENX", "b", "l"), ("RENAME", "b", "l"), ("TYPE", "l"),
        ("GET", "l"), ("RPUSH", "l2", "z"), ("RENAMENX", "l2", "fresh"),
        ("LRANGE", "fresh", "0", "-1"), ("EXISTS", "l2"),
        # the TTL moves with the value, and a destination's TTL does not survive
        ("PEXPIREAT", "fresh", str(FAR_MS)), ("RENAME", "fresh", "moved"),
        ("PEXPIRETIME", "moved"), ("SET", "dst", "v"), ("PEXPIREAT", "dst", str(FAR_MS + 9)),
        ("SET", "src", "w"), ("RENAME", "src", "dst"), ("PEXPIRETIME", "dst"), ("GET", "dst"),
        ("RENAME", "ü", "日本"), ("SET", "ü", "x"), ("RENAME", "ü", "日本"), ("GET", "日本"),
    ])


def test_copy_parity(servers: dict[str, Server]) -> None:
    assert_same(servers, [
        ("COPY", "k", "k"), ("COPY", "nokey", "nokey"), ("COPY", "nokey", "x"), ("COPY", "a"),
        ("SET", "k", "v"), ("COPY", "k", "k"), ("COPY", "k", "k2", "DB"),
        ("COPY", "k", "k2", "DB", "16"), ("COPY", "k", "k2", "DB", "-1"),
        ("COPY", "k", "k2", "DB", "x"), ("COPY", "k", "k2", "FOO"), ("COPY", "nokey", "k", "FOO"),
        ("COPY", "nokey", "k", "DB", "16"), ("COPY", "k", "k", "DB", "0"),
        ("COPY", "k", "k2", "REPLACE", "REPLACE"), ("GET", "k2"), ("COPY", "k", "k2"),
        ("SET", "k", "new"), ("COPY", "k", "k2"), ("GET", "k2"), ("COPY", "k", "k2", "replace"),
        ("GET", "k2"),
        # another database: the same name is fine there
        ("COPY", "k", "k", "DB", "1"), ("COPY", "k", "k", "DB", "1"),
        ("COPY", "k", "k", "DB", "1", "REPLACE"), ("COPY", "k", "k2", "DB", "1", "DB", "0"),
        # collections are copied, not shared; TTL comes along
        ("RPUSH", "l", "a", "b"), ("PEXPIREAT", "l", str(FAR_MS)), ("COPY", "l", "l2"),
        ("RPUSH", "l2", "c"), ("LRANGE", "l", "0", "-1"), ("LRANGE", "l2", "0", "-1"),
        ("PEXPIRETIME", "l2"), ("HSET", "h", "f", "1", "g", "2"), ("COPY", "h", "h2"),
        ("HSET", "h2", "f", "9"), ("HGET", "h", "f"), ("HGET", "h2", "f"), ("HGET", "h2", "g"),
        ("SADD", "s", "m1", "m2"), ("COPY", "s", "s2"), ("SREM", "s2", "m1"),
        ("SMEMBERS", "s2"), ("ZADD", "z", "1", "a", "2", "b"), ("COPY", "z", "z2"),
        ("ZADD", "z2", "5", "a"), ("ZRANGE", "z", "0", "-1"),
        ("ZRANGE", "z2", "0", "-1"), ("COPY", "z", "s", "REPLACE"), ("TYPE", "s"),
        ("PEXPIRETIME", "s"), ("SET", "t", "v"), ("PEXPIREAT", "t", str(FAR_MS)),
        ("COPY", "l", "t", "REPLACE"), ("PEXPIRETIME", "t"),
    ])


def test_rename_copy_api(r: redipy.Redis) -> None:
    r.execute_command("RPUSH", "l", "a", "b")
    assert r.rename("l", "m") is True
    assert r.renamenx("m", "m") is False
    r.execute_command("SET", "s", "v")
    assert r.renamenx("m", "s") is False
    assert r.renamenx("m", "n") is True
    with pytest.raises(ResponseError) as info:
        r.rename("missing", "x")
    assert str(info.value) == "ERR no such key"
    assert r.copy("n", "n2") is True
    assert r.copy("n", "n2") is False
    assert r.copy("s", "n2", replace=True) is True
    assert r.key_type("n2") == "string"
    assert r.copy("s", "s", destination_db=2) is True
    assert r.copy("missing", "x") is False
    with pytest.raises(ResponseError):
        r.copy("s", "s")


def test_copy_is_deep_in_memory() -> None:
    r = redipy.Redis()
    for cmd in [("RPUSH", "l", "a"), ("HSET", "h", "f", "v"), ("SADD", "s", "m"),
                ("ZADD", "z", "1", "m")]:
        r.execute_command(*cmd)
        r.execute_command("COPY", cmd[1], cmd[1] + "2")
    db = r.backend.dbs[0]  # type: ignore[attr-defined]
    for key in ("l", "h", "s", "z"):
        a, b = db.data[key], db.data[key + "2"]
        assert a is not b
        for attr in ("map", "fields", "members", "scores", "order", "ra"):
            if getattr(a, attr, None) is not None:  # (a set's lazy Sampler may be None)
                assert getattr(a, attr) is not getattr(b, attr)
    db.data["h2"].set("g", "w")
    assert len(db.data["h"]) == 1 and len(db.data["h"].fields) == 1
    db.data["s2"].add("n")
    assert db.data["s"].listed() == ["m"]
    db.data["z2"].set("n", 2.0)
    assert len(db.data["z"].order) == 1 and len(db.data["z"].ra) == 1


# ---- connection and server --------------------------------------------------------------


def test_connection_server_parity(servers: dict[str, Server]) -> None:
    assert_same(servers, [
        ("PING",), ("PING", "hello"), ("PING", ""), ("PING", "a", "b"), ("ping", "ü"),
        ("ECHO", ""), ("ECHO", "ü日本"), ("ECHO",), ("ECHO", "a", "b"),
        ("TIME", "x"), ("DBSIZE",), ("DBSIZE", "x"), ("RANDOMKEY",), ("RANDOMKEY", "x"),
        ("SET", "only", "v"), ("RANDOMKEY",), ("DBSIZE",),
        ("FLUSHDB", "x"), ("FLUSHDB", "sync", "async"), ("FLUSHALL", "x"),
        ("FLUSHALL", "ASYNC", "SYNC"), ("DBSIZE",), ("FLUSHDB", "ASYNC"), ("DBSIZE",),
        ("SET", "a", "1"), ("FLUSHDB", "sync"), ("SET", "a", "1"), ("FLUSHALL", "async"),
        ("SET", "a", "1"), ("FLUSHALL", "Sync"), ("FLUSHALL",), ("FLUSHDB",), ("DBSIZE",),
    ])


def test_flushall_flushes_every_database_parity(servers: dict[str, Server]) -> None:
    assert_same(servers, [
        ("SET", "k", "v"), ("COPY", "k", "k", "DB", "3"), ("FLUSHDB",), ("SET", "k", "v"),
        ("COPY", "k", "k", "DB", "3"),  # 0: database 3 still has it
        ("FLUSHALL",), ("SET", "k", "v"), ("COPY", "k", "k", "DB", "3"),  # 1: it was flushed
    ])


def test_server_api(r: redipy.Redis) -> None:
    assert r.ping() is True
    assert r.echo("ü日本") == "ü日本"
    assert r.echo(5) == "5"  # type: ignore[arg-type]
    secs, micros = r.time()
    assert abs(secs - time.time()) < 5 and 0 <= micros < 1_000_000
    assert r.dbsize() == 0
    assert r.randomkey() is None
    for i in range(5):
        r.execute_command("SET", f"k{i}", "v")
    assert r.dbsize() == 5
    assert r.randomkey() in {f"k{i}" for i in range(5)}
    r.flushdb()
    assert r.dbsize() == 0
    r.execute_command("SET", "a", "v")
    r.flushall()
    assert r.keys() == set()
    r.execute_command("SET", "a", "v")
    r.flushall(asynchronous=True)
    r.execute_command("SET", "a", "v")
    r.flushdb(asynchronous=True)
    assert r.dbsize() == 0


def test_randomkey_is_uniform_in_memory() -> None:
    r = redipy.Redis()
    for i in range(4):
        r.execute_command("SET", f"k{i}", "v")
    counts: dict[str, int] = {}
    for _ in range(2000):
        key = r.randomkey()
        assert key is not None
        counts[key] = counts.get(key, 0) + 1
    assert set(counts) == {f"k{i}" for i in range(4)}
    assert min(counts.values()) > 350


def test_memory_flushall_clears_all_databases() -> None:
    r = redipy.Redis()
    r.execute_command("SET", "k", "v")
    r.execute_command("COPY", "k", "k", "DB", "5")
    dbs = r.backend.dbs  # type: ignore[attr-defined]
    assert dbs[5].size() == 1
    r.flushall()
    assert dbs[5].size() == 0 and dbs[0].size() == 0


# ---- key prefix (Redis backend) -----------------------------------------------------------


@pytest.mark.parametrize("prefix", ["app", "a*p[1]?\\"])
def test_prefix_namespaces_key_listing(server: Server, servers: dict[str, Server],
                                       prefix: str) -> None:
    other = make_client(server.kind, servers)
    app = redipy.Redis(url=server.url, prefix=prefix)
    try:
        for name in ("x", "y", "appx", "other:z"):
            other.execute_command("SET", name, "outside")
        app.execute_command("SET", "x", "inside")  # raw path: the prefix applies too
        app.execute_command("RPUSH", "list", "v")
        app.execute_command("SET", "ü", "inside")
        full = prefix.rstrip(":") + ":"
        assert other.execute_command("GET", f"{full}x") == "inside"
        assert app.keys() == {"x", "list", "ü"}
        assert sorted(app.keys_block()) == ["list", "x", "ü"]
        assert app.keys(match="?") == {"x"}  # "ü" is two bytes
        assert app.keys(filter_type="list") == {"list"}
        assert set(app.iter_keys()) == {"x", "list", "ü"}
        assert set(app.iter_keys(match="l*", filter_type="list")) == {"list"}
        cursor, keys = app.scan(0, count=100)
        assert cursor == 0 and sorted(keys) == ["list", "x", "ü"]
        assert app.exists("x", "list", "y") == 2
        assert app.key_type("list") == "list"
        assert app.rename("x", "x2") and app.keys() == {"x2", "list", "ü"}
        assert app.copy("x2", "x3")
        # flushall with a prefix deletes only the namespace
        app.flushall()
        assert app.keys() == set()
        assert other.keys() == {"x", "y", "appx", "other:z"}
    finally:
        app.close()
        other.close()


def test_raw_redis_py_sees_no_stray_keys(server: Server, servers: dict[str, Server]) -> None:
    """The API writes exactly the keys it is asked to write."""
    client = make_client(server.kind, servers)
    try:
        client.execute_command("SET", "a", "v")
        assert client.copy("a", "b") and client.rename("b", "c")
        raw = redis_py.Redis(port=server.port, decode_responses=True)
        assert sorted(raw.keys("*")) == ["a", "c"]
        raw.close()
    finally:
        client.close()


def test_wrong_arity_everywhere(servers: dict[str, Server]) -> None:
    assert_same(servers, [
        ("SCAN",), ("KEYS",), ("RENAME", "a"), ("RENAMENX", "a"), ("COPY", "a"),
        ("PEXPIRE", "a"), ("EXPIREAT", "a"), ("PEXPIREAT", "a"), ("PEXPIRETIME",),
        ("TTL", "a", "b"), ("TOUCH",), ("RANDOMKEY", "a"), ("TIME", "a"), ("ECHO",),
        ("FLUSHALL", "a", "b", "c"),
    ])


def test_expired_keys_invisible_to_api(r: redipy.Redis) -> None:
    r.execute_command("SET", "short", "v")
    r.execute_command("SET", "long", "v")
    assert r.pexpire("short", 50)
    time.sleep(0.12)
    assert r.exists("short") == 0
    assert r.keys() == {"long"}
    assert set(r.iter_keys()) == {"long"}
    assert r.ttl("short") is None
    assert r.key_type("short") is None


def test_unterminated_bracket_at_the_end_matches_nothing() -> None:
    matcher: Callable[[str], bool] = compile_glob("a[")
    assert not matcher("a") and not matcher("aa") and not matcher("a[")


def test_typed_calls_check_arity(r: redipy.Redis) -> None:
    """The typed fast path checks arity as a server does (no keys is not 0 keys)."""
    with pytest.raises(ResponseError) as info:
        r.exists()
    assert str(info.value) == "ERR wrong number of arguments for 'exists' command"
    with pytest.raises(ResponseError) as info:
        r.delete()
    assert str(info.value) == "ERR wrong number of arguments for 'del' command"
    with pytest.raises(ResponseError) as info:
        with r.pipeline(transaction=False) as pipe:
            pipe.exists()
    assert str(info.value) == "ERR wrong number of arguments for 'exists' command"


def test_parity_copy_db_argument(servers: dict[str, Server]) -> None:
    assert_same(servers, [
        ("SET", "c", "v"),
        ("COPY", "c", "d", "DB", "2147483648"), ("COPY", "c", "d", "DB", "-2147483649"),
        ("COPY", "c", "d", "DB", "2147483647"), ("COPY", "c", "d", "DB", "-1"),
        ("COPY", "c", "d", "DB", "16"), ("COPY", "c", "d", "DB", "x"),
        ("COPY", "c", "d", "DB", "99999999999999999999"), ("COPY", "c", "d", "DB", "1"),
        ("COPY", "c", "d", "DB", "0"), ("GET", "d"),
    ])
