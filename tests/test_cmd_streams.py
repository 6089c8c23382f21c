"""Stream commands: raw parity with real servers, the typed API on every backend,
blocking reads across threads, and a consumer-group work queue.

Where the servers differ, memory follows Valkey 9.1 (8.1 agrees): Redis 7.0 has no
``+`` ID in XREAD, words the unbalanced-STREAMS error differently, lacks ``inactive`` in
XINFO CONSUMERS and ``active-time`` in XINFO STREAM FULL, and counts a group's
entries-read on from a wrong ENTRIESREAD where Valkey takes the exact count; for
``XADD key ms-*`` at the last sequence of ``ms`` it says "Elements are too large to be
stored" where Valkey says the ID is equal or smaller than the top item. Valkey 8.1
answers ``XREAD STREAMS key +`` on an empty stream with an error, 9.1 with nil. Redis
7.0's XCLAIM / XAUTOCLAIM create the named consumer only when they claim an entry.
"""

from __future__ import annotations

import random
import threading
import time
from collections.abc import Sequence
from typing import Any

import pytest

import redipy
from redipy.commands import COMMANDS
from redipy.commands.streams import COMMANDS as STREAM_COMMANDS
from redipy.errors import ResponseError, WatchError, WrongTypeError
from tests.parity import fresh, run_raw
from tests.servers import Server
from tests.test_blocking import Runner, wait_blocked
from tests.test_cmd_sets import command_info

OLD_REDIS_DIFFERS = "R70"
"""Marks a command whose reply Redis 7.0 gives differently (see the module docstring)."""
VALKEY81_DIFFERS = "V81"
"""Marks a command whose reply Valkey 8.1 gives differently (memory follows 9.1)."""
TIMES = "T"
"""Marks a command whose reply holds idle times or timestamps (masked before comparing)."""


def _mask(value: Any) -> Any:
    """Idle times and timestamps as 'T' (they differ by a few ms between backends);
    -1 (never active) and small counters stay."""
    if isinstance(value, list):
        return [_mask(v) for v in value]
    if isinstance(value, tuple):
        return tuple(_mask(v) for v in value)
    if type(value) is int and value > 50 and value != 100000:
        return "T"
    return value


def _mask_idle(value: Any) -> Any:
    """XPENDING / XINFO CONSUMERS: every integer after an 'idle'-like slot is a time."""
    if isinstance(value, list):
        if len(value) == 4 and isinstance(value[0], str) and "-" in value[0] \
                and type(value[2]) is int:
            return [value[0], value[1], "T" if value[2] < 100000 else value[2], value[3]]
        out = []
        prev = None
        for v in value:
            if prev in ("idle", "inactive", "seen-time", "active-time") and type(v) is int \
                    and v != -1:
                out.append("T")
            else:
                out.append(_mask_idle(v) if prev != "pending" or not isinstance(v, list)
                           else [_mask(x) for x in v])
            prev = v
        return out
    return value


def streams_same(servers: dict[str, Server], cmds: Sequence[Sequence[Any]]) -> None:
    """Run ``cmds`` on memory and every server; replies and errors must match. A command
    may start with TIMES (its times are masked) or OLD_REDIS_DIFFERS (not compared with
    Redis 7.0), or both."""
    plain: list[tuple[Any, ...]] = []
    masked: set[int] = set()
    old_skip: set[int] = set()
    v81_skip: set[int] = set()
    marks = {TIMES: masked, OLD_REDIS_DIFFERS: old_skip, VALKEY81_DIFFERS: v81_skip}
    for idx, cmd in enumerate(cmds):
        items = list(cmd)
        while items and items[0] in marks:
            marks[items.pop(0)].add(idx)
        plain.append(tuple(items))
    mem = run_raw(fresh("memory", servers), plain)
    for kind, srv in servers.items():
        got = run_raw(fresh(kind, servers), plain)
        old = srv.version().startswith("7.0")
        v81 = srv.version().startswith("8.")  # Valkey 8.1, standalone or a cluster of it
        for idx, (cmd, a, b) in enumerate(zip(plain, mem, got)):
            if (old and idx in old_skip) or (v81 and idx in v81_skip):
                continue
            if idx in masked:
                a = (a[0], _mask_idle(_mask(a[1])))
                b = (b[0], _mask_idle(_mask(b[1])))
            assert a == b, f"{kind}: {list(cmd)!r} -> memory {a!r} != server {b!r}"


def w(line: str) -> list[str]:
    return line.split()


# ---- the command table ---------------------------------------------------------------


def test_table_matches_command_info(server: Server) -> None:
    """Arity, flags and key positions of every stream command agree with COMMAND INFO."""
    for spec, info in zip(STREAM_COMMANDS, command_info(server, STREAM_COMMANDS)):
        assert spec.arity == info[1], spec.name
        assert set(spec.flags) == set(info[2]), spec.name
        if info[3]:
            argv = [spec.name, *(["k"] * 9)]
            assert spec.key_positions(argv) == [1], spec.name
    assert all(COMMANDS[spec.name] is spec for spec in STREAM_COMMANDS)
    xread = COMMANDS["XREAD"]
    assert xread.key_positions(w("XREAD COUNT 2 STREAMS a b 0 0")) == [4, 5]
    assert xread.key_positions(w("XREAD STREAMS a 0 1")) == []
    group = COMMANDS["XREADGROUP"]
    assert group.key_positions(w("XREADGROUP GROUP g c STREAMS s >")) == [5]
    assert COMMANDS["XGROUP"].key_positions(w("XGROUP CREATE s g $")) == [2]
    assert COMMANDS["XINFO"].key_positions(w("XINFO STREAM s")) == [2]


# ---- raw parity -----------------------------------------------------------------------


def test_xadd_ids_and_errors(servers: dict[str, Server]) -> None:
    streams_same(servers, [w(line) for line in [
        "XADD s 1-1 a 1", "XADD s 1-* b 2", "XADD s 5 c 3", "XADD s 0-0 x y",
        "XADD s 1-1 x y", "XADD s2 0-0 x y", "EXISTS s2", "XADD s x", "XADD s * a",
        "XADD s NOMKSTREAM * a b c", "XADD nos NOMKSTREAM * a b", "EXISTS nos",
        "XADD s MAXLEN -1 * a b", "XADD s MAXLEN = 2 LIMIT 5 * a b", "XADD s LIMIT 5 * a b",
        "XADD s LIMIT 0 * a b", "XADD s MINID 1 MAXLEN 1 * a b", "XADD s MAXLEN",
        "XADD s MAXLEN 1 x", "XADD s MAXLEN x * a b", "XADD s MINID bad * a b",
        "XADD s LIMIT -1 * a b", "XADD s abc a b", "XADD s 1-2-3 a b", "XADD s - a b",
        "XADD s + a b", "XADD s 9- a b", "XADD s 6-* a b", "XADD s 6-* a b",
        "XADD s 6-18446744073709551615 a b", "R70 XADD s 6-* a b", "XADD s 7-* a b",
        "XADD s 18446744073709551615-18446744073709551615 a b", "XADD s * a b",
        "XADD s +5-1 a b", "XLEN s", "XLEN nokey", "TYPE s", "SET str x",
        "XADD str * a b", "XLEN str", "XADD t 00010-0 a b", "XADD t 11-+1 a b",
        "XADD t 12-0 a b", "XRANGE t - +",
    ]])


def test_xrange_bounds_and_count(servers: dict[str, Server]) -> None:
    streams_same(servers, [w(line) for line in [
        "XADD s 1-1 a 1", "XADD s 1-2 b 2", "XADD s 5-0 c 3", "XADD s 7-3 d 4 e 5",
        "XRANGE s - +", "XRANGE s - + COUNT 0", "XRANGE nokey - + COUNT 0",
        "XRANGE s - + COUNT -1", "XRANGE s - + COUNT 2", "XRANGE s ( +", "XRANGE s (- +",
        "XRANGE s (1-1 (5", "XRANGE s (1 +", "XRANGE s 1 1", "XRANGE s 5 1",
        "XRANGE s (18446744073709551615-18446744073709551615 +", "XRANGE s - (0-0",
        "XRANGE s - + COUNT", "XRANGE s - + FOO 1", "XRANGE s - + COUNT x",
        "XRANGE s - + COUNT 1 COUNT 3", "XREVRANGE s + - COUNT 2", "XREVRANGE s (5 -",
        "XREVRANGE s (7-3 (1-1", "XREVRANGE s 1 1", "XREVRANGE s - +", "XRANGE s 1-00 1-2",
        "XRANGE s 00001 -0", "XRANGE s bad +", "XREVRANGE s + bad", "SET str x",
        "XRANGE str - +", "XRANGE str - + COUNT 0", "XREVRANGE str + -",
    ]] + [["XRANGE", "s", " 5", "+6"]])


def test_xdel_xtrim_xsetid_and_info(servers: dict[str, Server]) -> None:
    streams_same(servers, [w(line) for line in [
        "XADD s 1-1 a 1", "XADD s 1-2 b 2", "XADD s 5-0 c 3", "XADD s 7-3 d 4",
        "XDEL s 1-1 1-1 9-9", "XDEL s bad", "XDEL s 5-0 bad", "XDEL nokey 1", "XLEN s",
        "XINFO STREAM s", "XTRIM s MAXLEN 1", "XINFO STREAM s", "XTRIM s MAXLEN 0",
        "XINFO STREAM s", "EXISTS s", "XTRIM s", "XTRIM s FOO 1",
        "XTRIM s MAXLEN ~ 1 LIMIT 10", "XTRIM s MAXLEN 1 LIMIT 10", "XTRIM nokey MAXLEN 1",
        "XTRIM s MINID 2", "XSETID s 1-1", "XSETID nokey 1-1", "XSETID s 1-1 ENTRIESADDED -1",
        "XSETID s 1-1 MAXDELETEDID 2-2", "XSETID s 1-1 FOO", "R70 XSETID s 0",
        "XADD t 1-1 a b", "XADD t 2-1 a b", "XSETID t 1-1", "XSETID t 2-1 ENTRIESADDED 1",
        "XSETID t 3-0 ENTRIESADDED 10", "XINFO STREAM t", "XSETID t 4-0 MAXDELETEDID 3-5",
        "XINFO STREAM t", "XINFO STREAM t FULL COUNT 1", "XINFO STREAM t FULL COUNT 0",
        "XINFO STREAM t FULL COUNT -5", "XINFO STREAM t FULL COUNT", "XINFO STREAM t FOO",
        "XINFO STREAM t FULL COUNT x", "XINFO STREAM nokey", "XINFO FOO t", "XINFO GROUPS",
        "XINFO GROUPS t x", "XINFO GROUPS t", "R70 XINFO HELP", "R70 XGROUP HELP", "XGROUP FOO",
        "SET str x", "XDEL str 1", "XTRIM str MAXLEN 1", "XSETID str 1", "XINFO STREAM str",
    ]])


def test_trimming_follows_the_node_layout(servers: dict[str, Server]) -> None:
    """Approximate trims remove whole listpack nodes (100 entries or 4 kB), and XINFO's
    radix-tree counts follow the same layout, with values of several sizes."""
    rnd = random.Random(5)
    cmds: list[list[str]] = []
    for i in range(1, 260):
        val = "x" * rnd.choice([1, 5, 30, 70, 200])
        fields: list[str] = []
        for j in range(rnd.choice([1, 2, 3])):
            fields += [f"f{j}", val if j == 0 else str(i)]
        cmds.append(["XADD", "s", f"{i}-{rnd.randint(0, 3)}", *fields])
    cmds += [w("XINFO STREAM s"), ["XADD", "big", "1-1", "a", "y" * 5000],
             ["XADD", "big", "2-1", "a", "y" * 100], w("XINFO STREAM big")]
    cmds += [["XADD", "n", str(i), "a", "1", "b", str(i * 1000)] for i in range(1, 350)]
    cmds += [w(line) for line in [
        "XINFO STREAM n", "XTRIM n MAXLEN ~ 250", "XINFO STREAM n",
        "XTRIM n MAXLEN ~ 120 LIMIT 50", "XTRIM n MAXLEN ~ 120 LIMIT 150", "XINFO STREAM n",
        "XTRIM n MINID ~ 290", "XINFO STREAM n", "XTRIM n MINID 290", "XINFO STREAM n",
        "XDEL n 320 321 322", "XTRIM n MINID ~ 330", "XINFO STREAM n",
        "XTRIM s MAXLEN ~ 100", "XINFO STREAM s", "XTRIM s MAXLEN = 10", "XINFO STREAM s",
        "XADD s MAXLEN ~ 5 999-1 a b", "XLEN s", "XADD s MAXLEN 5 1000-1 a b",
        "XINFO STREAM s FULL",
    ]]
    for i in range(101):  # a node emptied by XDEL leaves the radix tree
        cmds.append(["XADD", "d", f"{i + 1}-0", "k", "v"])
    cmds += [["XDEL", "d", *(f"{i + 1}-0" for i in range(100))], w("XINFO STREAM d")]
    streams_same(servers, cmds)


def test_groups_and_reads(servers: dict[str, Server]) -> None:
    lines = [
        "XADD s 1-1 a 1", "XADD s 2-1 b 2", "XADD s 3-1 c 3",
        "XGROUP CREATE s g $", "XGROUP CREATE s g0 0", "XGROUP CREATE s g2 1-1 ENTRIESREAD 1",
        "XGROUP CREATE s g 0", "XGROUP CREATE nos g 0", "XGROUP CREATE nos g 0 MKSTREAM",
        "XINFO STREAM nos", "XINFO GROUPS s",
        "XREADGROUP GROUP g0 alice COUNT 1 STREAMS s >",
        "XREADGROUP GROUP g0 bob STREAMS s >", "XREADGROUP GROUP g0 bob STREAMS s 0",
        "XREADGROUP GROUP g0 bob COUNT 1 STREAMS s 0", "XREADGROUP GROUP g0 bob STREAMS s >",
        "XREADGROUP GROUP g0 bob STREAMS s $", "XREADGROUP GROUP nog bob STREAMS s >",
        "XREADGROUP GROUP g0 bob STREAMS nokey >", "XREADGROUP GROUP g0 bob STREAMS s",
        "XREADGROUP GROUP g0 bob COUNT x STREAMS s >",
        "XREADGROUP GROUP g0 bob BLOCK x STREAMS s >",
        "XREADGROUP GROUP g0 bob BLOCK -1 STREAMS s >",
        "XREADGROUP GROUP g0 bob NOACK FOO STREAMS s >", "XREADGROUP g0 bob STREAMS s >",
        "XREAD GROUP g0 bob STREAMS s >", "XREAD NOACK STREAMS s >", "XREAD STREAMS s >",
        "XREAD STREAMS s $", "XREAD STREAMS s 0", "XREAD COUNT 1 STREAMS s nokey 0 0",
        "XREAD COUNT 1 STREAMS nokey s 0 0", "XREAD COUNT 2", "XREAD STREAMS s bad",
        "XREAD STREAMS s 3-1", "XREAD STREAMS s 2", "XREAD COUNT -1 STREAMS s 0",
        "XREAD BLOCK x STREAMS s 0", "XREAD BLOCK -5 STREAMS s 0",
        "XINFO GROUPS s", "XPENDING s g0", "XPENDING s g2", "XPENDING s nog",
        "XPENDING nokey g", "XPENDING s g0 - + 0", "XPENDING s g0 - + -1",
        "XPENDING s g0 - + 10 nobody", "XPENDING s g0 IDLE 0 - +", "XPENDING s g0 IDLE x - + 10",
        "XPENDING s g0 - +", "XPENDING s g0 ( + 10", "XPENDING s g0 (1-1 + x",
        "T XPENDING s g0 - + 10 bob extra",
        "XACK s g0 1-1 9-9", "XACK s g0 bad", "XACK s nog 1-1", "XACK nokey g 1",
        "XACK s g0 2-1 2-1", "XPENDING s g0", "XGROUP CREATECONSUMER s g0 carol",
        "XGROUP CREATECONSUMER s g0 carol", "XGROUP DELCONSUMER s g0 bob",
        "XGROUP DELCONSUMER s g0 nobody", "XGROUP SETID s g0 0 ENTRIESREAD 0",
        "XGROUP SETID s g0 $", "XGROUP SETID s g0 - ENTRIESREAD 5", "XGROUP SETID s g0 0 FOO 1",
        "XGROUP SETID s g0 0 ENTRIESREAD 1 X", "XGROUP SETID s g0 bad", "XGROUP SETID s nog 0",
        "XGROUP CREATECONSUMER s nog c", "XGROUP DELCONSUMER s nog c",
        "XGROUP DESTROY s g2", "XGROUP DESTROY s g2", "XGROUP DESTROY nokey g",
        "XGROUP CREATE s g9 0 MKSTREAM ENTRIESREAD 1 X", "XGROUP CREATE s g9 bad",
        "XGROUP CREATE s g9 +", "XGROUP CREATE s g9 -", "XGROUP CREATE s g9 0 ENTRIESREAD -2",
        "XGROUP CREATE s g9 0 ENTRIESREAD x", "XGROUP CREATE t", "XINFO GROUPS s",
        "XADD s 4-1 d 4", "XADD s 5-1 e 5", "XREADGROUP GROUP g0 dave NOACK STREAMS s >",
        "R70 XINFO GROUPS s", "XPENDING s g0", "SET str x", "XGROUP CREATE str g 0",
        "XREADGROUP GROUP g c STREAMS str >", "XREAD STREAMS str 0", "XACK str g 1",
        "XPENDING str g",
    ]
    streams_same(servers, [w(line) for line in lines] + [
        [OLD_REDIS_DIFFERS, *w("XREADGROUP GROUP g0 bob STREAMS s +")],
        [OLD_REDIS_DIFFERS, *w("XREADGROUP GROUP g0 bob STREAMS s nokey >")],
        [OLD_REDIS_DIFFERS, *w("XREAD STREAMS s +")],
        [OLD_REDIS_DIFFERS, *w("XREAD STREAMS s 0 1")],
        [OLD_REDIS_DIFFERS, VALKEY81_DIFFERS, *w("XREAD STREAMS nos +")],
        [OLD_REDIS_DIFFERS, *w("XREAD STREAMS nokey +")],
        [OLD_REDIS_DIFFERS, *w("XDEL s 5-1")],
        [OLD_REDIS_DIFFERS, *w("XREAD STREAMS s +")],
        [OLD_REDIS_DIFFERS, *w("XSETID s 9-0")],
        [OLD_REDIS_DIFFERS, *w("XREAD COUNT 3 STREAMS s +")],
        [TIMES, *w("XPENDING s g0 - + 10")],
        [TIMES, *w("XPENDING s g0 - + 10 dave")],
        [TIMES, *w("XPENDING s g0 IDLE 0 - + 10")],
        [TIMES, *w("XPENDING s g0 IDLE 100000 - + 10")],
        [TIMES, OLD_REDIS_DIFFERS, *w("XINFO CONSUMERS s g0")],
        [TIMES, *w("XINFO CONSUMERS s nog")],
        [TIMES, OLD_REDIS_DIFFERS, *w("XINFO STREAM s FULL")],
    ])


def test_entries_read_and_lag(servers: dict[str, Server]) -> None:
    """The counters XINFO GROUPS reports, through reads, deletions, trims and XSETID
    (Valkey 8+'s rules; Redis 7.0's differ once a group is behind a tombstone or was given
    a wrong ENTRIESREAD)."""
    lines = [
        "XADD s 1-1 a 1", "XADD s 2-1 b 2", "XADD s 3-1 c 3", "XGROUP CREATE s g $",
        "XGROUP CREATE s g0 0", "XGROUP CREATE s g2 1-1 ENTRIESREAD 1",
        "XREADGROUP GROUP g0 a COUNT 1 STREAMS s >", "R70 XINFO GROUPS s",
        "XREADGROUP GROUP g0 a STREAMS s >", "R70 XINFO GROUPS s", "XDEL s 2-1",
        "R70 XINFO GROUPS s",
        "XSETID s 6-0 ENTRIESADDED 7 MAXDELETEDID 3-0", "R70 XINFO GROUPS s", "XINFO STREAM s",
        "XGROUP SETID s g0 0 ENTRIESREAD 0", "R70 XINFO GROUPS s", "XADD s 7-0 d 4",
        "XREADGROUP GROUP g2 b STREAMS s >", "R70 XINFO GROUPS s", "XTRIM s MAXLEN 1",
        "R70 XINFO GROUPS s", "XGROUP CREATE s g3 0", "XREADGROUP GROUP g3 c STREAMS s >",
        "R70 XINFO GROUPS s", "XADD e 1-1 a 1", "XADD e 2-1 a 1", "XADD e 3-1 a 1",
        "XGROUP CREATE e g 0", "XGROUP SETID e g - ENTRIESREAD 5", "R70 XINFO GROUPS e",
        "XGROUP CREATE e h 0 ENTRIESREAD 7", "XADD e 4-1 a 1", "XDEL e 1-1",
        "R70 XREADGROUP GROUP h x COUNT 2 STREAMS e >", "R70 XINFO GROUPS e",
    ]
    streams_same(servers, [w(line) for line in lines] + [
        [OLD_REDIS_DIFFERS, *w("XREADGROUP GROUP g x COUNT 1 STREAMS e >")],
        [OLD_REDIS_DIFFERS, *w("R70 XINFO GROUPS e")],
        [OLD_REDIS_DIFFERS, *w("XREADGROUP GROUP g x STREAMS e >")],
        [OLD_REDIS_DIFFERS, *w("R70 XINFO GROUPS e")],
    ])


def test_claims(servers: dict[str, Server]) -> None:
    lines = [
        "XADD s 1-1 a 1", "XADD s 2-1 b 2", "XADD s 3-1 c 3", "XADD s 4-1 d 4",
        "XGROUP CREATE s g 0", "XREADGROUP GROUP g alice STREAMS s >",
        "XCLAIM s g bob 0 1-1", "XCLAIM s g bob 0 1-1 JUSTID",
        "XCLAIM s g bob 0 2-1 RETRYCOUNT 7 JUSTID", "XCLAIM s g bob 0 2-1 IDLE 100000 JUSTID",
        "XCLAIM s g bob 99999999 1-1 2-1 3-1", "XCLAIM s g bob 0 9-9 FORCE", "XDEL s 3-1",
        "XCLAIM s g bob 0 3-1", "XPENDING s g", "XCLAIM s g bob 0 4-1 FOO",
        "XCLAIM s g bob 0 4-1 IDLE x", "XCLAIM s g bob 0 4-1 TIME x",
        "XCLAIM s g bob 0 4-1 RETRYCOUNT x", "XCLAIM s g bob 0 4-1 LASTID x",
        "XCLAIM s g bob 0 4-1 LASTID 9-0 JUSTID", "XINFO GROUPS s", "XCLAIM s g bob x 4-1",
        "XCLAIM s nog bob 0 4-1", "XCLAIM nokey g bob 0 4-1", "XADD s 5-1 e 5",
        "XADD s 6-1 f 6", "XCLAIM s g carol 0 5-1 6-1 FORCE JUSTID",
        "XCLAIM s g carol 0 5-1 6-1 FORCE", "XCLAIM s g carol 0 1-1 TIME -5 JUSTID",
        "XCLAIM s g carol 0 1-1 IDLE -5 JUSTID", "XCLAIM s g carol -5 1-1 JUSTID",
        "XAUTOCLAIM s g dave 0 0", "XAUTOCLAIM s g dave 0 0 COUNT 1",
        "XAUTOCLAIM s g dave 0 0 COUNT 1 JUSTID", "XAUTOCLAIM s g dave 0 (1-1 COUNT 2 JUSTID",
        "XDEL s 4-1 5-1", "XAUTOCLAIM s g erin 0 0 COUNT 1 JUSTID",
        "XAUTOCLAIM s g erin 0 0 COUNT 10 JUSTID", "XAUTOCLAIM s g erin 0 0 COUNT 0",
        "XAUTOCLAIM s g erin 0 0 COUNT x", "XAUTOCLAIM s g erin 0 0 FOO",
        "XAUTOCLAIM s g erin x 0", "XAUTOCLAIM s g erin 0 bad", "XAUTOCLAIM s nog erin 0 0",
        "XAUTOCLAIM s g erin 99999999 0",
        "XAUTOCLAIM s g erin 0 (18446744073709551615-18446744073709551615",
        "XPENDING s g", "XINFO STREAM s", "XTRIM s MINID 6-1", "XINFO GROUPS s",
        "XAUTOCLAIM s g frank 0 0", "XPENDING s g", "SET str x", "XCLAIM str g c 0 1",
        "XAUTOCLAIM str g c 0 0",
    ]
    streams_same(servers, [w(line) for line in lines] + [
        [TIMES, *w("XPENDING s g - + 10")],
        [TIMES, OLD_REDIS_DIFFERS, *w("XINFO CONSUMERS s g")],
    ])


def test_blocking_raw_answers(servers: dict[str, Server]) -> None:
    """BLOCK with data answers at once; without, it times out with nil; inside MULTI it
    answers at once."""
    streams_same(servers, [w(line) for line in [
        "XADD s 1-1 a 1", "XREAD BLOCK 10 STREAMS s 0", "XREAD BLOCK 10 STREAMS s $",
        "XREAD BLOCK 10 STREAMS nokey 0", "XGROUP CREATE s g $",
        "XREADGROUP GROUP g c BLOCK 10 STREAMS s >", "XREADGROUP GROUP g c BLOCK 10 STREAMS s 0",
        "MULTI", "XREAD BLOCK 0 STREAMS s $", "XREADGROUP GROUP g c BLOCK 0 STREAMS s >",
        "XADD s 2-1 b 2", "XREADGROUP GROUP g c BLOCK 0 STREAMS s >", "EXEC",
    ]])


# ---- the typed API --------------------------------------------------------------------------


def test_typed_entries(r: redipy.Redis) -> None:
    assert r.xadd("s", {"a": "1", "b": 2}, id="1-1") == "1-1"
    assert r.xadd("s", {"c": "3"}, id="2-*") == "2-0"
    assert r.xadd("s", {"d": "4"}, id=5) == "5-0"
    auto = r.xadd("s", {"e": "5"})
    assert auto is not None and int(auto.split("-")[0]) > 1_000_000_000_000
    assert r.xadd("nope", {"a": "1"}, nomkstream=True) is None
    assert r.xlen("s") == 4 and r.xlen("nope") == 0
    assert r.xrange("s", count=2) == [("1-1", {"a": "1", "b": "2"}), ("2-0", {"c": "3"})]
    assert r.xrange("s", "(1-1", "5") == [("2-0", {"c": "3"}), ("5-0", {"d": "4"})]
    assert r.xrevrange("s", "5", "-") == [("5-0", {"d": "4"}), ("2-0", {"c": "3"}),
                                          ("1-1", {"a": "1", "b": "2"})]
    assert r.xrange("nope") == []
    assert r.xdel("s", "1-1", "9-9") == 1
    assert r.xtrim("s", maxlen=1, approximate=False) == 2
    assert r.xtrim("s", maxlen=0, approximate=True) == 1  # the whole (last) node goes
    assert r.xadd("s", {"f": "6"}, id="99999999999999-0", maxlen=1, approximate=False)
    assert r.xlen("s") == 1
    assert r.xsetid("s", "99999999999999-5", entries_added=10, max_deleted_id="1-0")
    info = r.xinfo_stream("s")
    assert info["length"] == 1 and info["last-generated-id"] == "99999999999999-5"
    assert info["entries-added"] == 10 and info["max-deleted-entry-id"] == "1-0"
    assert info["first-entry"] == ("99999999999999-0", {"f": "6"})
    with pytest.raises(ResponseError, match="equal or smaller"):
        r.xadd("s", {"a": "1"}, id="1-1")
    with pytest.raises(ResponseError, match="Invalid stream ID"):
        r.xrange("s", "bad")
    r.set("str", "x")
    with pytest.raises(WrongTypeError):
        r.xadd("str", {"a": "1"})
    assert r.key_type("s") == "stream"


def test_typed_groups(r: redipy.Redis) -> None:
    for i in range(1, 6):
        r.xadd("s", {"n": str(i)}, id=f"{i}-0")
    assert r.xgroup_create("s", "g", id="0") is True
    assert r.xgroup_create("new", "g", mkstream=True) is True
    with pytest.raises(ResponseError, match="BUSYGROUP"):
        r.xgroup_create("s", "g")
    got = r.xreadgroup("g", "alice", {"s": ">"}, count=2)
    assert got == [["s", [("1-0", {"n": "1"}), ("2-0", {"n": "2"})]]]
    assert r.xreadgroup("g", "bob", {"s": ">"}, count=1) == [["s", [("3-0", {"n": "3"})]]]
    assert r.xreadgroup("g", "alice", {"s": "0"}) == [
        ["s", [("1-0", {"n": "1"}), ("2-0", {"n": "2"})]]]
    summary = r.xpending("s", "g")
    assert summary == {"pending": 3, "min": "1-0", "max": "3-0",
                       "consumers": [{"name": "alice", "pending": 2},
                                     {"name": "bob", "pending": 1}]}
    assert r.xpending("new", "g") == {"pending": 0, "min": None, "max": None,
                                      "consumers": []}
    rows = r.xpending_range("s", "g", "-", "+", 10)
    assert [(x["message_id"], x["consumer"], x["times_delivered"]) for x in rows] == [
        ("1-0", "alice", 2), ("2-0", "alice", 2), ("3-0", "bob", 1)]
    assert r.xpending_range("s", "g", "-", "+", 10, consumername="bob")[0]["message_id"] == "3-0"
    assert r.xpending_range("s", "g", "-", "+", 10, idle=1_000_000) == []
    assert r.xack("s", "g", "1-0", "9-9") == 1
    assert r.xclaim("s", "g", "carol", 0, ["2-0"]) == [("2-0", {"n": "2"})]
    assert r.xclaim("s", "g", "carol", 0, ["3-0"], justid=True) == ["3-0"]
    r.xdel("s", "3-0")
    assert r.xreadgroup("g", "carol", {"s": "0"}) == [["s", [("2-0", {"n": "2"}),
                                                             ("3-0", None)]]]
    assert r.xautoclaim("s", "g", "dave", 0, "0-0", count=10) == [
        "0-0", [("2-0", {"n": "2"})], ["3-0"]]
    assert r.xautoclaim("s", "g", "erin", 0, justid=True) == ["2-0"]
    groups = r.xinfo_groups("s")
    assert [(x["name"], x["pending"], x["last-delivered-id"], x["entries-read"], x["lag"])
            for x in groups] == [("g", 1, "3-0", 3, None)]
    consumers = r.xinfo_consumers("s", "g")
    assert [(x["name"], x["pending"]) for x in consumers] == [
        ("alice", 0), ("bob", 0), ("carol", 0), ("dave", 0), ("erin", 1)]
    full = r.xinfo_stream("s", full=True)
    assert list(full["entries"]) == ["1-0", "2-0", "4-0", "5-0"]
    assert full["groups"][0]["name"] == "g"
    assert full["groups"][0]["consumers"][4]["name"] == "erin"
    assert r.xgroup_createconsumer("s", "g", "zed") == 1
    assert r.xgroup_delconsumer("s", "g", "erin") == 1
    assert r.xgroup_setid("s", "g", "0", entries_read=0) is True
    assert r.xgroup_destroy("s", "g") is True
    assert r.xgroup_destroy("s", "g") is False
    with pytest.raises(ResponseError, match="NOGROUP"):
        r.xreadgroup("g", "a", {"s": ">"})


def test_typed_xread(r: redipy.Redis) -> None:
    r.xadd("a", {"k": "1"}, id="1-0")
    r.xadd("b", {"k": "2"}, id="2-0")
    assert r.xread({"a": "0", "b": "0"}) == [["a", [("1-0", {"k": "1"})]],
                                            ["b", [("2-0", {"k": "2"})]]]
    assert r.xread({"a": "$"}) == []
    assert r.xread({"a": "1-0"}, block=20) == []
    assert r.xread({"a": 0, "nope": 0}, count=1) == [["a", [("1-0", {"k": "1"})]]]


def test_pipeline(r: redipy.Redis) -> None:
    with r.pipeline() as pipe:
        pipe.xadd("s", {"a": "1"}, id="1-0")
        pipe.xgroup_create("s", "g", id="0")
        pipe.xreadgroup("g", "c", {"s": ">"})
        pipe.xread({"s": "$"}, block=0)  # inside MULTI: answers at once
        pipe.xpending("s", "g")
        pipe.xack("s", "g", "1-0")
        pipe.xrange("s")
        res = pipe.execute()
    assert res == ["1-0", True, [["s", [("1-0", {"a": "1"})]]], [],
                   {"pending": 1, "min": "1-0", "max": "1-0",
                    "consumers": [{"name": "c", "pending": 1}]}, 1, [("1-0", {"a": "1"})]]


def test_key_prefix(servers: dict[str, Server]) -> None:
    """Keys of XREAD's STREAMS list get the prefix, and lose it in the reply."""
    for kind in ["memory", "valkey9"]:
        if kind == "memory":
            client = redipy.Redis()
        else:
            client = redipy.Redis(url=servers[kind].url, prefix="pre")
            client.execute_command("FLUSHALL")
        client.xadd("s", {"a": "1"}, id="1-0")
        client.xgroup_create("s", "g", id="0")
        assert client.xread({"s": "0"}) == [["s", [("1-0", {"a": "1"})]]]
        assert client.xreadgroup("g", "c", {"s": ">"}) == [["s", [("1-0", {"a": "1"})]]]
        if kind != "memory":
            assert client.execute_command("EXISTS", "pre:s") == 0  # under the raw prefix
        client.close()


# ---- blocking ------------------------------------------------------------------------------


def test_xread_block_woken_by_xadd(r: redipy.Redis) -> None:
    r.xadd("s", {"old": "1"}, id="1-0")
    waiter = Runner(lambda: r.xread({"s": "$"}, block=5000))
    waiter.start()
    wait_blocked(r, 1)
    time.sleep(0.02)
    added_at = time.perf_counter()
    r.xadd("s", {"new": "2"}, id="2-0")
    assert waiter.value() == [["s", [("2-0", {"new": "2"})]]]
    assert waiter.done_at - added_at < 0.05


def test_block_zero_waits_until_served(r: redipy.Redis) -> None:
    r.xgroup_create("s", "g", mkstream=True)
    readers = [Runner(lambda: r.xread({"s": "$"}, block=0)),
               Runner(lambda: r.xread({"s": "0"}, block=0)),
               Runner(lambda: r.xreadgroup("g", "c1", {"s": ">"}, block=0)),
               Runner(lambda: r.xreadgroup("g", "c2", {"s": ">"}, block=0))]
    for reader in readers:
        reader.start()
    wait_blocked(r, 4)
    time.sleep(0.3)
    assert all(reader.is_alive() for reader in readers)  # BLOCK 0 still waiting
    r.xadd("s", {"k": "v"}, id="1-0")
    entry = [["s", [("1-0", {"k": "v"})]]]
    assert readers[0].value() == entry
    assert readers[1].value() == entry
    # one XADD serves one group reader; the other keeps waiting for the next one (the
    # served one's thread may take a while to be scheduled on a loaded machine)
    deadline = time.monotonic() + 5
    while all(reader.is_alive() for reader in readers[2:]) and time.monotonic() < deadline:
        time.sleep(0.01)
    time.sleep(0.05)
    assert sum(reader.is_alive() for reader in readers[2:]) == 1
    r.xadd("s", {"k": "w"}, id="2-0")
    got = sorted(str(readers[2].value()) + str(readers[3].value()) for _ in [0])
    assert "1-0" in got[0] and "2-0" in got[0]
    assert r.xpending("s", "g")["pending"] == 2


def test_blocked_xreadgroup_sees_its_group_destroyed(r: redipy.Redis) -> None:
    r.xgroup_create("s", "g", mkstream=True)
    waiter = Runner(lambda: r.xreadgroup("g", "c", {"s": ">"}, block=0))
    waiter.start()
    wait_blocked(r, 1)
    r.delete("s")
    with pytest.raises(ResponseError, match=r"NOGROUP|UNBLOCKED"):
        waiter.value()


def test_group_readers_served_in_blocking_order(r: redipy.Redis) -> None:
    """Consumers blocked on one group are served in the order they blocked, each with
    what one write brought (a transaction's two XADDs go to one reader), and only the
    ones served leave the line (same on every server)."""
    r.xgroup_create("s", "g", id="$", mkstream=True)
    readers = []
    for i in range(3):
        reader = Runner(lambda i=i: r.xreadgroup(  # type: ignore[misc]
            "g", f"c{i}", {"s": ">"}, count=10, block=5000))
        reader.start()
        wait_blocked(r, i + 1)
        readers.append(reader)
    r.xadd("s", {"n": "1"}, id="1-0")
    assert readers[0].value() == [["s", [("1-0", {"n": "1"})]]]
    time.sleep(0.05)
    assert readers[1].is_alive() and readers[2].is_alive()
    with r.pipeline(transaction=True) as pipe:
        pipe.xadd("s", {"n": "2"}, id="2-0")
        pipe.xadd("s", {"n": "3"}, id="3-0")
    assert readers[1].value() == [["s", [("2-0", {"n": "2"}), ("3-0", {"n": "3"})]]]
    time.sleep(0.05)
    assert readers[2].is_alive()
    r.xadd("s", {"n": "4"}, id="4-0")
    assert readers[2].value() == [["s", [("4-0", {"n": "4"})]]]


def test_list_and_zset_waiters_served_in_blocking_order(r: redipy.Redis) -> None:
    """BLPOP and BZPOPMIN waiters on one key: one push serves the first in line only."""
    for key, push, want in (
            ("l", lambda k, v: r.rpush(k, v), lambda k, v: (k, v)),
            ("z", lambda k, v: r.zadd(k, {v: 1}), lambda k, v: (k, v, 1.0))):
        pop = (lambda k=key: r.blpop(k, 5)) if key == "l" else (  # type: ignore[misc]
            lambda k=key: r.bzpopmin(k, 5))
        waiters = []
        for i in range(3):
            waiter = Runner(pop)
            waiter.start()
            wait_blocked(r, i + 1)
            waiters.append(waiter)
        for i, waiter in enumerate(waiters):
            push(key, f"v{i}")
            assert waiter.value() == want(key, f"v{i}")
            time.sleep(0.02)
            assert all(w.is_alive() for w in waiters[i + 1:])


def test_setid_does_not_serve_a_blocked_reader(r: redipy.Redis) -> None:
    """XGROUP SETID moves the group back but wakes nobody (Valkey 8.1 / 9.1, Redis 7.0):
    the blocked reader waits on, and the next write serves it from the new ID."""
    r.xadd("s", {"n": "1"}, id="1-0")
    r.xgroup_create("s", "g", id="$")
    reader = Runner(lambda: r.xreadgroup("g", "c", {"s": ">"}, block=5000))
    reader.start()
    wait_blocked(r, 1)
    r.xgroup_setid("s", "g", id="0")
    time.sleep(0.2)
    assert reader.is_alive()
    r.xadd("s", {"n": "2"}, id="2-0")
    assert reader.value() == [["s", [("1-0", {"n": "1"}), ("2-0", {"n": "2"})]]]


@pytest.mark.parametrize("how", ["destroy", "del", "set"])
def test_blocked_reader_gets_nogroup_at_once(r: redipy.Redis, backend: str, how: str) -> None:
    """XGROUP DESTROY and DEL of the stream answer a blocked XREADGROUP NOGROUP at once,
    SET over it WRONGTYPE (Valkey 8.1 / 9.1; Redis 7.0 words them its own way); a blocked
    XREAD of the key waits on."""
    r.xadd("s", {"n": "1"}, id="1-0")
    r.xgroup_create("s", "g", id="$")
    reader = Runner(lambda: r.xreadgroup("g", "c", {"s": ">"}, block=5000))
    plain = Runner(lambda: r.xread({"s": "$"}, block=400))
    reader.start()
    wait_blocked(r, 1)
    plain.start()
    wait_blocked(r, 2)
    started = time.perf_counter()
    if how == "destroy":
        r.xgroup_destroy("s", "g")
    elif how == "del":
        r.delete("s")
    else:
        r.set("s", "x")
    with pytest.raises(ResponseError) as caught:
        reader.value()
    want = ("WRONGTYPE Operation against a key holding the wrong kind of value"
            if how == "set" else
            "NOGROUP No such key 's' or consumer group 'g' in XREADGROUP with GROUP option")
    if backend == "redis":  # Redis 7.0, before 7.2 re-ran a blocked command
        want = {"destroy": "NOGROUP the consumer group this client was blocked on no "
                           "longer exists"}.get(how, "UNBLOCKED the stream key no longer exists")
    assert str(caught.value) == want
    assert reader.done_at - started < 1.0  # at once, not at its 5 s timeout (slack for load)
    assert plain.value() == []


def test_memory_block_releases_the_lock() -> None:
    """While one thread waits in XREAD BLOCK, others run commands on the same backend."""
    r = redipy.Redis()
    waiter = Runner(lambda: r.xread({"s": "$"}, block=0))
    waiter.start()
    wait_blocked(r, 1)
    for i in range(100):
        r.set(f"k{i}", "v")
    assert waiter.is_alive()
    r.xadd("s", {"a": "b"}, id="5-5")
    assert waiter.value() == [["s", [("5-5", {"a": "b"})]]]


# ---- a work queue --------------------------------------------------------------------------


def test_work_queue_with_dying_consumers(r: redipy.Redis) -> None:
    """One producer, three consumers of one group; some consumers die holding entries
    they never acknowledge, and the survivors reclaim them with XAUTOCLAIM. Every message
    is processed at least once and none is lost."""
    total = 120
    r.xgroup_create("jobs", "workers", id="0", mkstream=True)
    processed: dict[str, int] = {}
    lock = threading.Lock()
    stop = threading.Event()

    def produce() -> None:
        for i in range(total):
            r.xadd("jobs", {"job": str(i)})

    def consume(name: str, die_after: int) -> None:
        handled = 0
        while not stop.is_set():
            batch = r.xautoclaim("jobs", "workers", name, 30, "0-0", count=5)[1]
            if not batch:
                got = r.xreadgroup("workers", name, {"jobs": ">"}, count=5, block=20)
                batch = got[0][1] if got else []
            for sid, fields in batch:
                if fields is None:
                    continue
                if handled == die_after:
                    return  # dies holding its batch, unacknowledged
                with lock:
                    processed[fields["job"]] = processed.get(fields["job"], 0) + 1
                r.xack("jobs", "workers", sid)
                handled += 1

    workers = [threading.Thread(target=consume, args=(f"w{i}", die), daemon=True)
               for i, die in enumerate([15, 10**9, 25])]
    for t in workers:
        t.start()
    producer = threading.Thread(target=produce)
    producer.start()
    producer.join()
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline:
        with lock:
            if len(processed) == total and not r.xpending("jobs", "workers")["pending"]:
                break
        time.sleep(0.02)
    stop.set()
    for t in workers:
        t.join(5)
    assert sorted(processed, key=int) == [str(i) for i in range(total)]
    assert r.xpending("jobs", "workers")["pending"] == 0
    info = r.xinfo_groups("jobs")[0]
    assert info["lag"] == 0 and info["entries-read"] == total


@pytest.mark.parametrize(("seed", "batch"), [(1, 3), (2, 3), (3, 9), (4, 9)])
def test_random_group_flows(servers: dict[str, Server], seed: int, batch: int) -> None:
    """Random XADD / XREADGROUP / XACK / XCLAIM / XAUTOCLAIM / XDEL / XTRIM sequences with
    explicit IDs, compared on every server (times masked). ``batch`` 9: reads of up to 9
    entries and XACKs of runs of IDs, in order, reversed or repeated (the memory
    backend's one-step paths for a batch: counters past tombstones, PELs of several
    owners)."""
    rnd = random.Random(seed)
    cmds: list[list[str]] = [w("XGROUP CREATE s g 0 MKSTREAM"), w("XGROUP CREATE s h $")]
    next_ms = 1
    for _ in range(150):
        roll = rnd.random()
        cons = rnd.choice(["a", "b", "c"])
        grp = rnd.choice(["g", "h"])
        some = f"{rnd.randint(1, max(next_ms, 2))}-{rnd.randint(0, 1)}"
        if roll < 0.3:
            cmds.append(["XADD", "s", f"{next_ms}-{rnd.randint(0, 1)}", "f", str(next_ms)])
            next_ms += 1
        elif roll < 0.45:
            cmds.append(["XREADGROUP", "GROUP", grp, cons, "COUNT",
                         str(rnd.randint(1, batch)), "STREAMS", "s",
                         rnd.choice([">", ">", "0"])])
        elif roll < 0.55:
            if batch <= 3:
                cmds.append(["XACK", "s", grp, some, some])
                continue
            low = rnd.randint(1, max(next_ms - 1, 1))
            run = [f"{ms}-{seq}" for ms in range(low, low + rnd.randint(1, 5))
                   for seq in (0, 1)]
            order = rnd.choice(["in order", "reversed", "repeated"])
            if order == "reversed":
                run.reverse()
            elif order == "repeated":
                run += run[:2]
            cmds.append(["XACK", "s", grp, *run])
        elif roll < 0.62:
            cmds.append(["XCLAIM", "s", grp, cons, "0", some, *rnd.choice(
                [[], ["JUSTID"], ["FORCE"], ["RETRYCOUNT", "3"]])])
        elif roll < 0.7:
            cmds.append(["XAUTOCLAIM", "s", grp, cons, "0", "0", "COUNT",
                         str(rnd.randint(1, 4)), *rnd.choice([[], ["JUSTID"]])])
        elif roll < 0.77:
            cmds.append(["XDEL", "s", some])
        elif roll < 0.8:
            cmds.append(["XTRIM", "s", *rnd.choice([["MAXLEN", str(rnd.randint(0, 8))],
                                                    ["MINID", some]])])
        elif roll < 0.84:
            cmds.append(["XGROUP", "SETID", "s", grp, rnd.choice(["0", "$", some])])
        elif roll < 0.87:
            cmds.append(["XGROUP", "DELCONSUMER", "s", grp, cons])
        elif roll < 0.93:
            cmds.append(["XPENDING", "s", grp])
        else:
            cmds.append(["XINFO", "GROUPS", "s"])
    cmds += [w("XINFO STREAM s"), w("XRANGE s - +"), w("XPENDING s g"), w("XPENDING s h")]
    cmds += [[TIMES, OLD_REDIS_DIFFERS, *w("XINFO STREAM s FULL")]]
    old_sensitive = {"XREADGROUP", "XINFO"}  # Redis 7.0 counts entries-read differently
    marked = [[OLD_REDIS_DIFFERS, *cmd] if cmd[0] in old_sensitive else cmd for cmd in cmds]
    streams_same(servers, marked)


def test_nogroup_errors_do_not_show_the_key_prefix(servers: dict[str, Server]) -> None:
    """A server's NOGROUP text names the key it was sent: under a key prefix (and the
    cluster tests' one-slot prefix) that leaked the prefix; the backend strips it."""
    fresh("valkey9", servers).close()
    srv = servers["valkey9"]
    texts = []
    for client in (redipy.Redis(), redipy.Redis(url=srv.url, prefix="{p}:")):
        with pytest.raises(ResponseError) as err:
            client.xpending("s1", "g")
        texts.append(str(err.value))
        client.close()
    assert texts[0] == texts[1] == "NOGROUP No such key 's1' or consumer group 'g'"


WATCHED_OPS: dict[str, tuple[str, list[str]]] = {
    "XACK": ("s", ["XACK", "s", "g", "1-0"]),
    "XACK of nothing pending": ("s", ["XACK", "s", "g", "2-0"]),
    "XCLAIM": ("s", ["XCLAIM", "s", "g", "d", "0", "1-0"]),
    "XCLAIM JUSTID": ("s", ["XCLAIM", "s", "g", "d", "0", "1-0", "JUSTID"]),
    "XAUTOCLAIM": ("s", ["XAUTOCLAIM", "s", "g", "d", "0", "0"]),
    "XGROUP CREATECONSUMER": ("s", ["XGROUP", "CREATECONSUMER", "s", "g", "new"]),
    "XGROUP DELCONSUMER": ("s", ["XGROUP", "DELCONSUMER", "s", "g", "c"]),
    "XGROUP SETID": ("s", ["XGROUP", "SETID", "s", "g", "0"]),
    "XGROUP CREATE": ("s", ["XGROUP", "CREATE", "s", "h", "0"]),
    "XGROUP CREATE MKSTREAM": ("n", ["XGROUP", "CREATE", "n", "h", "0", "MKSTREAM"]),
    "XGROUP DESTROY": ("s", ["XGROUP", "DESTROY", "s", "g"]),
    "XREADGROUP": ("s", ["XREADGROUP", "GROUP", "g", "c", "STREAMS", "s", ">"]),
    "XREADGROUP history": ("s", ["XREADGROUP", "GROUP", "g", "new", "STREAMS", "s", "0"]),
    "XSETID": ("s", ["XSETID", "s", "5-0"]),
    "XADD": ("s", ["XADD", "s", "*", "f", "2"]),
    "XDEL": ("s", ["XDEL", "s", "2-0"]),
    "XTRIM": ("s", ["XTRIM", "s", "MAXLEN", "1"]),
}


def _seen_by_watch(r: redipy.Redis) -> dict[str, bool]:
    """For each of WATCHED_OPS: whether it, run by another client, aborts a transaction
    watching its key."""
    out = {}
    for name, (watched, cmd) in WATCHED_OPS.items():
        r.execute_command("FLUSHALL")
        r.execute_command("XADD", "s", "1-0", "f", "1")
        r.execute_command("XADD", "s", "2-0", "f", "1")
        r.execute_command("XGROUP", "CREATE", "s", "g", "0")
        r.execute_command("XREADGROUP", "GROUP", "g", "c", "COUNT", "1", "STREAMS", "s", ">")
        with r.pipeline() as pipe:
            pipe.watch(watched)
            r.execute_command(*cmd)
            pipe.multi()
            pipe.exists(watched)
            try:
                pipe.execute()
                out[name] = False
            except WatchError:
                out[name] = True
    return out


def test_which_stream_commands_watch_sees(servers: dict[str, Server]) -> None:
    """Only XADD, XDEL, XTRIM and creating the key abort a transaction watching a stream
    on every server (XACK, XCLAIM, XAUTOCLAIM, XGROUP, XSETID and XREADGROUP change
    groups or counters but signal no modification), and so on memory."""
    mem = _seen_by_watch(fresh("memory", servers))
    assert {name for name, seen in mem.items() if seen} == {
        "XADD", "XDEL", "XTRIM", "XGROUP CREATE MKSTREAM"}
    for kind in servers:
        assert _seen_by_watch(fresh(kind, servers)) == mem, kind


def test_ranges_reads_and_trims_among_many_deletes(servers: dict[str, Server]) -> None:
    """Hundreds of entries with XDELs (past the point where the memory backend sweeps its
    tombstones away), trims and reads in between: ranges, reverse ranges, XREAD and
    group reads see the same entries as every server."""
    rnd = random.Random(7)
    cmds: list[list[str]] = [w("XGROUP CREATE s g 0 MKSTREAM")]
    for ms in range(1, 401):
        cmds.append(["XADD", "s", f"{ms}-0", "f", str(ms)])
    for step in range(300):
        roll = rnd.random()
        some = f"{rnd.randint(1, 400)}-0"
        if roll < 0.55:
            cmds.append(["XDEL", "s", some, f"{rnd.randint(1, 400)}-0"])
        elif roll < 0.65:
            cmds.append(["XRANGE", "s", some, "+", "COUNT", str(rnd.randint(1, 12))])
        elif roll < 0.72:
            cmds.append(["XREVRANGE", "s", some, "-", "COUNT", str(rnd.randint(1, 12))])
        elif roll < 0.8:
            cmds.append(["XREAD", "COUNT", str(rnd.randint(1, 12)), "STREAMS", "s", some])
        elif roll < 0.88:
            cmds.append([OLD_REDIS_DIFFERS, "XREADGROUP", "GROUP", "g", "c", "COUNT",
                         str(rnd.randint(1, 12)), "STREAMS", "s", ">"])
        elif roll < 0.92:
            cmds.append(["XTRIM", "s", "MINID", f"{rnd.randint(1, 60) + step // 10}-0"])
        elif roll < 0.95:
            cmds.append(["XADD", "s", f"{1000 + step}-0", "f", "n"])
        else:
            cmds.append(["XLEN", "s"])
    cmds += [w("XRANGE s - +"), w("XREVRANGE s + -"), w("XLEN s")]
    # 260 of 400 deleted from the middle (memory sweeps its tombstones on the way), then
    # the stream trimmed past them all: ranges without tombstones after a sweep
    cmds.append(w("XGROUP CREATE t g 0 MKSTREAM"))
    cmds += [["XADD", "t", f"{ms}-0", "f", str(ms)] for ms in range(1, 401)]
    cmds += [["XDEL", "t", *(f"{ms}-0" for ms in range(lo, lo + 10))]
             for lo in range(101, 361, 10)]
    cmds += [w("XTRIM t MINID 361-0"), w("XRANGE t - + COUNT 5"), w("XRANGE t (370-0 + COUNT 7"),
             w("XREVRANGE t + - COUNT 3"), w("XREAD COUNT 4 STREAMS t 380-0"),
             w("XREADGROUP GROUP g c COUNT 6 STREAMS t >"), w("XRANGE t - +"), w("XLEN t")]
    streams_same(servers, cmds)


def test_one_key_reads_in_the_usual_forms(servers: dict[str, Server]) -> None:
    """XREAD COUNT n STREAMS key id, XREADGROUP GROUP g c COUNT n STREAMS key > and
    XINFO STREAM key, the forms the typed API sends (memory serves them without the
    option loops): every error in the same order, the special IDs, COUNT edge values,
    an entry claimed before it was delivered, and XINFO's edges after their entries
    were deleted."""
    streams_same(servers, [w(line) for line in [
        "XREAD COUNT 2 STREAMS nokey 0-0", "XADD s 1-1 a 1", "XADD s 1-2 b 2",
        "XADD s 5-0 c 3 d 4", "XADD s 7-3 e 5", "XREAD COUNT 2 STREAMS s 0-0",
        "XREAD COUNT 2 STREAMS s 1", "XREAD COUNT 0 STREAMS s 0", "XREAD COUNT -3 STREAMS s 0",
        "XREAD COUNT 2 STREAMS s 7-3", "XREAD COUNT 2 STREAMS s $", "XREAD COUNT 2 STREAMS s >",
        "XREAD COUNT 2 STREAMS s -", "XREAD COUNT 2 STREAMS s (1", "XREAD COUNT 2 STREAMS s x",
        "XREAD COUNT x STREAMS s 0", "XREAD COUNT 01 STREAMS s 0", "XREAD count 2 streams s 0",
        "SET str x", "XREAD COUNT 2 STREAMS str 0", "XREAD COUNT 2 STREAMS str bad",
        "XREAD COUNT x STREAMS str 0",
        "XGROUP CREATE s g 0", "XREADGROUP GROUP g c COUNT 1 STREAMS s >",
        "XREADGROUP GROUP g c COUNT 1 STREAMS s >", "XREADGROUP GROUP nog c COUNT 1 STREAMS s >",
        "XREADGROUP GROUP g c COUNT 1 STREAMS nokey >",
        "XREADGROUP GROUP g c COUNT 1 STREAMS str >",
        "XREADGROUP GROUP g c COUNT x STREAMS s >",
        "XREADGROUP GROUP g c COUNT 1 STREAMS s $", "XINFO GROUPS s",
    ]] + [
        [TIMES, "XCLAIM", "s", "g", "other", "0", "7-3", "FORCE", "JUSTID"],
        w("XREADGROUP GROUP g c2 COUNT 0 STREAMS s >"),
        [TIMES, "XPENDING", "s", "g", "-", "+", "10"],
        w("XREADGROUP GROUP g c2 COUNT 1 STREAMS s >"), w("XINFO STREAM s"),
        w("XDEL s 1-1 7-3"), w("XINFO STREAM s"), w("XDEL s 1-2 5-0"), w("XINFO STREAM s"),
        w("XINFO STREAM nokey"), w("XINFO STREAM str"), w("XINFO stream s"),
        w("XREAD COUNT 2 STREAMS s 0"), [OLD_REDIS_DIFFERS, *w("XREAD COUNT 2 STREAMS s +")],
        w("XREADGROUP GROUP g c COUNT 1 STREAMS s >"),
        w("XREADGROUP GROUP g c COUNT 5 STREAMS s 0"),
    ])
