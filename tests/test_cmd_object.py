"""OBJECT, MEMORY USAGE, MOVE, SWAPDB and the encoding thresholds of CONFIG GET on the
memory backend against Valkey 8.1, Valkey 9.1 and Redis 7.0. OBJECT ENCODING and
REFCOUNT follow Valkey 9.1 (the older servers embed shorter strings and share small
integers), so they are compared with it; MEMORY USAGE is an estimate, checked to be
within a factor of 2 of each Valkey's figure."""

from __future__ import annotations

import redis as redis_py

import redipy
from tests.conftest import make_client
from tests.parity import Newest, assert_same, fresh
from tests.servers import Server

_BIG = "x" * 70


def _values() -> list[tuple[str, ...]]:
    return [
        ("SET", "int", "123"), ("SET", "neg", "-9223372036854775808"),
        ("SET", "lead0", "0123"), ("SET", "huge", "12345678901234567890"),
        ("SET", "s44", "x" * 44), ("SET", "s112", "x" * 112), ("SET", "s113", "x" * 113),
        ("SET", "kkkkkkkkkk", "y" * 103), ("SET", "kkkkkkkkkkk", "y" * 103),
        ("SET", "ttl", "z" * 100, "EX", "100"), ("SET", "ttl2", "z" * 90, "EX", "100"),
        ("SET", "h1", "x"), ("APPEND", "h1", "y"), ("INCR", "counter"),
        ("SETRANGE", "sr", "0", "5"), ("APPEND", "ap", "77"),
        ("RPUSH", "l", "a", "1", "300"), ("RPUSH", "lbig", *([_BIG] * 120)),
        ("RPUSH", "lmid", *([_BIG] * 100)),
        ("SADD", "si", "1", "2", "-5"), ("SADD", "sl", "a", "1"),
        ("SADD", "sh", *(f"m{i}" for i in range(129))),
        ("SADD", "si513", *(str(i) for i in range(513))),
        ("SADD", "slong", "a", "b" * 65),
        ("HSET", "h", "f", "v"), ("HSET", "hl", "f", "v" * 65),
        ("HSET", "hn", *(p for i in range(513) for p in (f"f{i}", "v"))),
        ("ZADD", "z", "1", "a"), ("ZADD", "zl", "1", "a" * 65),
        ("ZADD", "zn", *(p for i in range(129) for p in (str(i), f"m{i}"))),
        ("XADD", "st", "1-1", "f", "v"),
    ]


_KEYS = ["int", "neg", "lead0", "huge", "s44", "s112", "s113", "kkkkkkkkkk",
         "kkkkkkkkkkk", "ttl", "ttl2", "h1", "counter", "sr", "ap", "l", "lbig", "lmid",
         "si", "sl", "sh", "si513", "slong", "h", "hl", "hn", "z", "zl", "zn", "st"]


def test_object_parity(servers: dict[str, Server]) -> None:
    cmds = [
        *_values(),
        *(Newest(("OBJECT", "ENCODING", key)) for key in _KEYS),
        Newest(("OBJECT", "REFCOUNT", "int")), ("OBJECT", "REFCOUNT", "s44"),
        ("OBJECT", "encoding", "missing"), ("OBJECT", "REFCOUNT", "missing"),
        ("OBJECT", "IDLETIME", "missing"), ("OBJECT", "FREQ", "missing"),
        ("OBJECT", "FREQ", "h"), ("OBJECT", "ENCODING"), ("OBJECT", "ENCODING", "a", "b"),
        ("OBJECT", "FOO", "x"), Newest(("OBJECT", "HELP")), ("OBJECT", "HELP", "x"), ("OBJECT",),
        ("MEMORY", "USAGE", "missing"), ("MEMORY", "USAGE"), ("MEMORY", "FOO"),
        ("MEMORY", "USAGE", "int", "SAMPLES"), ("MEMORY", "USAGE", "int", "SAMPLES", "x"),
        ("MEMORY", "USAGE", "int", "FOO", "1"), Newest(("MEMORY", "HELP")), ("MEMORY", "HELP", "x"),
        Newest(("CONFIG", "GET", "*-max-listpack-*", "*-max-ziplist-*",
                "set-max-intset-entries")),
    ]
    assert_same(servers, cmds, unordered=[len(cmds) - 1])


def test_idletime_is_small(r: redipy.Redis) -> None:
    r.set_value("k", "v")
    assert 0 <= r.object("IDLETIME", "k") <= 2
    assert r.object("ENCODING", "k") == "embstr"


def test_memory_usage_is_within_a_factor_of_two(servers: dict[str, Server]) -> None:
    mem = fresh("memory", servers)
    for cmd in _values():
        mem.execute_command(*cmd)
    for kind in ("valkey", "valkey9"):  # Redis 7.0 has no listpack lists or sets
        raw = redis_py.Redis(port=servers[kind].port, decode_responses=True)
        raw.flushall()
        for cmd in _values():
            raw.execute_command(*cmd)
        for key in _KEYS:
            want = int(raw.execute_command("MEMORY", "USAGE", key, "SAMPLES", "0"))
            got = mem.memory_usage(key, samples=0)
            assert got is not None and want / 2 <= got <= want * 2, (kind, key, got, want)
        raw.close()


_DB_CMDS: list[tuple[str, ...]] = [
    ("SET", "a", "1", "EX", "100"), ("SET", "b", "2"), ("MOVE", "a", "1"),
    ("EXISTS", "a"), ("SELECT", "1"), ("TTL", "a"), ("GET", "a"), ("SET", "b", "x"),
    ("SELECT", "0"), ("MOVE", "b", "1"), ("GET", "b"), ("MOVE", "nokey", "1"),
    ("MOVE", "b", "0"), ("MOVE", "b", "x"), ("MOVE", "b", "16"), ("MOVE", "b", "-1"),
    ("MOVE", "b", "99999999999"), ("MOVE", "b"), ("DBSIZE",),
    ("SWAPDB", "0", "1"), ("DBSIZE",), ("GET", "b"), ("TTL", "a"), ("SWAPDB", "0", "0"),
    ("SWAPDB", "x", "1"), ("SWAPDB", "1", "x"), ("SWAPDB", "1", "16"),
    ("SWAPDB", "-1", "0"), ("SWAPDB", "1"), ("FLUSHDB",), ("SELECT", "1"), ("DBSIZE",),
    ("COPY", "b", "c", "DB", "2"), ("SELECT", "2"), ("GET", "c"), ("SELECT", "16"),
]


def _run_session(client: redis_py.Redis) -> list[object]:
    out: list[object] = []
    for cmd in _DB_CMDS:
        try:
            out.append(client.execute_command(*cmd))
        except redis_py.ResponseError as err:
            out.append(("error", str(err)))
    return out


def test_move_and_swapdb_parity(servers: dict[str, Server]) -> None:
    """SELECT is per connection: one redis-py connection on each side."""
    mem = redipy.Redis().redis_py(single_connection_client=True)
    want = _run_session(mem)
    for srv in servers.values():
        raw = redis_py.Redis(port=srv.port, single_connection_client=True)
        raw.flushall()
        assert _run_session(raw) == want, srv.kind
        raw.close()


def test_typed_move_swapdb_on_numbered_databases(backend: str,
                                                 servers: dict[str, Server]) -> None:
    zero = make_client(backend, servers)
    zero.set_value("k", "v")
    assert zero.move("k", 3) is True and zero.exists("k") == 0
    assert zero.move("k", 3) is False
    assert zero.swapdb(0, 3) is True and zero.get_value("k") == "v"
    assert zero.object("ENCODING", "k") == "embstr" and zero.object("REFCOUNT", "k") == 1
    usage = zero.memory_usage("k")
    assert usage is not None and 16 < usage < 200
    zero.close()


def _shrink_cmds() -> list[tuple[str, ...]]:
    many = [p for i in range(600) for p in (f"f{i}", "v")]
    zmany = [p for i in range(200) for p in (str(i), f"m{i}")]
    return [
        # a hash past 512 fields, then down to one: still a hashtable on every server
        ("HSET", "hn", *many), ("HDEL", "hn", *(f"f{i}" for i in range(599))),
        ("OBJECT", "ENCODING", "hn"), ("HLEN", "hn"),
        # a long value, then a short one in its place
        ("HSET", "hv", "f", "v" * 65), ("HSET", "hv", "f", "v"),
        ("OBJECT", "ENCODING", "hv"), ("HSET", "hv", "g", "w"), ("OBJECT", "ENCODING", "hv"),
        # the one-field HSET path and HINCRBY's path flip it too
        ("HSET", "h1", "f", "v"), ("HSET", "h1", "g", "x" * 70), ("HDEL", "h1", "g"),
        ("OBJECT", "ENCODING", "h1"), ("HINCRBY", "h2", "c" * 65, "1"),
        ("HDEL", "h2", "c" * 65), ("HSET", "h2", "a", "1"), ("OBJECT", "ENCODING", "h2"),
        ("HSET", "h3", "a", "1"), ("OBJECT", "ENCODING", "h3"),
        # COPY keeps the encoding
        ("COPY", "hn", "hcopy"), ("OBJECT", "ENCODING", "hcopy"),
        # a sorted set past 128 members, then down to one: still a skiplist
        ("ZADD", "zn", *zmany), ("ZREMRANGEBYRANK", "zn", "0", "198"),
        ("OBJECT", "ENCODING", "zn"), ("ZADD", "zl", "1", "m" * 65), ("ZADD", "zl", "1", "a"),
        ("ZREM", "zl", "m" * 65), ("OBJECT", "ENCODING", "zl"),
        ("COPY", "zn", "zcopy"), ("OBJECT", "ENCODING", "zcopy"),
    ]


def test_encoding_stays_promoted_when_a_hash_or_zset_shrinks(
        servers: dict[str, Server]) -> None:
    """A server converts a hash or sorted set to hashtable / skiplist once a write takes
    it past the listpack limits and never back (Valkey 8.1, 9.1 and Redis 7.0 agree)."""
    assert_same(servers, _shrink_cmds())

