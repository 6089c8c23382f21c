"""Parity-machine operations for the blocking pops.

The machine runs one client per backend, so nobody else ever pushes: a pop either
finds data at once or times out after a short wait (10 ms), which is exactly the
non-blocking behaviour to compare. Timeouts are tiny so the machine stays quick.
"""

from __future__ import annotations

from hypothesis import strategies as st

from tests.strategies.common import Op, counts, key_lists, keys

SHORT = 0.01
sides = st.sampled_from(["LEFT", "RIGHT", "left", "right"])
key_or_keys = keys | key_lists


OPS: list[Op] = [
    Op("blpop", st.tuples(key_or_keys, st.just(SHORT))),
    Op("brpop", st.tuples(key_or_keys, st.just(SHORT))),
    Op("blmove", st.tuples(keys, keys, st.just(SHORT), sides, sides)),
    Op("brpoplpush", st.tuples(keys, keys, st.just(SHORT))),
    Op("blmpop", key_lists.map(lambda ks: (SHORT, len(ks), *ks)),
       st.fixed_dictionaries({"direction": sides, "count": st.none() | counts})),
    Op("bzpopmin", st.tuples(key_or_keys, st.just(SHORT))),
    Op("bzpopmax", st.tuples(key_or_keys, st.just(SHORT))),
    Op("bzmpop", key_lists.map(lambda ks: (SHORT, len(ks), ks)),
       st.sampled_from([{"min": True}, {"max": True}]).flatmap(
           lambda d: st.integers(min_value=-1, max_value=4).map(
               lambda c: {**d, "count": c}))),
]
