"""Stream cases the grammar fuzzer (tests/grammar_fuzz.py) found, each against the three
servers."""

from __future__ import annotations

from tests.parity import assert_same, fresh, run_raw
from tests.servers import Server
from tests.test_cmd_lists import same_on

MAX = "18446744073709551615-18446744073709551615"


def test_greatest_id_reads_new_entries(servers: dict[str, Server]) -> None:
    """XREADGROUP reads the greatest ID as ``>``: the servers encode ``>`` as that ID, so
    naming it reads new entries and moves the group on, rather than the consumer's
    (empty) history. All three servers agree."""
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


def _reads(*setup: tuple[str, ...]) -> list[tuple[str, ...]]:
    """Three entries, a group that has read two, ``setup``, then the third read."""
    return [
        ("XADD", "x", "1-1", "a", "1"), ("XADD", "x", "2-1", "b", "2"),
        ("XADD", "x", "3-5", "c", "3"), ("XGROUP", "CREATE", "x", "g", "0"),
        ("XREADGROUP", "GROUP", "g", "c", "COUNT", "2", "STREAMS", "x", ">"),
        *setup, ("XINFO", "GROUPS", "x"),
        ("XREADGROUP", "GROUP", "g", "c", "STREAMS", "x", ">"), ("XINFO", "GROUPS", "x"),
    ]


def test_entries_read_counts_on_from_the_groups_last_id(servers: dict[str, Server]) -> None:
    """A group counts on (entries-read + 1) only when no tombstone lies at or after its own
    last-delivered ID, which must not be before the first entry; otherwise the count is
    estimated, here unknown (nil, and so the lag). Valkey 8.1 and 9.1 judge from the
    group's last ID; Redis 7.0 from the ID delivered, so it counts on to 3 (lag 0)."""
    newest = [kind for kind in servers if kind != "redis"]
    for setup in ([("XSETID", "x", "4", "MAXDELETEDID", "2-1")],
                  [("XTRIM", "x", "MINID", "=", "2-1"),
                   ("XSETID", "x", "4", "MAXDELETEDID", "2-1")],
                  [("XSETID", "x", "4", "MAXDELETEDID", "1-1")],
                  [("XTRIM", "x", "MINID", "=", "3-5")],
                  [("XDEL", "x", "3-5"), ("XADD", "x", "5-0", "d", "4")]):
        same_on(servers, newest, _reads(*setup))
    old = run_raw(fresh("redis", servers), _reads(("XSETID", "x", "4", "MAXDELETEDID", "2-1")))
    assert old[-1][1][0][-4:] == ["entries-read", 3, "lag", 0]
