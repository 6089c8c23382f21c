"""Command table: the blocking list and sorted-set pops.

They sit in the ``list`` / ``sorted_set`` groups with the ``blocking`` flag. A client
waits (up to a timeout in seconds, 0 = forever) until another client's write gives
it something to pop; inside a transaction they answer at once, as Redis's do.
"""

from __future__ import annotations

from redipy.commands.spec import CommandSpec, KeyNum, KeyRange
from redipy.commands.streams import BLOCKING_STREAM_NAMES

_WB = frozenset({"write", "blocking"})
_WFB = frozenset({"write", "fast", "blocking"})
_WDB = frozenset({"write", "denyoom", "blocking"})
_ALL_BUT_LAST = (KeyRange(1, -2),)
_TWO = (KeyRange(1, 2),)
_NUMKEYS = (KeyNum(2, 3),)

COMMANDS: tuple[CommandSpec, ...] = (
    CommandSpec(
        "BLPOP", "list", -3,
        "Pop the head of the first non-empty list among the keys, waiting up to timeout "
        "seconds for one to get an element; replies with the key and the element.",
        "O(N) where N is the number of keys given",
        "BLPOP key [key ...] timeout", "2.0.0", _ALL_BUT_LAST, _WB, script=False),
    CommandSpec(
        "BRPOP", "list", -3,
        "Pop the tail of the first non-empty list among the keys, waiting up to timeout "
        "seconds for one to get an element; replies with the key and the element.",
        "O(N) where N is the number of keys given",
        "BRPOP key [key ...] timeout", "2.0.0", _ALL_BUT_LAST, _WB, script=False),
    CommandSpec(
        "BLMOVE", "list", 6,
        "Move an element from one end of a list to an end of another, waiting up to "
        "timeout seconds while the source is empty.",
        "O(1)",
        "BLMOVE source destination LEFT|RIGHT LEFT|RIGHT timeout", "6.2.0", _TWO, _WDB,
        script=False),
    CommandSpec(
        "BRPOPLPUSH", "list", 4,
        "Move the tail of a list to the head of another, waiting up to timeout seconds "
        "while the source is empty (BLMOVE source destination RIGHT LEFT).",
        "O(1)",
        "BRPOPLPUSH source destination timeout", "2.2.0", _TWO, _WDB, script=False),
    CommandSpec(
        "BLMPOP", "list", -5,
        "Pop up to count elements from the first non-empty list of several keys, waiting "
        "up to timeout seconds while all of them are empty.",
        "O(N+M) where N is the number of keys given and M the number of elements popped",
        "BLMPOP timeout numkeys key [key ...] LEFT|RIGHT [COUNT count]", "7.0.0",
        _NUMKEYS, _WB, script=False),
    CommandSpec(
        "BZPOPMIN", "sorted_set", -3,
        "Pop the lowest-scored member of the first non-empty sorted set among the keys, "
        "waiting up to timeout seconds; replies with key, member and score.",
        "O(log(N)) with N the number of members of the sorted set",
        "BZPOPMIN key [key ...] timeout", "5.0.0", _ALL_BUT_LAST, _WFB, script=False),
    CommandSpec(
        "BZPOPMAX", "sorted_set", -3,
        "Pop the highest-scored member of the first non-empty sorted set among the keys, "
        "waiting up to timeout seconds; replies with key, member and score.",
        "O(log(N)) with N the number of members of the sorted set",
        "BZPOPMAX key [key ...] timeout", "5.0.0", _ALL_BUT_LAST, _WFB, script=False),
    CommandSpec(
        "BZMPOP", "sorted_set", -5,
        "Pop the lowest or highest members of the first non-empty sorted set of several, "
        "waiting up to timeout seconds while all of them are empty.",
        "O(K) + O(M*log(N)) for K keys given and M members popped from a set of N",
        "BZMPOP timeout numkeys key [key ...] MIN|MAX [COUNT count]", "7.0.0",
        _NUMKEYS, _WB, script=False),
)

BLOCKING_NAMES: frozenset[str] = frozenset(spec.name for spec in COMMANDS) | BLOCKING_STREAM_NAMES
"""Commands that may wait on the server (the Redis backend reads them without a socket timeout)."""
