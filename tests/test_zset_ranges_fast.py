"""Score and lex ranges answered by positional slices (BYSCORE / BYLEX with LIMIT and
REV, ZRANGEBYLEX, ZREVRANGEBYSCORE, ZLEXCOUNT, ZRANGESTORE) against the servers, on
a one-score set (lex ranges' valid use) and a set of mixed scores."""

from __future__ import annotations

import random

import redipy
from tests.conftest import SERVER_KINDS, make_client
from tests.servers import Server


def queries() -> list[list[object]]:
    rnd = random.Random(9)
    out: list[list[object]] = []

    def lex() -> str:
        return rnd.choice(["-", "+", "[", "("]) if rnd.random() < 0.2 else (
            rnd.choice("[(") + f"m{rnd.randrange(60):02d}")

    def score() -> str:
        return rnd.choice(["-inf", "+inf", f"({rnd.randrange(-5, 25)}",
                           str(rnd.randrange(-5, 25)), f"{rnd.randrange(40) / 2}"])

    for _ in range(300):
        key = rnd.choice(["one", "mixed"])
        limit = ["LIMIT", rnd.randrange(-1, 6), rnd.randrange(-2, 8)] if rnd.random() < 0.6 else []
        a, b = lex(), lex()
        c, d = score(), score()
        out.append(["ZRANGEBYLEX", key, a, b, *limit])
        out.append(["ZREVRANGEBYLEX", key, b, a, *limit])
        out.append(["ZRANGE", key, a, b, "BYLEX", *(["REV"] if rnd.random() < 0.5 else []),
                    *limit])
        out.append(["ZRANGEBYSCORE", key, c, d, *limit])
        out.append(["ZREVRANGEBYSCORE", key, d, c, "WITHSCORES", *limit])
        out.append(["ZRANGESTORE", "dst", key, c, d, "BYSCORE", *limit])
        out.append(["ZRANGE", "dst", 0, -1, "WITHSCORES"])
        out.append(["ZLEXCOUNT", key, a, b])
    return out


def answers(r: redipy.Redis) -> list[object]:
    r.zadd("one", {f"m{i:02d}": 0.0 for i in range(0, 50, 2)})
    r.zadd("mixed", {f"m{i:02d}": float(i % 7) / 2 for i in range(0, 50, 3)})
    out: list[object] = []
    for q in queries():
        try:
            out.append(r.execute_command(*q))
        except redipy.errors.ResponseError as err:
            out.append(("error", str(err)))
    return out


def test_ranges_match_the_servers(servers: dict[str, Server]) -> None:
    mine = answers(redipy.Redis())
    qs = queries()
    for kind in SERVER_KINDS:
        theirs = answers(make_client(kind, servers))
        for q, a, b in zip(qs, mine, theirs):
            if kind == "redis" and isinstance(a, list) and "WITHSCORES" in q:
                a = [float(x) if i % 2 else x for i, x in enumerate(a)]
                b = [float(x) if i % 2 else x for i, x in enumerate(b)]  # type: ignore[union-attr]
            assert a == b, (kind, q)
