"""Handlers that read their option words from the table's grammar
(:mod:`redipy.memory.options`) against Valkey 8.1, Valkey 9.1 and Redis 7.0: every word
with good and bad values, in lower case, twice, without its value, and followed by an
unknown word, so the words a syntax line lists and what the server accepts agree."""

from __future__ import annotations

from itertools import pairwise
from typing import Any

from redipy.commands import COMMANDS
from redipy.commands.grammar import grammar, options
from redipy.memory.backend import load_all
from redipy.memory.options import READERS
from tests.parity import assert_same
from tests.servers import Server

_ZSET = [("ZADD", "z", *(f"{i} m{i}" for i in range(12)))]
_LEX = [("ZADD", "x", *(f"0 {c}" for c in "abcdefgh"))]

#: for each command that reads the grammar: the keys it needs, then the calls its option
#: words are tried after (the command itself, and the commands that share its words)
CALLS: dict[str, tuple[list[tuple[str, ...]], list[tuple[str, ...]]]] = {
    "LCS": ([("MSET", "a", "ohmytext", "b", "mynewtext")], [("LCS", "a", "b")]),
    "LPOS": ([("RPUSH", "l", "a", "b", "a", "c", "a")], [("LPOS", "l", "a")]),
    "COPY": ([("SET", "s", "v")], [("COPY", "s", "d")]),
    "LMPOP": ([("RPUSH", "l", *"abcdefghij")], [("LMPOP", "1", "l", "LEFT")]),
    "ZMPOP": (_ZSET, [("ZMPOP", "1", "z", "MIN")]),
    "ZRANGE": (_ZSET + _LEX, [
        ("ZRANGE", "z", "0", "5"), ("ZRANGE", "x", "[a", "(f"), ("ZREVRANGE", "z", "0", "5"),
        ("ZRANGEBYSCORE", "z", "1", "9"), ("ZREVRANGEBYSCORE", "z", "9", "1"),
        ("ZRANGEBYLEX", "x", "-", "+"), ("ZREVRANGEBYLEX", "x", "+", "-")]),
    "ZRANGESTORE": (_ZSET, [("ZRANGESTORE", "d", "z", "0", "5")]),
}


def test_every_reader_is_judged_here() -> None:
    load_all()
    assert set(READERS) == set(CALLS)


def test_options_come_from_the_syntax_line() -> None:
    assert options(grammar(COMMANDS["LPOS"])) == {"RANK": 1, "COUNT": 1, "MAXLEN": 1}
    assert options(grammar(COMMANDS["LCS"])) == {
        "LEN": 0, "IDX": 0, "MINMATCHLEN": 1, "WITHMATCHLEN": 0}
    assert options(grammar(COMMANDS["ZRANGE"]))["LIMIT"] == 2
    assert options(grammar(COMMANDS["ZUNIONSTORE"])) == {"AGGREGATE": 1}  # WEIGHTS repeats


def _cases(name: str, base: tuple[str, ...]) -> list[tuple[Any, ...]]:
    setup = CALLS[name][0]
    load_all()
    words = READERS[name]
    cmds: list[tuple[Any, ...]] = [*setup, base, (*base, "NOSUCH")]
    for word, count in words.items():
        values = [("1",) * count, ("2",) * count, ("0",) * count, ("-1",) * count,
                  ("x",) * count] if count else [()]
        for vals in values:
            cmds += [*setup, (*base, word, *vals), (*base, word.lower(), *vals),
                     (*base, word, *vals, word, *vals), (*base, word, *vals, "NOSUCH")]
        if count:
            cmds += [(*base, word), (*base, word, "x", "NOSUCH")]
    pairs = list(words.items())
    for (w1, c1), (w2, c2) in pairwise(pairs):
        cmds += [*setup, (*base, w1, *("1",) * c1, w2, *("1",) * c2),
                 (*base, w2, *("1",) * c2, w1, *("1",) * c1)]
    return cmds


def test_option_words_as_the_servers(servers: dict[str, Server]) -> None:
    for name, (_, bases) in CALLS.items():
        for base in bases:
            assert_same(servers, _cases(name, base))
