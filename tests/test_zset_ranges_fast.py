"""Score and lex ranges answered by positional slices (BYSCORE / BYLEX with LIMIT and
REV, ZRANGEBYLEX, ZREVRANGEBYSCORE, ZLEXCOUNT, ZRANGESTORE) against the servers, on
a one-score set (lex ranges' valid use) and a set of mixed scores."""

from __future__ import annotations

import random

from tests.parity import assert_same
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


def setup() -> list[tuple[object, ...]]:
    return [("ZADD", "one", *(x for i in range(0, 50, 2) for x in (0, f"m{i:02d}"))),
            ("ZADD", "mixed", *(x for i in range(0, 50, 3) for x in (i % 7 / 2, f"m{i:02d}")))]


def test_ranges_match_the_servers(servers: dict[str, Server]) -> None:
    # Redis 7.0 prints WITHSCORES scores with %.17g: assert_same compares them as numbers
    assert_same(servers, [*setup(), *queries()])
