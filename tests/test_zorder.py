"""ZOrder, the sorted half of a sorted set: its single-frame paths (add, remove, rank,
places, cut, drop) against a plain sorted list with a tiny load factor, so that every
split, merge and multi-sublist range happens; and big sets (several sublists at the
real load factor) answering ranges, counts, ranks and range removals as the servers do."""

from __future__ import annotations

import bisect
import random

import redipy
from redipy.memory.zorder import ZOrder
from tests.conftest import SERVER_KINDS, make_client
from tests.servers import Server


def _small(load: int) -> ZOrder:
    order = ZOrder()
    order._reset(load)
    return order


def test_zorder_matches_a_sorted_list() -> None:
    rnd = random.Random(3)
    for load in (4, 5, 16):
        order, model = _small(load), []
        for step in range(6000):
            op = rnd.random()
            if op < 0.45 or not model:
                entry = (float(rnd.randrange(40)), f"m{rnd.randrange(400):03d}")
                if entry not in model:
                    order.add(entry)
                    bisect.insort(model, entry)
            elif op < 0.7:
                entry = rnd.choice(model)
                order.remove(entry)
                model.remove(entry)
            elif op < 0.8:
                entry = rnd.choice(model)
                assert order.rank(entry) == model.index(entry)
            else:
                a = (float(rnd.randrange(-2, 42)), f"m{rnd.randrange(400):03d}")
                b = (float(rnd.randrange(-2, 42)),)
                ra, rb = rnd.random() < 0.5, rnd.random() < 0.5
                lo, hi = order.place(a, ra), order.place(b, rb)
                i = (bisect.bisect_right if ra else bisect.bisect_left)(model, a)
                j = (bisect.bisect_right if rb else bisect.bisect_left)(model, b)
                assert order.position(lo) == i and order.position(hi) == j
                assert order.place_at(i) == lo and order.place_at(j) == hi
                step_by = rnd.randrange(-30, 30)
                assert order.shift(lo, step_by) == order.place_at(
                    max(0, min(i + step_by, len(model))))
                assert order.cut(order.place_at(i), order.place_at(j)) == model[i:j]
                assert order.between(lo, hi) == max(j - i, 0)
                assert order.cut(lo, hi) == model[i:j]
                if op > 0.95:
                    assert order.drop(lo, hi) == model[i:j]
                    del model[i:j]
            if op > 0.97 and model:  # SortedList's own paths: pop, del, move, copy
                how = rnd.randrange(5)
                if how == 0:
                    assert order.pop(0) == model.pop(0)
                elif how == 1:
                    assert order.pop(-1) == model.pop(-1)
                elif how == 2:
                    at = rnd.randrange(len(model))
                    assert order.pop(at) == model.pop(at)
                elif how == 3:
                    at = rnd.randrange(len(model))
                    stop = at + rnd.randrange(1, 40)
                    del order[at:stop]
                    del model[at:stop]
                else:
                    old = rnd.choice(model)
                    new = (float(rnd.randrange(40)), old[1])
                    if new not in model:
                        order.move(old, new)
                        model.remove(old)
                        bisect.insort(model, new)
                if rnd.random() < 0.05:
                    order = order.copy()
                    order._reset(load)
                elif rnd.random() < 0.05:  # built in bulk: its scores' arrays made on use
                    order = ZOrder.of(list(order))
            if step % 97 == 0:
                order._check()  # ZOrder's check includes its arrays of scores
                assert list(order) == model


def _fill(r: redipy.Redis) -> None:
    rnd = random.Random(5)
    r.zadd("mixed", {f"m{i:05d}": float(rnd.randrange(500)) for i in range(5000)})
    r.zadd("one", {f"m{i:05d}": 0.0 for i in range(0, 10000, 2)})


def _queries() -> list[list[object]]:
    rnd = random.Random(11)
    out: list[list[object]] = []
    for _ in range(150):
        lo = rnd.randrange(-10, 510)
        hi = lo + rnd.choice([0, 1, 5, 40, 300, 2000])
        a = rnd.choice("[(") + f"m{rnd.randrange(10000):05d}"
        b = rnd.choice("[(") + f"m{rnd.randrange(10000):05d}"
        left = rnd.choice([str(lo), f"({lo}", "-inf"])
        right = rnd.choice([str(hi), f"({hi}", "+inf"])
        member = f"m{rnd.randrange(5000):05d}"
        page = ["LIMIT", rnd.choice([0, 3, 900, 1500, 6000]), rnd.choice([-1, 0, 10, 1200])]
        out += [["ZRANGEBYSCORE", "mixed", left, right, *page],
                ["ZREVRANGEBYSCORE", "mixed", right, left, "WITHSCORES", *page],
                ["ZRANGEBYLEX", "one", a, b, *page], ["ZREVRANGEBYLEX", "one", b, a, *page],
                ["ZCOUNT", "mixed", left, right],
                ["ZRANGEBYSCORE", "mixed", left, right],
                ["ZREVRANGEBYSCORE", "mixed", right, left],
                ["ZLEXCOUNT", "one", a, b],
                ["ZRANGEBYLEX", "one", a, b],
                ["ZREVRANGEBYLEX", "one", b, a],
                ["ZRANK", "mixed", member],
                ["ZREVRANK", "mixed", member]]
        if rnd.random() < 0.2:
            out.append(["ZREMRANGEBYSCORE", "mixed", str(lo), f"({lo + rnd.randrange(3)}"])
            out.append(["ZREMRANGEBYLEX", "one", a, b])
        if rnd.random() < 0.1:
            out.append(["ZREMRANGEBYRANK", "mixed", rnd.randrange(4000), rnd.randrange(4000)])
    out += [["ZRANGE", "mixed", 0, -1, "WITHSCORES"], ["ZRANGE", "one", 0, -1]]
    for cmd in ("ZUNIONSTORE", "ZINTERSTORE", "ZDIFFSTORE"):  # bulk-built big results
        out += [[cmd, "dst", 2, "mixed", "one"], ["ZRANGE", "dst", 0, -1, "WITHSCORES"],
                ["ZCOUNT", "dst", 100, 300], ["ZRANK", "dst", "m02000"],
                ["ZREMRANGEBYRANK", "dst", 900, 2500], ["ZRANGE", "dst", 800, 1200]]
    return out


def _answers(r: redipy.Redis) -> list[object]:
    _fill(r)
    out: list[object] = []
    for q in _queries():
        try:
            out.append(r.execute_command(*q))
        except redipy.errors.ResponseError as err:
            out.append(("error", str(err)))
    return out


def test_big_sets_match_the_servers(servers: dict[str, Server]) -> None:
    mine = _answers(redipy.Redis())
    qs = _queries()
    for kind in SERVER_KINDS:
        theirs = _answers(make_client(kind, servers))
        for q, a, b in zip(qs, mine, theirs):
            assert a == b, (kind, q)
