"""SORT and SORT_RO on the memory backend against Valkey 8.1, Valkey 9.1 and Redis 7.0:
numeric and ALPHA order, DESC, LIMIT at every edge, BY string keys and hash fields,
BY nosort on lists, sorted sets and stored sets, GET # / keys / hash fields, STORE
(replacing, deleting, dropping the TTL), and every error in the server's order."""

from __future__ import annotations

import random

import pytest

import redipy
from redipy.errors import ResponseError
from tests.parity import Newest, assert_same, family_version
from tests.servers import Server

_DATA = [
    ("RPUSH", "l", "3", "10", "1", "-2.5", "1e2", "7", "1.0"),
    ("RPUSH", "w", "b", "a", "c", "aa", "B", ""),
    ("MSET", "w_3", "1", "w_10", "0", "w_1", "5", "w_7", "-1", "o_3", "three",
     "o_10", "ten"),
    ("HSET", "h_3", "f", "30", "n", "c"), ("HSET", "h_10", "f", "5", "n", "a"),
    ("HSET", "h_1", "f", "-1", "n", "b"), ("HSET", "h_7", "n", "d"),
    ("ZADD", "z", "1", "9", "2", "8", "3", "07", "3", "5"),
    ("SADD", "s", "5", "3", "11", "2"),
]


def test_sort_parity(servers: dict[str, Server]) -> None:
    assert_same(servers, [
        *_DATA,
        ("SORT", "l"), ("SORT", "l", "DESC"), ("SORT", "l", "ALPHA"),
        ("SORT", "l", "ALPHA", "DESC", "ASC"), ("SORT", "w", "ALPHA"),
        ("SORT", "w"), ("SORT", "z"), ("SORT", "z", "ALPHA", "DESC"), ("SORT", "s"),
        ("SORT", "l", "LIMIT", "1", "3"), ("SORT", "l", "LIMIT", "-5", "2"),
        ("SORT", "l", "LIMIT", "5", "100"), ("SORT", "l", "LIMIT", "20", "2"),
        ("SORT", "l", "LIMIT", "2", "0"), ("SORT", "l", "LIMIT", "2", "-1"),
        ("SORT", "l", "LIMIT", "2", "-7"), ("SORT", "l", "DESC", "LIMIT", "0", "2"),
        ("SORT", "l", "BY", "w_*"), ("SORT", "l", "BY", "w_*", "DESC"),
        ("SORT", "l", "BY", "h_*->f"), ("SORT", "l", "BY", "o_*", "ALPHA"),
        ("SORT", "l", "BY", "h_*->n", "ALPHA", "GET", "#", "GET", "h_*->f"),
        ("SORT", "l", "BY", "nosort"), ("SORT", "l", "BY", "nosort", "DESC"),
        ("SORT", "l", "BY", "nosort", "LIMIT", "2", "3"),
        ("SORT", "l", "BY", "nosort", "DESC", "LIMIT", "1", "2"),
        ("SORT", "z", "BY", "nosort"), ("SORT", "z", "BY", "nosort", "DESC", "LIMIT", "1", "2"),
        ("SORT", "l", "GET", "o_*", "GET", "#", "GET", "h_*->n", "GET", "nostar",
         "GET", "h_*->", "GET", "h_*->missing"),
        ("SORT", "l", "BY", "w_*", "LIMIT", "1", "2", "GET", "#"),
        ("SORT", "l", "BY", "h_*->f", "GET", "o_*", "STORE", "dst"), ("LRANGE", "dst", "0", "-1"),
        ("SORT", "s", "BY", "nosort", "STORE", "dst"), ("LRANGE", "dst", "0", "-1"),
        ("EXPIRE", "dst", "100"), ("SORT", "l", "STORE", "dst"), ("TTL", "dst"),
        ("LRANGE", "dst", "0", "-1"),
        ("SORT", "missing"), ("SORT", "missing", "STORE", "dst"), ("EXISTS", "dst"),
        ("SORT", "l", "LIMIT", "9", "1", "STORE", "dst"), ("SORT_RO", "l", "DESC", "GET", "#"),
        ("SORT_RO", "z", "BY", "nosort", "GET", "o_*"),
        ("SORT_RO", "l", "STORE", "dst"), ("SORT", "w"), ("SORT", "l", "FOO"),
        ("SORT", "l", "LIMIT", "1"), ("SORT", "l", "LIMIT", "x", "1"),
        ("SORT", "l", "LIMIT", "1", "1.5"), ("SORT", "l", "BY"), ("SORT", "l", "GET"),
        ("SORT", "l", "STORE"), ("SORT", "w_3"), ("SORT", "w_3", "FOO"),
        ("SORT", "w_3", "LIMIT", "a", "b"), ("SORT", "h_3"), ("SORT", "l", "BY", "o_*"),
        ("SORT",), ("SORT_RO",),
        ("RPUSH", "bad", "1", "nan"), ("SORT", "bad"), ("RPUSH", "bad2", "1", "1 "),
        ("SORT", "bad2"), ("RPUSH", "ok", "+5", ".5", "5.", "inf", "-inf", "infinity"),
        ("SORT", "ok"),
        ("RPUSH", "hl", "3", "10", "1"), ("SORT", "hl", "BY", "h_*->f", "GET", "h_*->n"),
        ("SORT", "hl", "BY", "h_*->n", "ALPHA", "GET", "h_*->f", "GET", "#"),
        Newest(("RPUSH", "new", " 1", "", "0x10")), Newest(("SORT", "new")),
    ])


def test_sort_random_lists_match_the_server(servers: dict[str, Server]) -> None:
    rng = random.Random(5)
    cmds: list[tuple[str, ...]] = []
    for n in range(12):
        items = [str(rng.randint(-20, 20)) if rng.random() < 0.7 else f"{rng.random():.3f}"
                 for _ in range(rng.randint(0, 30))]
        key = f"k{n}"
        if items:
            cmds.append(("RPUSH", key, *items))
        for item in set(items):
            if rng.random() < 0.6:
                cmds.append(("SET", f"wt_{item}", str(rng.randint(0, 5))))
        cmds += [("SORT", key), ("SORT", key, "ALPHA", "DESC"), ("SORT", key, "DESC"),
                 ("SORT", key, "BY", "wt_*", "DESC"),
                 ("SORT", key, "BY", "wt_*", "LIMIT", str(rng.randint(-2, 8)),
                  str(rng.randint(-2, 8)), "GET", "#", "GET", "wt_*")]
    assert_same(servers, cmds)


def test_sort_of_digit_strings_past_doubles(servers: dict[str, Server]) -> None:
    """Digit strings are the fast case; past 2**53 different integers share a double
    and the server breaks the tie by bytes, so 10**20 sorts before 10**20 - 1, and
    leading zeros, empty strings and zeros in a row read as numbers too."""
    rng = random.Random(4)
    big = ["99999999999999999999", "100000000000000000000", "9007199254740993",
           "9007199254740992", "900719925474099", "1" * 310, "2" * 309, "5"]
    lists = [big[:5], ["007", "7", "0", "00", "10"], ["0", "0", "3", "0"], ["", "1", "0"],
             ["123456789012345", "123456789012346", "99999999999999", "1000000000000000"],
             [str(n) for n in random.Random(9).sample(range(10**6), 300)],
             ["10", "9", "100", "99", "9", "0", "1000", "10", "101", "11"], ["5"], [""],
             ["12", "", "3"], ["4", "1,2", "3"],
             [str(rng.randint(0, 10 ** rng.randint(1, 15))) for _ in range(200)],
             big]  # last: after an overflow Redis 7.0 refuses later SORTs too (errno stays)
    cmds: list[tuple[str, ...]] = []
    for n, items in enumerate(lists):
        group = [("SET", f"wd_{n}_{i}", item) for i, item in enumerate(items)]
        group += [("RPUSH", f"d{n}", *items), ("SORT", f"d{n}"), ("SORT", f"d{n}", "DESC"),
                  ("RPUSH", f"i{n}", *map(str, range(len(items)))),
                  ("SORT", f"i{n}", "BY", f"wd_{n}_*"),
                  ("SORT", f"i{n}", "BY", f"wd_{n}_*", "DESC")]
        # an empty string is 0 to Valkey 8.1 and Redis 7.0, not a double to Valkey 9.1
        cmds += [Newest(c) for c in group] if "" in items else group
    assert_same(servers, cmds)


def test_sort_typed(r: redipy.Redis) -> None:
    r.rpush("l", "3", "1", "2")
    r.mset({"n_1": "c", "n_2": "b", "n_3": "a"})
    assert r.sort("l") == ["1", "2", "3"]
    assert r.sort("l", by="n_*", alpha=True, get=["#", "n_*"]) == ["3", "a", "2", "b", "1", "c"]
    assert r.sort("l", start=1, num=1, desc=True) == ["2"]
    assert r.sort("l", store="d") == 3 and r.lrange("d", 0, -1) == ["1", "2", "3"]
    assert r.sort_ro("l", by="nosort", desc=True) == ["2", "1", "3"]


#: read alike by every server: strtod and Valkey 9.1's parser agree on these
_ODD_ALIKE = ["inf", "-inf", "+inf", "infinity", "INF", "1e3", "+5", ".5", "5.", "-.5", "-0",
              "0001", "00", "1.5e+3", "+.5e1", "1" + "0" * 308, "9" * 17, "123456789012345678",
              "nan", "NaN", "1 ", "1\t", "1e", "e1", "0x", "-", "+", ".", "1.2.3", "1_0",
              "1,5", "\u0663"]
#: Valkey 9.1 (and memory) refuses these numerically; Valkey 8.1 and Redis 7.0 read them
#: by strtod (an empty string is 0, leading space skipped, hex read as hex); subnormals
#: are the other way round: 9.1 reads them, strtod's ERANGE made the older ones refuse
_ODD_NEWEST = ["", " 1", "\t1", "0x10", "0x1p3", "1e-310", "4.9e-324"]
#: overflow and underflow: refused everywhere, and they leave Redis 7.0's errno at ERANGE,
#: which makes its later SORTs of non-integer strings fail too: run them last
_ODD_RANGE = ["9" * 400, "1e400", "-1e400", "1e-400"]


def _odd_value_cmds(n: int, x: str) -> list[tuple[str, ...]]:
    """One odd numeric string as a list, set and zset element (alone and beside others)
    and as a BY weight in a string key and a hash field; ALPHA and nosort read no
    number and must agree everywhere."""
    return [
        ("RPUSH", f"l{n}", x, "1", "-2"), ("SORT", f"l{n}"), ("SORT", f"l{n}", "DESC"),
        ("RPUSH", f"one{n}", x), ("SORT", f"one{n}"), ("SADD", f"s{n}", x),
        ("SORT", f"s{n}"), ("SORT_RO", f"s{n}", "DESC"), ("SADD", f"s{n}", "3", "-1"),
        ("SORT", f"s{n}"), ("ZADD", f"z{n}", "1", x, "2", "3"), ("SORT", f"z{n}"),
        ("RPUSH", f"i{n}", "a", "b", "c"), ("SET", f"w{n}_a", x), ("SET", f"w{n}_b", "1"),
        ("HSET", f"h{n}_a", "f", x), ("HSET", f"h{n}_c", "f", "2"),
        ("SORT", f"i{n}", "BY", f"w{n}_*"), ("SORT", f"i{n}", "BY", f"w{n}_*", "DESC",
                                              "GET", "#", "GET", f"w{n}_*"),
        ("SORT", f"i{n}", "BY", f"h{n}_*->f", "GET", f"h{n}_*->f"),
        ("SORT", f"i{n}", "BY", f"h{n}_*->f", "STORE", f"dst{n}"),
        ("LRANGE", f"dst{n}", "0", "-1"),
    ]


def test_sort_of_odd_numeric_strings(servers: dict[str, Server]) -> None:
    """Empty strings, spaces, hex, infinities, NaN, exponents, signs, long digit runs:
    numeric SORT of lists, sets and sorted sets and BY string keys and hash fields.
    Where Valkey 9.1 reads a string otherwise than strtod (Valkey 8.1, Redis 7.0), its
    steps are compared with 9.1 only; test_sort_odd_strings_older_servers pins the rest."""
    cmds: list[tuple[str, ...]] = []
    for n, x in enumerate(_ODD_ALIKE + _ODD_NEWEST + _ODD_RANGE):
        group = _odd_value_cmds(n, x)
        if x in _ODD_NEWEST or x in _ODD_RANGE:  # after the first ERANGE Redis 7.0 drifts
            group = [Newest(c) for c in group]
        cmds += group
        cmds += [("SORT", f"l{n}", "ALPHA"), ("SORT", f"i{n}", "BY", f"w{n}_*", "ALPHA"),
                 ("SORT", f"l{n}", "BY", "nosort"), ("SORT", f"z{n}", "BY", "nosort", "DESC")]
    assert_same(servers, cmds)


def test_sort_odd_strings_older_servers(servers: dict[str, Server]) -> None:
    """What the older servers answer for the strings memory reads as Valkey 9.1 does:
    the empty string alone in a set sorts (as 0) on Valkey 8.1 and Redis 7.0, and a
    subnormal is refused there (strtod's ERANGE)."""
    import redis as redis_py

    not_double = "One or more scores can't be converted into double"
    for kind, srv in servers.items():
        raw = redis_py.Redis(port=srv.port, decode_responses=True)
        raw.flushall()
        raw.sadd("s", "")
        raw.rpush("l", "0x10", " 1", "2")
        raw.rpush("sub", "1e-310", "1")
        answers = []
        for key in ("s", "l", "sub"):
            try:
                answers.append(raw.sort(key))
            except redis_py.ResponseError as err:
                answers.append(str(err))
        raw.close()
        if kind == "valkey9":
            assert answers == [not_double, not_double, ["1e-310", "1"]], kind
        else:
            assert answers == [[""], [" 1", "2", "0x10"], not_double], kind
    mem = redipy.Redis()
    mem.sadd("s", "")
    with pytest.raises(ResponseError, match=not_double):
        mem.sort("s")


def test_sort_ties_between_different_strings(servers: dict[str, Server]) -> None:
    """Different elements of the same double sort by their bytes (DESC reversing both),
    equal elements stay together: "1", "1.0", "01", "1e0", "+1" are one double, "0",
    "-0", "0.0", "00" another; lists with many repeats, with a zero among canonical
    integers, sets and sorted sets of them, and BY weights that tie and do not."""
    rng = random.Random(11)
    tied = ["1", "1.0", "01", "1e0", "+1", "1.00", "0", "-0", "0.0", "00", "2", "2", "-1",
            "-1.0", "1", "10", "1e1", "010", "0.5", ".5", "5e-1"]
    rng.shuffle(tied)
    many = [str(rng.randint(0, 30)) for _ in range(300)]  # digits, repeats, zeros
    zeros = [str(rng.randint(0, 10**6)) for _ in range(200)] + ["0", "0"]
    mixed = [rng.choice(["7", "7.0", "07", "-3", "-3.00", "2.5", "1e2", "100"])
             for _ in range(100)]
    cmds: list[tuple[str, ...]] = []
    for name, items in (("tied", tied), ("many", many), ("zeros", zeros), ("mixed", mixed)):
        cmds += [("RPUSH", name, *items), ("SORT", name), ("SORT", name, "DESC"),
                 ("SORT", name, "LIMIT", "3", "7"), ("SORT", name, "DESC", "LIMIT", "0", "5"),
                 ("SADD", f"s{name}", *items), ("SORT", f"s{name}"),
                 ("SORT", f"s{name}", "DESC"),
                 ("SORT", f"s{name}", "STORE", f"d{name}"), ("LRANGE", f"d{name}", "0", "-1")]
    ids = [str(i) for i in range(60)]
    cmds.append(("RPUSH", "ids", *ids))
    for i in ids:  # weights that tie (few values) and ones that do not (all different)
        cmds += [("SET", f"few_{i}", rng.choice(["1", "1.0", "2", "02", "-0"])),
                 ("SET", f"all_{i}", str(rng.random()))]
    cmds += [("SORT", "ids", "BY", "few_*"), ("SORT", "ids", "BY", "few_*", "DESC"),
             ("SORT", "ids", "BY", "all_*"), ("SORT", "ids", "BY", "all_*", "DESC"),
             ("SORT", "ids", "BY", "few_*", "GET", "#", "GET", "few_*")]
    assert_same(servers, cmds)


def test_sort_keeps_a_small_sets_order_for_equal_weights(servers: dict[str, Server]) -> None:
    """BY ... ALPHA with equal weights keeps the input's order (the server's sort is
    stable): a listpack set's insertion order, an intset's ascending one, a small sorted
    set's by score. Redis 7.0 keeps a small set of strings as a hashtable (hash order)
    and walks a sorted set in hash order too (README's table of features newer than
    Redis 7.0), so those steps are compared with the Valkeys (8.1 and 9.1) only."""
    weights = [x for m in ("a", "b", "c", "d", "3", "5", "9") for x in (f"w_{m}", "1")]
    valkeys = {kind: srv for kind, srv in servers.items()
               if family_version(srv)[0] == "valkey"}
    assert len(valkeys) >= 2
    setup: list[tuple[str, ...]] = [
        ("MSET", *weights), ("SADD", "s", "c", "a", "b", "d"), ("SADD", "n", "9", "3", "5"),
        ("ZADD", "z", "3", "c", "1", "a", "2", "b"),
    ]
    assert_same(valkeys, [
        *setup, ("SORT", "s", "BY", "w_*", "ALPHA"), ("SORT", "s", "BY", "w_*", "ALPHA", "DESC"),
        ("SORT", "s", "BY", "w_*", "ALPHA", "LIMIT", "1", "2"),
        ("SORT", "z", "BY", "w_*", "ALPHA"), ("SORT", "z", "BY", "w_*", "ALPHA", "DESC"),
    ])
    assert_same(servers, [  # alike everywhere, Redis 7.0 too
        *setup, ("SORT", "n", "BY", "w_*", "ALPHA"), ("SORT", "z", "BY", "w_*"),
        ("SORT", "z", "BY", "w_*", "DESC"), ("SORT", "n", "BY", "w_*"),
    ])
