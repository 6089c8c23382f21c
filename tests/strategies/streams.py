"""Parity-machine operations for streams and consumer groups.

IDs are always explicit (``*`` would take each backend's clock), drawn from a small
pool so that entries collide, groups catch up, claims find pending entries and
trims cut into them. Blocking reads find data at once or time out after 10 ms (one
client per backend: nobody else writes; the cross-thread wake-ups are tested in
tests/test_cmd_streams.py). Replies holding times (XPENDING's idle times, XINFO
CONSUMERS) are compared with the times masked; XINFO GROUPS without entries-read and
lag, which Redis 7.0 counts differently in corner cases (compared on Valkey in
tests/test_cmd_streams.py). Redis 7.0's XCLAIM / XAUTOCLAIM create the consumer only
when they claim something (Valkey always), so what shows consumers is compared on
Valkey only.
"""

from __future__ import annotations

from typing import Any

from hypothesis import strategies as st

from tests.strategies.common import Op

skeys = st.sampled_from(["s1", "s1", "s2", "a"])
ids = st.sampled_from(["1-0", "1-1", "2-0", "2-1", "3-0", "4-5", "5-0", "6-1", "7-0", "9-9"])
new_ids = ids | st.sampled_from(["3-*", "8-*", "10", "0-1", "0-0"])
bounds = st.sampled_from(["-", "+", "0", "2", "3-0", "(2-0", "(5-0", "9-9"])
groups = st.sampled_from(["g", "g", "h"])
consumers = st.sampled_from(["alice", "bob", "carol"])
fields = st.dictionaries(st.sampled_from(["f", "g", "ü", "n"]),
                         st.sampled_from(["1", "x", "", "日本"]), min_size=1, max_size=3)
opt_counts = st.none() | st.integers(min_value=0, max_value=4)
SHORT_MS = 10


def _mask_times(value: Any) -> Any:
    """Idle times masked; ``inactive`` (Valkey only) dropped."""
    if isinstance(value, list):
        return [_mask_times(v) for v in value]
    if isinstance(value, dict):
        return {k: ("T" if k in ("time_since_delivered", "idle") else v)
                for k, v in value.items() if k != "inactive"}
    return value


def _without_counters(value: Any) -> Any:
    if isinstance(value, list):
        return [{k: v for k, v in g.items() if k not in ("entries-read", "lag")}
                for g in value]
    return value


def _trim(maxlen: int | None, minid: str | None, approx: bool) -> dict[str, Any]:
    return {"maxlen": maxlen, "minid": minid, "approximate": approx}


trims = st.one_of(
    st.just({}),
    st.builds(_trim, st.integers(min_value=0, max_value=5), st.none(), st.booleans()),
    st.builds(_trim, st.none(), ids, st.booleans()),
)

OPS: list[Op] = [
    Op("xadd", st.tuples(skeys, fields),
       st.tuples(new_ids, trims, st.booleans()).map(
           lambda t: {"id": t[0], **t[1], "nomkstream": t[2]})),
    Op("xadd", st.tuples(skeys, fields), new_ids.map(lambda i: {"id": i})),
    Op("xrange", st.tuples(skeys, bounds, bounds), st.fixed_dictionaries({"count": opt_counts})),
    Op("xrevrange", st.tuples(skeys, bounds, bounds),
       st.fixed_dictionaries({"count": opt_counts})),
    Op("xlen", st.tuples(skeys)),
    Op("xdel", st.lists(ids, min_size=1, max_size=3).flatmap(
        lambda xs: skeys.map(lambda k: (k, *xs)))),
    Op("xtrim", st.tuples(skeys), trims.filter(bool)),
    Op("xread", st.dictionaries(skeys, st.sampled_from(["0", "$", "2-0", "5-0"]),
                                min_size=1, max_size=2).map(lambda d: (d,)),
       st.fixed_dictionaries({"count": opt_counts,
                              "block": st.sampled_from([None, SHORT_MS])})),
    Op("xreadgroup", st.tuples(groups, consumers,
                               skeys.flatmap(lambda k: st.sampled_from([">", ">", "0"]).map(
                                   lambda i: {k: i}))),
       st.fixed_dictionaries({"count": opt_counts, "noack": st.booleans(),
                              "block": st.sampled_from([None, SHORT_MS])})),
    Op("xgroup_create", st.tuples(skeys, groups),
       st.fixed_dictionaries({"id": st.sampled_from(["0", "$", "2-0"]),
                              "mkstream": st.booleans()})),
    Op("xgroup_setid", st.tuples(skeys, groups, st.sampled_from(["0", "$", "3-0"]))),
    Op("xgroup_destroy", st.tuples(skeys, groups)),
    Op("xgroup_createconsumer", st.tuples(skeys, groups, consumers), valkey_only=True),
    Op("xgroup_delconsumer", st.tuples(skeys, groups, consumers)),
    Op("xack", st.lists(ids, min_size=1, max_size=3).flatmap(
        lambda xs: st.tuples(skeys, groups).map(lambda t: (*t, *xs)))),
    Op("xpending", st.tuples(skeys, groups)),
    Op("xpending_range", st.tuples(skeys, groups, bounds, bounds,
                                   st.integers(min_value=0, max_value=5)),
       st.fixed_dictionaries({"consumername": st.none() | consumers}), mask=_mask_times),
    Op("xclaim", st.tuples(skeys, groups, consumers, st.just(0),
                           st.lists(ids, min_size=1, max_size=3)),
       st.fixed_dictionaries({"justid": st.booleans(), "force": st.booleans(),
                              "retrycount": st.none() | st.integers(0, 3)})),
    Op("xautoclaim", st.tuples(skeys, groups, consumers, st.just(0)),
       st.fixed_dictionaries({"start_id": bounds.filter(lambda b: b not in ("-", "+")),
                              "count": st.none() | st.integers(1, 3),
                              "justid": st.booleans()})),
    Op("xinfo_stream", st.tuples(skeys)),
    Op("xinfo_groups", st.tuples(skeys), mask=_without_counters, valkey_only=True),
    Op("xinfo_consumers", st.tuples(skeys, groups), mask=_mask_times, valkey_only=True),
]
