"""Parity-machine operations for the set commands.

Every typed set method except SPOP (it mutates at random). SRANDMEMBER is compared
by shape only. Sets stay small (the shared member pool has seven values) and SSCAN
asks for pages of at least ten, so every server answers a whole set in one page:
Redis 7.0 keeps small sets of words in a hash table, where a smaller COUNT would
give server-specific pages.
"""

from __future__ import annotations

from hypothesis import strategies as st

from tests.strategies.common import Op, globs, key_lists, keys, members

member_lists = st.lists(members, min_size=1, max_size=4).map(tuple)
limits = st.sampled_from([0, 1, 2, 5])


def _with_members(method: str) -> Op:
    return Op(method, st.tuples(keys).flatmap(lambda k: member_lists.map(lambda m: (*k, *m))))


OPS: list[Op] = [
    _with_members("sadd"),
    _with_members("sadd"),
    _with_members("srem"),
    Op("sismember", st.tuples(keys, members)),
    Op("smismember", st.tuples(keys, member_lists.map(list))),
    Op("scard", st.tuples(keys)),
    Op("smembers", st.tuples(keys)),
    Op("srandmember", st.tuples(keys), random=True),
    Op("srandmember", st.tuples(keys, st.sampled_from([0, 1, 3, 10, -1, -5])), random=True),
    Op("smove", st.tuples(keys, keys, members)),
    Op("sinter", st.tuples(key_lists)),
    Op("sunion", st.tuples(key_lists)),
    Op("sdiff", st.tuples(key_lists)),
    Op("sinterstore", st.tuples(keys, key_lists)),
    Op("sunionstore", st.tuples(keys, key_lists)),
    Op("sdiffstore", st.tuples(keys, key_lists)),
    Op("sintercard", key_lists.flatmap(lambda ks: limits.map(lambda n: (len(ks), ks, n)))),
    Op("sscan", st.tuples(keys), st.fixed_dictionaries({
        "match": st.none() | globs, "count": st.none() | st.sampled_from([10, 100])}),
       unordered=True),
]
