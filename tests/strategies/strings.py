"""Parity-machine operations for the string and bitmap commands.

Deterministic calls only: expiries are far in the future, in the past (the key goes
at once) or invalid (an error on every backend), so nothing expires on its own during
a run; exact TTLs are not read here (tests/test_cmd_strings.py does that). Values mix
numbers and non-numbers so counters hit their error paths. Bit offsets and SETRANGE
offsets stay small so no backend builds huge strings. BITCOUNT always gets both ends
(Redis 7.0 has no start-only form; Valkey 8 does).
"""

from __future__ import annotations

import datetime

from hypothesis import strategies as st

from tests.strategies.common import Op, key_lists, keys, texts

_UTC = datetime.UTC
FAR_S = 4_102_444_800  # 2100-01-01
FAR_MS = FAR_S * 1000

values = texts | st.sampled_from(["0", "-1", "7", "3.5", "1e3", "9223372036854775807", "inf"])
modes = st.sampled_from(["always", "if_missing", "if_exists"])
expire_in = st.sampled_from([None, None, 1e6, 2.5e6, 0.0, -1.0])
expire_at = st.sampled_from([
    None, datetime.datetime(2100, 1, 1, tzinfo=_UTC), datetime.datetime(2000, 1, 1, tzinfo=_UTC)])
int_amounts = st.sampled_from([1, -1, 0, 5, -7, 2**62, -(2**63), 2**63 - 1])
float_amounts = st.sampled_from([0.5, -2.25, 0.1, 1e300, -1e300, 3.0, float("inf")])
offsets = st.integers(min_value=-2, max_value=40)
small = st.integers(min_value=-12, max_value=12)
ex_secs = st.sampled_from([None, 1_000_000, 0])
px_ms = st.sampled_from([None, 2_000_000_000, -5])
exat = st.sampled_from([None, FAR_S, 1])
pxat = st.sampled_from([None, FAR_MS + 1, 5])
bit_modes = st.sampled_from([None, "BIT", "BYTE", "bit"])
mappings = st.dictionaries(keys, values, min_size=1, max_size=3)


def _set_value_kwargs() -> st.SearchStrategy[dict[str, object]]:
    """Both expire_in and expire_timestamp at once is a client-side ValueError: never."""
    base = {"mode": modes, "return_previous": st.booleans(), "keep_ttl": st.booleans()}
    return st.one_of(
        st.fixed_dictionaries(base),
        st.fixed_dictionaries({**base, "expire_in": expire_in}),
        st.fixed_dictionaries({**base, "expire_timestamp": expire_at}),
    )


def _set_kwargs() -> st.SearchStrategy[dict[str, object]]:
    return st.fixed_dictionaries({}, optional={
        "ex": ex_secs, "px": px_ms, "nx": st.booleans(), "xx": st.booleans(),
        "keepttl": st.booleans(), "get": st.booleans(), "exat": exat, "pxat": pxat,
    })


def _getex_kwargs() -> st.SearchStrategy[dict[str, object]]:
    # valid times only: GETEX's answer to an invalid one on a missing key changed in
    # Valkey 9 (tests/test_server_differences.py pins it; test_cmd_strings compares it)
    return st.fixed_dictionaries({}, optional={
        "ex": st.sampled_from([None, 1_000_000]), "px": st.sampled_from([None, 2_000_000_000]),
        "exat": exat, "pxat": pxat, "persist": st.booleans(),
    })


_encodings = st.sampled_from(["u1", "u4", "i8", "i16", "u63", "i64"])
_field_offsets = st.sampled_from([0, 3, 9, "#1", "#3"])
_bitfield_ops = st.tuples(st.sampled_from(["GET", "SET", "INCRBY"]), _encodings,
                          _field_offsets, st.integers(min_value=-300, max_value=300)
                          ).map(lambda t: t[:3] if t[0] == "GET" else t)

OPS: list[Op] = [
    # 0.7.1
    Op("set_value", st.tuples(keys, values), _set_value_kwargs()),
    Op("get_value", st.tuples(keys)),
    Op("incrby", st.tuples(keys, int_amounts | float_amounts)),
    # redis-py names
    Op("get", st.tuples(keys)),
    Op("set", st.tuples(keys, values), _set_kwargs()),
    Op("getdel", st.tuples(keys)),
    Op("getex", st.tuples(keys), _getex_kwargs()),
    Op("getset", st.tuples(keys, values)),
    Op("mget", st.tuples(key_lists)),
    Op("mset", st.tuples(mappings)),
    Op("msetnx", st.tuples(mappings)),
    Op("setnx", st.tuples(keys, values)),
    Op("setex", st.tuples(keys, st.sampled_from([1_000_000, 0, -3]), values)),
    Op("psetex", st.tuples(keys, st.sampled_from([1_000_000_000, 0]), values)),
    Op("append", st.tuples(keys, values)),
    Op("strlen", st.tuples(keys)),
    Op("getrange", st.tuples(keys, small, small)),
    Op("setrange", st.tuples(keys, st.integers(min_value=-1, max_value=12), values)),
    Op("incr", st.tuples(keys, int_amounts)),
    Op("incr", st.tuples(keys)),
    Op("decr", st.tuples(keys, int_amounts)),
    Op("decrby", st.tuples(keys, int_amounts)),
    Op("incrbyfloat", st.tuples(keys, float_amounts)),
    Op("setbit", st.tuples(keys, offsets, st.sampled_from([0, 1]))),
    Op("getbit", st.tuples(keys, offsets)),
    Op("bitcount", st.tuples(keys)),
    Op("bitcount", st.tuples(keys, small, small, bit_modes)),
    Op("bitpos", st.tuples(keys, st.sampled_from([0, 1]))),
    Op("bitpos", st.tuples(keys, st.sampled_from([0, 1, 2]), small)),
    Op("bitpos", st.tuples(keys, st.sampled_from([0, 1]), small, small, bit_modes)),
    # one key as source and destination, so that a cluster runs it too
    Op("bitop", st.tuples(st.sampled_from(["AND", "OR", "XOR", "NOT"]), keys)
       .map(lambda t: (t[0], t[1], t[1]))),
    Op("bitfield", st.tuples(keys, st.lists(_bitfield_ops, min_size=1, max_size=3)),
       st.fixed_dictionaries({}, optional={
           "overflow": st.sampled_from(["WRAP", "SAT", "FAIL"])})),
    Op("bitfield_ro", st.tuples(keys, _encodings, _field_offsets)),
]
