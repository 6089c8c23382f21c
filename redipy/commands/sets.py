"""Command table: the set commands."""

from __future__ import annotations

from redipy.commands.spec import CommandSpec, KeyNum, KeyRange

_W = frozenset({"write"})
_WF = frozenset({"write", "fast"})
_R = frozenset({"readonly"})
_RF = frozenset({"readonly", "fast"})
_ONE = (KeyRange(1),)
_ALL = (KeyRange(1, -1),)

COMMANDS: tuple[CommandSpec, ...] = (
    CommandSpec(
        "SADD", "set", -3, "Add members to a set, creating it when missing.",
        "O(1) for each member added", "SADD key member [member ...]", "1.0.0",
        _ONE, _WF),
    CommandSpec(
        "SREM", "set", -3, "Remove members from a set; an emptied set is deleted.",
        "O(N) where N is the number of members to remove", "SREM key member [member ...]",
        "1.0.0", _ONE, _WF),
    CommandSpec(
        "SISMEMBER", "set", 3, "Tell whether a value is a member of a set.",
        "O(1)", "SISMEMBER key member", "1.0.0", _ONE, _RF),
    CommandSpec(
        "SMISMEMBER", "set", -3, "Tell, for each value, whether it is a member of a set.",
        "O(N) where N is the number of values checked", "SMISMEMBER key member [member ...]",
        "6.2.0", _ONE, _RF),
    CommandSpec(
        "SCARD", "set", 2, "Count the members of a set.",
        "O(1)", "SCARD key", "1.0.0", _ONE, _RF),
    CommandSpec(
        "SMEMBERS", "set", 2, "Every member of a set, in no particular order.",
        "O(N) where N is the set cardinality", "SMEMBERS key", "1.0.0", _ONE, _R),
    CommandSpec(
        "SPOP", "set", -2, "Remove and return random members of a set.",
        "O(1) without count, O(N) with a count of N", "SPOP key [count]", "1.0.0",
        _ONE, _WF),
    CommandSpec(
        "SRANDMEMBER", "set", -2,
        "Random members of a set without removing them (a negative count may repeat).",
        "O(1) without count, O(N) with a count of N", "SRANDMEMBER key [count]", "1.0.0",
        _ONE, _R),
    CommandSpec(
        "SMOVE", "set", 4, "Move a member from one set to another.",
        "O(1)", "SMOVE source destination member", "1.0.0", (KeyRange(1, 2),), _WF),
    CommandSpec(
        "SINTER", "set", -2, "Members present in every one of the given sets.",
        "O(N*M) worst case where N is the smallest set and M the number of sets",
        "SINTER key [key ...]", "1.0.0", _ALL, _R),
    CommandSpec(
        "SUNION", "set", -2, "Members present in any of the given sets.",
        "O(N) where N is the total number of members of all sets",
        "SUNION key [key ...]", "1.0.0", _ALL, _R),
    CommandSpec(
        "SDIFF", "set", -2, "Members of the first set that none of the other sets has.",
        "O(N) where N is the total number of members of all sets",
        "SDIFF key [key ...]", "1.0.0", _ALL, _R),
    CommandSpec(
        "SINTERSTORE", "set", -3, "Store the intersection of sets in a key; returns its size.",
        "O(N*M) worst case where N is the smallest set and M the number of sets",
        "SINTERSTORE destination key [key ...]", "1.0.0", _ALL, _W),
    CommandSpec(
        "SUNIONSTORE", "set", -3, "Store the union of sets in a key; returns its size.",
        "O(N) where N is the total number of members of all sets",
        "SUNIONSTORE destination key [key ...]", "1.0.0", _ALL, _W),
    CommandSpec(
        "SDIFFSTORE", "set", -3, "Store the difference of sets in a key; returns its size.",
        "O(N) where N is the total number of members of all sets",
        "SDIFFSTORE destination key [key ...]", "1.0.0", _ALL, _W),
    CommandSpec(
        "SINTERCARD", "set", -3,
        "Size of the intersection of sets, optionally stopping at a limit.",
        "O(N*M) worst case where N is the smallest set and M the number of sets",
        "SINTERCARD numkeys key [key ...] [LIMIT limit]", "7.0.0", (KeyNum(1, 2),), _R),
    CommandSpec(
        "SSCAN", "set", -3, "Walk the members of a set a few at a time with a cursor.",
        "O(1) per call, O(N) for a complete iteration",
        "SSCAN key cursor [MATCH pattern] [COUNT count]", "2.8.0", _ONE, _R),
)
