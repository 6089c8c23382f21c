"""Parity-machine operations for publish and PUBSUB introspection.

The machine never subscribes, so every answer is deterministic (no receivers, no
active channels); the listener itself is tested in tests/test_pubsub.py.
"""

from __future__ import annotations

from hypothesis import strategies as st

from tests.strategies.common import Op, globs, keys, texts

OPS: list[Op] = [
    Op("publish", st.tuples(keys, texts)),
    Op("pubsub_channels", st.tuples(globs)),
    Op("pubsub_numsub", st.lists(keys, max_size=3).map(tuple)),
    Op("pubsub_numpat", st.just(())),
]
