"""Parity-machine operations for the HyperLogLog commands: PFADD, PFCOUNT (one key or
several), PFMERGE, on the shared key pool (other types give WRONGTYPE, and a string
that is not an HLL gives the HLL's own WRONGTYPE error). The final keyspace check
compares the HLLs' bytes."""

from __future__ import annotations

from hypothesis import strategies as st

from tests.strategies.common import Op, key_lists, keys, texts

OPS: list[Op] = [
    Op("pfadd", st.tuples(keys).flatmap(
        lambda k: st.lists(texts, max_size=5).map(lambda e: (*k, *e)))),
    Op("pfadd", st.tuples(keys, st.integers(0, 400)).map(
        lambda ka: (ka[0], *(f"e{n}" for n in range(ka[1]))))),
    Op("pfcount", key_lists.map(tuple)),
    Op("pfmerge", st.tuples(keys, key_lists).map(lambda d: (d[0], *d[1]))),
]
