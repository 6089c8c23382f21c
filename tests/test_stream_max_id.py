"""XREADGROUP reads the greatest ID, ``18446744073709551615-18446744073709551615``, as
``>``: the servers encode ``>`` as that ID, so naming it explicitly reads new entries and
moves the group on, rather than the consumer's (empty) history. Found by the grammar
fuzzer (tests/grammar_fuzz.py); all three servers agree."""

from __future__ import annotations

from tests.parity import assert_same
from tests.servers import Server

MAX = "18446744073709551615-18446744073709551615"


def test_greatest_id_reads_new_entries(servers: dict[str, Server]) -> None:
    assert_same(servers, [
        ("XADD", "x", "1-1", "a", "1"), ("XADD", "x", "2-1", "b", "2"),
        ("XGROUP", "CREATE", "x", "g", "0"),
        ("XREADGROUP", "GROUP", "g", "c", "COUNT", "1", "STREAMS", "x", MAX),
        ("XPENDING", "x", "g"),
        ("XREADGROUP", "GROUP", "g", "c", "NOACK", "STREAMS", "x", "x", MAX, "0"),
        ("XPENDING", "x", "g"), ("XINFO", "GROUPS", "x"),
        ("XREADGROUP", "GROUP", "g", "c", "STREAMS", "x", MAX),
        ("XREAD", "STREAMS", "x", MAX),
        ("XREADGROUP", "GROUP", "g", "c", "STREAMS", "x", MAX[:-1] + "4"),
    ])
