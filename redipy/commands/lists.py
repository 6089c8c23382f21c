"""Command table: the list commands (blocking variants live with the blocking group)."""

from __future__ import annotations

from redipy.commands.spec import CommandSpec, KeyNum, KeyRange

_W = frozenset({"write"})
_WF = frozenset({"write", "fast"})
_R = frozenset({"readonly"})
_RF = frozenset({"readonly", "fast"})
_ONE = (KeyRange(1),)
_TWO = (KeyRange(1, 2),)
_PUSH = "O(1) for each element added, so O(N) to add N elements"
_POPPED = "O(N) where N is the number of elements returned"

COMMANDS: tuple[CommandSpec, ...] = (
    CommandSpec(
        "LPUSH", "list", -3,
        "Put values at the head of a list, creating it when missing; returns the length.",
        _PUSH, "LPUSH key element [element ...]", "1.0.0", _ONE, _WF),
    CommandSpec(
        "RPUSH", "list", -3,
        "Put values at the tail of a list, creating it when missing; returns the length.",
        _PUSH, "RPUSH key element [element ...]", "1.0.0", _ONE, _WF),
    CommandSpec(
        "LPUSHX", "list", -3,
        "Put values at the head of a list only if the list exists; returns the length.",
        _PUSH, "LPUSHX key element [element ...]", "2.2.0", _ONE, _WF),
    CommandSpec(
        "RPUSHX", "list", -3,
        "Put values at the tail of a list only if the list exists; returns the length.",
        _PUSH, "RPUSHX key element [element ...]", "2.2.0", _ONE, _WF),
    CommandSpec(
        "LPOP", "list", -2,
        "Remove and return the first element (or the first count elements) of a list.",
        _POPPED, "LPOP key [count]", "1.0.0", _ONE, _WF),
    CommandSpec(
        "RPOP", "list", -2,
        "Remove and return the last element (or the last count elements) of a list.",
        _POPPED, "RPOP key [count]", "1.0.0", _ONE, _WF),
    CommandSpec(
        "LLEN", "list", 2, "Count the elements of a list (0 when it is missing).",
        "O(1)", "LLEN key", "1.0.0", _ONE, _RF),
    CommandSpec(
        "LRANGE", "list", 4,
        "Elements between two indexes, both inclusive; negative indexes count from the end.",
        "O(S+N) where S is the distance of start from the nearer end and N the number of "
        "elements returned", "LRANGE key start stop", "1.0.0", _ONE, _R),
    CommandSpec(
        "LINDEX", "list", 3, "The element at an index (negative counts from the end), or nil.",
        "O(N) where N is the distance of the index from the nearer end",
        "LINDEX key index", "1.0.0", _ONE, _R),
    CommandSpec(
        "LSET", "list", 4, "Overwrite the element at an index; fails outside the list.",
        "O(N) where N is the distance of the index from the nearer end",
        "LSET key index element", "1.0.0", _ONE, _W, status_reply=True),
    CommandSpec(
        "LINSERT", "list", 5,
        "Insert a value before or after the first occurrence of a pivot; -1 if not found.",
        "O(N) where N is the number of elements before the pivot",
        "LINSERT key BEFORE|AFTER pivot element", "2.2.0", _ONE, _W),
    CommandSpec(
        "LREM", "list", 4,
        "Remove occurrences of a value: count > 0 from the head, < 0 from the tail, 0 all.",
        "O(N+M) where N is the length of the list and M the number of elements removed",
        "LREM key count element", "1.0.0", _ONE, _W),
    CommandSpec(
        "LTRIM", "list", 4,
        "Keep only the elements between two indexes; an empty result deletes the list.",
        "O(N) where N is the number of elements removed", "LTRIM key start stop", "1.0.0",
        _ONE, _W, status_reply=True),
    CommandSpec(
        "LPOS", "list", -3,
        "Positions of a value in a list, from either end, limited by rank, count, maxlen.",
        "O(N) where N is the number of elements scanned",
        "LPOS key element [RANK rank] [COUNT num-matches] [MAXLEN len]", "6.0.6", _ONE, _R),
    CommandSpec(
        "LMOVE", "list", 5,
        "Pop an element from one end of a list and push it on an end of another (or the same).",
        "O(1)", "LMOVE source destination LEFT|RIGHT LEFT|RIGHT", "6.2.0", _TWO, _W),
    CommandSpec(
        "RPOPLPUSH", "list", 3,
        "Pop the last element of a list and push it at the head of another (or the same).",
        "O(1)", "RPOPLPUSH source destination", "1.2.0", _TWO, _W),
    CommandSpec(
        "LMPOP", "list", -4,
        "Pop up to count elements from the first non-empty list of several keys.",
        "O(N+M) where N is the number of keys given and M the number of elements popped",
        "LMPOP numkeys key [key ...] LEFT|RIGHT [COUNT count]", "7.0.0", (KeyNum(1, 2),), _W),
)
