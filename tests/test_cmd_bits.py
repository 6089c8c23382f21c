"""BITOP, BITFIELD and BITFIELD_RO on the memory backend against Valkey 8.1, Valkey 9.1
and Redis 7.0: every operation, signed and unsigned widths, ``#`` offsets, each
OVERFLOW mode at both ends, every error in the server's order, and random fields
whose bytes must come out the same."""

from __future__ import annotations

import random

import redipy
from tests.parity import assert_same
from tests.servers import Server


def test_bitop_parity(servers: dict[str, Server]) -> None:
    assert_same(servers, [
        ("SET", "a", "foobar"), ("SET", "b", "abc"), ("SET", "c", "\x00\xff\x10"),
        ("BITOP", "AND", "d", "a", "b"), ("GET", "d"),
        ("BITOP", "or", "d", "a", "b", "c"), ("GET", "d"),
        ("BITOP", "XOR", "d", "a", "c", "missing"), ("GET", "d"),
        ("BITOP", "NOT", "d", "c"), ("GET", "d"),
        ("BITOP", "AND", "d", "a", "missing"), ("GET", "d"),
        ("SET", "d", "x", "EX", "100"), ("BITOP", "OR", "d", "a"), ("TTL", "d"),
        ("BITOP", "OR", "d", "missing", "nope"), ("EXISTS", "d"),
        ("BITOP", "NOT", "d", "a", "b"), ("BITOP", "FOO", "d", "a"),
        ("BITOP", "DIFF", "d", "a", "b"), ("BITOP", "AND", "d"),
        ("RPUSH", "l", "x"), ("BITOP", "AND", "d", "a", "l"),
        ("BITOP", "NOT", "l", "a"), ("TYPE", "l"), ("GET", "l"),
        ("SETRANGE", "e", "2", "z"), ("BITOP", "XOR", "f", "e", "a"), ("GET", "f"),
    ])


def test_bitfield_parity(servers: dict[str, Server]) -> None:
    assert_same(servers, [
        ("BITFIELD", "k", "SET", "i8", "0", "100", "GET", "i8", "0", "GET", "u4", "0"),
        ("BITFIELD", "k", "INCRBY", "i8", "0", "100", "INCRBY", "u2", "100", "1",
         "OVERFLOW", "SAT", "INCRBY", "i8", "0", "100", "INCRBY", "i8", "0", "-300",
         "OVERFLOW", "FAIL", "INCRBY", "i8", "0", "-1", "GET", "i8", "0"),
        ("GET", "k"), ("STRLEN", "k"),
        ("BITFIELD", "k", "SET", "u8", "#3", "255", "GET", "u8", "24", "GET", "i8", "#3"),
        ("BITFIELD", "k", "SET", "u8", "0", "-1", "OVERFLOW", "SAT", "SET", "u8", "0",
         "-1", "SET", "u8", "0", "256", "OVERFLOW", "FAIL", "SET", "u8", "0", "300",
         "GET", "u8", "0"),
        ("BITFIELD", "k", "SET", "i64", "5", "-9223372036854775808", "INCRBY", "i64", "5",
         "-1", "OVERFLOW", "SAT", "INCRBY", "i64", "5", "-1", "INCRBY", "u63", "1",
         "9223372036854775807", "GET", "u63", "1", "GET", "i1", "3", "GET", "u1", "3"),
        ("BITFIELD", "big", "OVERFLOW", "FAIL", "INCRBY", "u8", "800", "300"),
        ("GET", "big"), ("BITFIELD", "nokey", "GET", "i16", "100"), ("EXISTS", "nokey"),
        ("BITFIELD", "nokey"), ("BITFIELD_RO", "k", "GET", "u8", "0", "GET", "i5", "#7"),
        ("BITFIELD_RO", "k", "OVERFLOW", "SAT", "GET", "u8", "0"),
        ("BITFIELD_RO", "k", "GET", "i8", "0", "SET", "i8", "0", "1"),
        ("BITFIELD_RO", "k", "INCRBY", "i8", "0", "1"),
        ("BITFIELD_RO", "k", "SET", "i8", "x", "1"), ("BITFIELD_RO", "k", "SET", "i8", "0", "x"),
        ("BITFIELD", "k", "GET", "u64", "0"), ("BITFIELD", "k", "GET", "i65", "0"),
        ("BITFIELD", "k", "GET", "i0", "0"), ("BITFIELD", "k", "GET", "x8", "0"),
        ("BITFIELD", "k", "GET", "i", "0"), ("BITFIELD", "k", "GET", "i8", "-1"),
        ("BITFIELD", "k", "GET", "i8", "#"), ("BITFIELD", "k", "GET", "i8", "#-1"),
        ("BITFIELD", "k", "GET", "i8", "4294967296"), ("BITFIELD", "k", "GET", "i8",
                                                        "#536870912"),
        ("BITFIELD", "k", "GET", "i8"), ("BITFIELD", "k", "SET", "i8", "0"),
        ("BITFIELD", "k", "OVERFLOW"), ("BITFIELD", "k", "OVERFLOW", "FOO", "GET", "i8", "0"),
        ("BITFIELD", "k", "FOO"), ("BITFIELD", "k", "SET", "i8", "0", "1.5"),
        ("BITFIELD", "k", "GET", "u8", "0", "FOO", "x", "y"),
        ("SET", "t", "abc", "EX", "100"), ("BITFIELD", "t", "SET", "u8", "0", "65"),
        ("TTL", "t"), ("GET", "t"),
        ("RPUSH", "l", "x"), ("BITFIELD", "l", "GET", "i8", "0"),
        ("BITFIELD", "l", "SET", "i8", "0", "1"), ("BITFIELD_RO", "l", "GET", "i8", "0"),
        ("BITFIELD", "l", "FOO"), ("BITFIELD", "l"), ("BITFIELD_RO", "l"),
        # the one-INCRBY shape (memory's fast path): results and errors as the general one
        ("BITFIELD", "k", "INCRBY", "u2", "100", "1"),
        ("BITFIELD", "l", "INCRBY", "i8", "0", "1"),
        ("BITFIELD", "k", "INCRBY", "i8", "x", "1"), ("BITFIELD", "k", "INCRBY", "u64", "0", "1"),
        ("BITFIELD", "k", "incrby", "i8", "#2", "-300"),
        ("BITFIELD", "k", "INCRBY", "i8", "0", "y"),
        ("BITFIELD", "fresh", "INCRBY", "i5", "#9", "40"), ("GET", "fresh"), ("GET", "k"),
    ])


def test_bitfield_random_fields_match_the_server(servers: dict[str, Server]) -> None:
    rng = random.Random(11)
    cmds: list[tuple[str, ...]] = [("SET", "r", "".join(chr(rng.randrange(256))
                                                        for _ in range(24)))]
    for _ in range(60):
        signed = rng.random() < 0.5
        bits = rng.randint(1, 64 if signed else 63)
        enc = ("i" if signed else "u") + str(bits)
        offset = str(rng.randrange(0, 200))
        sub = rng.choice(["GET", "SET", "INCRBY"])
        val = str(rng.randint(-(1 << 63), (1 << 63) - 1) if rng.random() < 0.3
                  else rng.randint(-300, 300))
        over = rng.choice(["WRAP", "SAT", "FAIL"])
        cmd = ("BITFIELD", "r", "OVERFLOW", over, sub, enc, offset)
        cmds.append(cmd if sub == "GET" else (*cmd, val))
    cmds.append(("GET", "r"))
    assert_same(servers, cmds)


def test_bitfield_one_incrby_matches_the_server(servers: dict[str, Server]) -> None:
    """Memory's fast path (BITFIELD key INCRBY type offset n, nothing else): random
    widths, signs, offsets (some growing the string, some ``#n``), increments that
    wrap, on a string changed in place and on one just read back by GET."""
    rng = random.Random(12)
    cmds: list[tuple[str, ...]] = [("SET", "r", "".join(chr(rng.randrange(256))
                                                        for _ in range(16)))]
    for n in range(150):
        signed = rng.random() < 0.5
        bits = rng.randint(1, 64 if signed else 63)
        kind = rng.choice("iI" if signed else "uU") + str(bits)
        offset = (f"#{rng.randrange(0, 30)}" if rng.random() < 0.2
                  else str(rng.randrange(0, 220)))
        incr = (rng.randint(-(1 << 63), (1 << 63) - 1) if rng.random() < 0.3
                else rng.randint(-300, 300))
        cmds.append(("BITFIELD", "r", rng.choice(("INCRBY", "incrby")), kind, offset,
                     str(incr)))
        if n % 25 == 0:
            cmds.append(("GET", "r"))
    cmds.append(("GET", "r"))
    assert_same(servers, cmds)


def test_bitfield_typed(r: redipy.Redis) -> None:
    assert r.bitfield("k", [("SET", "u8", 0, 200), ("INCRBY", "u8", 0, 100)],
                      overflow="SAT") == [0, 255]
    assert r.bitfield_ro("k", "u4", 0, items=[("u4", 4)]) == [15, 15]
    r.mset({"a": "abc", "m": "__"})
    assert r.bitop("AND", "b", "a", "m") == 3
    assert r.get_value("b") == "AB\x00"
    assert r.bitfield("k", [("INCRBY", "i8", "#1", 200)], overflow="FAIL") == [None]
