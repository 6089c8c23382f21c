"""Command table: SORT and SORT_RO (group "generic", as in Redis's own table)."""

from __future__ import annotations

from redipy.commands.spec import CommandSpec, KeyOption, KeyRange

_OPTION_ARGS = (("LIMIT", 2), ("BY", 1), ("GET", 1), ("STORE", 1))
_SYNTAX = ("[BY pattern] [LIMIT offset count] [GET pattern [GET pattern ...]] "
           "[ASC | DESC] [ALPHA]")
_COMPLEXITY = ("O(N+M*log(M)) where N is the number of elements in the list or set to "
               "sort, and M the number of returned elements. When the elements are not "
               "sorted, complexity is O(N).")

COMMANDS: tuple[CommandSpec, ...] = (
    CommandSpec(
        "SORT", "generic", -2,
        "Sort the elements of a list, set or sorted set (numerically, or ALPHA), "
        "optionally by weights in other keys, fetching other keys' values (GET), and "
        "optionally storing the result as a list.",
        _COMPLEXITY, f"SORT key {_SYNTAX} [STORE destination]", since="1.0.0",
        keys=(KeyRange(1), KeyOption("STORE", 2, _OPTION_ARGS)),
        flags=frozenset({"write", "denyoom"})),
    CommandSpec(
        "SORT_RO", "generic", -2,
        "The read-only SORT (no STORE), allowed on replicas.",
        _COMPLEXITY, f"SORT_RO key {_SYNTAX}", since="7.0.0", keys=(KeyRange(1),),
        flags=frozenset({"readonly"})),
)
