"""Score and lex ranges over sets big enough for many SortedList sublists (the spans
of ZCOUNT, ZLEXCOUNT, ZRANGEBYSCORE, ZREVRANGEBYSCORE, ZRANGEBYLEX, ZREVRANGEBYLEX,
ZREMRANGEBYSCORE and ZREMRANGEBYLEX cross from one sublist to the next, or over more
than a few), with ties at the bounds, exclusive and infinite bounds, against the
servers."""

from __future__ import annotations

import random

from tests.parity import assert_same
from tests.servers import Server

SIZE = 24_000


def queries() -> list[list[object]]:
    rnd = random.Random(14)
    out: list[list[object]] = []

    def score() -> str:
        roll = rnd.random()
        if roll < 0.08:
            return rnd.choice(["-inf", "+inf", "(-inf", "(+inf", "inf", "-0", "(0"])
        val = rnd.randrange(-10, SIZE // 3 + 10)
        if roll < 0.15:
            return f"{val}.5"
        return f"({val}" if roll < 0.4 else str(val)

    def lex() -> str:
        if rnd.random() < 0.08:
            return rnd.choice(["-", "+", "[", "(", "[m", "(m"])
        return rnd.choice("[(") + f"m{rnd.randrange(-5, SIZE + 5):05d}"

    for _ in range(120):
        width = rnd.choice([0, 1, 10, 100, 1500, 4000])
        lo = rnd.randrange(-10, SIZE // 3)
        pair = ([str(lo), str(lo + width)] if rnd.random() < 0.5 else [score(), score()])
        out.append(["ZCOUNT", "mixed", *pair])
        out.append(["ZRANGEBYSCORE", "mixed", *pair])
        out.append(["ZREVRANGEBYSCORE", "mixed", pair[1], pair[0]])
        start = rnd.randrange(-5, SIZE)
        lpair = ([f"[m{start:05d}", f"(m{start + width:05d}"] if rnd.random() < 0.5
                 else [lex(), lex()])
        out.append(["ZLEXCOUNT", "one", *lpair])
        out.append(["ZRANGEBYLEX", "one", *lpair])
        out.append(["ZREVRANGEBYLEX", "one", lpair[1], lpair[0]])
        out.append(["ZLEXCOUNT", "mixed", *lpair])
    for _ in range(40):
        lo = rnd.randrange(-10, SIZE // 3)
        width = rnd.choice([0, 1, 30, 900])
        out.append(["ZREMRANGEBYSCORE", "mixed", str(lo), f"({lo + width}"])
        out.append(["ZCOUNT", "mixed", "-inf", "+inf"])
        start = rnd.randrange(SIZE)
        out.append(["ZREMRANGEBYLEX", "one", f"[m{start:05d}", f"[m{start + width:05d}"])
        out.append(["ZLEXCOUNT", "one", "-", "+"])
        out.append(["ZRANK", "one", f"m{rnd.randrange(SIZE):05d}"])
        out.append(["ZRANK", "mixed", f"m{rnd.randrange(SIZE):05d}"])
    for _ in range(30):  # ZRANGESTORE by rank: in one sublist, across some, from the end
        start = rnd.randrange(-SIZE - 5, SIZE + 5)
        width = rnd.choice([0, 1, 9, 1500, 5000])
        out.append(["ZRANGESTORE", "dst", "mixed", start, start + width])
        out.append(["ZRANGE", "dst", 0, -1, "WITHSCORES"])
    out.append(["ZRANGE", "mixed", 0, -1, "WITHSCORES"])
    out.append(["ZRANGE", "one", 0, -1])
    for bad in (["ZCOUNT", "mixed", "x", "1"], ["ZLEXCOUNT", "one", "m", "+"],
                ["ZRANGEBYLEX", "one", "-", "++"], ["ZREMRANGEBYLEX", "one", "[a", "b"],
                ["ZCOUNT", "missing", "(1", "(2"], ["ZLEXCOUNT", "missing", "-", "+"],
                ["ZCOUNT", "str", "1", "2"], ["ZLEXCOUNT", "str", "-", "+"],
                ["ZLEXCOUNT", "str", "x", "+"], ["ZRANGEBYSCORE", "str", "1", "2"],
                ["ZCOUNT", "mixed", "1"], ["ZREMRANGEBYSCORE", "mixed", "1", "2", "3"],
                ["ZREMRANGEBYRANK", "one", "01", "2"], ["ZREMRANGEBYRANK", "one", "0", "+1"],
                ["ZREMRANGEBYRANK", "one", "0", "1.0"], ["ZREMRANGEBYRANK", "one", "\u00b2", "3"],
                ["ZREMRANGEBYRANK", "one", "0", "99999999999999999999"],
                ["ZREMRANGEBYRANK", "one", "-3", "-2"], ["ZREMRANGEBYRANK", "one", "0", "1"],
                ["ZRANGE", "one", 0, 5]):
        out.append(bad)
    return out


def setup() -> list[tuple[object, ...]]:
    cmds: list[tuple[object, ...]] = [("SET", "str", "v")]
    for start in range(0, SIZE, 4000):
        block = range(start, start + 4000)
        cmds.append(("ZADD", "mixed", *(x for i in block for x in (i // 3, f"m{i:05d}"))))
        cmds.append(("ZADD", "one", *(x for i in block for x in (0, f"m{i:05d}"))))
    return cmds


def test_big_spans_match_the_servers(servers: dict[str, Server]) -> None:
    # Redis 7.0 prints ZRANGE's scores with %.17g: assert_same compares them as numbers
    assert_same(servers, [*setup(), *queries()])
