"""Parity-machine operations for the generic (keyspace) and connection commands.

Only deterministic calls: expiry times are either far in the future or already past
(which deletes the key at once), so no key expires on its own during a run and the
backends cannot drift apart on timing. TTL readers (ttl, pttl, expiretime), SCAN
cursors, TIME and the flushes are tested directly in tests/test_cmd_generic.py.
"""

from __future__ import annotations

import datetime

from hypothesis import strategies as st

from redipy.memory.cmd_sort import NOT_DOUBLE
from tests.strategies.common import Op, globs, key_lists, keys, texts

FAR_MS = 4_102_444_800_000  # 2100-01-01 in ms
_UTC = datetime.UTC

expire_modes = st.sampled_from(["always", "if_persist", "if_expire", "if_later", "if_earlier"])
# seconds from now: far ahead (a few distinct values so GT/LT have something to
# compare), or zero/negative, which deletes the key
expire_in = st.sampled_from([-5.0, 0.0, 1e6, 2e6, 3.5e6])
expire_at = st.sampled_from([
    datetime.datetime(2100, 1, 1, tzinfo=_UTC),
    datetime.datetime(2101, 6, 1, 12, 30, tzinfo=_UTC),
    datetime.datetime(2000, 1, 1, tzinfo=_UTC),
])
far_ms = st.sampled_from([FAR_MS, FAR_MS + 1, FAR_MS + 86_400_000, -1, 0, 1])
far_s = st.sampled_from([FAR_MS // 1000, FAR_MS // 1000 + 7, 1, -3])
rel_ms = st.sampled_from([10**9, 2 * 10**9, 3 * 10**9 + 1, 0, -1])
cond = st.fixed_dictionaries({
    "nx": st.booleans(), "xx": st.booleans(), "gt": st.booleans(), "lt": st.booleans()})
key_types = st.sampled_from(["string", "list", "hash", "set", "zset"])


def _expire_kwargs() -> st.SearchStrategy[dict[str, object]]:
    return st.one_of(
        st.fixed_dictionaries({"mode": expire_modes, "expire_in": expire_in}),
        st.fixed_dictionaries({"mode": expire_modes, "expire_timestamp": expire_at}),
        st.fixed_dictionaries({"mode": expire_modes}),  # no time: PERSIST
    )


OPS: list[Op] = [
    Op("exists", key_lists.map(tuple)),
    Op("delete", key_lists.map(tuple)),
    Op("unlink", key_lists.map(tuple)),
    Op("touch", key_lists.map(tuple)),
    Op("key_type", st.tuples(keys)),
    Op("rename", st.tuples(keys, keys)),
    Op("renamenx", st.tuples(keys, keys)),
    Op("copy", st.tuples(keys, keys),
       st.fixed_dictionaries({"replace": st.booleans()})),
    Op("copy", st.tuples(keys, keys, st.sampled_from([0, 1])),
       st.fixed_dictionaries({"replace": st.booleans()})),
    Op("expire", st.tuples(keys), _expire_kwargs()),
    Op("pexpire", st.tuples(keys, rel_ms), cond),
    Op("expireat", st.tuples(keys, far_s), cond),
    Op("pexpireat", st.tuples(keys, far_ms), cond),
    Op("persist", st.tuples(keys)),
    Op("keys", st.just(()),
       st.fixed_dictionaries({"match": st.none() | globs})),
    Op("keys", st.just(()),
       st.fixed_dictionaries({"match": st.none() | globs, "filter_type": key_types})),
    Op("keys_block", st.just(()),
       st.fixed_dictionaries({"match": st.none() | globs}), unordered=True),
    Op("dbsize", st.just(())),
    Op("randomkey", st.just(()), random=True),
    Op("echo", st.tuples(texts)),
    Op("ping", st.just(())),
    # SORT without BY: a set's order would be its hash order with BY nosort
    Op("sort", st.tuples(keys), st.fixed_dictionaries({}, optional={
        "desc": st.booleans(), "alpha": st.booleans()}), newer_error=NOT_DOUBLE),
    Op("sort_ro", st.tuples(keys), st.fixed_dictionaries({}, optional={
        "desc": st.booleans(), "alpha": st.booleans()}), newer_error=NOT_DOUBLE),
]
