"""Parity-machine operations for the sorted set commands.

Every typed sorted set method. Scores include infinities (so ZINCRBY can hit NaN),
members repeat scores (so ties order by member), range ends cover exclusive bounds,
bad numbers and lex bounds. ZRANDMEMBER is compared by shape only. Sorted sets stay
small, so servers keep them in a listpack and ZSCAN answers whole, in score order.
"""

from __future__ import annotations

from hypothesis import strategies as st

from tests.strategies.common import Op, counts, key_lists, keys, members, scores, small_ints

member_lists = st.lists(members, min_size=1, max_size=4)
mappings = st.dictionaries(members, scores, min_size=1, max_size=4)
score_bounds = scores | st.sampled_from(
    ["-inf", "+inf", "(1", "(0", "0", "2.5", "(100", "x", "(", "1e400"])
lex_bounds = st.sampled_from(["-", "+", "[m1", "(m2", "[x", "(", "[", "m1", "[ü", "(10", "[10"])
ranks = small_ints | st.sampled_from([-100, 100])
offsets = st.sampled_from([None, (0, 2), (1, -1), (2, 1), (-1, 2), (0, 0)])
aggregates = st.sampled_from([None, "sum", "MIN", "max"])
weights = st.sampled_from([1.0, 2.0, 0.5, -1.0, 0.0])
zadd_flags = st.fixed_dictionaries({}, optional={
    "nx": st.booleans(), "xx": st.booleans(), "gt": st.booleans(), "lt": st.booleans(),
    "ch": st.booleans(), "incr": st.booleans()})
weighted_keys = key_lists | st.dictionaries(keys, weights, min_size=1, max_size=3)


def _paged(method: str, bounds: st.SearchStrategy[object], *, withscores: bool) -> Op:
    """A range method that takes (key, a, b, start, num[, withscores])."""

    def build(base: tuple[str, object, object], page: tuple[int, int] | None,
              ws: bool) -> tuple[object, ...]:
        start, num = page if page is not None else (None, None)
        return (*base, start, num, ws) if withscores else (*base, start, num)

    return Op(method, st.builds(build, st.tuples(keys, bounds, bounds), offsets, st.booleans()))


def _zrange_kwargs(page: tuple[int, int] | None, **fixed: object) -> dict[str, object]:
    out = dict(fixed)
    if page is not None:
        out["offset"], out["num"] = page
    return out


def _zmpop(ks: list[str], top: bool, count: int) -> dict[str, object]:
    return {"num_keys": len(ks), "keys": ks, "min": not top, "max": top, "count": count}


OPS: list[Op] = [
    Op("zadd", st.tuples(keys, mappings)),
    Op("zadd", st.tuples(keys, mappings), zadd_flags),
    Op("zincrby", st.tuples(keys, scores, members)),
    Op("zrem", st.tuples(keys).flatmap(lambda k: member_lists.map(lambda m: (*k, *m)))),
    Op("zscore", st.tuples(keys, members)),
    Op("zmscore", st.tuples(keys, member_lists)),
    Op("zrank", st.tuples(keys, members)),
    Op("zrevrank", st.tuples(keys, members)),
    Op("zcard", st.tuples(keys)),
    Op("zcount", st.tuples(keys, score_bounds, score_bounds)),
    Op("zlexcount", st.tuples(keys, lex_bounds, lex_bounds)),
    Op("zrange", st.tuples(keys, ranks, ranks), st.fixed_dictionaries(
        {"desc": st.booleans(), "withscores": st.booleans()})),
    Op("zrange", st.tuples(keys, score_bounds, score_bounds), st.builds(
        lambda page, desc, ws: _zrange_kwargs(page, byscore=True, desc=desc, withscores=ws),
        offsets, st.booleans(), st.booleans())),
    Op("zrange", st.tuples(keys, lex_bounds, lex_bounds), st.builds(
        lambda page, desc: _zrange_kwargs(page, bylex=True, desc=desc),
        offsets, st.booleans())),
    Op("zrevrange", st.tuples(keys, ranks, ranks, st.booleans())),
    _paged("zrangebyscore", score_bounds, withscores=True),
    _paged("zrevrangebyscore", score_bounds, withscores=True),
    _paged("zrangebylex", lex_bounds, withscores=False),
    _paged("zrevrangebylex", lex_bounds, withscores=False),
    Op("zrangestore", st.tuples(keys, keys, ranks, ranks), st.fixed_dictionaries(
        {"desc": st.booleans()})),
    Op("zrangestore", st.tuples(keys, keys, score_bounds, score_bounds), st.builds(
        lambda page, desc: _zrange_kwargs(page, byscore=True, desc=desc),
        offsets, st.booleans())),
    Op("zpop_max", st.tuples(keys, st.sampled_from([1, 2, 5]))),
    Op("zpop_min", st.tuples(keys)),
    Op("zpopmax", st.tuples(keys, st.none() | counts)),
    Op("zpopmin", st.tuples(keys, st.none() | counts)),
    Op("zmpop", st.just(()), st.builds(
        _zmpop, key_lists, st.booleans(), st.sampled_from([1, 2, 10]))),
    Op("zremrangebyrank", st.tuples(keys, ranks, ranks)),
    Op("zremrangebyscore", st.tuples(keys, score_bounds, score_bounds)),
    Op("zremrangebylex", st.tuples(keys, lex_bounds, lex_bounds)),
    Op("zunion", st.tuples(weighted_keys, aggregates, st.booleans())),
    Op("zinter", st.tuples(weighted_keys, aggregates, st.booleans())),
    Op("zdiff", st.tuples(key_lists, st.booleans())),
    Op("zunionstore", st.tuples(keys, weighted_keys, aggregates)),
    Op("zinterstore", st.tuples(keys, weighted_keys, aggregates)),
    Op("zdiffstore", st.tuples(keys, key_lists)),
    Op("zintercard", key_lists.flatmap(
        lambda ks: st.sampled_from([0, 1, 3]).map(lambda n: (len(ks), ks, n)))),
    Op("zrandmember", st.tuples(keys), random=True),
    Op("zrandmember", st.tuples(keys, st.sampled_from([0, 1, 3, -2, 10]), st.booleans()),
       random=True),
    Op("zscan", st.tuples(keys), st.fixed_dictionaries({
        "match": st.none() | st.sampled_from(["*", "m*", "?", "[mx]*"]),
        "count": st.none() | st.sampled_from([1, 10, 0])})),
]
