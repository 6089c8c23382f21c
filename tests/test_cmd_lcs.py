"""LCS on the memory backend against Valkey 8.1, Valkey 9.1 and Redis 7.0: the string,
LEN, IDX with MINMATCHLEN and WITHMATCHLEN, every error in the server's order, binary
strings, and random pairs whose tie-breaking must match the server's walk."""

from __future__ import annotations

import random

import redipy
from tests.parity import assert_same
from tests.servers import Server


def test_lcs_parity(servers: dict[str, Server]) -> None:
    assert_same(servers, [
        ("MSET", "a", "ohmytext", "b", "mynewtext", "e", ""),
        ("LCS", "a", "b"), ("LCS", "a", "b", "LEN"), ("LCS", "a", "b", "IDX"),
        ("LCS", "a", "b", "IDX", "MINMATCHLEN", "4", "WITHMATCHLEN"),
        ("LCS", "a", "b", "IDX", "WITHMATCHLEN", "MINMATCHLEN", "-3"),
        ("LCS", "a", "b", "len", "idx"), ("LCS", "a", "b", "IDX", "LEN"),
        ("LCS", "a", "b", "LEN", "LEN"), ("LCS", "a", "b", "IDX", "IDX"),
        ("LCS", "a", "b", "WITHMATCHLEN"), ("LCS", "a", "b", "MINMATCHLEN", "2"),
        ("LCS", "a", "b", "MINMATCHLEN"), ("LCS", "a", "b", "MINMATCHLEN", "x"),
        ("LCS", "a", "b", "MINMATCHLEN", "99999999999999999999"),
        ("LCS", "a", "b", "FOO"), ("LCS", "a", "missing"), ("LCS", "missing", "nope", "IDX"),
        ("LCS", "e", "a", "LEN"), ("LCS", "a", "a", "IDX", "WITHMATCHLEN"),
        ("RPUSH", "l", "x"), ("LCS", "a", "l"), ("LCS", "l", "a", "FOO"),
        ("LCS", "a", "l", "LEN", "IDX"), ("LCS", "a"), ("LCS",),
        ("SET", "u", "日本語テキスト"), ("SET", "v", "テキスト日本"), ("LCS", "u", "v"),
        ("LCS", "u", "v", "IDX", "WITHMATCHLEN"),
        ("SETRANGE", "a", "3", "XY"), ("LCS", "a", "b"),  # a value changed in place
    ])


def test_lcs_random_pairs_break_ties_as_the_server(servers: dict[str, Server]) -> None:
    rng = random.Random(7)
    cmds: list[tuple[str, ...]] = []
    for n in range(40):
        alphabet = "ab" if n % 2 else "abcde"
        x = "".join(rng.choice(alphabet) for _ in range(rng.randint(0, 24)))
        y = "".join(rng.choice(alphabet) for _ in range(rng.randint(0, 24)))
        cmds += [("MSET", "x", x, "y", y), ("LCS", "x", "y"),
                 ("LCS", "x", "y", "IDX", "WITHMATCHLEN"),
                 ("LCS", "x", "y", "IDX", "MINMATCHLEN", str(rng.randint(0, 3)))]
    assert_same(servers, cmds)


def test_lcs_typed(r: redipy.Redis) -> None:
    r.mset({"a": "ohmytext", "b": "mynewtext"})
    assert r.lcs("a", "b") == "mytext"
    assert r.lcs("a", "b", len=True) == 6
    assert r.lcs("a", "b", idx=True, minmatchlen=4, withmatchlen=True) == {
        "matches": [[[4, 7], [5, 8], 4]], "len": 6}
    assert r.lcs("a", "nothing") == ""
