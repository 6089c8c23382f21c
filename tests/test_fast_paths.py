"""The speed paths of the breadth benchmark against Valkey 8.1, Valkey 9.1 and Redis 7.0:
KEYS 'prefix*' (one regex over the joined keys, keys holding LF included), LREM with a
small positive count (deque.remove), LRANGE a few elements deep inside a long list
(indexing), score bounds given as plain digits or infinities, ZUNIONSTORE/ZINTERSTORE
results big enough for the skiplist form (their score dict taken over), ties and -0,
and long LCS inputs on the bit-parallel table."""

from __future__ import annotations

import random

from tests.parity import assert_same
from tests.servers import Server


def test_keys_prefix(servers: dict[str, Server]) -> None:
    keys = [f"k:{j}" for j in range(300)] + ["k:1\nk:1z", "k:1\xe9", "", "x", "k:"]
    cmds: list[tuple[str, ...]] = [("SET", key, "v") for key in keys]
    cmds += [("KEYS", "k:1*"), ("KEYS", "k:*"), ("KEYS", "x*"), ("KEYS", "k:1\n*"),
             ("KEYS", "nothing*"), ("DEL", "k:1\nk:1z"), ("KEYS", "k:1*"),
             ("PEXPIREAT", "k:10", "1"), ("KEYS", "k:1*")]
    first = len(keys)
    assert_same(servers, cmds, unordered=[first + i for i in (0, 1, 2, 3, 4, 6, 8)])


def test_lrem_small_counts_and_deep_lrange(servers: dict[str, Server]) -> None:
    rng = random.Random(3)
    items = [rng.choice("abcde") for _ in range(400)]
    cmds: list[tuple[str, ...]] = [("RPUSH", "l", *items)]
    for count in ("1", "2", "3", "8", "9", "-1", "-3", "0"):
        for value in "abz":
            cmds.append(("LREM", "l", count, value))
        cmds.append(("LRANGE", "l", "0", "-1"))
    cmds += [("RPUSH", "m", *[f"e{j}" for j in range(500)]),
             ("LRANGE", "m", "200", "209"), ("LRANGE", "m", "65", "65"),
             ("LRANGE", "m", "-300", "-290"), ("LRANGE", "m", "420", "440"),
             ("LRANGE", "m", "430", "433"), ("LREM", "m", "1", "e300"),
             ("LRANGE", "m", "298", "302"), ("RPUSH", "one", "x"), ("LREM", "one", "2", "x"),
             ("EXISTS", "one")]
    assert_same(servers, cmds)


def test_score_bounds_and_big_algebra(servers: dict[str, Server]) -> None:
    za = [x for j in range(200) for x in (str(j % 50), f"m{j}")]
    zb = [x for j in range(100, 300) for x in (str(-(j % 7)), f"m{j}")]
    cmds: list[tuple[str, ...]] = [
        ("ZADD", "za", *za), ("ZADD", "zb", *zb), ("ZADD", "zn", "-0", "n1", "0", "n2"),
        ("ZRANGEBYSCORE", "za", "10", "12"), ("ZRANGEBYSCORE", "za", "-inf", "+inf",
                                               "LIMIT", "0", "5"),
        ("ZRANGEBYSCORE", "za", "(10", "inf"), ("ZCOUNT", "za", "007", "0012"),
        ("ZREVRANGEBYSCORE", "za", "+inf", "45"), ("ZCOUNT", "za", "-inf", "-1"),
        ("ZCOUNT", "za", "Inf", "INF"), ("ZCOUNT", "za", "1e1", "1_0"),
        ("ZUNIONSTORE", "zu", "3", "za", "zb", "zn"), ("ZRANGE", "zu", "0", "-1", "WITHSCORES"),
        ("ZSCORE", "zu", "n1"), ("ZINTERSTORE", "zi", "2", "za", "zb"),
        ("ZRANGE", "zi", "0", "-1", "WITHSCORES"), ("ZUNION", "2", "za", "zb", "WITHSCORES"),
        ("ZINTER", "2", "zb", "za", "WITHSCORES"), ("ZDIFFSTORE", "zd", "2", "za", "zb"),
        ("ZRANGE", "zd", "0", "-1", "WITHSCORES"), ("ZUNIONSTORE", "zs", "2", "zn", "zn"),
        ("ZRANGE", "zs", "0", "-1", "WITHSCORES"), ("ZSCORE", "zs", "n1"),
        ("ZINTERSTORE", "zu", "2", "za", "missing"), ("EXISTS", "zu"),
    ]
    assert_same(servers, cmds)


def test_lcs_long(servers: dict[str, Server]) -> None:
    rng = random.Random(11)
    a = "".join(rng.choice("acgt") for _ in range(700))
    b = "".join(rng.choice("acgt") for _ in range(650))
    assert_same(servers, [
        ("MSET", "a", a, "b", b), ("LCS", "a", "b"), ("LCS", "a", "b", "LEN"),
        ("LCS", "a", "b", "IDX", "MINMATCHLEN", "5", "WITHMATCHLEN"),
        ("LCS", "b", "a", "IDX")])


def test_lex_ranges_on_one_score(servers: dict[str, Server]) -> None:
    members = [x for j in range(300) for x in ("0" if j % 3 else "-0", f"m{j:03d}")]
    cmds: list[tuple[str, ...]] = [("ZADD", "zl", *members)]
    for lo, hi in (("[m010", "(m020"), ("(m010", "[m020"), ("-", "+"), ("+", "-"),
                   ("[m020", "[m010"), ("(m010", "(m010"), ("[m010", "[m010"), ("-", "(m000"),
                   ("[m299", "+"), ("[a", "[b"), ("(m1", "[m2")):
        cmds += [("ZLEXCOUNT", "zl", lo, hi), ("ZRANGEBYLEX", "zl", lo, hi),
                 ("ZRANGEBYLEX", "zl", lo, hi, "LIMIT", "3", "4"),
                 ("ZRANGEBYLEX", "zl", lo, hi, "LIMIT", "0", "-1"),
                 ("ZREVRANGEBYLEX", "zl", hi, lo),
                 ("ZREVRANGEBYLEX", "zl", hi, lo, "LIMIT", "2", "5"),
                 ("ZRANGE", "zl", hi, lo, "BYLEX", "REV", "LIMIT", "1", "1")]
    cmds += [("ZREMRANGEBYLEX", "zl", "[m100", "(m150"), ("ZCARD", "zl"),
             ("ZREMRANGEBYLEX", "zl", "(m150", "[m100"), ("ZRANGEBYLEX", "zl", "[m095", "[m155")]
    assert_same(servers, cmds)


def test_mget_kinds(servers: dict[str, Server]) -> None:
    assert_same(servers, [
        ("MSET", "a", "1", "b", "two", "c", ""), ("MGET", "a", "b", "c"),
        ("APPEND", "b", "!"), ("SETRANGE", "c", "2", "x"), ("MGET", "a", "b", "c"),
        ("RPUSH", "l", "x"), ("MGET", "a", "l", "nope", "b"),
        ("SET", "t", "v", "PX", "100000"), ("MGET", "t", "a"),
        ("PEXPIREAT", "t", "1"), ("MGET", "t", "a", "t")])
