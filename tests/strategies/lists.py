"""Parity-machine operations for the list commands.

Every typed list method, with indexes and counts around the edges (negative, zero,
past the end) so clipping and error paths get drawn, and values from the shared
unicode-rich pool so LREM/LPOS/LINSERT find matches.
"""

from __future__ import annotations

from hypothesis import strategies as st

from tests.strategies.common import Op, counts, keys, small_ints, texts

values = st.lists(texts, min_size=1, max_size=4).map(tuple)
indexes = small_ints | st.sampled_from([-100, 100, 9223372036854775807])
# Valkey 8.1 truncates LSET's index to 32 bits (LSET l 4294967296 x sets element 0),
# so LSET stays with indexes every server gets right; see tests/test_cmd_lists.py.
set_indexes = small_ints | st.sampled_from([-100, 100, 2147483648, -2147483649])
sides = st.sampled_from(["LEFT", "RIGHT"])
pop_counts = st.none() | counts


def _lmpop_args(ks: list[str]) -> tuple[object, ...]:
    return (len(ks), *ks)


OPS: list[Op] = [
    Op("lpush", st.tuples(keys).flatmap(lambda k: values.map(lambda v: (*k, *v)))),
    Op("rpush", st.tuples(keys).flatmap(lambda k: values.map(lambda v: (*k, *v)))),
    Op("lpushx", st.tuples(keys).flatmap(lambda k: values.map(lambda v: (*k, *v)))),
    Op("rpushx", st.tuples(keys).flatmap(lambda k: values.map(lambda v: (*k, *v)))),
    Op("lpop", st.tuples(keys, pop_counts)),
    Op("rpop", st.tuples(keys, pop_counts)),
    Op("llen", st.tuples(keys)),
    Op("lrange", st.tuples(keys, indexes, indexes)),
    Op("lindex", st.tuples(keys, indexes)),
    Op("lset", st.tuples(keys, set_indexes, texts)),
    Op("linsert", st.tuples(
        keys, st.sampled_from(["BEFORE", "AFTER", "before", "middle"]), texts, texts)),
    Op("lrem", st.tuples(keys, counts, texts)),
    Op("ltrim", st.tuples(keys, indexes, indexes)),
    Op("lpos", st.tuples(keys, texts), st.fixed_dictionaries({
        "rank": st.none() | st.sampled_from([1, 2, -1, -2, 0]),
        "count": st.none() | st.sampled_from([0, 1, 2, -1]),
        "maxlen": st.none() | st.sampled_from([0, 1, 3, -1]),
    })),
    Op("lmove", st.tuples(keys, keys, sides, sides)),
    Op("rpoplpush", st.tuples(keys, keys)),
    Op("lmpop", st.lists(keys, min_size=1, max_size=3).map(_lmpop_args),
       st.fixed_dictionaries({
           "direction": sides, "count": st.sampled_from([1, 2, 5, 0, None])})),
]
