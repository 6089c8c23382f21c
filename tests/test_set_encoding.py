"""Small sets in the server's order and encoding, asked of Valkey 9.1, Valkey 8.1 and
Redis 7.0.

A server keeps a set of integers as an ``intset`` (SMEMBERS and SSCAN give them
ascending), a small set as a ``listpack`` (insertion order; a removal keeps the rest's
order) and only a ``hashtable`` in an order of its own; the encoding only grows (a
hashtable stays one when the set shrinks). Each scenario below is deterministic on both
Valkeys, and memory must answer it reply for reply. Redis 7.0 has no listpack sets (a
small set of strings is a hashtable there, in hash order): it is asked the same and must
agree as sets, and its hashtable answer is pinned (the README's difference table).
Where a server answers at random (SPOP or SRANDMEMBER below the set's size) the checks
are the server's own guarantees: a listpack is walked once, so what it returns comes in
the set's order.
"""

from __future__ import annotations

from typing import Any

import pytest

from tests.parity import fresh, outcome
from tests.servers import Server

Cmd = tuple[Any, ...]
E = ("OBJECT", "ENCODING", "s")
ED = ("OBJECT", "ENCODING", "d")


def members(prefix: str, count: int, start: int = 0) -> list[str]:
    return [f"{prefix}{i}" for i in range(start, start + count)]


def ints(count: int, start: int = 0) -> list[str]:
    return [str(i) for i in range(start, start + count)]


SMALL = [("SADD", "a", "c", "b", "a", "3", "1"), ("SADD", "b", "1", "a", "z", "c"),
         ("SADD", "i", "9", "3", "1", "5"), ("SADD", "j", "5", "1", "7")]

SCENARIOS: dict[str, list[Cmd]] = {
    "intset ascending": [("SADD", "s", "5", "-3", "10", "2"), ("SMEMBERS", "s"),
                         ("SSCAN", "s", "0"), E],
    "listpack keeps insertion order": [
        ("SADD", "s", "b", "a", "c", "10", "1"), ("SMEMBERS", "s"), ("SREM", "s", "a"),
        ("SADD", "s", "a"), ("SMEMBERS", "s"), ("SSCAN", "s", "0"), E],
    "intset to listpack: ascending, then the rest": [
        ("SADD", "s", "5", "3", "1"), ("SADD", "s", "x", "0"), ("SMEMBERS", "s"), E],
    "created as listpack by its first member": [("SADD", "s", "a", "3", "1"),
                                                ("SMEMBERS", "s"), E],
    "non-canonical integers are strings": [
        ("SADD", "s", "007", "-0", "+1", "1"), ("SMEMBERS", "s"), E,
        ("SADD", "t", "1", "-0"), ("SMEMBERS", "t"), ("OBJECT", "ENCODING", "t")],
    "64-bit edges": [("SADD", "s", "9223372036854775807", "-9223372036854775808"), E,
                     ("SADD", "s", "9223372036854775808"), E, ("SMEMBERS", "s")],
    "SADD of many is a hashtable at once": [
        ("SADD", "s", *ints(600)), E, ("SREM", "s", *ints(590, 10)), E,
        ("SADD", "t", *["a"] * 129), ("OBJECT", "ENCODING", "t")],
    "SADD's count converts a small set first": [
        ("SADD", "s", "a", "b"), ("SADD", "s", *["a"] * 129), E, ("SCARD", "s"),
        ("SADD", "t", "1", "2"), ("SADD", "t", *["1"] * 200), ("OBJECT", "ENCODING", "t")],
    "a hashtable stays one (129 members)": [
        ("SADD", "s", *members("m", 128)), E, ("SADD", "s", "x"), E,
        ("SREM", "s", *members("m", 120)), E, ("SCARD", "s")],
    "a hashtable stays one (513 integers)": [
        *[("SADD", "s", str(i)) for i in range(512)], E, ("SADD", "s", "9999"), E,
        ("SREM", "s", *ints(500)), E],
    "a hashtable stays one (a long member)": [
        ("SADD", "s", "a"), ("SADD", "s", "x" * 65), E, ("SREM", "s", "x" * 65), E,
        ("SADD", "t", "y" * 65), ("OBJECT", "ENCODING", "t")],
    "SMOVE adds at the end, creates by the member": [
        ("SADD", "s", "1", "2"), ("SADD", "t", "b", "a"), ("SMOVE", "t", "s", "a"),
        ("SMEMBERS", "s"), E, ("SMOVE", "s", "n", "2"), ("SMEMBERS", "n"),
        ("OBJECT", "ENCODING", "n"), ("SMOVE", "t", "n2", "b"),
        ("OBJECT", "ENCODING", "n2")],
    "SMOVE out of a big set leaves it a hashtable": [
        ("SADD", "s", *members("m", 129)), ("SMOVE", "s", "t", "m0"),
        ("OBJECT", "ENCODING", "t"), ("SREM", "s", *members("m", 119, 1)), E],
    "SINTER walks the smallest set (the first of equal ones)": [
        *SMALL, *[cmd for ks in (("a", "b"), ("b", "a"), ("i", "j"), ("a", "i"), ("i", "a"),
                                 ("a", "b", "i"))
                  for cmd in (("SINTER", *ks), ("SINTERSTORE", "d", *ks),
                              ("SMEMBERS", "d"), ED)],
        ("SADD", "x", "c", "b", "a"), ("SADD", "y", "a", "c", "b"), ("SADD", "w", "b", "a", "c"),
        ("SINTER", "x", "y"), ("SINTER", "y", "x"), ("SINTER", "w", "x", "y"),
        ("SINTERSTORE", "d", "y", "x"), ("SMEMBERS", "d")],
    "SUNIONSTORE and SDIFFSTORE build from an intset": [
        *SMALL, *[cmd for op in ("SUNIONSTORE", "SDIFFSTORE")
                  for ks in (("a", "b"), ("b", "a"), ("i", "j"), ("a", "i"), ("i", "a"),
                             ("a", "b", "i"), ("a", "nokey"), ("nokey", "a"))
                  for cmd in ((op, "d", *ks), ("SMEMBERS", "d"), ED)]],
    "SUNION and SDIFF of intsets are ascending": [
        *SMALL, ("SUNION", "i", "j"), ("SUNION", "j", "i"), ("SDIFF", "i", "j"),
        ("SDIFF", "j", "i"), ("SADD", "k", *ints(20, 1)[::-1]), ("SDIFF", "k", "i", "j")],
    "SDIFFSTORE's two algorithms": [
        ("SADD", "a", "x", "1", "2"), ("SADD", "b", "x"), ("SDIFFSTORE", "d", "a", "b"),
        ED, ("SMEMBERS", "d"),
        ("SADD", "a2", "x", *ints(9, 1)), ("SADD", "c", "y"), ("SADD", "e", "z"),
        ("SDIFFSTORE", "d", "a2", "b", "c", "e"), ED, ("SMEMBERS", "d"),
        ("SADD", "h", *members("m", 300)), ("SADD", "h2", *members("m", 295, 5)),
        ("SDIFFSTORE", "d", "h", "h2"), ED, ("SDIFFSTORE", "d", "h", "h2", "c", "e"), ED],
    "SINTERSTORE of hashtables is judged afresh": [
        ("SADD", "a", *ints(600)), ("SADD", "b", "5", "3", "x"), ("SINTERSTORE", "d", "a", "b"),
        ED, ("SMEMBERS", "d"),
        ("SADD", "c", *ints(400, 400)), ("SINTERSTORE", "d", "a", "c"), ED, ("SMEMBERS", "d"),
        ("SADD", "h", *members("m", 300)), ("SADD", "h2", *members("m", 310, 290)),
        ("SINTERSTORE", "d", "h", "h2"), ED,
        ("SADD", "h3", *members("m", 500, 100)), ("SINTERSTORE", "d", "h", "h3"), ED],
    "SPOP and SRANDMEMBER of the whole set": [
        ("SADD", "i", "9", "1", "5"), ("SRANDMEMBER", "i", "3"), ("SRANDMEMBER", "i", "7"),
        ("SPOP", "i", "3"), ("EXISTS", "i"),
        ("SADD", "s", "c", "b", "a", "1"), ("SRANDMEMBER", "s", "4"),
        ("SRANDMEMBER", "s", "10"), ("SPOP", "s", "0"), E],
    "SPOP with a big count builds a new set": [
        ("SADD", "s", *members("m", 200)), ("SPOP", "s", "190"), E, ("SCARD", "s"),
        ("SADD", "t", *ints(600)), ("SPOP", "t", "590"), ("OBJECT", "ENCODING", "t"),
        ("SADD", "u", "x", *ints(20)), ("SREM", "u", "x"), ("SPOP", "u", "18"),
        ("OBJECT", "ENCODING", "u"),
        ("SADD", "v", *ints(100)), ("SPOP", "v", "90"), ("OBJECT", "ENCODING", "v"),
        ("SADD", "w", *members("m", 200)), ("SPOP", "w", "150"), ("OBJECT", "ENCODING", "w")],
    "COPY and RENAME keep the encoding": [
        ("SADD", "s", *members("m", 200)), ("SREM", "s", *members("m", 197, 3)),
        ("COPY", "s", "t"), ("OBJECT", "ENCODING", "t"), ("RENAME", "t", "u"),
        ("OBJECT", "ENCODING", "u"), ("SADD", "l", "b", "a"), ("COPY", "l", "l2"),
        ("SADD", "l2", "c"), ("SMEMBERS", "l2"), ("SMEMBERS", "l")],
}

#: the scenario whose SPOP replies are random members (compared by their number)
RANDOM = "SPOP with a big count builds a new set"


def run(kind: str, servers: dict[str, Server], cmds: list[Cmd]) -> list[Any]:
    client = fresh(kind, servers)
    try:
        out = [outcome(lambda c=cmd: client.execute_command(*c)) for cmd in cmds]  # type: ignore[misc]
    finally:
        client.close()
    return out


def as_set(reply: Any) -> Any:
    """A reply with its member lists as sorted lists (SSCAN's [cursor, members] too)."""
    if isinstance(reply, list):
        return sorted(map(str, (as_set(r) for r in reply)))
    return reply


@pytest.mark.parametrize("name", list(SCENARIOS))
def test_small_sets_as_valkey(servers: dict[str, Server], name: str) -> None:
    cmds = SCENARIOS[name]
    mem = run("memory", servers, cmds)
    for kind in ("valkey9", "valkey"):
        theirs = run(kind, servers, cmds)
        for cmd, a, b in zip(cmds, mem, theirs):
            if name == RANDOM and cmd[0] == "SPOP":  # which members go is random
                a, b = (a[0], len(set(a[1]))), (b[0], len(set(b[1])))
            assert a == b, f"{kind}: {cmd[:4]} -> {b!r}, memory {a!r}"
    if "redis" in servers:
        theirs = run("redis", servers, cmds)
        for cmd, a, b in zip(cmds, mem, theirs):
            if cmd[:2] != ("OBJECT", "ENCODING") and not (name == RANDOM and cmd[0] == "SPOP"):
                assert (a[0], as_set(a[1])) == (b[0], as_set(b[1])), f"redis: {cmd[:4]}"


def test_redis7_has_no_listpack_sets(servers: dict[str, Server]) -> None:
    cmds: list[Cmd] = [("SADD", "s", "b", "a"), E, ("SADD", "t", "1", "a"),
                       ("OBJECT", "ENCODING", "t")]
    for kind in ("memory", *servers):
        want = ["hashtable", "hashtable"] if kind == "redis" else ["listpack", "listpack"]
        assert [r[1] for r in run(kind, servers, cmds)][1::2] == want, kind


def subsequence(part: list[str], whole: list[str]) -> bool:
    it = iter(whole)
    return all(m in it for m in part)


@pytest.mark.parametrize("kind", ["memory", "valkey9", "valkey"])
def test_random_picks_of_a_listpack_come_in_its_order(servers: dict[str, Server],
                                                      kind: str) -> None:
    client = fresh(kind, servers)
    names = [f"m{i:02d}" for i in range(30)][::-1]
    for count in (5, 12, 29):  # SRANDMEMBER below the size: one walk of the listpack
        client.execute_command("DEL", "s")
        client.execute_command("SADD", "s", *names)
        got = client.execute_command("SRANDMEMBER", "s", count)
        assert len(set(got)) == count and subsequence(got, names), (kind, got)
    for count in (3, 10, 26, 28):  # SPOP's case 2 (few go) and case 3 (few stay)
        client.execute_command("DEL", "s")
        client.execute_command("SADD", "s", *names)
        popped = client.execute_command("SPOP", "s", count)
        rest = client.execute_command("SMEMBERS", "s")
        assert len(set(popped)) == count and subsequence(popped, names), (kind, popped)
        assert subsequence(rest, names) and set(rest) | set(popped) == set(names), kind
        assert client.execute_command("OBJECT", "ENCODING", "s") == "listpack", kind
    client.close()
