"""Parity-machine operations for the hash commands.

Every typed hash method. Hashes stay small here, so HSCAN answers whole pages (as
Redis's listpack encoding does) and is compared like any other reply; HRANDFIELD
depends on chance and is compared by shape only.
"""

from __future__ import annotations

from hypothesis import strategies as st

from tests.strategies.common import Op, globs, keys, members, texts

fields = members
field_lists = st.lists(fields, min_size=1, max_size=4).map(tuple)
mappings = st.dictionaries(fields, texts, max_size=4)
numbers = st.sampled_from(["0", "1", "-3", "10", "2.5", "abc", "1e3", " 1", "9223372036854775807"])
int_incs = st.sampled_from([0, 1, -1, 7, -100, 9223372036854775807])
float_incs = st.sampled_from([0.5, -1.25, 0.1, 1e3, 3.0, float("inf")])


OPS: list[Op] = [
    Op("hset", st.tuples(keys, mappings)),
    Op("hset", st.tuples(keys, st.dictionaries(fields, numbers, min_size=1, max_size=3))),
    Op("hsetnx", st.tuples(keys, fields, texts)),
    Op("hdel", st.tuples(keys).flatmap(lambda k: field_lists.map(lambda f: (*k, *f)))),
    Op("hget", st.tuples(keys, fields)),
    Op("hmget", st.tuples(keys).flatmap(lambda k: field_lists.map(lambda f: (*k, *f)))),
    Op("hexists", st.tuples(keys, fields)),
    Op("hlen", st.tuples(keys)),
    Op("hkeys", st.tuples(keys), unordered=True),
    Op("hvals", st.tuples(keys), unordered=True),
    Op("hgetall", st.tuples(keys)),
    Op("hincrby", st.tuples(keys, fields, int_incs | float_incs)),
    Op("hincrby_int", st.tuples(keys, fields, int_incs)),
    Op("hincrbyfloat", st.tuples(keys, fields, float_incs)),
    Op("hincrbyfloat", st.tuples(keys, fields)),
    Op("hstrlen", st.tuples(keys, fields)),
    Op("hrandfield", st.tuples(keys), random=True),
    Op("hrandfield", st.tuples(keys, st.sampled_from([0, 1, 3, 10, -1, -4])), random=True),
    Op("hrandfield", st.tuples(keys, st.sampled_from([0, 2, 10, -3]), st.just(True)),
       random=True),
    Op("hscan", st.tuples(keys), st.fixed_dictionaries({
        "match": st.none() | globs, "count": st.none() | st.sampled_from([1, 10, 0])})),
]
